import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { sha256OfFile, uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { probeMedia } from '../src/media/probe.js';
import { JOB_NAMES } from '../src/queue/jobs.js';
import { startHarness, TEST_REDIS_URL, type Harness } from './helpers/harness.js';
import { createUpload } from './helpers/tus-raw.js';

let dir: string;
const clips: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'evm-pipeline-'));
  clips.h264 = path.join(dir, 'h264.mp4');
  clips.hevc = path.join(dir, 'hevc.mp4');
  clips.mpeg2 = path.join(dir, 'mpeg2.mpg');
  clips.audio = path.join(dir, 'audio.m4a');
  await Promise.all([
    generateClip({ path: clips.h264, seconds: 9, width: 640, height: 360, label: 'H264' }),
    generateClip({ path: clips.hevc, seconds: 5, width: 1920, height: 1080, videoCodec: 'libx265', label: 'HEVC' }),
    generateClip({ path: clips.mpeg2, seconds: 4, width: 720, height: 576, videoCodec: 'mpeg2video', label: 'MPEG2' }),
    generateClip({ path: clips.audio, seconds: 4, video: false }),
  ]);
  const h264 = await readFile(clips.h264);
  clips.truncated = path.join(dir, 'truncated.mp4');
  await writeFile(clips.truncated, h264.subarray(0, Math.floor(h264.length * 0.4)));
  clips.random = path.join(dir, 'random.mp4');
  await writeFile(clips.random, randomBytes(300_000));
  clips.empty = path.join(dir, 'empty.mp4');
  await writeFile(clips.empty, '');
}, 180_000);

type MediaView = {
  id: string;
  state: string;
  errorCode: string | null;
  durationSec: number | null;
  processing: { stage: string; progress: number } | null;
  derivatives: Array<{ kind: string; sha256: string; parentSha256: string; operation: { mode?: string; args?: unknown; tools?: { ffmpeg: string } }; details: { frames?: number } }>;
  custody: Array<{ type: string }>;
};

