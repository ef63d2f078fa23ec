import { describe, expect, it } from 'vitest';
import { recordingsToReview, reviewBlockers, summarizeBlockers, type SessionForReview } from './case-review.js';

const recorded = (o: Partial<SessionForReview> & { joined?: Array<{ mediaId: string; deviceId: string; reviewed: boolean }> } = {}): SessionForReview => ({
  sessionId: 's1',
  recordings: [
    { mediaId: 'seg1', reviewed: false, role: 'segment', deviceId: 'camA' },
    { mediaId: 'seg2', reviewed: false, role: 'segment', deviceId: 'camB' },
    ...(o.joined ?? []).map((j) => ({ ...j, role: 'joined' as const })),
  ],
  platform: { finalized: true, camerasWithSegments: ['camA', 'camB'], joinedCameras: (o.joined ?? []).map((j) => j.deviceId) },
  ...o,
});

describe('case review of sessions the platform recorded', () => {
  it('never asks for segments to be reviewed one by one', () => {
    const s = recorded({ joined: [{ mediaId: 'jA', deviceId: 'camA', reviewed: true }, { mediaId: 'jB', deviceId: 'camB', reviewed: true }] });
    expect(recordingsToReview(s).map((r) => r.mediaId)).toEqual(['jA', 'jB']);
    expect(reviewBlockers([s])).toEqual([]);
  });

  it('blocks on each joined recording not reviewed', () => {
    const s = recorded({ joined: [{ mediaId: 'jA', deviceId: 'camA', reviewed: true }, { mediaId: 'jB', deviceId: 'camB', reviewed: false }] });
    expect(reviewBlockers([s])).toEqual([{ kind: 'recording-not-reviewed', sessionId: 's1', mediaId: 'jB' }]);
  });

  it('blocks while a camera’s join is not made yet (not as "unrecorded")', () => {
    const s = recorded({ joined: [{ mediaId: 'jA', deviceId: 'camA', reviewed: true }] });
    expect(reviewBlockers([s])).toEqual([{ kind: 'recording-not-joined', sessionId: 's1', deviceId: 'camB' }]);
    expect(reviewBlockers([recorded()])).toEqual([
      { kind: 'recording-not-joined', sessionId: 's1', deviceId: 'camA' },
      { kind: 'recording-not-joined', sessionId: 's1', deviceId: 'camB' },
    ]);
  });

  it('blocks while the session is still being recorded', () => {
    const s = recorded({ platform: { finalized: false, camerasWithSegments: ['camA'], joinedCameras: [] } });
    expect(reviewBlockers([s])).toEqual([{ kind: 'recording-in-progress', sessionId: 's1' }]);
    expect(summarizeBlockers(reviewBlockers([s]))).toBe('1 interrogation session(s) still being recorded');
  });

  it('a replaced join no longer counts; the current one does', () => {
    const s: SessionForReview = {
      sessionId: 's1',
      recordings: [
        { mediaId: 'old', reviewed: false, role: 'superseded-join', deviceId: 'camA' },
        { mediaId: 'new', reviewed: true, role: 'joined', deviceId: 'camA' },
      ],
      platform: { finalized: true, camerasWithSegments: ['camA'], joinedCameras: ['camA'] },
    };
    expect(reviewBlockers([s])).toEqual([]);
  });

  it('a platform recording that produced nothing is an unrecorded session', () => {
    const s: SessionForReview = { sessionId: 's1', recordings: [], platform: { finalized: true, camerasWithSegments: [], joinedCameras: [] } };
    expect(reviewBlockers([s])).toEqual([{ kind: 'session-unrecorded', sessionId: 's1' }]);
  });

  it('footage filed by hand beside a platform recording must be reviewed too', () => {
    const s = recorded({ joined: [{ mediaId: 'jA', deviceId: 'camA', reviewed: true }, { mediaId: 'jB', deviceId: 'camB', reviewed: true }] });
    s.recordings.push({ mediaId: 'disc', reviewed: false });
    expect(reviewBlockers([s])).toEqual([{ kind: 'recording-not-reviewed', sessionId: 's1', mediaId: 'disc' }]);
    expect(summarizeBlockers([{ kind: 'recording-not-joined', sessionId: 's1', deviceId: 'camA' }])).toBe('1 camera recording(s) not yet joined into one file');
  });
});
