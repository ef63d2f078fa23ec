/**
 * Interrogation recordings must be full and uninterrupted (2014 rules): from the declared start to the declared
 * end, every camera of the room records, and every interruption is shown to the reviewer with how long it was and
 * why. This module is the rule, pure: segments (real wall-clock start and end, per camera) and the recorder's own
 * outage events in, gaps with their causes, coverage and the "full recording" verdict out.
 *
 * Times are milliseconds since the epoch (server time: the platform's clock, not a camera's drifting one).
 */

export const GAP_CAUSES = ['camera-offline', 'stream-stalled', 'recorder-restart', 'not-recording', 'unknown'] as const;
/**
 * - camera-offline: the camera refused or dropped the stream (network, power, camera reboot);
 * - stream-stalled: the stream stayed connected but no picture arrived (the recorder's watchdog cut it);
 * - recorder-restart: the recorder itself died (ffmpeg killed, platform restarted) and was restarted;
 * - not-recording: nobody had recording switched on (started late, stopped early, or stopped in between);
 * - unknown: none of the above was observed.
 */
export type GapCause = (typeof GAP_CAUSES)[number];

/** Two outages observed at the same instant: the first in this order names the gap. */
const CAUSE_PRIORITY: readonly GapCause[] = ['camera-offline', 'stream-stalled', 'recorder-restart', 'not-recording', 'unknown'];

export interface SegmentSpan {
  cameraId: string;
  start: number;
  end: number;
}

/** Something the recorder observed that explains missing footage; `cameraId` null means every camera. */
export interface OutageEvent {
  cameraId: string | null;
  at: number;
  cause: Exclude<GapCause, 'not-recording' | 'unknown'>;
}

export interface GapInput {
  cameraIds: readonly string[];
  segments: readonly SegmentSpan[];
  events: readonly OutageEvent[];
  /** When recording was switched on (start..stop, stop null while it runs); outside these nobody recorded. */
  activeIntervals: ReadonlyArray<{ start: number; end: number | null }>;
  /** The declared start and end of the interrogation (end: the stop or now while it runs). */
  windowStart: number;
  windowEnd: number;
  /** A gap longer than this breaks "full recording" and needs a person's reason. */
  toleranceSec: number;
}

export interface Gap {
  cameraId: string;
  start: number;
  end: number;
  durationSec: number;
  cause: GapCause;
}

export interface CameraCoverage {
  cameraId: string;
  recordedSec: number;
  coverage: number;
  /** Gaps of this camera longer than the tolerance. */
  gaps: number;
  /** Gaps within the tolerance (reconnects, keyframe alignment): counted, not reported one by one. */
  minorGaps: number;
  minorGapSec: number;
}

export interface GapReport {
  windowStart: number;
  windowEnd: number;
  declaredSec: number;
  /** Gaps above the tolerance, by camera then time: the ones a person must explain. */
  gaps: Gap[];
  cameras: CameraCoverage[];
  recordedSec: number;
  /** Recorded seconds / (declared duration × cameras), 0..1. */
  coverage: number;
  /** No camera has a gap above the tolerance between the declared start and end (and the room has a camera). */
  fullRecording: boolean;
}

/** Slack when attributing an event to a gap: an exit is noticed a moment after the last segment closed. */
const EVENT_SLACK_MS = 1000;

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Merges overlapping or touching intervals (sorted output). */
export function mergeIntervals(spans: ReadonlyArray<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = spans.filter((s) => s.end > s.start).map((s) => ({ start: s.start, end: s.end })).sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push(s);
  }
  return out;
}

/** Milliseconds of [start, end] not covered by `intervals` (merged, sorted). */
function uncovered(start: number, end: number, intervals: ReadonlyArray<{ start: number; end: number }>): number {
  let missing = 0;
  let cursor = start;
  for (const i of intervals) {
    if (i.end <= cursor) continue;
    if (i.start >= end) break;
    if (i.start > cursor) missing += i.start - cursor;
    cursor = Math.max(cursor, i.end);
    if (cursor >= end) break;
  }
  if (cursor < end) missing += end - cursor;
  return missing;
}

/**
 * What started the gap: the first outage the recorder observed in it (a stall is often followed by reconnects
 * that fail, a restart by a camera that does not answer: the first event is the root cause). A gap mostly outside
 * the time recording was switched on is not-recording whatever the events; without events, so is one with more than
 * the tolerance outside it; else unknown.
 */
