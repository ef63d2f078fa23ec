import { describe, expect, it } from 'vitest';
import { createProgressParser } from './ffmpeg-progress.js';

function feed(durationSec: number | undefined, chunks: string[], step = 1000) {
  const got: number[] = [];
  let t = 0;
  const parse = createProgressParser(durationSec, (p) => got.push(p), { now: () => (t += step) });
  for (const c of chunks) parse(c);
  return got;
}

describe('createProgressParser', () => {
  it('reports percent of the duration from out_time_us, across split chunks, ending at 100', () => {
    const got = feed(10, ['out_time_us=N/A\nprogress=continue\nout_time_us=2500', '000\nprogress=continue\n', 'out_time_ms=5000000\n', 'progress=end\n']);
    expect(got).toEqual([25, 50, 100]);
  });
  it('clamps overshoot and never goes backwards', () => {
    const got = feed(10, ['out_time_us=6000000\n', 'out_time_us=4000000\n', 'out_time_us=12000000\n', 'progress=end\n']);
    expect(got).toEqual([60, 100]);
  });
  it('throttles but always reports the end', () => {
    const got = feed(10, ['out_time_us=1000000\nout_time_us=2000000\nout_time_us=3000000\nprogress=end\n'], 10);
    expect(got).toEqual([10, 100]);
  });
  it('without a duration reports only the end', () => {
    expect(feed(undefined, ['out_time_us=1000000\n', 'progress=end\n'])).toEqual([100]);
  });
});
