import { describe, expect, it } from 'vitest';
import { classifyRunExit, clockOffsetMs, deviceTime, findTimestampHoles, holeBetweenSegments, isStalled, parsePacketTimes, parseProgressTimes, parseSegmentList, retryDelayMs, TimelineAnchor } from './recorder-policy.js';

const exit = (over: Partial<Parameters<typeof classifyRunExit>[0]> = {}) =>
  classifyRunExit({ code: 1, signal: null, stoppedFor: null, stderrTail: '', producedSegments: true, ...over });

describe('recorder policy', () => {
  it('classifies how a run ended', () => {
    expect(exit({ stoppedFor: 'stop', code: 255 })).toBeNull();
    expect(exit({ stoppedFor: 'stall', signal: 'SIGTERM' })).toBe('stream-stalled');
    expect(exit({ signal: 'SIGKILL', code: null })).toBe('recorder-restart');
    expect(exit({ stderrTail: 'rtsp://127.0.0.1:5/stream: Connection refused' })).toBe('camera-offline');
    expect(exit({ stderrTail: 'method DESCRIBE failed: 404 Not Found' })).toBe('camera-offline');
    expect(exit({ code: 0, stderrTail: 'video:101kB audio:22kB' })).toBe('camera-offline');
    expect(exit({ stderrTail: 'Connection timed out', producedSegments: true })).toBe('stream-stalled');
    expect(exit({ stderrTail: 'Connection timed out', producedSegments: false })).toBe('camera-offline');
    expect(exit({ code: 1, stderrTail: 'Conversion failed!' })).toBe('recorder-restart');
  });

  it('paces retries, keyed on the last valid segment', () => {
    const o = { minMs: 250, maxMs: 2000, factor: 2 };
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => retryDelayMs(n, o))).toEqual([250, 250, 500, 1000, 2000, 2000, 2000]);
  });

  it('a stream is stalled when no segment closed for longer than the limit and no data flows', () => {
    const st = (o: Partial<Parameters<typeof isStalled>[0]>) => isStalled({ now: 0, runStartedAt: 0, lastSegmentAt: null, lastDataAt: null, stallMs: 10_000, segmentMs: 4000, ...o });
    expect(st({ now: 20_000, lastSegmentAt: 15_000 })).toBe(false);
    expect(st({ now: 26_000, lastSegmentAt: 15_000 })).toBe(true);
    expect(st({ now: 9_000 })).toBe(false);
    // a restart resets the clock even when the last segment is old
    expect(st({ now: 30_000, runStartedAt: 25_000, lastSegmentAt: 10_000 })).toBe(false);
    // data arriving (a first segment still open after a long connect) is not a stall...
    expect(st({ now: 26_000, lastSegmentAt: 15_000, lastDataAt: 24_000 })).toBe(false);
    // ...unless no segment closes for two more segment lengths (no keyframes)
    expect(st({ now: 33_100, lastSegmentAt: 15_000, lastDataAt: 33_000 })).toBe(true);
    // data that stopped arriving long ago does not help
    expect(st({ now: 26_000, lastSegmentAt: 15_000, lastDataAt: 15_500 })).toBe(true);
  });

  it('parses the csv segment list incrementally', () => {
    const a = parseSegmentList('seg-1.mp4,0.000000,4.988737\nseg-2.mp4,4.988737,8.98');
    expect(a.entries).toEqual([{ file: 'seg-1.mp4', start: 0, end: 4.988737 }]);
    expect(a.rest).toBe('seg-2.mp4,4.988737,8.98');
    const b = parseSegmentList(`${a.rest}8737\n"odd,""name"".mp4",8.988737,10.5\ngarbage\n`);
    expect(b.entries).toEqual([
      { file: 'seg-2.mp4', start: 4.988737, end: 8.988737 },
      { file: 'odd,"name".mp4', start: 8.988737, end: 10.5 },
    ]);
    expect(b.rest).toBe('');
  });

  it('anchors the timeline at the smallest now − out_time', () => {
    const a = new TimelineAnchor();
    expect(a.at(1)).toBeNull();
    a.observe(10_000, 0); // ignored: N/A or zero before the first packet
    a.observe(12_000, 64_000); // start-up buffering: too late
    a.observe(12_500, 2_431_938);
    a.observe(13_000, 2_943_938);
    expect(a.zero).toBe(10_056.062);
    expect(a.at(4)).toBe(14_056);
    const { outTimesUs, rest } = parseProgressTimes('frame=3\nout_time_us=64000\nout_time_us=N/A\nprogress=continue\nout_time_us=12');
    expect(outTimesUs).toEqual([64000]);
    expect(rest).toBe('out_time_us=12');
  });

  it('keeps the camera clock beside the server clock', () => {
    expect(clockOffsetMs(1000, 1200, 4100)).toBe(3000);
    expect(deviceTime(5000, 3000)).toBe(8000);
    expect(deviceTime(5000, null)).toBeNull();
  });

  it('finds holes in a segment’s timestamps (a camera that paused and resumed within one segment)', () => {
    const packets = parsePacketTimes('0.000000,0.100000\n0.100000,0.100000\n0.200000,N/A\n3.900000,0.100000\nN/A,0.1\n4.000000,0.100000\n');
    expect(packets).toHaveLength(5);
    expect(findTimestampHoles(packets, 1)).toEqual([{ start: 0.3, end: 3.9 }]);
    // MP4 stretches the frame before the jump over it: its own duration hides the hole, the frame spacing does not
    const mp4 = [0, 0.1, 0.2, 0.3].map((pts) => ({ pts, duration: 0.1 })).concat([{ pts: 0.4, duration: 3.7 }, { pts: 4.1, duration: 0.1 }, { pts: 4.2, duration: 0.1 }]);
    expect(findTimestampHoles(mp4, 1)).toEqual([{ start: 0.5, end: 4.1 }]);
    expect(findTimestampHoles(packets, 5)).toEqual([]);
    // out of order (B-frames) is sorted first; frame spacing is no hole
    expect(findTimestampHoles([{ pts: 0.2, duration: 0.1 }, { pts: 0, duration: 0.1 }, { pts: 0.1, duration: 0.1 }], 0.5)).toEqual([]);
  });

  it('finds a hole between two segments of one run (the pause fell where a segment was due to close)', () => {
    expect(holeBetweenSegments(21.7, 25.3, 1)).toEqual({ start: 21.7, end: 25.3 });
    expect(holeBetweenSegments(8.0, 8.04, 1)).toBeNull();
    expect(holeBetweenSegments(8.0, 9.0, 1)).toBeNull();
    expect(holeBetweenSegments(undefined, 25.3, 1)).toBeNull();
    expect(holeBetweenSegments(Number.NaN, 25.3, 1)).toBeNull();
  });
});
