import { describe, expect, it } from 'vitest';
import { causeOfGap, computeRecordingGaps, judgedWindow, mergeIntervals, unexplainedGaps, type GapInput } from './recording-gaps.js';

const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);
const s = (sec: number) => T0 + sec * 1000;
/** Back-to-back segments of `len` seconds from `from` to `to` (the last one shorter). */
const run = (cameraId: string, from: number, to: number, len = 4) => {
  const out = [];
  for (let t = from; t < to; t += len) out.push({ cameraId, start: s(t), end: s(Math.min(to, t + len)) });
  return out;
};
const base = (over: Partial<GapInput> = {}): GapInput => ({
  cameraIds: ['A'],
  segments: run('A', -1, 61),
  events: [],
  activeIntervals: [{ start: s(-3), end: s(62) }],
  windowStart: s(0),
  windowEnd: s(60),
  toleranceSec: 2,
  ...over,
});

describe('recording gaps', () => {
  it('a continuous recording covering the window is full, with 100% coverage and no gap', () => {
    const r = computeRecordingGaps(base());
    expect(r.gaps).toEqual([]);
    expect(r.coverage).toBe(1);
    expect(r.recordedSec).toBe(60);
    expect(r.declaredSec).toBe(60);
    expect(r.fullRecording).toBe(true);
    expect(r.cameras[0]).toMatchObject({ cameraId: 'A', coverage: 1, gaps: 0, minorGaps: 0 });
  });

  it('finds a mid-session outage with its cause from the recorder events', () => {
    const segments = [...run('A', -1, 20), ...run('A', 25.2, 61)];
    const events = [
      { cameraId: 'A', at: s(20.02), cause: 'camera-offline' as const },
      { cameraId: 'A', at: s(21), cause: 'camera-offline' as const },
    ];
    const r = computeRecordingGaps(base({ segments, events }));
    expect(r.gaps).toEqual([{ cameraId: 'A', start: s(20), end: s(25.2), durationSec: 5.2, cause: 'camera-offline' }]);
    expect(r.coverage).toBeCloseTo(54.8 / 60, 4);
    expect(r.fullRecording).toBe(false);
  });

  it('a gap within the tolerance is minor: counted, not reported, and the recording is still full', () => {
    const segments = [...run('A', -1, 30), ...run('A', 31.5, 61)];
    const r = computeRecordingGaps(base({ segments }));
    expect(r.gaps).toEqual([]);
    expect(r.fullRecording).toBe(true);
    expect(r.cameras[0]).toMatchObject({ minorGaps: 1, minorGapSec: 1.5 });
    expect(r.coverage).toBeCloseTo(58.5 / 60, 4);
  });

  it('the tolerance is configurable: the same gap breaks a stricter rule', () => {
    const segments = [...run('A', -1, 30), ...run('A', 31.5, 61)];
    const r = computeRecordingGaps(base({ segments, toleranceSec: 1 }));
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]!.cause).toBe('unknown');
    expect(r.fullRecording).toBe(false);
  });

  it('a late start and an early stop are not-recording gaps at the edges', () => {
    const r = computeRecordingGaps(
      base({ segments: run('A', 10.5, 50), activeIntervals: [{ start: s(10), end: s(50) }] }),
    );
    expect(r.gaps.map((g) => [g.start, g.end, g.cause])).toEqual([
      [s(0), s(10.5), 'not-recording'],
      [s(50), s(60), 'not-recording'],
    ]);
  });

  it('names the gap by the first outage observed in it (the root cause), and attributes events per camera', () => {
    const segments = [...run('A', -1, 20), ...run('A', 30, 61), ...run('B', -1, 61)];
    const events = [
      { cameraId: 'A', at: s(20.1), cause: 'recorder-restart' as const },
      { cameraId: 'A', at: s(22), cause: 'camera-offline' as const },
      { cameraId: 'B', at: s(25), cause: 'stream-stalled' as const },
    ];
    const r = computeRecordingGaps(base({ cameraIds: ['A', 'B'], segments, events }));
    expect(r.gaps).toHaveLength(1);
    // ffmpeg died first; the reconnects that followed found the camera away: a recorder restart started it
    expect(r.gaps[0]).toMatchObject({ cameraId: 'A', cause: 'recorder-restart', durationSec: 10 });
    expect(r.cameras.map((c) => c.coverage)).toEqual([0.8333, 1]);
    expect(r.coverage).toBeCloseTo(110 / 120, 4);
  });

  it('an event for every camera (null) explains each camera’s gap; a stall or a restart alone names it', () => {
    const segments = [...run('A', -1, 20), ...run('A', 24, 61), ...run('B', -1, 40), ...run('B', 45, 61)];
    const events = [
      { cameraId: null, at: s(21), cause: 'recorder-restart' as const },
      { cameraId: 'B', at: s(42), cause: 'stream-stalled' as const },
    ];
    const r = computeRecordingGaps(base({ cameraIds: ['A', 'B'], segments, events }));
    expect(r.gaps.map((g) => [g.cameraId, g.cause])).toEqual([
      ['A', 'recorder-restart'],
      ['B', 'stream-stalled'],
    ]);
  });

  it('a camera with no footage at all is one gap over the whole window; a room without cameras is never full', () => {
    const r = computeRecordingGaps(base({ cameraIds: ['A', 'B'] }));
    expect(r.gaps).toEqual([{ cameraId: 'B', start: s(0), end: s(60), durationSec: 60, cause: 'unknown' }]);
    expect(r.coverage).toBe(0.5);
    expect(computeRecordingGaps(base({ cameraIds: [] })).fullRecording).toBe(false);
  });

  it('overlapping segments (a takeover re-recording the same seconds) are counted once', () => {
    const segments = [...run('A', -1, 40), ...run('A', 38, 61)];
    const r = computeRecordingGaps(base({ segments }));
    expect(r.recordedSec).toBe(60);
    expect(r.coverage).toBe(1);
  });

  it('a stall followed by failing reconnects is a stalled stream; outages at the same instant prefer the camera', () => {
    const segments = [...run('A', -1, 20), ...run('A', 32, 61)];
    const stalled = computeRecordingGaps(
      base({ segments, events: [{ cameraId: 'A', at: s(27), cause: 'stream-stalled' }, { cameraId: 'A', at: s(29), cause: 'camera-offline' }] }),
    );
    expect(stalled.gaps[0]!.cause).toBe('stream-stalled');
    const tie = computeRecordingGaps(
      base({ segments, events: [{ cameraId: null, at: s(25), cause: 'recorder-restart' }, { cameraId: 'A', at: s(25), cause: 'camera-offline' }] }),
    );
    expect(tie.gaps[0]!.cause).toBe('camera-offline');
  });

  it('stopping and restarting in between is a not-recording gap', () => {
    const segments = [...run('A', -1, 20), ...run('A', 33, 61)];
    const r = computeRecordingGaps(
      base({ segments, activeIntervals: [{ start: s(-3), end: s(20) }, { start: s(32.5), end: null }] }),
    );
    expect(r.gaps[0]).toMatchObject({ cause: 'not-recording', durationSec: 13 });
  });

  it('a gap mostly switched off is not-recording even when a camera event falls inside it; one mostly on keeps the event', () => {
    const input = { activeIntervals: [{ start: s(0), end: s(20) }, { start: s(50), end: null }], toleranceSec: 2, windowEnd: s(60) };
    const offline = { cameraId: 'A', at: s(19.5), cause: 'camera-offline' as const };
    // 20 → 50: 30 s switched off, the camera dropping as it was switched off is not why nothing was recorded
    expect(causeOfGap({ cameraId: 'A', start: s(19.5), end: s(50.5) }, { ...input, events: [offline] })).toBe('not-recording');
    // 10 → 22: 2 s off, 10 s on: the camera going offline is the cause
    expect(causeOfGap({ cameraId: 'A', start: s(10), end: s(22) }, { ...input, events: [{ ...offline, at: s(10) }] })).toBe('camera-offline');
  });

  it('causeOfGap ignores events outside the gap (with a second of slack)', () => {
    const input = { events: [{ cameraId: 'A', at: s(5), cause: 'camera-offline' as const }], activeIntervals: [{ start: s(0), end: null }], toleranceSec: 2, windowEnd: s(60) };
    expect(causeOfGap({ cameraId: 'A', start: s(10), end: s(15) }, input)).toBe('unknown');
    expect(causeOfGap({ cameraId: 'A', start: s(5.5), end: s(15) }, input)).toBe('camera-offline');
  });

  it('helpers: merged intervals, the judged window, unexplained gaps', () => {
    expect(mergeIntervals([{ start: 5, end: 8 }, { start: 0, end: 5 }, { start: 10, end: 9 }, { start: 7, end: 12 }])).toEqual([{ start: 0, end: 12 }]);
    expect(judgedWindow({ declaredStart: 100, declaredEnd: 200, stoppedAt: 300, now: 400 })).toEqual({ start: 100, end: 200 });
    expect(judgedWindow({ declaredStart: 100, declaredEnd: null, stoppedAt: 300, now: 400 })).toEqual({ start: 100, end: 300 });
    expect(judgedWindow({ declaredStart: 100, declaredEnd: null, stoppedAt: null, now: 50 })).toEqual({ start: 100, end: 100 });
    expect(unexplainedGaps([{ reason: null }, { reason: '  ' }, { reason: '停电' }])).toHaveLength(2);
  });
});
