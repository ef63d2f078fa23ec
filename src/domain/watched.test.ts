import { describe, expect, it } from 'vitest';
import { invalidRanges, MAX_RANGES_PER_REPORT, unionIntervals, watchedCoverage, watchedEnough } from './watched.js';

describe('unionIntervals', () => {
  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(unionIntervals([[5, 8], [0, 2], [1, 3], [3, 4], [10, 10], [7, 9]])).toEqual([[0, 4], [5, 9]]);
  });
  it('keeps disjoint intervals apart, sorted', () => {
    expect(unionIntervals([[6, 7], [0, 1]])).toEqual([[0, 1], [6, 7]]);
    expect(unionIntervals([])).toEqual([]);
  });
  it('does not let one long interval be swallowed by order', () => {
    expect(unionIntervals([[0, 100], [10, 20], [50, 60]])).toEqual([[0, 100]]);
  });
});

describe('watchedCoverage', () => {
  it('counts each second once however often it was replayed', () => {
    const c = watchedCoverage([{ startSec: 0, endSec: 30, rate: 1 }, { startSec: 10, endSec: 30, rate: 1 }, { startSec: 0, endSec: 5, rate: 0.5 }], 60);
    expect(c.countedSec).toBe(30);
    expect(c.share).toBe(0.5);
  });
  it('shows seconds played faster than 1× but does not count them', () => {
    const c = watchedCoverage([{ startSec: 0, endSec: 20, rate: 1 }, { startSec: 20, endSec: 60, rate: 2 }], 60);
    expect(c.playedSec).toBe(60);
    expect(c.countedSec).toBe(20);
    expect(c.share).toBeCloseTo(1 / 3);
    expect(c.counted).toEqual([[0, 20]]);
  });
  it('clamps to the duration (container rounding) and never exceeds 100%', () => {
    const c = watchedCoverage([{ startSec: 0, endSec: 60.6, rate: 1 }], 60);
    expect(c.countedSec).toBe(60);
    expect(c.share).toBe(1);
  });
  it('is 0 for a recording of unknown length', () => {
    expect(watchedCoverage([{ startSec: 0, endSec: 5, rate: 1 }], null).share).toBe(0);
  });
});

describe('watchedEnough', () => {
  it('needs the whole share, forgiving only float error', () => {
    expect(watchedEnough(0.999, 1)).toBe(false);
    expect(watchedEnough(0.1 + 0.2 + 0.7, 1)).toBe(true);
    expect(watchedEnough(0.5, 0.5)).toBe(true);
  });
});

describe('invalidRanges', () => {
  const ok = { startSec: 0, endSec: 10, rate: 1 };
  it('accepts ranges within the duration', () => {
    expect(invalidRanges([ok, { startSec: 10, endSec: 60.5, rate: 1.5 }], 60)).toBeNull();
  });
  it('refuses empty, too many, non-finite, reversed, out-of-range and odd-rate reports', () => {
    expect(invalidRanges([], 60)).toMatch(/no ranges/);
    expect(invalidRanges(Array.from({ length: MAX_RANGES_PER_REPORT + 1 }, () => ok), 60)).toMatch(/at most/);
    expect(invalidRanges([{ startSec: 0, endSec: Infinity, rate: 1 }], 60)).toMatch(/finite/);
    expect(invalidRanges([{ startSec: Number.NaN, endSec: 1, rate: 1 }], 60)).toMatch(/finite/);
    expect(invalidRanges([{ startSec: 5, endSec: 5, rate: 1 }], 60)).toMatch(/startSec < endSec/);
    expect(invalidRanges([{ startSec: -1, endSec: 5, rate: 1 }], 60)).toMatch(/startSec < endSec/);
    expect(invalidRanges([{ startSec: 0, endSec: 62, rate: 1 }], 60)).toMatch(/past the recording/);
    expect(invalidRanges([{ startSec: 0, endSec: 5, rate: 100 }], 60)).toMatch(/rate/);
  });
});
