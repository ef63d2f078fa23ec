import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { getReceipt, sha256OfFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload, patchUpload } from './helpers/tus-raw.js';

/** A private redis-server on a port chosen now, so this test may stop it without touching anyone else's. */
class PrivateRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((resolve) => srv.close(resolve));
    const r = new PrivateRedis(port);
    await r.up();
    return r;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    // Already running: a second server would fail to bind, answer PONG through the first, and leave the first
    // without an owner (one redis-server outlived every run of this file).
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const ok = await probe.connect().then(() => probe.ping(), () => null);
      probe.disconnect();
      if (ok === 'PONG') return;
      await sleep(50);
    }
    throw new Error('private redis-server did not start');
  }

  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('an upload finishing while Redis is down', () => {
  let redis: PrivateRedis;
  let h: Harness;
  let clip: string;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    h = await startHarness({ db: 'postgres', workers: false, env: { REDIS_URL: redis.url } });
    const dir = await mkdtemp(path.join(tmpdir(), 'evm-redis-down-'));
    clip = path.join(dir, 'BWC-0009_013579_20261123100000.mp4');
    await generateClip({ path: clip, seconds: 3, width: 640, height: 360, videoBitrate: '2M', label: 'BWC-0009' });
  }, 120_000);
  afterAll(async () => {
    await redis?.up().catch(() => undefined);
    await h?.stop();
    await redis?.down();
  });

  it('is answered within a bounded time with the media stored; verification follows from PostgreSQL once Redis is back', async () => {
    const dock = await h.registerDevice('dock');
    const size = (await stat(clip)).size;
    const sha256 = await sha256OfFile(clip);
    const created = await createUpload(h.baseUrl, dock.token, size, { filename: 'BWC-0009_013579_20261123100000.mp4', sha256 });
    expect(created.status).toBe(201);
    expect((await patchUpload(created.location!, dock.token, clip, 0, size - 1000)).status).toBe(204);

    await redis.down();
    const started = Date.now();
    const last = await Promise.race([
      patchUpload(created.location!, dock.token, clip, size - 1000, size),
      sleep(15_000).then(() => ({ status: -1 })),
    ]);
    const tookMs = Date.now() - started;
    expect(last.status).toBe(204);
    expect(tookMs).toBeLessThan(10_000);
    const stored = await getReceipt(h.baseUrl, dock.token, created.location!);
    expect(stored).toMatchObject({ state: 'stored', verified: false, sha256 });
    expect(stored.mediaId).not.toBeNull();

    // PostgreSQL is the truth: with Redis back, the reconciler owes and enqueues the verification.
    await redis.up();
    await h.startWorkers();
    const receipt = await waitForReceipt(h.baseUrl, dock.token, created.location!, 60_000);
    expect(receipt).toMatchObject({ verified: true, mediaId: stored.mediaId });
  }, 120_000);
});
