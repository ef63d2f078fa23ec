/**
 * Automatic linking of body-cam footage to 110 dispatch incidents (警情): the footage of an officer belongs to the
 * incident that officer attended when the recording and the incident overlap in time. Camera clocks drift and
 * officers start recording a little before arriving or stop a little after leaving, so the incident's window is
 * widened by a buffer on each side (AUTO_LINK_BUFFER_MINUTES, default 5).
 *
 * The rule never guesses: exactly one matching incident links; several are "ambiguous" and listed for a person to
 * decide; none leaves the footage unlinked (coverage reports show it). Pure, so every edge case is a unit test.
 */

export const DEFAULT_AUTO_LINK_BUFFER_MINUTES = 5;

export interface LinkableMedia {
  /** The officer number the camera or dock declared. */
  officerId: string | null;
  /** ISO 8601; device time as declared. */
  recordedAt: string | null;
  recordedEnd: string | null;
  /** From the probe, used when the dock sent no end time. */
  durationSec?: number | null;
}

export interface CandidateIncident {
  id: string;
  officerNumbers: readonly string[];
  startedAt: string;
  endedAt: string;
}

export type AutoLinkDecision =
  | { kind: 'link'; incidentId: string }
  | { kind: 'ambiguous'; incidentIds: string[] }
  | { kind: 'none'; reason: 'no-officer' | 'no-time' | 'no-match' };

/** The interval a recording covers, in epoch ms; an end-less recording is its start (or start + probed duration). */
export function recordingSpan(m: LinkableMedia): { start: number; end: number } | null {
  if (!m.recordedAt) return null;
  const start = Date.parse(m.recordedAt);
  if (Number.isNaN(start)) return null;
  let end = m.recordedEnd ? Date.parse(m.recordedEnd) : Number.NaN;
  if (Number.isNaN(end)) end = m.durationSec && m.durationSec > 0 ? start + m.durationSec * 1000 : start;
  return { start, end: Math.max(start, end) };
}

/**
 * The time window in which an incident can match this recording: [start - buffer, end + buffer]. Repositories use
 * it to pre-select candidates; `decideAutoLink` makes the decision.
 */
export function searchWindow(m: LinkableMedia, bufferMs: number): { from: Date; to: Date } | null {
  const span = recordingSpan(m);
  return span ? { from: new Date(span.start - bufferMs), to: new Date(span.end + bufferMs) } : null;
}

/** Does the incident, widened by the buffer on both sides, overlap the recording? Touching ends count. */
export function overlaps(span: { start: number; end: number }, incident: CandidateIncident, bufferMs: number): boolean {
  const from = Date.parse(incident.startedAt) - bufferMs;
  const to = Date.parse(incident.endedAt) + bufferMs;
  return span.start <= to && span.end >= from;
}

/** Which of the candidates this recording belongs to: one links, several are ambiguous, none is none. */
export function decideAutoLink(media: LinkableMedia, incidents: readonly CandidateIncident[], bufferMs: number): AutoLinkDecision {
  if (!media.officerId) return { kind: 'none', reason: 'no-officer' };
  const span = recordingSpan(media);
  if (!span) return { kind: 'none', reason: 'no-time' };
  const matches = [
    ...new Set(incidents.filter((i) => i.officerNumbers.includes(media.officerId!) && overlaps(span, i, bufferMs)).map((i) => i.id)),
  ].sort();
  if (matches.length === 0) return { kind: 'none', reason: 'no-match' };
  if (matches.length === 1) return { kind: 'link', incidentId: matches[0]! };
  return { kind: 'ambiguous', incidentIds: matches };
}

/** Seconds of real (unbuffered) overlap, shown to the person deciding an ambiguous match. */
export function overlapSeconds(media: LinkableMedia, incident: CandidateIncident): number {
  const span = recordingSpan(media);
  if (!span) return 0;
  const from = Math.max(span.start, Date.parse(incident.startedAt));
  const to = Math.min(span.end, Date.parse(incident.endedAt));
  return Math.max(0, Math.round((to - from) / 1000));
}
