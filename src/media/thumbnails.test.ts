import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../../devices/simulators/clips.js';
import { runFfmpeg } from './ffmpeg-process.js';
import { makeThumbnails } from './thumbnails.js';

let dir: string;
const at = (name: string) => join(dir, name);
const leftovers = async () => (await readdir(tmpdir())).filter((f) => f.startsWith('evm-thumbs-')).sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evm-thumbtest-'));
  await Promise.all([
    generateClip({ path: at('clip.mp4'), seconds: 12, width: 320, height: 240, audio: false }),
    // One keyframe every 10 s: keyframe-only extraction alone would come up short of tiles here.
    runFfmpeg({
      args: ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast',
        '-g', '300', '-keyint_min', '300', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', at('sparse.mp4')],
      timeoutMs: 30_000,
    }),
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('makeThumbnails', () => {
  it.each([
    ['clip.mp4', 12, 5, 3, 240 / 2],
    ['clip.mp4', 12, 2, 6, 240 / 2],
    ['sparse.mp4', 12, 2, 6, 90],
    ['sparse.mp4', 12, 7, 2, 90],
  ])('%s (%i s) every %i s gives exactly ceil(duration / interval) = %i tiles', async (file, durationSec, intervalSec, frames, tileHeight) => {
    const before = await leftovers();
    const out = at(`out-${file}-${intervalSec}`);
    await mkdir(out);
    const seen: number[] = [];
    const r = await makeThumbnails(at(file), out, { durationSec, intervalSec, onProgress: (p) => seen.push(p) });

    expect(r.spriteFrames).toBe(frames);
    expect(r).toMatchObject({ tileWidth: 160, tileHeight, intervalSec, columns: frames, rows: 1 });
    const sprite = await sharp(r.sprite).metadata();
    expect(sprite).toMatchObject({ format: 'webp', width: r.columns * r.tileWidth, height: r.rows * r.tileHeight });
    const poster = await sharp(r.poster).metadata();
    expect(poster.format).toBe('webp');
    expect(poster.width).toBe(320); // capped at the source width, not upscaled to 640
    expect(r.ffmpegArgs).toHaveLength(2);
    expect(r.ffmpegArgs.every((a) => a.includes('-skip_frame') && a[a.indexOf('-skip_frame') + 1] === 'nokey')).toBe(true);
    expect(seen.at(-1)).toBe(100);
    expect(await leftovers()).toEqual(before); // temp frames removed
  });

  it('wraps long sprites into rows of 10', async () => {
    const out = at('out-rows');
    await mkdir(out);
    const r = await makeThumbnails(at('clip.mp4'), out, { durationSec: 12, intervalSec: 0.5, tileWidth: 80 });
    expect(r).toMatchObject({ spriteFrames: 24, columns: 10, rows: 3, tileWidth: 80, tileHeight: 60 });
    expect(await sharp(r.sprite).metadata()).toMatchObject({ width: 800, height: 180 });
  });

  it('makes one tile for a clip shorter than one interval (fps alone would emit none)', async () => {
    const short = at('short.mp4');
    await generateClip({ path: short, seconds: 3, width: 160, height: 120, audio: false });
    const out = at('out-short');
    await mkdir(out);
    const r = await makeThumbnails(short, out, { durationSec: 3, intervalSec: 10 });
    expect(r.spriteFrames).toBe(1);
    expect((await sharp(r.sprite).metadata()).width).toBe(r.tileWidth);
  });
});
