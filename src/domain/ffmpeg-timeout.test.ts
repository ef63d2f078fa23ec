import { describe, expect, it } from 'vitest';
import { TIMEOUT_FLOOR_MS, timeoutFor } from './ffmpeg-timeout.js';

describe('timeoutFor', () => {
  it('gives short clips the floor', () => {
    expect(timeoutFor(5, 4)).toBe(TIMEOUT_FLOOR_MS);
    expect(timeoutFor(0, 4)).toBe(TIMEOUT_FLOOR_MS);
    expect(timeoutFor(Number.NaN, 4)).toBe(TIMEOUT_FLOOR_MS);
  });
  it('scales with duration: 3 × the expected time', () => {
    // a 1 h clip at 4 × realtime is expected to take 900 s
    expect(timeoutFor(3600, 4)).toBe(2_700_000);
    expect(timeoutFor(7200, 4)).toBe(2 * timeoutFor(3600, 4));
  });
  it('rejects a non-positive speed', () => {
    expect(() => timeoutFor(60, 0)).toThrow(RangeError);
  });
});
