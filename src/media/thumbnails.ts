/**
 * Poster and scrub-preview sprite for a video, from keyframes only.
 *
 * Frame extraction (measured on a 60 s 1080p 8 Mbit/s H.264 clip, GOP 2 s, 6 frames at 10 s; 2 shared cores):
 *   decode every frame, `-vf fps=1/10`                                   5.0 s
 *   `-skip_frame nokey` + `fps=1/10` (one run)                           0.40 s, but 5 frames instead of 6 with one
 *                                                                        keyframe per 25 s, and 8 instead of 9 at 7 s
 *   one `-ss` input per frame with `-skip_frame nokey`, one run           0.42 s for 6 frames; 60 frames: 6.6 s, 1.4 GB
 *                                                                        (every input keeps a decoder open)
 *   `-skip_frame nokey` + fps + `tpad` clone + `-frames:v N` (chosen)      0.40 s for 6, 0.58 s for 60, ~80 MB
 * Whole call on that clip: poster run 0.16 s + sprite run 0.41 s + sharp WebP 0.07 s = 0.64 s (medians of 5).
 * The chosen run decodes keyframes only, and its count is exact by construction: tpad clones the last picture so
 * there are at least N frames (and pads the input too, so clips shorter than one interval get a tile), -frames:v stops at N. With sparse keyframes a tile repeats the latest keyframe,
 * which is the honest picture for that moment without decoding everything.
 * The sprite is composed with sharp, one libvips thread and no cache, so memory stays bounded beside ffmpeg.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Errors } from '../errors.js';
import { timeoutFor } from '../domain/ffmpeg-timeout.js';
import { ffPath } from '../domain/proxy-plan.js';
import { spriteFrameCount, spriteGrid } from '../domain/sprite-grid.js';
import { runFfmpeg } from './ffmpeg-process.js';

sharp.cache(false);
sharp.concurrency(1);

export interface ThumbnailOptions {
  durationSec: number;
  /** One sprite tile per interval, default 10 s. */
  intervalSec?: number;
  tileWidth?: number;
  posterWidth?: number;
  /** Where the poster is taken (a keyframe at or before it). Default 10% in, at most 10 s: past the fumbling start. */
  posterAtSec?: number;
  /** Most tiles per sprite row, default 10. */
  maxColumns?: number;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  /** Where the intermediate frames go (default: the OS temp dir); the pipeline passes its job scratch dir. */
  workDir?: string;
}

export interface Thumbnails {
  poster: string;
  sprite: string;
  spriteFrames: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  intervalSec: number;
  /** The ffmpeg runs made, for the processing record. */
  ffmpegArgs: string[][];
}

/** Keyframe-only extraction ran at ~130 × realtime here; 20 leaves room for a busy machine and slow disks. */
const KEYFRAME_REALTIME = 20;

