/**
 * BullMQ lock settings that make JOB_LOCK_MS true: a job whose worker died is taken over within JOB_LOCK_MS (plus
 * the time to pick it up, well under a second).
 *
 * Why not lockDuration = stalledInterval = JOB_LOCK_MS (what we had; observed 27–46 s for 30 s): a live worker
 * renews its lock every lockDuration / 2 and each renewal takes the job off the "stalled" set. A stalled check
 * (every stalledInterval, by any live worker) moves a job back to waiting only when it was put on that set by the
 * previous check and its lock has since expired, then puts every active job on the set again. After a death at t0:
 * the last renewal was at most lockDuration / 2 earlier, so the lock is gone by t0 + lockDuration; the first check
 * after the last renewal (by t0 + stalledInterval) marks the job, and the first check after both marking and expiry
 * moves it. Worst case: t0 + max(2 × stalledInterval, lockDuration + stalledInterval). With lockDuration = ¾ and
 * stalledInterval = ¼ of JOB_LOCK_MS that is exactly JOB_LOCK_MS, and a live worker still renews every ⅜ of it.
 */
export function lockTiming(jobLockMs: number): { lockDuration: number; stalledInterval: number; worstTakeoverMs: number } {
  const lockDuration = Math.round(jobLockMs * 0.75);
  const stalledInterval = Math.round(jobLockMs * 0.25);
  return { lockDuration, stalledInterval, worstTakeoverMs: Math.max(2 * stalledInterval, lockDuration + stalledInterval) };
}
