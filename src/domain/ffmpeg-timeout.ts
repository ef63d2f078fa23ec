/**
 * How long an ffmpeg run may take before the pipeline gives up on it. Pure: the caller measures nothing here.
 *
 * A fixed timeout is wrong both ways: a 10-hour interrogation would be killed half-way, and a stuck 5-second clip
 * would hold a worker slot for as long as the longest legitimate job. So the budget scales with the clip.
 */

/** Below this no run is cut short: process start, probing and a noisy shared machine all cost seconds. */
export const TIMEOUT_FLOOR_MS = 30_000;
/** Headroom over the expected time: other jobs share the two cores, and figures were measured on a quiet day. */
export const TIMEOUT_HEADROOM = 3;

/**
 * Timeout in ms for a run over `durationSec` of media that is expected to go at `realtimeFactor` × realtime
 * (e.g. 4 for libx264 veryfast to 720p, 400 for a `-c copy` remux; see /work/shared/machine-notes.md).
 * An unknown or non-positive duration gets the floor.
 */
export function timeoutFor(durationSec: number, realtimeFactor: number): number {
  if (!(realtimeFactor > 0) || !Number.isFinite(realtimeFactor)) {
    throw new RangeError(`realtimeFactor must be a positive number, got ${realtimeFactor}`);
  }
  if (!(durationSec > 0) || !Number.isFinite(durationSec)) return TIMEOUT_FLOOR_MS;
  const expectedMs = (durationSec / realtimeFactor) * 1000;
  return Math.max(TIMEOUT_FLOOR_MS, Math.ceil(expectedMs * TIMEOUT_HEADROOM));
}
