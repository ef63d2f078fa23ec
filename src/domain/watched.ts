/**
 * Watched coverage: which seconds of a recording a reviewer actually played, from the ranges the player reports
 * as it plays. Pure and import-free (the web player shows the same figure it will be judged by).
 *
 * Only seconds played at normal speed or slower count toward the share a review needs: a reviewer who ran the
 * recording at 4× did not watch it in the sense the rules mean. Faster seconds are kept (and shown) but not
 * counted.
 */
export interface PlayedRange {
  startSec: number;
  endSec: number;
  /** Playback rate while the range played (1 = normal speed). */
  rate: number;
}

export type Interval = readonly [number, number];

/** Limits of one report: a player flushes every few seconds, so a few hundred ranges is already abuse. */
export const MAX_RANGES_PER_REPORT = 200;
/** Container rounding: a range may end this little past the probed duration. */
export const DURATION_TOLERANCE_SEC = 1;
/** Playback rates a browser offers; anything else is a broken or forged report. */
const MIN_RATE = 0.0625;
const MAX_RATE = 16;

/** Merges overlapping or touching intervals; empty ones vanish. Sorted by start. */
export function unionIntervals(intervals: Iterable<Interval>): Array<[number, number]> {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function totalLength(intervals: readonly Interval[]): number {
  return intervals.reduce((n, [a, b]) => n + (b - a), 0);
}

/** Clamps intervals to [0, durationSec]. */
export function clampIntervals(intervals: readonly Interval[], durationSec: number): Array<[number, number]> {
  return intervals.map(([a, b]) => [Math.max(0, a), Math.min(durationSec, b)] as [number, number]).filter(([a, b]) => b > a);
}

export interface WatchedCoverage {
  /** Every second played at any speed (merged), and only those at ≤ 1× (what counts). */
  played: Array<[number, number]>;
  counted: Array<[number, number]>;
  playedSec: number;
  countedSec: number;
  durationSec: number;
  /** countedSec / durationSec, 0..1; 0 for a recording of unknown or zero length. */
  share: number;
}

export function watchedCoverage(ranges: readonly PlayedRange[], durationSec: number | null): WatchedCoverage {
  const d = durationSec && durationSec > 0 ? durationSec : 0;
  const played = clampIntervals(unionIntervals(ranges.map((r) => [r.startSec, r.endSec] as const)), d);
  const counted = clampIntervals(unionIntervals(ranges.filter((r) => r.rate <= 1).map((r) => [r.startSec, r.endSec] as const)), d);
  const countedSec = totalLength(counted);
  return { played, counted, playedSec: totalLength(played), countedSec, durationSec: d, share: d > 0 ? Math.min(1, countedSec / d) : 0 };
}

/** Whether the watched share reaches the required one; a hair of float error never refuses a full watch. */
export function watchedEnough(share: number, minShare: number): boolean {
  return share + 1e-9 >= minShare;
}

/** Why a report is refused, or null when every range is acceptable. */
export function invalidRanges(ranges: readonly PlayedRange[], durationSec: number | null): string | null {
  if (ranges.length === 0) return 'no ranges';
  if (ranges.length > MAX_RANGES_PER_REPORT) return `at most ${MAX_RANGES_PER_REPORT} ranges per report`;
  for (const [i, r] of ranges.entries()) {
    if (![r.startSec, r.endSec, r.rate].every(Number.isFinite)) return `range ${i}: not a finite number`;
    if (r.startSec < 0 || r.endSec <= r.startSec) return `range ${i}: must have 0 ≤ startSec < endSec`;
    if (durationSec !== null && r.endSec > durationSec + DURATION_TOLERANCE_SEC) return `range ${i}: ends at ${r.endSec} s, past the recording's ${durationSec} s`;
    if (r.rate < MIN_RATE || r.rate > MAX_RATE) return `range ${i}: playback rate ${r.rate} outside ${MIN_RATE}–${MAX_RATE}`;
  }
  return null;
}
