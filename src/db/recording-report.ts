import { computeRecordingGaps, judgedWindow, type GapInput, type GapReport, type OutageEvent } from '../domain/recording-gaps.js';
import type { Sql } from './db.js';
import type { InterrogationSession } from './repositories/cases-repository.js';
import { RecordingsRepository, type RecordingEvent, type RecordingSegment, type SessionRecording } from './repositories/recordings-repository.js';

/**
 * The gap rule's input for one session, from what the recorder stored: segments, outage events, and when
 * recording was switched on and off. Used by the recorder when it finalizes and by the API while recording runs.
 */
export function gapInputOf(
  session: Pick<InterrogationSession, 'declaredStart' | 'declaredEnd'>,
  recording: SessionRecording,
  segments: readonly RecordingSegment[],
  events: readonly RecordingEvent[],
  toleranceSec: number,
  now = Date.now(),
): GapInput {
  const activeIntervals: Array<{ start: number; end: number | null }> = [];
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.kind === 'recording-started') activeIntervals.push({ start: at, end: null });
    if (e.kind === 'recording-stopped') {
      const open = activeIntervals.findLast((i) => i.end === null);
      if (open) open.end = at;
    }
  }
  const outages: OutageEvent[] = events.filter((e) => e.kind === 'outage' && e.cause).map((e) => ({ cameraId: e.deviceId, at: Date.parse(e.at), cause: e.cause! }));
  const window = judgedWindow({
    declaredStart: Date.parse(session.declaredStart),
    declaredEnd: session.declaredEnd ? Date.parse(session.declaredEnd) : null,
    stoppedAt: recording.stopRequestedAt ? Date.parse(recording.stopRequestedAt) : null,
    now,
  });
  return {
    cameraIds: recording.cameras.map((c) => c.deviceId),
    segments: segments.flatMap((s) => coveredSpans(s)),
    events: outages,
    activeIntervals,
    windowStart: window.start,
    windowEnd: window.end,
    toleranceSec,
  };
}

export async function recordingReport(
  sql: Sql,
  session: Pick<InterrogationSession, 'id' | 'declaredStart' | 'declaredEnd'>,
  recording: SessionRecording,
  toleranceSec: number,
  now = Date.now(),
): Promise<{ report: GapReport; segments: RecordingSegment[]; events: RecordingEvent[] }> {
  const repo = new RecordingsRepository(sql);
  const [segments, events] = await Promise.all([repo.segments(session.id), repo.events(session.id)]);
  return { report: computeRecordingGaps(gapInputOf(session, recording, segments, events, toleranceSec, now)), segments, events };
}

/** What a segment covers: its start to its end, less the holes inside it (the camera sent nothing). */
function coveredSpans(s: RecordingSegment): Array<{ cameraId: string; start: number; end: number }> {
  const spans: Array<{ cameraId: string; start: number; end: number }> = [];
  let cursor = Date.parse(s.startedAt);
  const end = Date.parse(s.endedAt);
  for (const h of [...s.holes].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const hs = Math.max(cursor, Date.parse(h.start));
    const he = Math.min(end, Date.parse(h.end));
    if (he <= hs) continue;
    spans.push({ cameraId: s.deviceId, start: cursor, end: hs });
    cursor = he;
  }
  spans.push({ cameraId: s.deviceId, start: cursor, end });
  return spans.filter((x) => x.end > x.start);
}
