import { describe, expect, it } from 'vitest';
import { decideAutoLink, overlapSeconds, recordingSpan, searchWindow, type CandidateIncident, type LinkableMedia } from './auto-link.js';

const MIN = 60_000;
const BUFFER = 5 * MIN;

const media = (over: Partial<LinkableMedia> = {}): LinkableMedia => ({
  officerId: '013579',
  recordedAt: '2026-11-23T08:30:00+08:00',
  recordedEnd: '2026-11-23T08:40:00+08:00',
  ...over,
});
const incident = (id: string, start: string, end: string, officers = ['013579']): CandidateIncident => ({
  id,
  officerNumbers: officers,
  startedAt: `2026-11-23T${start}:00+08:00`,
  endedAt: `2026-11-23T${end}:00+08:00`,
});

describe('decideAutoLink', () => {
  it('links the one incident of the officer that overlaps the recording', () => {
    expect(decideAutoLink(media(), [incident('A', '08:25', '08:50')], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
  });

  it('ignores incidents of other officers, even when they overlap', () => {
    const other = incident('B', '08:25', '08:50', ['024680']);
    expect(decideAutoLink(media(), [other], BUFFER)).toEqual({ kind: 'none', reason: 'no-match' });
    expect(decideAutoLink(media(), [other, incident('A', '08:00', '09:00', ['024680', '013579'])], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
  });

  it('reports two overlapping incidents of the same officer as ambiguous, never guessing', () => {
    const d = decideAutoLink(media(), [incident('B', '08:35', '09:00'), incident('A', '08:00', '08:35')], BUFFER);
    expect(d).toEqual({ kind: 'ambiguous', incidentIds: ['A', 'B'] });
  });

  it('links across clock drift within the buffer (camera ahead or behind)', () => {
    // Recording ends 08:40; the incident starts 08:44 (4 minutes later): within 5 minutes.
    expect(decideAutoLink(media(), [incident('A', '08:44', '09:10')], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
    // Recording starts 08:30; the incident ended 08:25 exactly (the buffer edge counts).
    expect(decideAutoLink(media(), [incident('A', '08:00', '08:25')], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
  });

  it('does not link outside the buffer', () => {
    expect(decideAutoLink(media(), [incident('A', '08:46', '09:10')], BUFFER)).toEqual({ kind: 'none', reason: 'no-match' });
    expect(decideAutoLink(media(), [incident('A', '08:00', '08:24')], BUFFER)).toEqual({ kind: 'none', reason: 'no-match' });
    // A zero buffer is strict overlap.
    expect(decideAutoLink(media(), [incident('A', '08:41', '09:10')], 0)).toEqual({ kind: 'none', reason: 'no-match' });
  });

  it('needs an officer and a recording time', () => {
    expect(decideAutoLink(media({ officerId: null }), [incident('A', '08:00', '09:00')], BUFFER)).toEqual({ kind: 'none', reason: 'no-officer' });
    expect(decideAutoLink(media({ recordedAt: null }), [incident('A', '08:00', '09:00')], BUFFER)).toEqual({ kind: 'none', reason: 'no-time' });
  });

  it('uses the probed duration when the dock sent no end, else the start instant', () => {
    const noEnd = media({ recordedEnd: null, durationSec: 20 * 60 });
    expect(recordingSpan(noEnd)!.end - recordingSpan(noEnd)!.start).toBe(20 * MIN);
    expect(decideAutoLink(noEnd, [incident('A', '08:52', '09:30')], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
    expect(decideAutoLink(media({ recordedEnd: null }), [incident('A', '08:52', '09:30')], BUFFER)).toEqual({ kind: 'none', reason: 'no-match' });
  });

  it('counts a duplicated candidate once', () => {
    const a = incident('A', '08:00', '09:00');
    expect(decideAutoLink(media(), [a, a], BUFFER)).toEqual({ kind: 'link', incidentId: 'A' });
  });
});

describe('helpers', () => {
  it('widens the search window by the buffer on both sides', () => {
    expect(searchWindow(media(), BUFFER)).toEqual({ from: new Date('2026-11-23T00:25:00Z'), to: new Date('2026-11-23T00:45:00Z') });
    expect(searchWindow(media({ recordedAt: null }), BUFFER)).toBeNull();
  });
  it('measures the real overlap in seconds', () => {
    expect(overlapSeconds(media(), incident('A', '08:35', '09:00'))).toBe(300);
    expect(overlapSeconds(media(), incident('A', '08:42', '09:00'))).toBe(0);
  });
});
