/**
 * Scale benchmark: the production shape as processes — the machine's PostgreSQL (a temp database), the machine's
 * Redis (own queue prefix), s3rver, N API replicas behind a per-request round-robin proxy (sharing one spool
 * directory, or each with a DATA_DIR of its own and the spool on the object store), M worker processes — with docks uploading over tus in chunks, so consecutive PATCHes of one upload land
 * on different replicas. Times first byte → verified receipt, and checks in the custody chain that every upload
 * was received and verified exactly once (no media.duplicate).
 *
 *   npm run bench:scale
 *   BENCH_DOCKS=8 BENCH_FILE_MB=32 BENCH_CHUNK_MB=4 BENCH_WORKERS=1 npm run bench:scale
 *
 * Scenarios: 1 replica; 2 replicas; 2 replicas with one SIGKILLed once a third of the bytes are in (BENCH_ONLY),
 * each with the spool on a shared directory and on the object store (BENCH_SPOOLS=local,object-store).
 * s3rver (~120 MB/s on one core) and the 2 shared cores bound every figure here: read the ratios, not the MB/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { createTempDatabase, type TempDatabase } from '../test/helpers/postgres.js';
import { MiB, writeRandomFile, type GeneratedFile } from './lib/files.js';
import { readMem } from './lib/proc.js';
import { chooseRunner, freePort, startService, type Service } from './lib/service.js';
import { fmt, table } from './lib/util.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const workDir = path.join(repo, 'bench', 'out', `scale-${stamp}`);
const intEnv = (name: string, dflt: number) => {
  const n = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};
const cfg = {
  docks: intEnv('BENCH_DOCKS', 8),
  fileMiB: intEnv('BENCH_FILE_MB', 32),
  chunkMiB: intEnv('BENCH_CHUNK_MB', 4),
  workers: intEnv('BENCH_WORKERS', 1),
  timeoutS: intEnv('BENCH_TIMEOUT_S', 300),
  only: new Set((process.env.BENCH_ONLY ?? 'one,two,kill').split(',')),
  spools: (process.env.BENCH_SPOOLS ?? 'local,object-store').split(',') as Spool[],
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
type Spool = 'local' | 'object-store';
const progress = (msg: string) => process.stderr.write(`[bench:scale] ${msg}\n`);
const children = new Set<ChildProcess>();
const services = new Set<Service>();

/** A per-request round-robin proxy over the live upstreams (what a load balancer without stickiness does). */
function roundRobinProxy(upstreams: () => string[]): Promise<{ url: string; statuses: Map<number, number>; bodyBytes: () => number; close(): Promise<void> }> {
  let next = 0;
  let bodyBytes = 0;
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    const live = upstreams();
    const target = new URL(req.url ?? '/', live[next++ % live.length]);
    const up = http.request(target, { method: req.method, headers: req.headers }, (r) => {
      count(r.statusCode ?? 0);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      count(502);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        statuses,
        bodyBytes: () => bodyBytes,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      }),
    ),
  );
}

async function startS3(): Promise<{ env: Record<string, string>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/s3rver-process.ts'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('exit', (c) => reject(new Error(`s3rver exited ${c}`)));
  });
  const s3 = JSON.parse(line) as { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  return { child, env: { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } };
}

async function startWorker(env: Record<string, string>, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: repo,
    env: { ...process.env, ...env, DATA_DIR: dataDir, LOG_LEVEL: 'info', PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.add(child);
  // Timing starts once the workers take jobs, not while tsx is still loading them.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('workers running')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (c) => reject(new Error(`worker exited ${c}`)));
  });
  return child;
}

interface ScenarioResult {
  spool: Spool;
  /** Highest VmHWM of the API replicas still alive at the end, MB. */
  apiPeakMB: number;
  name: string;
  replicas: number;
  killed: boolean;
  bytes: number;
  seconds: number;
  MBps: number;
  perDockSeconds: number[];
  received: number;
  verified: number;
  duplicates: number;
  /** Answers the docks got that made them retry: 409 (offset moved), 423 (upload locked), 502 (replica gone). */
  retried: string;
}