export function causeOfGap(gap: { cameraId: string; start: number; end: number }, input: Pick<GapInput, 'events' | 'activeIntervals' | 'toleranceSec' | 'windowEnd'>): GapCause {
  const inGap = input.events
    .filter((e) => (e.cameraId === null || e.cameraId === gap.cameraId) && e.at >= gap.start - EVENT_SLACK_MS && e.at <= gap.end + EVENT_SLACK_MS)
    .sort((a, b) => a.at - b.at || CAUSE_PRIORITY.indexOf(a.cause) - CAUSE_PRIORITY.indexOf(b.cause));
  const active = mergeIntervals(input.activeIntervals.map((i) => ({ start: i.start, end: i.end ?? Math.max(input.windowEnd, gap.end) })));
  const offMs = uncovered(gap.start, gap.end, active);
  const off = offMs > input.toleranceSec * 1000;
  // Mostly switched off: that is the cause, whatever a camera did around the moment it was switched off or on.
  if (off && offMs * 2 > gap.end - gap.start) return 'not-recording';
  if (inGap[0]) return inGap[0].cause;
  if (off) return 'not-recording';
  return 'unknown';
}

/**
 * Gaps per camera between the declared start and end, their causes, and coverage. A camera with no segment at all
 * has one gap over the whole window. Segments outside the window count for nothing.
 */
export function computeRecordingGaps(input: GapInput): GapReport {
  const { windowStart, windowEnd } = input;
  const toleranceMs = input.toleranceSec * 1000;
  const declaredMs = Math.max(0, windowEnd - windowStart);
  const gaps: Gap[] = [];
  const cameras: CameraCoverage[] = [];
  let recordedMs = 0;

  for (const cameraId of input.cameraIds) {
    const clipped = mergeIntervals(
      input.segments
        .filter((s) => s.cameraId === cameraId)
        .map((s) => ({ start: Math.max(s.start, windowStart), end: Math.min(s.end, windowEnd) })),
    );
    const camRecorded = clipped.reduce((n, s) => n + (s.end - s.start), 0);
    recordedMs += camRecorded;
    const holes: Array<{ start: number; end: number }> = [];
    let cursor = windowStart;
    for (const s of clipped) {
      if (s.start > cursor) holes.push({ start: cursor, end: s.start });
      cursor = Math.max(cursor, s.end);
    }
    if (cursor < windowEnd) holes.push({ start: cursor, end: windowEnd });

    let major = 0;
    let minor = 0;
    let minorMs = 0;
    for (const h of holes) {
      const ms = h.end - h.start;
      if (ms > toleranceMs) {
        major++;
        gaps.push({ cameraId, start: h.start, end: h.end, durationSec: round(ms / 1000, 3), cause: causeOfGap({ cameraId, ...h }, input) });
      } else {
        minor++;
        minorMs += ms;
      }
    }
    cameras.push({
      cameraId,
      recordedSec: round(camRecorded / 1000, 3),
      coverage: declaredMs > 0 ? round(camRecorded / declaredMs, 4) : 0,
      gaps: major,
      minorGaps: minor,
      minorGapSec: round(minorMs / 1000, 3),
    });
  }

  const total = declaredMs * input.cameraIds.length;
  return {
    windowStart,
    windowEnd,
    declaredSec: round(declaredMs / 1000, 3),
    gaps,
    cameras,
    recordedSec: round(recordedMs / 1000, 3),
    coverage: total > 0 ? round(recordedMs / total, 4) : 0,
    fullRecording: input.cameraIds.length > 0 && declaredMs > 0 && gaps.length === 0,
  };
}

/**
 * The window a session's recording is judged over: the declared start, and the declared end, else the moment
 * recording stopped, else now (a recording still running is judged up to now).
 */
export function judgedWindow(s: { declaredStart: number; declaredEnd: number | null; stoppedAt: number | null; now: number }): { start: number; end: number } {
  const end = s.declaredEnd ?? s.stoppedAt ?? s.now;
  return { start: s.declaredStart, end: Math.max(end, s.declaredStart) };
}

/** Can a session be marked as recorded in full? Every stored gap must carry a person's reason. */
export function unexplainedGaps<T extends { reason: string | null }>(gaps: readonly T[]): T[] {
  return gaps.filter((g) => !g.reason || !g.reason.trim());
}
