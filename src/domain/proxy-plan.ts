/**
 * Decides how to make the browser-playable review proxy of an original, and builds the ffmpeg arguments. Pure.
 *
 * The original is evidence and is never modified: the arguments only read `input`, refuse to write to it, and use
 * `-n` so an existing file at `output` is never overwritten either (the worker writes to a fresh temp path).
 */
import path from 'node:path';
import { Errors } from '../errors.js';
import { assertProcessable, type ProbeResult } from './probe-result.js';

export interface BurnClock {
  /** Wall-clock time of the recording's first frame (the device's claim, e.g. its creation_time). */
  startIso: string;
  /**
   * The clock is drawn with ffmpeg's `gmtime`, so the picture never depends on the worker's TZ. To show local time,
   * give the offset (480 for Asia/Shanghai): the epoch is shifted by it and the label reads "UTC+0800". A fixed
   * offset is right for a recording: it is the offset at the moment the recording started.
   */
  utcOffsetMinutes?: number;
}

export interface ProxyOptions {
  /** Transcodes are scaled down to at most this height (even). Default 720. Remuxes are never scaled. */
  maxHeight?: number;
  burnClock?: BurnClock | null;
  /** libx264 CRF, default 23. */
  crf?: number;
  /** libx264 preset, default veryfast (4.1 × realtime to 720p on this 2-core box). */
  preset?: string;
}

