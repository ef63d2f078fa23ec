/**
 * The picture-in-picture review proxy of an interrogation session, as pure rules: the frontal camera inset over the
 * room overview, both placed on one wall-clock timeline, the time burned in, H.264/AAC ≤720p. No I/O here.
 *
 * Each input is a joined recording, in which gaps take no time (see recording-join.ts). Played side by side as
 * they are, the two cameras would drift apart after the first gap of either one. So each camera's joined file is
 * cut at its gaps (trim by the offset table) and the pieces are laid on the session's wall-clock timeline, with a
 * black "no recording" filler for every gap, before and after: both pictures then show the same instant, a gap is
 * visible as what it is, and the burned-in clock (output time 0 = the earliest first frame) is the real time.
 */
import { drawClock } from './proxy-plan.js';
import type { OffsetEntry } from './recording-join.js';

export interface PipSource {
  width: number;
  height: number;
  /** Frames per second of the camera; null when unknown. */
  fps: number | null;
  hasAudio: boolean;
  offsets: readonly OffsetEntry[];
}

export interface PipLayout {
  width: number;
  height: number;
  inset: { width: number; height: number; x: number; y: number; border: number };
}

export interface PipPlan {
  layout: PipLayout;
  fps: number;
  windowStart: string;
  windowEnd: string;
  durationSec: number;
  /** Which input's audio is kept: the overview's when it has any, else the frontal's, else none. */
  audioFrom: 'overview' | 'frontal' | null;
  filterGraph: string;
  args: (overviewPath: string, frontalPath: string, output: string) => string[];
}

/** Shorter stretches (keyframe slips at the window's edges) get no filler: less than a frame or two. */
const MIN_FILLER_SEC = 0.1;
const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/**
 * Output size: the overview at most `maxHeight` high (never upscaled), even dimensions; the frontal inset a third of
 * the width, its own aspect, top right, with a thin border so it reads as a separate picture.
 */
export function pipLayout(overview: { width: number; height: number }, frontal: { width: number; height: number }, maxHeight = 720): PipLayout {
  const height = even(Math.min(maxHeight, overview.height));
  const width = even((overview.width * height) / overview.height);
  const insetWidth = even(width / 3);
  const insetHeight = even((insetWidth * frontal.height) / frontal.width);
  const border = 2;
  const margin = even(width / 64);
  return { width, height, inset: { width: insetWidth, height: insetHeight, x: width - insetWidth - 2 * border - margin, y: margin, border } };
}

interface Piece {
  kind: 'media' | 'filler';
  /** media: seconds in the joined file; filler: length. */
  start: number;
  end: number;
}

/**
 * A camera's pieces on the window [windowStartMs, windowEndMs]: runs of touching segments (cut where wall time
 * jumps by more than `joinSec`) and fillers for everything between. Tiny negative or positive slips at segment
 * boundaries (keyframe alignment) are absorbed, so the timeline never drifts by more than one of them.
 */
export function timelinePieces(offsets: readonly OffsetEntry[], windowStartMs: number, windowEndMs: number, joinSec = 0.5): Piece[] {
  const runs: Array<{ mediaStart: number; mediaEnd: number; wallStartMs: number }> = [];
  for (const o of offsets) {
    const last = runs[runs.length - 1];
    const wallStartMs = Date.parse(o.wallStart);
    if (last) {
      const lastWallEnd = last.wallStartMs + (last.mediaEnd - last.mediaStart) * 1000;
      if (wallStartMs - lastWallEnd <= joinSec * 1000) {
        last.mediaEnd = o.mediaOffsetSec + o.durationSec;
        continue;
      }
    }
    runs.push({ mediaStart: o.mediaOffsetSec, mediaEnd: o.mediaOffsetSec + o.durationSec, wallStartMs });
  }
  const pieces: Piece[] = [];
  let cursorMs = windowStartMs;
  for (const r of runs) {
    const lead = (r.wallStartMs - cursorMs) / 1000;
    if (lead >= MIN_FILLER_SEC) pieces.push({ kind: 'filler', start: 0, end: round3(lead) });
    pieces.push({ kind: 'media', start: round3(r.mediaStart), end: round3(r.mediaEnd) });
    cursorMs = Math.max(cursorMs, r.wallStartMs) + (r.mediaEnd - r.mediaStart) * 1000;
  }
  const tail = (windowEndMs - cursorMs) / 1000;
  if (tail >= MIN_FILLER_SEC) pieces.push({ kind: 'filler', start: 0, end: round3(tail) });
  return pieces;
}

