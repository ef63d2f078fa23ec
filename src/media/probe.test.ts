import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../../devices/simulators/clips.js';
import { assertProcessable } from '../domain/probe-result.js';
import { probeMedia } from './probe.js';

let dir: string;
const at = (name: string) => join(dir, name);

/** Keeps the first `fraction` of a file, like an upload or a card write cut short. */
async function truncate(from: string, to: string, fraction: number) {
  const bytes = await readFile(from);
  await writeFile(to, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evm-probe-'));
  const small = { width: 320, height: 240, seconds: 6 };
  await Promise.all([
    generateClip({ ...small, path: at('h264.mp4') }),
    generateClip({ ...small, path: at('h264.mov') }), // no +faststart: moov at the end
    generateClip({ ...small, path: at('h264.mkv') }),
    generateClip({ ...small, seconds: 4, path: at('hevc.mp4'), videoCodec: 'libx265' }),
    generateClip({ ...small, seconds: 4, path: at('mpeg2.ts'), videoCodec: 'mpeg2video' }),
    generateClip({ seconds: 4, path: at('audio.m4a'), video: false }),
  ]);
  await writeFile(at('empty.mp4'), Buffer.alloc(0));
  const noise = randomBytes(256 * 1024);
  await Promise.all([writeFile(at('random.mp4'), noise), writeFile(at('random.bin'), noise), writeFile(at('random'), noise)]);
  await Promise.all([
    truncate(at('h264.mp4'), at('cut.mp4'), 0.4),
    truncate(at('h264.mov'), at('cut.mov'), 0.4),
    truncate(at('h264.mkv'), at('cut.mkv'), 0.4),
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('probeMedia', () => {
  it('reads an H.264/AAC MP4', async () => {
    const p = await probeMedia(at('h264.mp4'));
    expect(p.container).toContain('mp4');
    expect(p.durationSec).toBeCloseTo(6, 0);
    expect(p.video).toMatchObject({ codec: 'h264', profile: 'High', width: 320, height: 240, fps: 30, pixFmt: 'yuv420p' });
    expect(p.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 1 });
    expect(p.sizeBytes).toBeGreaterThan(0);
    expect(p.bitRate).toBeGreaterThan(0);
    expect(p.tags.major_brand).toBe('isom');
  });

  it('reads HEVC in MP4', async () => {
    const p = await probeMedia(at('hevc.mp4'));
    expect(p.video).toMatchObject({ codec: 'hevc', width: 320, height: 240 });
    expect(p.durationSec).toBeCloseTo(4, 0);
  });

  it('reads MPEG-2 in TS', async () => {
    const p = await probeMedia(at('mpeg2.ts'));
    expect(p.container).toBe('mpegts');
    expect(p.video).toMatchObject({ codec: 'mpeg2video', width: 320, height: 240 });
    expect(p.audio?.codec).toBe('mp2');
    expect(p.durationSec).toBeCloseTo(4, 0);
  });

  it('reads audio-only as a valid result that is not processable', async () => {
    const p = await probeMedia(at('audio.m4a'));
    expect(p.video).toBeNull();
    expect(p.audio?.codec).toBe('aac');
    expect(() => assertProcessable(p)).toThrow(expect.objectContaining({ code: 'EVM_MEDIA_NO_VIDEO' }));
  });

  it.each([
    ['a zero-length file', 'empty.mp4', 'EVM_MEDIA_EMPTY'],
    ['random bytes named .mp4', 'random.mp4', 'EVM_MEDIA_UNREADABLE'],
    ['random bytes named .bin', 'random.bin', 'EVM_MEDIA_UNREADABLE'],
    ['random bytes without an extension', 'random', 'EVM_MEDIA_UNREADABLE'],
    ['a faststart MP4 cut to 40%', 'cut.mp4', 'EVM_MEDIA_TRUNCATED'],
    ['a MOV cut to 40% (index never written)', 'cut.mov', 'EVM_MEDIA_TRUNCATED'],
    ['an MKV cut to 40%', 'cut.mkv', 'EVM_MEDIA_TRUNCATED'],
  ])('classifies %s', async (_what, file, code) => {
    await expect(probeMedia(at(file))).rejects.toMatchObject({ code });
  });

  it('without the read-through a faststart MP4 cut short still looks whole (why the check exists)', async () => {
    const p = await probeMedia(at('cut.mp4'), { readThrough: false });
    expect(p.durationSec).toBeCloseTo(6, 0);
  });

  it('lets a missing file fail as ENOENT', async () => {
    await expect(probeMedia(at('nope.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
