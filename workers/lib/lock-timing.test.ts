import { describe, expect, it } from 'vitest';
import { lockTiming } from './lock-timing.js';

describe('lockTiming', () => {
  it.each([1000, 3000, 30_000, 120_000])('takes a dead worker job over within JOB_LOCK_MS=%i', (ms) => {
    const t = lockTiming(ms);
    expect(t.worstTakeoverMs).toBeLessThanOrEqual(ms + 1);
    // A live worker renews every lockDuration / 2: well before its lock could expire under a busy event loop.
    expect(t.lockDuration / 2).toBeGreaterThanOrEqual(ms * 0.37);
  });

  it('was not true with lock and stalled check both at JOB_LOCK_MS (the 27–46 s seen for 30 s)', () => {
    const worst = (lock: number, stalled: number) => Math.max(2 * stalled, lock + stalled);
    expect(worst(30_000, 30_000)).toBe(60_000);
    expect(lockTiming(30_000).worstTakeoverMs).toBe(30_000);
  });
});
