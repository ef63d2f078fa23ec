/**
 * Case review (法制审核): reviewing every interrogation recording is a required step (2014 interrogation rules:
 * each interrogation is recorded in full; the reviewer checks the recording). A case review can be completed only
 * when every interrogation session of the case has at least one recording and each of its recordings was reviewed.
 *
 * What "a recording" is depends on how it was made. Footage filed from elsewhere (a disc, a dock) is reviewed as
 * it is. When the platform recorded the session itself, its short segments are not reviewed one by one: each
 * camera's segments are joined into one recording, and that joined recording is what the reviewer watches and
 * signs. So a platform recording blocks completion while it still runs, while a camera's join is not made yet, and
 * until each joined recording is reviewed; its segments never do. A join replaced by a later one (the recording
 * was switched on again) no longer counts.
 */
export type RecordingRole = 'original' | 'segment' | 'joined' | 'superseded-join';

export interface SessionForReview {
  sessionId: string;
  /** Media linked to the session; `role` defaults to 'original' (footage filed by hand or from a dock). */
  recordings: Array<{ mediaId: string; reviewed: boolean; role?: RecordingRole; deviceId?: string }>;
  /** The platform's own recording of the session, when it was switched on. */
  platform?: {
    finalized: boolean;
    /** Cameras that produced at least one segment, and those whose current join exists. */
    camerasWithSegments: readonly string[];
    joinedCameras: readonly string[];
  };
}

export type ReviewBlocker =
  | { kind: 'recording-not-reviewed'; sessionId: string; mediaId: string }
  | { kind: 'session-unrecorded'; sessionId: string }
  | { kind: 'recording-in-progress'; sessionId: string }
  | { kind: 'recording-not-joined'; sessionId: string; deviceId: string };

/** The media a reviewer must review for a session: everything but segments and replaced joins. */
export function recordingsToReview(s: SessionForReview): SessionForReview['recordings'] {
  return s.recordings.filter((r) => (r.role ?? 'original') === 'original' || r.role === 'joined');
}

export function reviewBlockers(sessions: readonly SessionForReview[]): ReviewBlocker[] {
  const out: ReviewBlocker[] = [];
  for (const s of sessions) {
    const required = recordingsToReview(s);
    const p = s.platform;
    const notJoined = p ? p.camerasWithSegments.filter((d) => !p.joinedCameras.includes(d)) : [];
    if (p && !p.finalized) out.push({ kind: 'recording-in-progress', sessionId: s.sessionId });
    else for (const deviceId of notJoined) out.push({ kind: 'recording-not-joined', sessionId: s.sessionId, deviceId });
    // Nothing to review and nothing on its way: the session has no recording at all.
    const onItsWay = p ? !p.finalized || notJoined.length > 0 : false;
    if (required.length === 0 && !onItsWay) out.push({ kind: 'session-unrecorded', sessionId: s.sessionId });
    for (const r of required) {
      if (!r.reviewed) out.push({ kind: 'recording-not-reviewed', sessionId: s.sessionId, mediaId: r.mediaId });
    }
  }
  return out;
}

/** One line for the error message; the full list goes in the response. */
export function summarizeBlockers(blockers: readonly ReviewBlocker[]): string {
  const count = (k: ReviewBlocker['kind']) => blockers.filter((b) => b.kind === k).length;
  const unreviewed = count('recording-not-reviewed');
  const unrecorded = count('session-unrecorded');
  const running = count('recording-in-progress');
  const unjoined = count('recording-not-joined');
  const parts: string[] = [];
  if (unreviewed) parts.push(`${unreviewed} interrogation recording(s) not reviewed`);
  if (unrecorded) parts.push(`${unrecorded} interrogation session(s) without any linked recording`);
  if (running) parts.push(`${running} interrogation session(s) still being recorded`);
  if (unjoined) parts.push(`${unjoined} camera recording(s) not yet joined into one file`);
  return parts.join('; ');
}
