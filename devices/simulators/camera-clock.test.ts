import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cameraTz } from './camera-clock.js';

// What the camera process's C library (and so GStreamer's clockoverlay) makes of the TZ: the real `date`.
const localAt = (tz: string, epochSec: number) => execFileSync('date', ['-d', `@${epochSec}`, '+%Y-%m-%d %H:%M:%S'], { env: { PATH: process.env.PATH, TZ: tz } }).toString().trim();

describe('cameraTz', () => {
  it('shows Beijing time by default, never UTC', () => {
    expect(cameraTz()).toBe('CAM-8:00:00');
    // 2026-12-05T16:13:10Z is 00:13:10 the next day in Beijing.
    expect(localAt(cameraTz(), Date.parse('2026-12-05T16:13:10Z') / 1000)).toBe('2026-12-06 00:13:10');
  });
  it('simulates a clock running fast or slow', () => {
    expect(localAt(cameraTz(480, 37_000), Date.parse('2026-12-05T16:13:10Z') / 1000)).toBe('2026-12-06 00:13:47');
    expect(localAt(cameraTz(480, -90_000), Date.parse('2026-12-05T16:13:10Z') / 1000)).toBe('2026-12-06 00:11:40');
  });
  it('handles zones west of UTC', () => {
    expect(localAt(cameraTz(-300), 0)).toBe('1969-12-31 19:00:00');
  });
});
