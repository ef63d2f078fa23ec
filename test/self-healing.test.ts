import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from './helpers/postgres.js';
import { freePort, spawnService, startForwarder, startRedisServer, type ServiceProcess } from './helpers/processes.js';

/**
 * The production shape heals itself: API and worker processes started before their dependencies wait for them,
 * and a Redis outage under a running worker costs a couple of log lines, not thousands. Real processes, a private
 * redis-server the test starts and stops, the machine's PostgreSQL.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup() {
  // The production shape: the service on the application role, migrations on the owner role.
  const db: TempDatabase = await createTempDatabase({ roles: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'evm-heal-'));
  cleanups.push(() => db.drop(), () => rm(dataDir, { recursive: true, force: true }));
  const redisPort = await freePort();
  const env = {
    DATABASE_URL: db.appUrl!,
    DATABASE_MIGRATION_URL: db.ownerUrl!,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: `h${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    STORAGE_MIN_FREE_BYTES: '0',
  };
  return { db, dataDir, redisPort, env };
}

function track(p: ServiceProcess): ServiceProcess {
  cleanups.push(() => p.stop('SIGKILL'));
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisLines = (p: ServiceProcess, from = 0) => p.lines.slice(from).filter((l) => /redis|ECONNREFUSED|MISCONF/i.test(l));

describe('a process started before its dependencies', () => {
  it('a worker waits for Redis with backoff and one log line, and runs once Redis answers', async () => {
    const { redisPort, env } = await setup();
    const worker = track(spawnService('workers/main.ts', env));
    await worker.waitForLine(/Redis does not answer yet/);
    await sleep(4000);
    expect(worker.exited()).toBe(false);
    // One line per attempt-window (30 s), not one per attempt.
    expect(worker.lines.filter((l) => /does not answer yet/.test(l))).toHaveLength(1);
    const redis = await startRedisServer(redisPort);
    cleanups.push(() => redis.stop());
    await worker.waitForLine(/"msg":"workers running"/, 30_000);
    expect(worker.lines.some((l) => /Redis answers: continuing start-up/.test(l))).toBe(true);
  }, 90_000);

  it('the API waits for PostgreSQL and Redis, then becomes ready', async () => {
    const { redisPort, env } = await setup();
    const pgPort = await freePort();
    const url = new URL(env.DATABASE_URL);
    const pgTarget = { host: url.hostname, port: Number(url.port || 5432) };
    url.port = String(pgPort);
    const migrationUrl = new URL(env.DATABASE_MIGRATION_URL);
    migrationUrl.port = String(pgPort);
    const port = await freePort();
    const api = track(
      spawnService('src/main.ts', {
        ...env,
        DATABASE_URL: url.toString(),
        DATABASE_MIGRATION_URL: migrationUrl.toString(),
        PORT: String(port),
        HOST: '127.0.0.1',
        WORKERS_IN_PROCESS: 'false',
        DEMO_DOCK: 'false',
        RECORDER: 'false',
        DOCK_POLLER: 'false',
      }),
    );
    await api.waitForLine(/Redis does not answer yet/);
    const redis = await startRedisServer(redisPort);
    cleanups.push(() => redis.stop());
    await api.waitForLine(/PostgreSQL does not answer yet/, 30_000);
    await sleep(2000);
    expect(api.exited()).toBe(false);
    const pg = await startForwarder(pgPort, pgTarget);
    cleanups.push(() => pg.stop());
    await api.waitForLine(/service ready/, 60_000);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(api.lines.filter((l) => /does not answer yet/.test(l))).toHaveLength(2);
  }, 120_000);
});

describe('a Redis outage under a running worker', () => {
  it('is logged once when it starts and once when it ends, with the count of errors in between', async () => {
    const { redisPort, env } = await setup();
    let redis = await startRedisServer(redisPort);
    cleanups.push(() => redis.stop());
    const worker = track(spawnService('workers/main.ts', env));
    await worker.waitForLine(/"msg":"workers running"/, 60_000);
    const before = worker.lines.length;
    await redis.stop();
    await sleep(8000);
    const during = redisLines(worker, before);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/Redis is unreachable: further Redis errors are counted/);
    redis = await startRedisServer(redisPort);
    const recovered = await worker.waitForLine(/Redis recovered after/, 30_000);
    expect(JSON.parse(recovered).errors).toBeGreaterThan(5);
    expect(worker.exited()).toBe(false);
    expect(redisLines(worker, before)).toHaveLength(2);
  }, 90_000);

  it('a Redis that refuses writes (MISCONF, its disk full) pauses the workers and is logged once, not in a tight loop', async () => {
    const { redisPort, env } = await setup();
    const redisDir = await mkdtemp(path.join(tmpdir(), 'evm-redis-'));
    cleanups.push(() => rm(redisDir, { recursive: true, force: true }));
    const redis = await startRedisServer(redisPort, ['--dir', redisDir, '--save', '3600 1', '--stop-writes-on-bgsave-error', 'yes', '--enable-protected-configs', 'yes']);
    cleanups.push(() => redis.stop());
    const worker = track(spawnService('workers/main.ts', env));
    await worker.waitForLine(/"msg":"workers running"/, 60_000);
    const before = worker.lines.length;
    // A snapshot that cannot be written (its directory is gone) is how a full disk looks to Redis: MISCONF on writes.
    const admin = new Redis(redisPort, '127.0.0.1');
    cleanups.push(async () => admin.disconnect());
    await rm(redisDir, { recursive: true, force: true });
    await admin.bgsave();
    await expect.poll(async () => (await admin.info('persistence')).includes('rdb_last_bgsave_status:err'), { timeout: 10_000 }).toBe(true);
    // Idle workers notice at their next write: when the blocking wait for a job (up to 10 s) times out.
    await expect.poll(() => redisLines(worker, before).length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    await sleep(8000);
    const during = redisLines(worker, before);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/MISCONF/);
    // Space back: the next snapshot succeeds, writes are taken again, the workers resume.
    await mkdir(redisDir, { recursive: true });
    // Redis chdir'ed into the directory that was removed: point it at the new one.
    await admin.config('SET', 'dir', redisDir);
    await admin.bgsave();
    const recovered = await worker.waitForLine(/Redis recovered after/, 30_000);
    expect(JSON.parse(recovered)).toMatchObject({ redis: 'misconf' });
    expect(redisLines(worker, before)).toHaveLength(2);
  }, 90_000);
});

describe('worker scratch', () => {
  it("a SIGKILLed worker's scratch folder (local copy, partial proxy) is removed by the next worker; a live worker's is kept", async () => {
    const { redisPort, dataDir, env } = await setup();
    const redis = await startRedisServer(redisPort);
    cleanups.push(() => redis.stop());
    const scratch = path.join(dataDir, 'scratch');
    const ownDirs = async () => (await readdir(scratch)).filter((d) => d.startsWith('w-'));

    const doomed = track(spawnService('workers/main.ts', env));
    await doomed.waitForLine(/"msg":"workers running"/, 60_000);
    const [doomedDir] = await ownDirs();
    expect(doomedDir).toMatch(new RegExp(`-${doomed.child.pid}-[0-9a-f]{8}$`));
    // What a job leaves mid-way in its folder: a 16 MB local copy of the original and a partial proxy.
    const job = path.join(scratch, doomedDir!, 'job-abc123');
    await mkdir(job);
    await writeFile(path.join(job, 'original'), Buffer.alloc(16 * 1024 * 1024, 1));
    await writeFile(path.join(job, 'proxy.mp4'), Buffer.alloc(1024 * 1024, 2));
    await doomed.stop('SIGKILL');

    // The next worker to start removes it at once (same host, its pid no longer runs).
    const live = track(spawnService('workers/main.ts', env));
    const removed = await live.waitForLine(/removed the scratch folder of a dead worker/, 60_000);
    expect(JSON.parse(removed)).toMatchObject({ folder: doomedDir, bytes: 17 * 1024 * 1024 });
    await expect(stat(path.join(scratch, doomedDir!))).rejects.toMatchObject({ code: 'ENOENT' });
    await live.waitForLine(/"msg":"workers running"/, 60_000);
    // Another worker starting beside a live one keeps its folder: each is named for its own process.
    const next = track(spawnService('workers/main.ts', env));
    await next.waitForLine(/"msg":"workers running"/, 60_000);
    const left = await ownDirs();
    expect(left).toHaveLength(2);
    expect(left.some((d) => d.includes(`-${live.child.pid}-`))).toBe(true);
    expect(left.some((d) => d.includes(`-${next.child.pid}-`))).toBe(true);
  }, 120_000);
});
