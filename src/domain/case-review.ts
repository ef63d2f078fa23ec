/**
 * Case review (法制审核): reviewing every interrogation recording is a required step (2014 interrogation rules:
 * each interrogation is recorded in full; the reviewer checks the recording). A case review can be completed only
 * when every interrogation session of the case has at least one recording and each of its recordings was reviewed.
 */
export interface SessionForReview {
  sessionId: string;
  recordings: Array<{ mediaId: string; reviewed: boolean }>;
}

export type ReviewBlocker =
  | { kind: 'recording-not-reviewed'; sessionId: string; mediaId: string }
  | { kind: 'session-unrecorded'; sessionId: string };

export function reviewBlockers(sessions: readonly SessionForReview[]): ReviewBlocker[] {
  const out: ReviewBlocker[] = [];
  for (const s of sessions) {
    if (s.recordings.length === 0) out.push({ kind: 'session-unrecorded', sessionId: s.sessionId });
    for (const r of s.recordings) {
      if (!r.reviewed) out.push({ kind: 'recording-not-reviewed', sessionId: s.sessionId, mediaId: r.mediaId });
    }
  }
  return out;
}

/** One line for the error message; the full list goes in the response. */
export function summarizeBlockers(blockers: readonly ReviewBlocker[]): string {
  const unreviewed = blockers.filter((b) => b.kind === 'recording-not-reviewed').length;
  const unrecorded = blockers.filter((b) => b.kind === 'session-unrecorded').length;
  const parts: string[] = [];
  if (unreviewed) parts.push(`${unreviewed} interrogation recording(s) not reviewed`);
  if (unrecorded) parts.push(`${unrecorded} interrogation session(s) without any linked recording`);
  return parts.join('; ');
}
