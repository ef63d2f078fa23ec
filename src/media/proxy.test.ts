/** The proxy plan run for real: planProxy's arguments through runFfmpeg, the result probed. */
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../../devices/simulators/clips.js';
import { timeoutFor } from '../domain/ffmpeg-timeout.js';
import { planProxy, type ProxyOptions } from '../domain/proxy-plan.js';
import { runFfmpeg } from './ffmpeg-process.js';
import { probeMedia } from './probe.js';

let dir: string;
const at = (name: string) => join(dir, name);

/** Top-level ISO-BMFF box types in file order (enough to see whether moov precedes mdat). */
async function topLevelBoxes(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const types: string[] = [];
    const h = Buffer.alloc(16);
    for (let pos = 0; pos + 8 <= size; ) {
      await fh.read(h, 0, 16, pos);
      let len = h.readUInt32BE(0);
      types.push(h.toString('latin1', 4, 8));
      if (len === 1) len = Number(h.readBigUInt64BE(8));
      else if (len === 0) len = size - pos;
      if (len < 8) throw new Error(`bad box at ${pos}`);
      pos += len;
    }
    return types;
  } finally {
    await fh.close();
  }
}

const sha256 = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

async function makeProxy(input: string, output: string, opts?: ProxyOptions) {
  const probe = await probeMedia(input);
  const plan = planProxy(probe, opts);
  const before = await sha256(input);
  await runFfmpeg({ args: plan.args(input, output), timeoutMs: timeoutFor(probe.durationSec, 4), durationSec: probe.durationSec });
  expect(await sha256(input)).toBe(before); // the original is evidence: untouched
  return { plan, out: await probeMedia(output), boxes: await topLevelBoxes(output) };
}

function expectFaststart(boxes: string[]) {
  expect(boxes).toContain('moov');
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evm-proxy-'));
  await Promise.all([
    generateClip({ path: at('h264.mov'), seconds: 5, width: 320, height: 240 }), // moov at the end
    generateClip({ path: at('hevc.mp4'), seconds: 4, width: 640, height: 480, videoCodec: 'libx265' }),
    generateClip({ path: at('mpeg2.ts'), seconds: 4, width: 320, height: 240, videoCodec: 'mpeg2video' }),
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('proxy', () => {
  it('remuxes H.264/AAC MOV to a faststart MP4', async () => {
    expect((await topLevelBoxes(at('h264.mov'))).slice(-1)).toEqual(['moov']);
    const { plan, out, boxes } = await makeProxy(at('h264.mov'), at('remux.mp4'));
    expect(plan.mode).toBe('remux');
    expect(out.video).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(out.audio?.codec).toBe('aac');
    expectFaststart(boxes);
  });

  it('transcodes HEVC to H.264/AAC scaled down to maxHeight, faststart', async () => {
    const { plan, out, boxes } = await makeProxy(at('hevc.mp4'), at('hevc-proxy.mp4'), { maxHeight: 360 });
    expect(plan.mode).toBe('transcode');
    expect(out.video).toMatchObject({ codec: 'h264', width: 480, height: 360, pixFmt: 'yuv420p' });
    expect(out.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    expect(out.durationSec).toBeCloseTo(4, 0);
    expectFaststart(boxes);
  });

  it('transcodes MPEG-2 TS without upscaling', async () => {
    const { plan, out, boxes } = await makeProxy(at('mpeg2.ts'), at('mpeg2-proxy.mp4'));
    expect(plan.mode).toBe('transcode');
    expect(out.video).toMatchObject({ codec: 'h264', height: 240 });
    expect(out.video!.height).toBeLessThanOrEqual(720);
    expect(out.audio?.codec).toBe('aac');
    expectFaststart(boxes);
  });

  it('burns a recorded-time clock into the picture', async () => {
    const { plan, out } = await makeProxy(at('h264.mov'), at('clock.mp4'), { burnClock: { startIso: '2024-03-01T08:30:00Z' } });
    expect(plan.mode).toBe('transcode');
    expect(out.video?.codec).toBe('h264');
    // The bottom strip differs from the original's: the clock is there (and fontconfig found a font).
    const strip = async (file: string) => {
      const png = at(`${file}.png`);
      await runFfmpeg({ args: ['-i', at(file), '-frames:v', '1', '-y', png], timeoutMs: 10_000 });
      return sharp(png).extract({ left: 0, top: 200, width: 320, height: 40 }).greyscale().raw().toBuffer();
    };
    const [clock, plain] = await Promise.all([strip('clock.mp4'), strip('h264.mov')]);
    let diff = 0;
    for (let i = 0; i < clock.length; i++) diff += Math.abs(clock[i]! - plain[i]!);
    expect(diff / clock.length).toBeGreaterThan(10);
  });
});
