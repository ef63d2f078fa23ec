import { describe, expect, it } from 'vitest';
import { caseSetHash, checkFraction, planSample, sampleSize, unitFraction } from './sampling.js';

const cases = (unit: string, n: number) => Array.from({ length: n }, (_, i) => ({ caseId: `${unit}-case-${i}`, unitCode: unit }));
const opts = { defaultFraction: 0.2, unitFractions: { U2: 0.1 } };

describe('supervisory sampling', () => {
  it('takes at least the fraction of each unit, rounded up, and at least one case of a unit that has any', () => {
    expect(sampleSize(10, 0.2)).toBe(2);
    expect(sampleSize(11, 0.2)).toBe(3);
    expect(sampleSize(3, 0.1)).toBe(1);
    expect(sampleSize(0, 0.2)).toBe(0);
    expect(sampleSize(5, 1)).toBe(5);
  });

  it('uses the per-unit fraction (10% for some departments), raised but never lowered by the request', () => {
    expect(unitFraction('U1', { ...opts })).toBe(0.2);
    expect(unitFraction('U2', { ...opts })).toBe(0.1);
    expect(unitFraction('U2', { ...opts, requested: 0.3 })).toBe(0.3);
    expect(unitFraction('U1', { ...opts, requested: 0.05 })).toBe(0.2);
    expect(checkFraction(0)).not.toBeNull();
    expect(checkFraction(1.2)).not.toBeNull();
    expect(checkFraction(0.2)).toBeNull();
  });

  it('is reproducible: the same seed over the same case set gives the same sample, whatever the input order', () => {
    const all = [...cases('U1', 50), ...cases('U2', 40)];
    const a = planSample(all, { ...opts, seed: 'seed-1' });
    const b = planSample([...all].reverse(), { ...opts, seed: 'seed-1' });
    expect(b.picked.map((c) => c.caseId)).toEqual(a.picked.map((c) => c.caseId));
    expect(b.caseSetHash).toBe(a.caseSetHash);
    const c = planSample(all, { ...opts, seed: 'seed-2' });
    expect(c.picked.map((x) => x.caseId)).not.toEqual(a.picked.map((x) => x.caseId));
  });

  it('picks at least the fraction per unit and overall', () => {
    const all = [...cases('U1', 50), ...cases('U2', 40), ...cases('U3', 7)];
    const p = planSample(all, { ...opts, seed: 's' });
    const per = (u: string) => p.picked.filter((c) => c.unitCode === u).length;
    expect([per('U1'), per('U2'), per('U3')]).toEqual([10, 4, 2]);
    expect(p.fractions).toEqual({ U1: 0.2, U2: 0.1, U3: 0.2 });
    expect(p.population).toEqual({ U1: 50, U2: 40, U3: 7 });
    expect(new Set(p.picked.map((c) => c.caseId)).size).toBe(p.picked.length);
  });

  it('spreads picks over the population (no bias to the first cases listed)', () => {
    const all = cases('U1', 1000);
    const p = planSample(all, { defaultFraction: 0.2, unitFractions: {}, seed: 'spread' });
    const firstHalf = p.picked.filter((c) => Number(c.caseId.split('-').at(-1)) < 500).length;
    expect(p.picked).toHaveLength(200);
    expect(firstHalf).toBeGreaterThan(70);
    expect(firstHalf).toBeLessThan(130);
  });

  it('hashes the case set independently of order', () => {
    expect(caseSetHash(['b', 'a'])).toBe(caseSetHash(['a', 'b']));
    expect(caseSetHash(['a'])).not.toBe(caseSetHash(['a', 'b']));
  });
});