async function runScenario(name: string, replicas: number, kill: boolean, spool: Spool, files: GeneratedFile[]): Promise<ScenarioResult> {
  // As production runs: the service on the application role, migrations on the owner (it refuses a superuser).
  const db: TempDatabase = await createTempDatabase({ roles: true });
  const s3 = await startS3();
  const dataDir = path.join(workDir, `${name}-${spool}`);
  // With the spool on the object store, no two processes share a directory.
  const dirOf = (who: string) => (spool === 'object-store' ? path.join(dataDir, who) : dataDir);
  const env: Record<string, string> = {
    DATABASE_URL: db.appUrl!,
    DATABASE_MIGRATION_URL: db.ownerUrl!,
    REDIS_URL: cfg.redisUrl,
    QUEUE_PREFIX: `bs${randomBytes(4).toString('hex')}`,
    WORKERS_IN_PROCESS: 'false',
    DOCK_POLLER: 'false',
    RECORDER: 'false',
    UPLOAD_SPOOL: spool,
    ...s3.env,
  };
  const runner = chooseRunner(repo, process.env.BENCH_RUNNER ?? 'tsx').runner;
  try {
    const api: Service[] = [];
    for (let i = 0; i < replicas; i++) {
      const s = await startService({ repo, dataDir: dirOf(`api-${i}`), runner, logName: `api-${i}.log`, env });
      services.add(s);
      api.push(s);
    }
    const workers: ChildProcess[] = [];
    for (let i = 0; i < cfg.workers; i++) workers.push(await startWorker(env, dirOf(`worker-${i}`)));
    const alive = new Set(api);
    const proxy = await roundRobinProxy(() => [...alive].map((s) => s.baseUrl));
    const docks = await Promise.all(files.map((_, i) => api[0]!.registerDock(`SCALE-${i}`)));

    const total = files.reduce((n, f) => n + f.bytes, 0);
    let killedAt: number | null = null;
    const t0 = performance.now();
    const perDock = await Promise.all(
      files.map(async (f, i) => {
        const url = await uploadFile({
          baseUrl: proxy.url,
          token: docks[i]!.token,
          path: f.path,
          metadata: { filename: path.basename(f.path), sha256: f.sha256 },
          chunkSize: cfg.chunkMiB * MiB,
          retryDelays: [0, 250, 500, 1000, 2000, 4000],
        });
        const receipt = await waitForReceipt(proxy.url, docks[i]!.token, url, cfg.timeoutS * 1000);
        if (!receipt.verified) throw new Error(`${f.path}: not verified (${receipt.state})`);
        return (performance.now() - t0) / 1000;
      }).concat(
        kill
          ? [
              (async () => {
                // Kill the second replica once about a third of all bytes have gone through the proxy.
                for (;;) {
                  const rows = await pgQuery<{ n: string }>(db.url, `select count(*) as n from uploads`);
                  if (Number(rows[0]?.n ?? 0) >= files.length) break;
                  await sleep(50);
                }
                while (proxy.bodyBytes() < total / 3) await sleep(50);
                const victim = api[1]!;
                alive.delete(victim);
                process.kill(victim.pid, 'SIGKILL');
                killedAt = (performance.now() - t0) / 1000;
                return -1;
              })(),
            ]
          : [],
      ),
    );
    const seconds = Math.max(...perDock);
    if (killedAt !== null) progress(`${name}: replica 2 SIGKILLed at ${fmt(killedAt, 2)} s`);
    const counts = await pgQuery<{ type: string; n: string }>(db.url, `select type, count(*) as n from custody_events where type in ('media.received','media.verified','media.duplicate') group by type`);
    const count = (t: string) => Number(counts.find((c) => c.type === t)?.n ?? 0);
    const retried = [409, 423, 502].map((c) => `${c}: ${proxy.statuses.get(c) ?? 0}`).join(', ');
    const apiPeakMB = Math.max(0, ...[...alive].map((s) => (readMem(s.pid)?.hwmKb ?? 0) / 1024));
    await proxy.close();
    for (const w of workers) w.kill('SIGTERM');
    for (const s of api) await s.stop(5_000);
    return {
      spool,
      apiPeakMB,
      name,
      replicas,
      killed: kill,
      bytes: total,
      seconds,
      MBps: total / 1e6 / seconds,
      perDockSeconds: perDock.filter((s) => s >= 0),
      received: count('media.received'),
      verified: count('media.verified'),
      duplicates: count('media.duplicate'),
      retried,
    };
  } finally {
    s3.child.kill('SIGTERM');
    await sleep(500);
    await db.drop().catch(() => undefined);
  }
}

