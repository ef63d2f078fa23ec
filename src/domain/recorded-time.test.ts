import { describe, expect, it } from 'vitest';
import { cameraClockDriftMs, jumpsCrossed, jumpsInJoin, positionAtWall, wallClockAt, type OffsetEntry } from './recorded-time.js';

const t0 = Date.parse('2026-03-01T02:00:00.000Z');
const at = (sec: number) => new Date(t0 + sec * 1000).toISOString();
const entry = (offset: number, wall: number, dur: number): OffsetEntry => ({ mediaOffsetSec: offset, wallStart: at(wall), wallEnd: at(wall + dur), durationSec: dur });
// 0–8 s recorded, a 5 s gap (8–13), then 13–17 s: 12 s of file for 17 s of wall time.
const offsets = [entry(0, 0, 4), entry(4, 4, 4), entry(8, 13, 4)];

describe('wallClockAt', () => {
  it('adds the gaps before the position, not just the position', () => {
    expect(wallClockAt(offsets, 0)).toBe(t0);
    expect(wallClockAt(offsets, 7.5)).toBe(t0 + 7500);
    expect(wallClockAt(offsets, 8)).toBe(t0 + 13_000);
    expect(wallClockAt(offsets, 10.5)).toBe(t0 + 15_500);
  });
  it('has no answer without offsets or for a nonsense position', () => {
    expect(wallClockAt([], 1)).toBeNull();
    expect(wallClockAt(offsets, -1)).toBeNull();
    expect(wallClockAt(offsets, Number.NaN)).toBeNull();
  });
});

describe('positionAtWall', () => {
  it('inverts wallClockAt inside recorded time', () => {
    for (const t of [0, 3.25, 7.9, 8, 11.5]) expect(positionAtWall(offsets, wallClockAt(offsets, t)!)).toEqual({ position: t, where: 'recorded' });
  });
  it('says when nothing was recorded and where recording resumes', () => {
    expect(positionAtWall(offsets, t0 + 10_000)).toEqual({ position: 8, where: 'in-gap' });
    expect(positionAtWall(offsets, t0 - 1)).toEqual({ position: 0, where: 'before' });
    expect(positionAtWall(offsets, t0 + 30_000)).toEqual({ position: 12, where: 'after' });
    expect(positionAtWall([], t0)).toBeNull();
  });
});

describe('jumps', () => {
  it('finds the jump and which seeks cross it', () => {
    const jumps = jumpsInJoin(offsets);
    expect(jumps).toEqual([{ mediaOffsetSec: 8, wallStart: at(8), wallEnd: at(13), durationSec: 5 }]);
    expect(jumpsCrossed(jumps, 2, 9)).toHaveLength(1);
    expect(jumpsCrossed(jumps, 11, 3)).toHaveLength(1);
    expect(jumpsCrossed(jumps, 0, 7.9)).toHaveLength(0);
    expect(jumpsCrossed(jumps, 8.5, 11)).toHaveLength(0);
  });
  it('ignores segments that touch within the threshold', () => {
    expect(jumpsInJoin([entry(0, 0, 4), entry(4, 4.3, 4)])).toEqual([]);
  });
});

describe('cameraClockDriftMs', () => {
  it('is camera time minus server time at the first segment that read the camera clock', () => {
    expect(cameraClockDriftMs([{ startedAt: at(0), deviceStartedAt: null }, { startedAt: at(4), deviceStartedAt: at(4 - 8 * 3600) }])).toBe(-8 * 3600 * 1000);
    expect(cameraClockDriftMs([{ startedAt: at(0), deviceStartedAt: null }])).toBeNull();
  });
});
