import { describe, expect, it } from 'vitest';
import { concatList, gapsInJoin, joinArgs, joinedFilename, joinFingerprint, planJoin, wallClockAt, type JoinSegmentInput } from './recording-join.js';

const t0 = Date.parse('2026-03-01T02:00:00.000Z');
const at = (sec: number) => new Date(t0 + sec * 1000).toISOString();
const seg = (id: string, start: number, end: number, o: Partial<JoinSegmentInput> = {}): JoinSegmentInput => ({
  mediaId: id,
  sha256: id.padEnd(64, '0'),
  state: 'ready',
  startedAt: at(start),
  endedAt: at(end),
  mediaDurationSec: end - start,
  ...o,
});

describe('planJoin', () => {
  it('orders segments by wall-clock start and lays them end to end', () => {
    const plan = planJoin([seg('b', 4, 8), seg('a', 0, 4), seg('c', 13, 17)]);
    expect(plan.status).toBe('ready');
    if (plan.status !== 'ready') return;
    expect(plan.segments.map((s) => s.mediaId)).toEqual(['a', 'b', 'c']);
    expect(plan.offsets.map((o) => o.mediaOffsetSec)).toEqual([0, 4, 8]);
    expect(plan.durationSec).toBe(12);
    expect(plan.wallStart).toBe(at(0));
    expect(plan.wallEnd).toBe(at(17));
    expect(plan.fingerprint).toBe(joinFingerprint(['a', 'b', 'c'].map((x) => x.padEnd(64, '0'))));
  });

  it('uses each file’s probed duration for offsets, not its wall-clock span', () => {
    const plan = planJoin([seg('a', 0, 4, { mediaDurationSec: 4.04 }), seg('b', 4, 8)]);
    expect(plan.status === 'ready' && plan.offsets[1]!.mediaOffsetSec).toBe(4.04);
  });

  it('waits while a segment is not yet verified or probed', () => {
    expect(planJoin([seg('a', 0, 4), seg('b', 4, 8, { state: 'stored' }), seg('c', 8, 12, { state: 'verified', mediaDurationSec: null })])).toEqual({ status: 'pending', waitingFor: ['b', 'c'] });
  });

  it('leaves out rejected and unreadable segments and says why; nothing usable is "empty"', () => {
    const plan = planJoin([seg('a', 0, 4), seg('b', 4, 8, { state: 'rejected' }), seg('c', 8, 12, { state: 'failed', mediaDurationSec: null, errorCode: 'EVM_MEDIA_TRUNCATED' })]);
    expect(plan.status === 'ready' && plan.segments.map((s) => s.mediaId)).toEqual(['a']);
    expect(plan.status === 'ready' && plan.excluded.map((e) => [e.mediaId, e.reason])).toEqual([
      ['b', 'rejected on arrival: its bytes do not match the hash'],
      ['c', 'unreadable as media (EVM_MEDIA_TRUNCATED)'],
    ]);
    expect(planJoin([seg('b', 4, 8, { state: 'rejected' })]).status).toBe('empty');
  });

  it('a failed segment that was probed (e.g. its proxy failed) is still footage and goes in', () => {
    const plan = planJoin([seg('a', 0, 4, { state: 'failed' })]);
    expect(plan.status === 'ready' && plan.segments.length).toBe(1);
  });
});

describe('player time → wall clock', () => {
  const plan = planJoin([seg('a', 0, 4), seg('b', 4, 8), seg('c', 13, 17)]);
  const offsets = plan.status === 'ready' ? plan.offsets : [];
  it('maps positions across a gap the joined file skips', () => {
    expect(wallClockAt(offsets, 0)).toBe(t0);
    expect(wallClockAt(offsets, 6)).toBe(t0 + 6000);
    // 8 s into the file is the first frame after the 5 s gap
    expect(wallClockAt(offsets, 8)).toBe(t0 + 13_000);
    expect(wallClockAt(offsets, 10.5)).toBe(t0 + 15_500);
    expect(wallClockAt([], 1)).toBeNull();
  });
  it('lists the jumps', () => {
    expect(gapsInJoin(offsets)).toEqual([{ mediaOffsetSec: 8, wallStart: at(8), wallEnd: at(13), durationSec: 5 }]);
  });
});

describe('ffmpeg concat', () => {
  it('quotes paths so a name cannot break out of its line', () => {
    expect(concatList(['/a/b.mp4', "/x/it's.mp4"])).toBe("ffconcat version 1.0\nfile '/a/b.mp4'\nfile '/x/it'\\''s.mp4'\n");
  });
  it('copies every stream, bit-exact, faststart, never overwriting', () => {
    const args = joinArgs('/s/list', '/s/out.mp4');
    expect(args[0]).toBe('-n');
    expect(args.join(' ')).toContain('-f concat -safe 0 -i file:/s/list -map 0 -c copy -fflags +bitexact -movflags +faststart -f mp4 file:/s/out.mp4');
  });
});

describe('joinedFilename', () => {
  it('stamps the start in Beijing time with the zone, not UTC', () => {
    expect(joinedFilename('IRC-1', 'overview', '2026-12-05T16:13:10.250Z', 480)).toBe('IRC-1-overview-20261206T001310+0800-joined.mp4');
    expect(joinedFilename('IRC-1', 'frontal', '2026-12-05T16:13:10Z', -90)).toBe('IRC-1-frontal-20261205T144310-0130-joined.mp4');
  });
});