async function pgQuery<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

async function main() {
  mkdirSync(workDir, { recursive: true });
  const deadline = setTimeout(() => void fail(new Error(`took more than ${cfg.timeoutS * 6} s`)), cfg.timeoutS * 6 * 1000);
  progress(`${os.cpus().length} CPUs; ${cfg.docks} docks × ${cfg.fileMiB} MiB in ${cfg.chunkMiB} MiB PATCHes; ${cfg.workers} worker process(es)`);
  const files: GeneratedFile[] = [];
  for (let i = 0; i < cfg.docks; i++) files.push(await writeRandomFile(path.join(workDir, `dock-${i}.bin`), cfg.fileMiB * MiB));
  const results: ScenarioResult[] = [];
  for (const spool of cfg.spools) {
    if (cfg.only.has('one')) results.push(await runScenario('one', 1, false, spool, files));
    if (cfg.only.has('two')) results.push(await runScenario('two', 2, false, spool, files));
    if (cfg.only.has('kill')) results.push(await runScenario('kill', 2, true, spool, files));
  }
  clearTimeout(deadline);
  const base = (r: ScenarioResult) => results.find((b) => b.name === 'one' && b.spool === r.spool);
  process.stdout.write(`\nSCALE BENCHMARK ${new Date().toISOString()} (shared, noisy 2-core machine: compare ratios within one run)\n`);
  process.stdout.write(
    `${table(
      ['spool', 'scenario', 'API replicas', 'MB', 'first byte → all verified', 'aggregate', 'vs 1 replica', 'received / verified / duplicate', 'answers retried', 'slowest / fastest dock', 'API peak RSS'],
      results.map((r) => [
        r.spool === 'local' ? 'shared directory' : 'object store',
        r.name + (r.killed ? ' (1 SIGKILLed)' : ''),
        String(r.replicas),
        fmt(r.bytes / 1e6, 0),
        `${fmt(r.seconds, 2)} s`,
        `${fmt(r.MBps, 1)} MB/s`,
        base(r) ? `${fmt(r.MBps / base(r)!.MBps, 2)} ×` : '',
        `${r.received} / ${r.verified} / ${r.duplicates} of ${cfg.docks}`,
        r.retried,
        `${fmt(Math.max(...r.perDockSeconds), 2)} / ${fmt(Math.min(...r.perDockSeconds), 2)} s`,
        `${fmt(r.apiPeakMB, 0)} MB`,
      ]),
    )}\n`,
  );
  const wrong = results.filter((r) => r.received !== cfg.docks || r.verified !== cfg.docks || r.duplicates !== 0);
  if (process.env.BENCH_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  await cleanup();
  if (wrong.length) throw new Error(`custody counts wrong in: ${wrong.map((r) => r.name).join(', ')}`);
}

async function cleanup() {
  for (const s of services) await s.stop(3_000).catch(() => undefined);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}

async function fail(err: unknown): Promise<never> {
  process.stderr.write(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanup();
  process.exit(1);
}

main().catch(fail);
