/**
 * The coverage rates a police department answers for (each with a 100% target), as pure rules: which rates
 * exist, what each one counts, and the arithmetic on the numerator and denominator PostgreSQL returns. The
 * counting itself happens in SQL (src/db/coverage-queries.ts); this module never sees rows. Pure: no I/O.
 */

export const COVERAGE_RATES = ['bodycam-usage', 'storage', 'full-recording', 'upload-timeliness', 'interrogation-review'] as const;
export type CoverageRate = (typeof COVERAGE_RATES)[number];

/** What each rate counts, for API documentation, reports and metric help (zh-CN label first, as inspections use it). */
export const RATE_INFO: Record<CoverageRate, { zh: string; en: string; numerator: string; denominator: string; periodBy: string }> = {
  'bodycam-usage': {
    zh: '执法记录仪使用率',
    en: 'Body-cam usage',
    numerator: 'incidents with at least one linked recording',
    denominator: 'incidents that require recording',
    periodBy: 'incident start',
  },
  storage: {
    zh: '音视频资料储存率',
    en: 'Audio/video storage',
    numerator: 'files stored on the platform',
    denominator: 'files seen on docks and cameras (inventory)',
    periodBy: 'end of recording (else its start, else when a dock first saw it)',
  },
  'full-recording': {
    zh: '讯问全程录音录像率',
    en: 'Interrogation full recording',
    numerator: 'sessions recorded over the whole declared span with no unexplained gap',
    denominator: 'interrogation and questioning sessions',
    periodBy: 'declared start',
  },
  'upload-timeliness': {
    zh: '24小时上传及时率',
    en: 'Upload timeliness (24 h)',
    numerator: 'field files stored within the deadline after the end of recording',
    denominator: 'field files stored',
    periodBy: 'end of recording (else its start, else when it was stored)',
  },
  'interrogation-review': {
    zh: '讯问录像审看率',
    en: 'Interrogation recordings reviewed',
    numerator: 'interrogation recordings reviewed (before the case review was completed, where it was)',
    denominator: 'interrogation recordings: of cases whose review was completed, and those still waiting in cases under way',
    periodBy: 'case review completion (else the session\'s declared start)',
  },
};

/** Every rate's target: the rules ask for 100%. */
export const COVERAGE_TARGET = 1;

export interface RateValue {
  numerator: number;
  denominator: number;
  /**
   * numerator / denominator, 0..1; null when the denominator is 0. An empty period has nothing to measure: it is
   * shown as "n/a", neither a failure (0) nor a success that hides missing data (1). `missing` is still exact.
   */
  rate: number | null;
  target: number;
  /** denominator - numerator: how many items the drill-down lists. */
  missing: number;
  /** Nothing is missing (true for an empty denominator: no shortfall to report). */
  met: boolean;
}

export function rateOf(numerator: number, denominator: number, target = COVERAGE_TARGET): RateValue {
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < 0 || denominator < 0 || numerator > denominator) {
    throw new RangeError(`invalid rate ${numerator}/${denominator}`);
  }
  const rate = denominator === 0 ? null : numerator / denominator;
  return { numerator, denominator, rate, target, missing: denominator - numerator, met: rate === null || rate >= target };
}

/** Sums counts (for a total over groups that do not overlap, e.g. trend buckets). */
export function sumRates(values: readonly Pick<RateValue, 'numerator' | 'denominator'>[]): RateValue {
  return rateOf(
    values.reduce((n, v) => n + v.numerator, 0),
    values.reduce((n, v) => n + v.denominator, 0),
  );
}

/** "97.3%" for people; "n/a" for an empty denominator. Truncated, not rounded: 99.96% never shows as 100.0%. */
export function formatRate(rate: number | null, digits = 1): string {
  if (rate === null) return 'n/a';
  const f = 10 ** digits;
  return `${(Math.floor(rate * 100 * f) / f).toFixed(digits)}%`;
}

export const COVERAGE_GROUPINGS = ['unit', 'officer'] as const;
export type CoverageGrouping = (typeof COVERAGE_GROUPINGS)[number];

/** Why an interrogation session does not count as recorded in full (first failing check wins). */
export const FULL_RECORDING_SHORTFALLS = [
  /** no platform recording and no linked recording at all */
  'not-recorded',
  /** recordings linked by hand (e.g. copied from a disc) but not recorded by the platform: nothing proves they are whole */
  'unverified-recording',
  /** recording still running or not finalized, so its gaps are not computed yet */
  'recording-open',
  /** a gap above the tolerance without a person's reason */
  'unexplained-gaps',
  /** the recording (with its known gaps) does not reach the declared start or end */
  'span-not-covered',
] as const;
export type FullRecordingShortfall = (typeof FULL_RECORDING_SHORTFALLS)[number];

export interface CoverageScopeInput {
  role: 'officer' | 'reviewer' | 'unit_head' | 'admin' | 'auditor';
  unitCode: string | null;
}

export type CoverageScopeDecision =
  | { allowed: true; unitCode: string | null; /** the unit asked for must be this unit or one of its sub-units */ within: string | null }
  | { allowed: false; reason: string };

/**
 * Who sees which coverage figures. Admins and auditors (read-only inspection) see every unit; a unit head sees
 * their own unit and its sub-units (by default their own unit); officers and reviewers are refused: the rates
 * judge units and officers, and their drill-downs name other officers' missing footage.
 */
export function decideCoverageScope(user: CoverageScopeInput, requestedUnit: string | null): CoverageScopeDecision {
  if (user.role === 'admin' || user.role === 'auditor') return { allowed: true, unitCode: requestedUnit, within: null };
  if (user.role === 'unit_head') {
    if (!user.unitCode) return { allowed: false, reason: 'a unit head without a unit sees no coverage' };
    return { allowed: true, unitCode: requestedUnit ?? user.unitCode, within: user.unitCode };
  }
  return { allowed: false, reason: 'coverage rates are for unit heads, admins and auditors' };
}
