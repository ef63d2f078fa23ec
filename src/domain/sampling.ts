import { createHash, randomBytes } from 'node:crypto';

/**
 * Supervisory sampling (监督抽查): supervisors review at least 20% of a period's cases online (10% for some
 * departments). The sample must be reproducible from a recorded seed so an inspector can check that nobody picked
 * convenient cases: each case gets the key SHA-256(seed, case id), the cases of each unit are ordered by
 * that key, and the first ceil(fraction × n) are taken. The order the database returns cases in does not matter,
 * and the same seed over the same case set always gives the same sample. Pure (the hash is deterministic).
 */

export const DEFAULT_SAMPLE_FRACTION = 0.2;

export interface SampleCandidate {
  caseId: string;
  unitCode: string;
}

export interface SampledCase extends SampleCandidate {
  /** The case's key under the seed (hex); the sample is the lowest keys of each unit. */
  key: string;
}

export interface SamplePlan {
  seed: string;
  /** The fraction each unit was sampled at. */
  fractions: Record<string, number>;
  /** Cases per unit in the period. */
  population: Record<string, number>;
  picked: SampledCase[];
  /** SHA-256 over the sorted case ids: proves later which case set the sample was drawn from. */
  caseSetHash: string;
}

/** A fresh seed: 128 random bits, hex. Recorded with the sample; never derived from the time. */
export function newSeed(): string {
  return randomBytes(16).toString('hex');
}

export function sampleKey(seed: string, caseId: string): string {
  return createHash('sha256').update(`evm-sample\0${seed}\0${caseId}`).digest('hex');
}

/** Cases to take from a unit of n cases: never fewer than the fraction asks (rounded up), at least one if any. */
export function sampleSize(n: number, fraction: number): number {
  if (n === 0) return 0;
  // Guard against 0.2 × 10 = 2.0000000000000004 rounding up to 3.
  return Math.min(n, Math.max(1, Math.ceil(n * fraction - 1e-9)));
}

export function caseSetHash(caseIds: readonly string[]): string {
  return createHash('sha256').update([...caseIds].sort().join('\n')).digest('hex');
}

/**
 * The fraction a unit is sampled at: the configured share for that unit (else the default), raised, never
 * lowered, by what the supervisor asked for. The rule's minimum holds whatever the request says.
 */
export function unitFraction(unitCode: string, o: { requested?: number | null; defaultFraction: number; unitFractions: Readonly<Record<string, number>> }): number {
  const configured = o.unitFractions[unitCode] ?? o.defaultFraction;
  return Math.max(configured, o.requested ?? 0);
}

export function checkFraction(f: number): string | null {
  return Number.isFinite(f) && f > 0 && f <= 1 ? null : 'fraction must be in (0, 1]';
}

export function planSample(
  candidates: readonly SampleCandidate[],
  o: { seed: string; requested?: number | null; defaultFraction: number; unitFractions: Readonly<Record<string, number>> },
): SamplePlan {
  const byUnit = new Map<string, SampledCase[]>();
  for (const c of candidates) {
    const list = byUnit.get(c.unitCode) ?? [];
    list.push({ ...c, key: sampleKey(o.seed, c.caseId) });
    byUnit.set(c.unitCode, list);
  }
  const fractions: Record<string, number> = {};
  const population: Record<string, number> = {};
  const picked: SampledCase[] = [];
  for (const unit of [...byUnit.keys()].sort()) {
    const list = byUnit.get(unit)!.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.caseId < b.caseId ? -1 : 1));
    const f = unitFraction(unit, o);
    fractions[unit] = f;
    population[unit] = list.length;
    picked.push(...list.slice(0, sampleSize(list.length, f)));
  }
  return { seed: o.seed, fractions, population, picked, caseSetHash: caseSetHash(candidates.map((c) => c.caseId)) };
}
