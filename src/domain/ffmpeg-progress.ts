/**
 * Parses ffmpeg's `-progress` key=value stream into a percentage. Pure apart from the injectable clock.
 *
 * ffmpeg 5.1 writes a block of lines every ~0.5 s ending in `progress=continue`, and `progress=end` when done.
 * `out_time_ms` is (despite its name) in microseconds, the same as `out_time_us`; both are read as µs.
 */

export interface ProgressParserOptions {
  /** Minimum time between two reports; the final 100 is always reported. Default 250 ms (≤ 4 calls/s). */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * Returns a function to feed stdout chunks to. `emit` receives percents that only go up, clamped to 0..100.
 * Without a known duration only the final 100 is reported.
 */
export function createProgressParser(
  durationSec: number | undefined,
  emit: (percent: number) => void,
  opts: ProgressParserOptions = {},
): (chunk: string) => void {
  const minIntervalMs = opts.minIntervalMs ?? 250;
  const now = opts.now ?? Date.now;
  const known = durationSec !== undefined && Number.isFinite(durationSec) && durationSec > 0;
  let partial = '';
  let last = -1;
  let lastAt = -Infinity;
  let ended = false;

  const report = (percent: number, force: boolean) => {
    if (ended) return;
    const p = Math.min(100, Math.max(0, percent));
    if (p <= last && !(force && p === 100 && last < 100)) return;
    const t = now();
    if (!force && t - lastAt < minIntervalMs) return;
    last = p;
    lastAt = t;
    emit(p);
  };

  const line = (l: string) => {
    const eq = l.indexOf('=');
    if (eq < 0) return;
    const key = l.slice(0, eq).trim();
    const value = l.slice(eq + 1).trim();
    if (key === 'progress' && value === 'end') {
      report(100, true);
      ended = true;
    } else if (known && (key === 'out_time_us' || key === 'out_time_ms')) {
      const us = Number(value); // "N/A" before the first frame
      if (Number.isFinite(us)) report(Math.round((us / 1e6 / durationSec) * 1000) / 10, false);
    }
  };

  return (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) line(l);
  };
}
