import { describe, expect, it } from 'vitest';
import { pipLayout, planPip, timelinePieces } from './pip-plan.js';
import type { OffsetEntry } from './recording-join.js';

const t0 = Date.parse('2026-03-01T02:00:00.000Z');
const at = (sec: number) => new Date(t0 + sec * 1000).toISOString();
const off = (media: number, wall: number, dur: number): OffsetEntry => ({ mediaOffsetSec: media, wallStart: at(wall), wallEnd: at(wall + dur), durationSec: dur });

describe('pipLayout', () => {
  it('keeps 1080p overviews to 720p with the inset a third of the width, top right', () => {
    const l = pipLayout({ width: 1920, height: 1080 }, { width: 1280, height: 720 });
    expect([l.width, l.height]).toEqual([1280, 720]);
    expect([l.inset.width, l.inset.height]).toEqual([426, 240]);
    expect(l.inset.x + l.inset.width + 2 * l.inset.border).toBeLessThanOrEqual(l.width);
    expect(l.inset.y).toBeGreaterThan(0);
  });
  it('never upscales, and keeps every dimension even', () => {
    const l = pipLayout({ width: 320, height: 240 }, { width: 320, height: 240 });
    expect([l.width, l.height]).toEqual([320, 240]);
    for (const n of [l.width, l.height, l.inset.width, l.inset.height, l.inset.x, l.inset.y]) expect(n % 2).toBe(0);
  });
});

describe('timelinePieces', () => {
  it('cuts at gaps and fills them, before, between and after', () => {
    // recorded 1..9 and 14..18 of a window 0..20; the two first segments touch
    const pieces = timelinePieces([off(0, 1, 4), off(4, 5, 4), off(8, 14, 4)], t0, t0 + 20_000);
    expect(pieces).toEqual([
      { kind: 'filler', start: 0, end: 1 },
      { kind: 'media', start: 0, end: 8 },
      { kind: 'filler', start: 0, end: 5 },
      { kind: 'media', start: 8, end: 12 },
      { kind: 'filler', start: 0, end: 2 },
    ]);
  });
  it('absorbs keyframe slips at segment boundaries', () => {
    expect(timelinePieces([off(0, 0, 4), off(4, 4.03, 4)], t0, t0 + 8030)).toEqual([{ kind: 'media', start: 0, end: 8 }]);
  });
});

describe('planPip', () => {
  const overview = { width: 640, height: 480, fps: 10, hasAudio: true, offsets: [off(0, 0, 4), off(4, 9, 4)] };
  const frontal = { width: 320, height: 240, fps: 10, hasAudio: false, offsets: [off(0, 1, 12)] };
  it('puts both cameras on the wall-clock window, burns the time in, keeps the overview audio', () => {
    const plan = planPip({ overview, frontal, utcOffsetMinutes: 480 });
    expect(plan.windowStart).toBe(at(0));
    expect(plan.windowEnd).toBe(at(13));
    expect(plan.durationSec).toBe(13);
    expect(plan.audioFrom).toBe('overview');
    expect(plan.filterGraph).toContain('trim=start=0:end=4');
    expect(plan.filterGraph).toContain("drawtext=text='NO RECORDING'");
    expect(plan.filterGraph).toContain('gmtime');
    expect(plan.filterGraph).toContain('UTC+0800');
    expect(plan.filterGraph).toContain('[aout]');
    const args = plan.args('/o.mp4', '/f.mp4', '/out.mp4');
    expect(args).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-c:a', 'aac', '-map', '[vout]', '-map', '[aout]']));
    expect(args[0]).toBe('-n');
  });
  it('has no audio track when neither camera has sound', () => {
    const plan = planPip({ overview: { ...overview, hasAudio: false }, frontal });
    expect(plan.audioFrom).toBeNull();
    expect(plan.args('/o', '/f', '/x')).not.toContain('[aout]');
  });
});