/** Writes `poster.webp` and `sprite.webp` into `outDir` (which must exist). */
export async function makeThumbnails(input: string, outDir: string, opts: ThumbnailOptions): Promise<Thumbnails> {
  const intervalSec = opts.intervalSec ?? 10;
  const tileWidth = even(opts.tileWidth ?? 160);
  const posterWidth = even(opts.posterWidth ?? 640);
  const frames = spriteFrameCount(opts.durationSec, intervalSec);
  const timeoutMs = timeoutFor(opts.durationSec, KEYFRAME_REALTIME);
  const progress = opts.onProgress ?? (() => {});
  const tmp = await mkdtemp(join(opts.workDir ?? tmpdir(), 'evm-thumbs-'));
  const ffmpegArgs: string[][] = [];
  const run = async (args: string[], onProgress?: (p: number) => void) => {
    ffmpegArgs.push(args);
    await runFfmpeg({ args, timeoutMs, durationSec: opts.durationSec, onProgress, signal: opts.signal });
  };

  try {
    // Poster: the keyframe at or before the target (-noaccurate_seek), scaled by ffmpeg, encoded to WebP by sharp.
    const posterAt = opts.posterAtSec ?? Math.min(opts.durationSec * 0.1, 10);
    const posterPng = join(tmp, 'poster.png');
    const posterArgs = (seek: string[]) => [
      '-skip_frame', 'nokey', ...seek, '-i', ffPath(input),
      '-map', '0:v:0', '-an', '-sn', '-dn', '-frames:v', '1', '-vf', scaleTo(posterWidth, true), '-y', ffPath(posterPng),
    ];
    await run(posterArgs(['-noaccurate_seek', '-ss', posterAt.toFixed(3)]));
    // A seek into a stream without an index (TS) can land past every keyframe: take the first one instead.
    if (!(await exists(posterPng))) await run(posterArgs([]));
    if (!(await exists(posterPng))) throw new Errors.FFMPEG_FAILED(0, 'no keyframe could be extracted for the poster');
    progress(10);

    // Keyframe-only decoding ends at the last keyframe, so fps can come up short: the second tpad clones the last
    // tile up to N. When the clip is shorter than one interval fps emits nothing to clone, so the first tpad pads
    // the input by one interval. -frames:v then stops at exactly N.
    const fps = `tpad=stop_mode=clone:stop_duration=${intervalSec},fps=1/${intervalSec}`;
    const pad = `tpad=stop_mode=clone:stop=${frames}`;
    await run(
      [
        '-skip_frame', 'nokey', '-i', ffPath(input),
        '-map', '0:v:0', '-an', '-sn', '-dn',
        '-vf', `${fps},${scaleTo(tileWidth)},${pad}`, '-frames:v', String(frames),
        '-y', ffPath(join(tmp, 'tile-%05d.png')),
      ],
      (p) => progress(10 + p * 0.8),
    );
    const tiles = (await readdir(tmp)).filter((f) => f.startsWith('tile-')).sort().map((f) => join(tmp, f));
    if (tiles.length !== frames) {
      throw new Errors.FFMPEG_FAILED(0, `expected ${frames} sprite frames, ffmpeg wrote ${tiles.length}`);
    }

    const poster = join(outDir, 'poster.webp');
    await sharp(posterPng).webp({ quality: 80 }).toFile(poster);
    const sprite = join(outDir, 'sprite.webp');
    const layout = await composeSprite(tiles, tileWidth, sprite, opts.maxColumns);
    progress(100);
    return { poster, sprite, spriteFrames: frames, ...layout, tileWidth, intervalSec, ffmpegArgs };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Tiles in reading order on a black canvas. The tile height comes from the first frame; a tile of another size
 * (the camera changed resolution mid-recording) is fitted into the same box so the grid stays regular.
 */
async function composeSprite(tiles: string[], tileWidth: number, out: string, maxColumns?: number) {
  const first = await sharp(tiles[0]!).metadata();
  const tileHeight = first.height ?? Math.round((tileWidth * 9) / 16);
  const { columns, rows } = spriteGrid(tiles.length, tileWidth, tileHeight, maxColumns);
  const layers: sharp.OverlayOptions[] = [];
  for (const [i, file] of tiles.entries()) {
    const m = await sharp(file).metadata();
    const input =
      m.width === tileWidth && m.height === tileHeight
        ? file
        : await sharp(file).resize(tileWidth, tileHeight, { fit: 'contain', background: '#000' }).toBuffer();
    layers.push({ input, left: (i % columns) * tileWidth, top: Math.floor(i / columns) * tileHeight });
  }
  await sharp({ create: { width: columns * tileWidth, height: rows * tileHeight, channels: 3, background: '#000' } })
    .composite(layers)
    .webp({ quality: 70 })
    .toFile(out);
  return { columns, rows, tileHeight };
}

/**
 * Width w (for the poster: at most the source's, no point upscaling a 320 px clip), height from the display aspect
 * so anamorphic pixels come out right, both even, square pixels.
 */
function scaleTo(w: number, noUpscale = false): string {
  const width = noUpscale ? `'min(${w},trunc(iw/2)*2)'` : String(w);
  return `scale=w=${width}:h=trunc(ow/dar/2)*2,setsar=1`;
}

function even(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`width must be an integer ≥ 2, got ${n}`);
  return n - (n % 2);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.size > 0,
    () => false,
  );
}
