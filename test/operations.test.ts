import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { healthPlugin } from '../src/api/plugins/health.js';
import type { Services } from '../src/runtime/services.js';
import type { ObjectLockSupport } from '../storage/object-store.js';
import { buildCoverageFixture } from './coverage.fixtures.js';
import { startHarness, TEST_REDIS_URL, type Harness } from './helpers/harness.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('/metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: true, env: { COVERAGE_METRICS_INTERVAL_SEC: '1' } });
    await buildCoverageFixture(h.services.db);
    await h.services.db.query(`update devices set last_seen_at = now() - interval '90 seconds' where serial = 'DOCK-1'`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const scrape = async () => (await fetch(`${h.baseUrl}/metrics`)).text();

  it('answers only on loopback while no METRICS_TOKEN is set', async () => {
    const app = await buildApp(h.services);
    try {
      expect((await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
      const remote = await app.inject({ url: '/metrics', remoteAddress: '10.20.30.40' });
      expect([remote.statusCode, remote.json().code]).toEqual([401, 'EVM_UNAUTHENTICATED']);
    } finally {
      await app.close();
    }
  });

  it('counts storage growth by China days: a file stored at 01:30 Beijing time belongs to that day, not to the UTC day before', async () => {
    const [row] = await h.services.db.query<{ id: string }>(`select id from media where state <> 'rejected' order by created_at limit 1`);
    // 17:30 UTC two days ago is 01:30 the next day in Beijing; the fixture's other files are weeks older.
    const utcDay = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const at = `${utcDay}T17:30:00Z`;
    const beijingDay = new Date(Date.parse(at) + 8 * 3_600_000).toISOString().slice(0, 10);
    await h.services.db.query('update media set created_at = $2 where id = $1', [row!.id, at]);
    const r = await fetch(`${h.baseUrl}/api/v1/admin/storage?days=3`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    const body = (await r.json()) as { daily: Array<{ day: string; files: number }> };
    expect(body.daily).toEqual([{ day: beijingDay, files: 1, bytes: expect.any(Number) }]);
  });

  it('exposes the operations metrics by their documented names', async () => {
    const text = await scrape();
    for (const name of [
      'evm_ingested_bytes_total',
      'evm_media_files',
      'evm_media_bytes',
      'evm_queue_jobs',
      'evm_job_duration_seconds',
      'evm_storage_used_bytes',
      'evm_storage_free_bytes',
      'evm_coverage_rate',
      'evm_coverage_numerator',
      'evm_coverage_denominator',
      'evm_device_last_seen_seconds',
      'evm_inventory_pending_files',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    // 13 media of 1000 bytes in the fixture, all counted as ingested (rejected ones too)
    expect(text).toMatch(/^evm_ingested_bytes_total \d+/m);
    expect(text).toContain('evm_media_files{state="rejected"} 1');
    expect(text).toMatch(/evm_queue_jobs\{queue="verify",status="waiting"\} 0/);
    expect(text).toMatch(/evm_device_last_seen_seconds\{serial="DOCK-1",kind="dock"\} (9\d|1\d\d)(\.\d+)?/);
    // F2, F3, F4 are long past the deadline
    expect(text).toContain('evm_inventory_pending_files{status="overdue"} 3');
  });

  it('computes the coverage gauges of the current month in the background, not per scrape', async () => {
    // The fixture is November 2026; whatever month it is now, every rate has a denominator gauge.
    let text = '';
    for (let i = 0; i < 50 && !/evm_coverage_computed_timestamp_seconds \d/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    for (const rate of ['bodycam-usage', 'storage', 'full-recording', 'upload-timeliness', 'interrogation-review']) {
      expect(text).toMatch(new RegExp(`evm_coverage_denominator\\{rate="${rate}"\\} \\d+`));
    }
  });

  it('times jobs per queue from the queue event stream', async () => {
    // A link job for a media that does not exist finishes at once (nothing to link).
    await h.services.queues.enqueue('link', { mediaId: randomUUID() });
    let text = '';
    for (let i = 0; i < 100 && !/evm_job_duration_seconds_count\{queue="link"/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(text).toMatch(/evm_job_duration_seconds_count\{queue="link",outcome="(completed|failed)"\} [1-9]/);
  });
});

describe('/healthz and /readyz', () => {
  const redisUrl = new URL(TEST_REDIS_URL);
  const goodRedis = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
  const ok = async () => undefined;
  const fail = (msg: string) => async () => {
    throw new Error(msg);
  };

  async function probe(parts: {
    db?: () => Promise<unknown>;
    store?: () => Promise<void>;
    redis?: { host: string; port: number };
    freeBytes?: number | null;
    minFreeBytes?: number;
    objectLock?: () => Promise<ObjectLockSupport>;
    spool?: () => Promise<void>;
  }) {
    const app = Fastify();
    const services = {
      db: { query: parts.db ?? (async () => [{ '?column?': 1 }]) },
      store: {
        kind: parts.objectLock ? 's3' : 'local',
        ping: parts.store ?? ok,
        usage: async () => ({ usedBytes: null, freeBytes: parts.freeBytes === undefined ? null : parts.freeBytes }),
        objectLock: parts.objectLock ? { probe: parts.objectLock } : undefined,
      },
      redis: parts.redis ?? goodRedis,
      uploads: { kind: parts.spool ? 'object-store' : 'local', ping: parts.spool ?? ok },
      config: { paths: { data: tmpdir() }, STORAGE_MIN_FREE_BYTES: parts.minFreeBytes ?? 0, OBJECT_LOCK: 'auto' },
    } as unknown as Services;
    await app.register(healthPlugin, { services });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      const alive = await app.inject({ method: 'GET', url: '/healthz' });
      return { ready: { status: ready.statusCode, body: ready.json() }, alive: alive.statusCode };
    } finally {
      await app.close();
    }
  }

  it('is ready when PostgreSQL, Redis and storage answer', async () => {
    const r = await probe({});
    expect(r.ready).toMatchObject({ status: 200, body: { status: 'ready', database: { ok: true }, redis: { ok: true }, storage: { ok: true } } });
  });

  it('is not ready when the database fails, and still alive', async () => {
    const r = await probe({ db: fail('connection refused') });
    expect(r.ready).toMatchObject({ status: 503, body: { status: 'unavailable', database: { ok: false, error: 'connection refused' }, redis: { ok: true } } });
    expect(r.alive).toBe(200);
  });

  it('is not ready when Redis is unreachable', async () => {
    const r = await probe({ redis: { host: '127.0.0.1', port: await closedPort() } });
    expect(r.ready).toMatchObject({ status: 503, body: { redis: { ok: false }, database: { ok: true }, storage: { ok: true } } });
  });

  it('is not ready when storage fails or hangs (bounded by a timeout)', async () => {
    const r = await probe({ store: fail('bucket gone') });
    expect(r.ready).toMatchObject({ status: 503, body: { storage: { ok: false, error: 'bucket gone' } } });
    const t0 = Date.now();
    const hung = await probe({ store: () => new Promise(() => undefined) });
    expect(hung.ready).toMatchObject({ status: 503, body: { storage: { ok: false, error: expect.stringMatching(/no answer within/) } } });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('is not ready when the upload spool cannot be reached (its bucket, on the object-store spool)', async () => {
    const r = await probe({ spool: fail('NoSuchBucket') });
    expect(r.ready).toMatchObject({ status: 503, body: { status: 'unavailable', uploadSpool: { ok: false, kind: 'object-store', error: 'NoSuchBucket' } } });
    expect((await probe({})).ready).toMatchObject({ status: 200, body: { uploadSpool: { ok: true, kind: 'local' } } });
  });

  it('is not ready when the object store has less than STORAGE_MIN_FREE_BYTES free, and says so with EVM_STORAGE_FULL', async () => {
    const r = await probe({ freeBytes: 0, minFreeBytes: 1024 });
    expect(r.ready).toMatchObject({
      status: 503,
      body: { status: 'unavailable', storage: { ok: false, code: 'EVM_STORAGE_FULL', freeBytes: 0, minFreeBytes: 1024, error: expect.stringMatching(/object store \(0 bytes free\)/) } },
    });
    expect(r.alive).toBe(200);
    const roomy = await probe({ freeBytes: 4096, minFreeBytes: 1024 });
    expect(roomy.ready).toMatchObject({ status: 200, body: { storage: { ok: true, freeBytes: 4096 } } });
  });

  it('is not ready when DATA_DIR (spool, scratch, exports) is below STORAGE_MIN_FREE_BYTES, even on a store that cannot tell (S3)', async () => {
    // More than any disk here has free: the real statfs of the temp dir is below it.
    const r = await probe({ freeBytes: null, minFreeBytes: Number.MAX_SAFE_INTEGER });
    expect(r.ready).toMatchObject({ status: 503, body: { storage: { ok: false, code: 'EVM_STORAGE_FULL', freeBytes: null, error: expect.stringMatching(/DATA_DIR/) } } });
    expect((r.ready.body as { storage: { dataDirFreeBytes: number } }).storage.dataDirFreeBytes).toBeGreaterThan(0);
  });

  it('says whether originals are under WORM without failing readiness either way', async () => {
    const local = await probe({});
    expect(local.ready).toMatchObject({ status: 200, body: { worm: { enabled: false, reason: 'the local store has no Object Lock' } } });
    const locked = await probe({ objectLock: async () => ({ supported: true }) });
    expect(locked.ready).toMatchObject({ status: 200, body: { worm: { enabled: true } } });
    const plain = await probe({ objectLock: async () => ({ supported: false, reason: 'the bucket was created without Object Lock' }) });
    expect(plain.ready).toMatchObject({ status: 200, body: { worm: { enabled: false, reason: 'the bucket was created without Object Lock' } } });
    const unknown = await probe({ objectLock: fail('socket hang up') });
    expect(unknown.ready).toMatchObject({ status: 200, body: { worm: { enabled: false, reason: expect.stringMatching(/could not be checked: socket hang up/) } } });
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  it('asks a scraper for the token, from anywhere', async () => {
    const token = 'scrape-me-0123456789abcdef';
    const h = await startHarness({ workers: false, env: { METRICS_TOKEN: token } });
    try {
      expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${h.baseUrl}/metrics`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await fetch(`${h.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('evm_media_files');
    } finally {
      await h.stop();
    }
  });
});
