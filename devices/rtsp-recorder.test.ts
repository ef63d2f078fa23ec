import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recorderArgs, runStartFromId, zeroFallback } from './rtsp-recorder.js';

describe('recorder segment naming and timing fallbacks', () => {
  it('numbers segments (a name per cut, however close the cuts) instead of naming them by the second', () => {
    const args = recorderArgs('rtsp://cam/1', '/spool/run', 4, 10);
    expect(args.at(-1)).toBe(path.join('/spool/run', 'seg-%06d.mp4'));
    expect(args).not.toContain('-strftime');
  });

  it('reads a run start back from its id', () => {
    const t = Date.parse('2026-12-04T21:18:41.123Z');
    const runId = `${new Date(t).toISOString().replace(/[-:.]/g, '')}-a1b2c3`;
    expect(runStartFromId(runId)).toBe(t);
    expect(runStartFromId('not-a-run')).toBeNull();
  });

  it("places a segment without an anchor by the run start, or by an earlier version's wall-clock name", () => {
    const runId = '20261204T211841123Z-a1b2c3';
    expect(zeroFallback(runId, { file: 'seg-000003.mp4', start: 12, end: 16 })).toBe(Date.parse('2026-12-04T21:18:41.123Z'));
    const named = zeroFallback(runId, { file: 'seg-20261204T211853.mp4', start: 12, end: 16 });
    expect(named).toBe(new Date(2026, 11, 4, 21, 18, 53).getTime() - 12_000);
  });
});