async function media(h: Harness, id: string): Promise<MediaView> {
  const res = await fetch(`${h.baseUrl}/api/v1/media/${id}`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
  return (await res.json()) as MediaView;
}

async function waitForState(h: Harness, id: string, states: string[], timeoutMs = 60_000): Promise<MediaView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await media(h, id);
    if (states.includes(m.state)) return m;
    if (Date.now() > deadline) throw new Error(`media ${id} still ${m.state} (${JSON.stringify(m.processing)}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ingest(h: Harness, token: string, file: string): Promise<string> {
  const url = await uploadFile({ baseUrl: h.baseUrl, token, path: file, metadata: { filename: path.basename(file), recordedAt: '2026-11-23T08:30:00+08:00' } });
  const receipt = await waitForReceipt(h.baseUrl, token, url);
  expect(receipt.verified).toBe(true);
  return receipt.mediaId!;
}

/** ffmpeg processes started for this data directory (the pipeline's inputs or scratch live under it). */
async function ffmpegUnder(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('ffmpeg') || cmd.includes('/ffmpeg\0')) if (cmd.includes(root)) pids.push(Number(pid));
  }
  return pids;
}

describe('processing pipeline', () => {
  let h: Harness;
  let dock: { token: string };
  beforeAll(async () => {
    h = await startHarness({ env: { SPRITE_INTERVAL_SEC: '2' } });
    dock = await h.registerDevice('dock');
  });
  afterAll(async () => h?.stop());

  it('takes a browser-playable clip to ready by remuxing: H.264/AAC proxy, poster, sprite with one frame per interval', async () => {
    const id = await ingest(h, dock.token, clips.h264!);
    const m = await waitForState(h, id, ['ready', 'failed']);
    expect(m.state).toBe('ready');
    expect(m.durationSec).toBeCloseTo(9, 0);
    const proxy = m.derivatives.find((d) => d.kind === 'proxy')!;
    expect(proxy.operation.mode).toBe('remux');
    expect(proxy.parentSha256).toBe(await sha256OfFile(clips.h264!));
    expect(proxy.operation.tools?.ffmpeg).toMatch(/\d/);
    expect(JSON.stringify(proxy.operation.args)).toContain('{original}');

    const res = await fetch(`${h.baseUrl}/api/v1/media/${id}/proxy`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(proxy.sha256);
    const file = path.join(dir, 'proxy-out.mp4');
    await writeFile(file, body);
    const p = await probeMedia(file);
    expect([p.video?.codec, p.audio?.codec]).toEqual(['h264', 'aac']);

    const sprite = m.derivatives.find((d) => d.kind === 'sprite')!;
    expect(sprite.details.frames).toBe(Math.ceil(m.durationSec! / 2));
    // Provenance names no per-run path: the arguments can be run again on the original.
    const spriteArgs = JSON.stringify(sprite.operation.args);
    expect(spriteArgs).toContain('{scratch}');
    expect(spriteArgs).not.toContain(h.dataDir);
    expect(spriteArgs).not.toContain('evm-thumbs-');
    const spriteRes = await fetch(`${h.baseUrl}/api/v1/media/${id}/sprite`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(spriteRes.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await spriteRes.arrayBuffer())).metadata()).format).toBe('webp');
    expect(m.derivatives.map((d) => d.kind).sort()).toEqual(['poster', 'proxy', 'sprite']);
    expect(m.custody.filter((e) => e.type === 'derivative.created')).toHaveLength(3);
  });

  it('serves the proxy with Range (206), an ETag, and records the view in the custody chain', async () => {
    const [first] = (await (await fetch(`${h.baseUrl}/api/v1/media?state=ready&limit=1`, { headers: { Authorization: `Bearer ${h.adminToken}` } })).json()) as Array<{ id: string }>;
    const res = await fetch(`${h.baseUrl}/api/v1/media/${first!.id}/proxy`, { headers: { Authorization: `Bearer ${h.adminToken}`, Range: 'bytes=0-1023' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect((await res.arrayBuffer()).byteLength).toBe(1024);
    expect((await media(h, first!.id)).custody.some((e) => e.type === 'media.viewed')).toBe(true);

    // Whatever the Range header's spelling, bytes from the start of the file are a view that is recorded; only a
    // range starting later (a seek or resume within an opened view) is not.
    const views = async () => (await media(h, first!.id)).custody.filter((e) => e.type === 'media.viewed').length;
    for (const [range, status, recorded] of [
      ['bytes=00-', 206, true],
      ['bytes= 0-', 206, true],
      ['bytes=1-,0-0', 206, true],
      ['x=0-', 200, true],
      ['bytes=512-1023', 206, false],
    ] as const) {
      const before = await views();
      const r = await fetch(`${h.baseUrl}/api/v1/media/${first!.id}/proxy`, { headers: { Authorization: `Bearer ${h.adminToken}`, Range: range } });
      expect([range, r.status]).toEqual([range, status]);
      await r.arrayBuffer();
      expect([range, (await views()) - before]).toEqual([range, recorded ? 1 : 0]);
    }
  });

  it.each([
    ['hevc', 1080],
    ['mpeg2', 576],
  ])('re-encodes %s into a ≤720p H.264/AAC proxy', async (kind, sourceHeight) => {
    const id = await ingest(h, dock.token, clips[kind]!);
    const m = await waitForState(h, id, ['ready', 'failed']);
    expect(m.state).toBe('ready');
    const proxy = m.derivatives.find((d) => d.kind === 'proxy')!;
    expect(proxy.operation.mode).toBe('transcode');
    const file = path.join(dir, `proxy-${kind}.mp4`);
    await writeFile(file, Buffer.from(await (await fetch(`${h.baseUrl}/api/v1/media/${id}/proxy`, { headers: { Authorization: `Bearer ${h.adminToken}` } })).arrayBuffer()));
    const p = await probeMedia(file);
    expect(p.video?.codec).toBe('h264');
    expect(p.audio?.codec).toBe('aac');
    expect(p.video!.height).toBe(Math.min(720, sourceHeight));
  });

  it.each([
    ['truncated', 'EVM_MEDIA_TRUNCATED'],
    ['random', 'EVM_MEDIA_UNREADABLE'],
    ['empty', 'EVM_MEDIA_EMPTY'],
    ['audio', 'EVM_MEDIA_NO_VIDEO'],
  ])('fails %s input once with %s; the original stays stored and verified', async (kind, code) => {
    const id = await ingest(h, dock.token, clips[kind]!);
    const m = await waitForState(h, id, ['ready', 'failed']);
    expect(m).toMatchObject({ state: 'failed', errorCode: code });
    expect(m.custody.filter((e) => e.type === 'media.failed')).toHaveLength(1);
    expect(m.custody.some((e) => e.type === 'media.verified')).toBe(true);
    const original = await fetch(`${h.baseUrl}/api/v1/media/${id}/original`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(createHash('sha256').update(Buffer.from(await original.arrayBuffer())).digest('hex')).toBe(await sha256OfFile(clips[kind]!));
    // No retry storm: the failing stage ran exactly once.
    const failed = (await Promise.all(JOB_NAMES.map((n) => h.services.queues.queue(n).getFailed()))).flat().filter((j) => j.data.mediaId === id);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attemptsMade).toBe(1);
  });

  it('leaves no ffmpeg process behind', async () => {
    expect(await ffmpegUnder(h.dataDir)).toEqual([]);
  });
});

describe('crash safety', () => {
  it('a worker killed with SIGKILL mid-transcode: after restart the media reaches ready with exactly one proxy, no ffmpeg left', async () => {
    const h = await startHarness({ db: 'postgres', workers: false, env: { JOB_LOCK_MS: '2000' } });
    const workers: ChildProcess[] = [];
    const startWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: h.services.config.DATABASE_URL,
          REDIS_URL: TEST_REDIS_URL,
          QUEUE_PREFIX: h.services.config.QUEUE_PREFIX,
          DATA_DIR: h.dataDir,
          JOB_LOCK_MS: '2000',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      workers.push(child);
      return child;
    };
    try {
      const dock = await h.registerDevice('dock');
      const long = path.join(dir, 'long-hevc.mp4');
      await generateClip({ path: long, seconds: 20, width: 1920, height: 1080, videoCodec: 'libx265', label: 'LONG' });
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: long, metadata: { filename: 'long.mp4' } });
      const first = startWorker();
      const { mediaId } = await waitForReceipt(h.baseUrl, dock.token, url);
      // Wait until the transcode is under way, then kill the worker without warning.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const m = await media(h, mediaId!);
        if (m.processing?.stage === 'proxy' && m.processing.progress > 5) break;
        if (Date.now() > deadline) throw new Error(`transcode never started: ${JSON.stringify(m)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      // ffmpeg dies with its worker (parent-death signal), so nothing keeps encoding behind our back.
      const until = Date.now() + 3_000;
      while ((await ffmpegUnder(h.dataDir)).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(await ffmpegUnder(h.dataDir)).toEqual([]);

      startWorker();
      const m = await waitForState(h, mediaId!, ['ready', 'failed'], 120_000);
      expect(m.state).toBe('ready');
      expect(m.derivatives.filter((d) => d.kind === 'proxy')).toHaveLength(1);
      const proxies = await h.services.db.query<{ n: number }>(`select count(*)::int as n from derivatives where media_id = $1 and kind = 'proxy'`, [mediaId]);
      expect(proxies[0]!.n).toBe(1);
      const objects = await readdir(path.join(h.dataDir, 'objects', 'derivatives'), { recursive: true });
      expect(objects.filter((f) => String(f).endsWith('proxy.mp4'))).toHaveLength(1);
    } finally {
      const running = workers.filter((w) => w.exitCode === null && w.signalCode === null);
      for (const w of running) w.kill('SIGTERM');
      await Promise.all(running.map((w) => new Promise((r) => w.once('exit', r))));
      await h.stop();
    }
  }, 240_000);

  it('Redis flushed mid-pipeline: the reconciler brings every media to a terminal state', async () => {
    const h = await startHarness({ env: { SPRITE_INTERVAL_SEC: '2' } });
    try {
      const dock = await h.registerDevice('dock');
      const ids: string[] = [];
      for (const kind of ['h264', 'mpeg2', 'truncated']) {
        const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clips[kind]!, metadata: { filename: `${kind}.mp4` } });
        ids.push((await waitForReceipt(h.baseUrl, dock.token, url)).mediaId!);
      }
      // Forget every queued, running and finished job of this deployment.
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${h.services.config.QUEUE_PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      const final = await Promise.all(ids.map((id) => waitForState(h, id, ['ready', 'failed'], 90_000)));
      expect(final.map((m) => m.state)).toEqual(['ready', 'ready', 'failed']);
    } finally {
      await h.stop();
    }
  }, 180_000);
});

describe('zero-length upload', () => {
  it('is accepted over tus, verified, and fails processing with EVM_MEDIA_EMPTY', async () => {
    const h = await startHarness();
    try {
      const dock = await h.registerDevice('dock');
      const emptySha = createHash('sha256').digest('hex');
      const created = await createUpload(h.baseUrl, dock.token, 0, { filename: 'empty.mp4', sha256: emptySha });
      expect(created.status).toBe(201);
      const receipt = await waitForReceipt(h.baseUrl, dock.token, created.location!);
      expect(receipt.verified).toBe(true);
      expect((await waitForState(h, receipt.mediaId!, ['ready', 'failed'])).errorCode).toBe('EVM_MEDIA_EMPTY');
      expect((await stat(path.join(h.dataDir, 'objects', 'originals', emptySha.slice(0, 2), emptySha.slice(2, 4), emptySha))).size).toBe(0);
    } finally {
      await h.stop();
    }
  });
});