export function planPip(o: { overview: PipSource; frontal: PipSource; maxHeight?: number; utcOffsetMinutes?: number; crf?: number; preset?: string }): PipPlan {
  const layout = pipLayout(o.overview, o.frontal, o.maxHeight ?? 720);
  const fps = Math.min(30, Math.max(1, Math.round(o.overview.fps ?? o.frontal.fps ?? 25)));
  const bounds = [o.overview, o.frontal].flatMap((s) => (s.offsets.length ? [Date.parse(s.offsets[0]!.wallStart), Date.parse(s.offsets[s.offsets.length - 1]!.wallEnd)] : []));
  if (bounds.length < 4) throw new Error('both cameras need a joined recording with at least one segment');
  const windowStartMs = Math.min(bounds[0]!, bounds[2]!);
  const windowEndMs = Math.max(bounds[1]!, bounds[3]!);
  const audioFrom = o.overview.hasAudio ? 'overview' : o.frontal.hasAudio ? 'frontal' : null;
  const parts: string[] = [];

  const videoChain = (input: number, src: PipSource, w: number, h: number, label: string) => {
    const pieces = timelinePieces(src.offsets, windowStartMs, windowEndMs);
    const media = pieces.filter((p) => p.kind === 'media').length;
    const labels: string[] = [];
    const splits = Array.from({ length: media }, (_, i) => `[${label}s${i}]`);
    if (media) parts.push(`[${input}:v:0]${media > 1 ? `split=${media}` : 'null'}${splits.join('')}`);
    let m = 0;
    pieces.forEach((p, i) => {
      const out = `[${label}p${i}]`;
      labels.push(out);
      const fit = `scale=${w}:${h},setsar=1,fps=${fps},format=yuv420p`;
      if (p.kind === 'media') parts.push(`${splits[m++]}trim=start=${p.start}:end=${p.end},setpts=PTS-STARTPTS,${fit}${out}`);
      else parts.push(`color=c=0x202020:s=${w}x${h}:r=${fps}:d=${p.end},setsar=1,format=yuv420p,drawtext=text='NO RECORDING':x=(w-tw)/2:y=(h-th)/2:fontsize=h/12:fontcolor=white${out}`);
    });
    parts.push(`${labels.join('')}concat=n=${labels.length}:v=1:a=0[${label}]`);
  };
  videoChain(0, o.overview, layout.width, layout.height, 'ov');
  videoChain(1, o.frontal, layout.inset.width, layout.inset.height, 'fr');
  const b = layout.inset.border;
  parts.push(`[fr]pad=w=iw+${2 * b}:h=ih+${2 * b}:x=${b}:y=${b}:color=white[frb]`);
  const clock = drawClock({ startIso: new Date(windowStartMs).toISOString(), utcOffsetMinutes: o.utcOffsetMinutes ?? 0 });
  parts.push(`[ov][frb]overlay=x=${layout.inset.x}:y=${layout.inset.y}:eof_action=pass,${clock}[vout]`);

  if (audioFrom) {
    const input = audioFrom === 'overview' ? 0 : 1;
    const src = audioFrom === 'overview' ? o.overview : o.frontal;
    const pieces = timelinePieces(src.offsets, windowStartMs, windowEndMs);
    const media = pieces.filter((p) => p.kind === 'media').length;
    const splits = Array.from({ length: media }, (_, i) => `[as${i}]`);
    parts.push(`[${input}:a:0]${media > 1 ? `asplit=${media}` : 'anull'}${splits.join('')}`);
    const fmt = 'aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo';
    const labels: string[] = [];
    let m = 0;
    pieces.forEach((p, i) => {
      const out = `[ap${i}]`;
      labels.push(out);
      if (p.kind === 'media') parts.push(`${splits[m++]}atrim=start=${p.start}:end=${p.end},asetpts=PTS-STARTPTS,${fmt}${out}`);
      else parts.push(`anullsrc=r=48000:cl=stereo,atrim=duration=${p.end},${fmt}${out}`);
    });
    parts.push(`${labels.join('')}concat=n=${labels.length}:v=0:a=1[aout]`);
  }
  const filterGraph = parts.join(';');
  const crf = o.crf ?? 23;
  const preset = o.preset ?? 'veryfast';
  return {
    layout,
    fps,
    windowStart: new Date(windowStartMs).toISOString(),
    windowEnd: new Date(windowEndMs).toISOString(),
    durationSec: round3((windowEndMs - windowStartMs) / 1000),
    audioFrom,
    filterGraph,
    // -reinit_filter 0: a camera that changed its stream mid-session (a reboot with other encoder settings) must
    // not rebuild the graph: that restarts every trim and setpts, and the pieces after the change come out empty.
    // Each piece is scaled and converted right after its trim, so one graph takes any mix.
    args: (overviewPath, frontalPath, output) => [
      '-n',
      '-reinit_filter', '0', '-i', `file:${overviewPath}`,
      '-reinit_filter', '0', '-i', `file:${frontalPath}`,
      '-filter_complex', filterGraph,
      '-map', '[vout]',
      ...(audioFrom ? ['-map', '[aout]', '-c:a', 'aac', '-b:a', '128k'] : []),
      '-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-pix_fmt', 'yuv420p',
      '-movflags', '+faststart', '-f', 'mp4', `file:${output}`,
    ],
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
