/**
 * Probes a stored original: what it is, and whether it is whole.
 *
 * ffprobe is spawned (through ffmpeg-process.ts) rather than called via fluent-ffmpeg's `ffprobe`: the
 * classification below needs ffprobe's exact stderr and exit code, the run needs the same timeout and process-group
 * kill as every other ffmpeg run, and fluent-ffmpeg is archived upstream. One spawn path, one set of rules.
 *
 * Two steps:
 *  1. `ffprobe -show_format -show_streams` (~0.1 s): container, streams, tags; catches empty, garbage, and MP4s
 *     whose index (moov) is missing.
 *  2. a read-through `ffmpeg -i f -map 0:v:0 -c copy -f null -` (0.09 s for a 60 s 1080p 8 Mbit/s clip: it reads
 *     packets without decoding, so it costs about one sequential read of the file): catches faststart MP4s and MKVs
 *     cut short, whose header still claims the full length. ffmpeg exits 0 for those, so its messages decide.
 * A truncated MPEG-TS/PS cannot be told from a shorter recording (no index, no declared length): the ingest hash
 * and size check is what catches a transfer cut short.
 */
import { open, stat } from 'node:fs/promises';
import { Errors } from '../errors.js';
import {
  classifyProbeFailure,
  findDamage,
  interpretProbe,
  type FfprobeJson,
  type ProbeResult,
} from '../domain/probe-result.js';
import { ffPath } from '../domain/proxy-plan.js';
import { timeoutFor } from '../domain/ffmpeg-timeout.js';
import { runCapture } from './ffmpeg-process.js';

export type { ProbeResult } from '../domain/probe-result.js';

export interface ProbeOptions {
  /** Run the read-through truncation check (default true). */
  readThrough?: boolean;
  /** For the ffprobe step; default 30 s. The read-through gets a budget scaled to the duration. */
  timeoutMs?: number;
  signal?: AbortSignal;
  ffprobeBin?: string;
  ffmpegBin?: string;
}

/** Read-through speed is disk-bound; 20 × realtime is far below the ~600 × measured, leaving room for slow disks. */
const READ_THROUGH_REALTIME = 20;

export async function probeMedia(path: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const { size } = await stat(path); // a missing file is the caller's bug: ENOENT propagates as is
  if (size === 0) throw new Errors.MEDIA_EMPTY();

  const run = await runCapture({
    bin: opts.ffprobeBin ?? 'ffprobe',
    args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ffPath(path)],
    timeoutMs: opts.timeoutMs ?? 30_000,
    signal: opts.signal,
  });
  // Messages end up on the media row and in the API: name the file generically, not by its storage path.
  const clean = (stderr: string) => stderr.replaceAll(`${ffPath(path)}: `, '').replaceAll(ffPath(path), 'the file');
  if (run.code !== 0) throw classifyProbeFailure(clean(run.stderrTail), await readHead(path, 16));

  let raw: FfprobeJson;
  try {
    raw = JSON.parse(run.stdout) as FfprobeJson;
  } catch {
    throw new Errors.MEDIA_UNREADABLE('ffprobe output was not JSON');
  }
  const result = interpretProbe(raw, size);

  if (opts.readThrough ?? true) {
    const stream = result.video ? '0:v:0' : '0:a:0';
    const check = await runCapture({
      bin: opts.ffmpegBin ?? 'ffmpeg',
      args: ['-hide_banner', '-nostdin', '-v', 'error', '-i', ffPath(path), '-map', stream, '-c', 'copy', '-f', 'null', '-'],
      timeoutMs: timeoutFor(result.durationSec, READ_THROUGH_REALTIME),
      signal: opts.signal,
    });
    const stderr = clean(check.stderrTail);
    const damage = findDamage(stderr);
    if (damage) throw new Errors.MEDIA_TRUNCATED(damage);
    if (check.code !== 0) throw new Errors.MEDIA_TRUNCATED(stderr.trim().split('\n').pop() || `read-through exit ${check.code}`);
  }
  return result;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