export interface ProxyPlan {
  mode: 'remux' | 'transcode';
  /** Why this mode: recorded with the proxy so a reviewer can see what was done to the picture. */
  reason: string;
  /** ffmpeg arguments (without the -progress flags runFfmpeg adds) writing an MP4 to `output`. */
  args: (input: string, output: string) => string[];
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
/** Pixel formats every browser's H.264 decoder handles (yuvj420p is full-range 4:2:0 from MJPEG-era cameras). */
const BROWSER_PIX_FMTS = new Set(['yuv420p', 'yuvj420p']);
/** High 10 / 4:2:2 / 4:4:4 profiles are H.264 too but browsers do not decode them. */
const BROWSER_H264_PROFILES = new Set(['Baseline', 'Constrained Baseline', 'Main', 'Extended', 'High']);

export function planProxy(p: ProbeResult, opts: ProxyOptions = {}): ProxyPlan {
  assertProcessable(p);
  const maxHeight = opts.maxHeight ?? 720;
  const crf = opts.crf ?? 23;
  const preset = opts.preset ?? 'veryfast';
  if (!Number.isInteger(maxHeight) || maxHeight < 2 || maxHeight % 2) throw new Errors.VALIDATION(`maxHeight must be a positive even integer, got ${maxHeight}`);
  if (!Number.isInteger(crf) || crf < 0 || crf > 51) throw new Errors.VALIDATION(`crf must be an integer 0..51, got ${crf}`);
  if (!X264_PRESETS.includes(preset)) throw new Errors.VALIDATION(`preset must be one of ${X264_PRESETS.join(', ')}`);
  const clock = opts.burnClock ? drawClock(opts.burnClock) : null;

  const playable = browserPlayable(p);
  if (playable.ok && !clock) {
    return {
      mode: 'remux',
      // Remux regardless of height: a reviewer's browser plays 1080p H.264 fine, and a copy keeps every original
      // pixel at ~400 × realtime instead of a generation loss at ~4 ×.
      reason: `remux: ${playable.why}; streams copied unchanged${p.video.height > maxHeight ? ` (height ${p.video.height} kept above ${maxHeight}: remuxes are never scaled)` : ''}`,
      args: (input, output) => [
        ...head(input, output),
        '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy',
        '-movflags', '+faststart', '-f', 'mp4', ffPath(output),
      ],
    };
  }

  // Even height ≤ maxHeight, width from the aspect (-2 keeps it even). Expressions, not the probed size, so a
  // rotated phone clip (which ffmpeg auto-rotates before the filters) is still scaled the right way round.
  const scale = `scale=w=-2:h='min(${maxHeight},trunc(ih/2)*2)'`;
  const filters = clock ? `${scale},${clock}` : scale;
  const reason = clock
    ? 'transcode: a recorded-time clock is burned into the picture'
    : `transcode: ${playable.why}`;
  return {
    mode: 'transcode',
    reason: `${reason}; libx264 ${preset} crf ${crf}, ≤${maxHeight}p, AAC 128k`,
    args: (input, output) => [
      ...head(input, output),
      '-map', '0:v:0', '-map', '0:a:0?',
      '-vf', filters,
      '-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
      '-movflags', '+faststart', '-f', 'mp4', ffPath(output),
    ],
  };
}

function browserPlayable(p: ProbeResult & { video: NonNullable<ProbeResult['video']> }): { ok: boolean; why: string } {
  const v = p.video;
  const inMp4 = /\b(mov|mp4)\b/.test(p.container);
  if (!inMp4) return { ok: false, why: `container ${p.container} is not MP4/MOV` };
  if (v.codec !== 'h264') return { ok: false, why: `video codec ${v.codec} is not H.264` };
  if (!v.pixFmt || !BROWSER_PIX_FMTS.has(v.pixFmt)) return { ok: false, why: `pixel format ${v.pixFmt ?? 'unknown'} is not 4:2:0 8-bit` };
  if (v.profile && !BROWSER_H264_PROFILES.has(v.profile)) return { ok: false, why: `H.264 profile ${v.profile} is not browser-decodable` };
  if (p.audio && p.audio.codec !== 'aac') return { ok: false, why: `audio codec ${p.audio.codec} is not AAC` };
  const what = [`H.264${v.profile ? ` ${v.profile}` : ''}`, p.audio ? 'AAC' : null].filter(Boolean).join('/');
  return { ok: true, why: `${what}${p.audio ? '' : ' (no audio)'} in MP4/MOV is browser-playable` };
}

/** `-n`: never overwrite; `file:` so a name like "-x" or "http:..." is only ever a local path. */
function head(input: string, output: string): string[] {
  if (path.resolve(input) === path.resolve(output)) {
    throw new Errors.VALIDATION('the proxy output must not be the original: evidence is never written to');
  }
  return ['-n', '-i', ffPath(input)];
}

export function ffPath(p: string): string {
  return p.startsWith('file:') ? p : `file:${p}`;
}

/**
 * drawtext showing start + pts. ffmpeg rebases input timestamps so the first packet is at pts 0, hence
 * `%{pts:gmtime:EPOCH}` shows the wall-clock time of each frame. Needs a default font via fontconfig on the worker.
 */
export function drawClock(c: BurnClock): string {
  const startMs = Date.parse(c.startIso);
  if (Number.isNaN(startMs)) throw new Errors.VALIDATION(`burnClock.startIso is not a date: ${c.startIso}`);
  const offsetMin = c.utcOffsetMinutes ?? 0;
  if (!Number.isInteger(offsetMin) || Math.abs(offsetMin) > 14 * 60) {
    throw new Errors.VALIDATION(`burnClock.utcOffsetMinutes must be an integer within ±840, got ${offsetMin}`);
  }
  const epoch = ((startMs + offsetMin * 60_000) / 1000).toFixed(3);
  // In a filtergraph ':' separates options, so the ones inside %{...} are escaped; the label has no ':' of its own
  // to escape, hence "UTC+0800" rather than "UTC+08:00".
  return (
    `drawtext=text='%{pts\\:gmtime\\:${epoch}} ${utcLabel(offsetMin)}'` +
    ':x=10:y=h-th-10:fontsize=h/24:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4'
  );
}

function utcLabel(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const sign = offsetMin > 0 ? '+' : '-';
  const m = Math.abs(offsetMin);
  return `UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}
