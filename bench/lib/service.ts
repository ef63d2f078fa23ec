import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cmdlineOf, isAlive } from './proc.js';

export type Runner = 'dist' | 'tsx';

export interface RunnerChoice {
  runner: Runner;
  /** Why this runner, and any warning (e.g. dist older than the sources). */
  note: string;
}

/**
 * dist/src/main.js when it exists (plain node: no tsx loader in the RSS), tsx otherwise. BENCH_RUNNER=dist|tsx
 * forces one. A dist older than any source file is used but flagged, since it would measure stale code.
 */
export function chooseRunner(repo: string, forced: string | undefined): RunnerChoice {
  const dist = path.join(repo, 'dist/src/main.js');
  if (forced === 'tsx') return { runner: 'tsx', note: 'forced by BENCH_RUNNER=tsx (tsx loader adds to RSS)' };
  if (!existsSync(dist)) {
    if (forced === 'dist') throw new Error('BENCH_RUNNER=dist but dist/src/main.js is missing: run npm run build');
    return { runner: 'tsx', note: 'dist/src/main.js missing (npm run build not run?); tsx loader adds to RSS' };
  }
  const builtAt = statSync(dist).mtimeMs;
  const newer = newestSource(repo, ['src', 'workers', 'storage', 'devices']);
  const stale = newer && newer.mtimeMs > builtAt ? ` WARNING: ${newer.file} is newer than dist: run npm run build` : '';
  return { runner: 'dist', note: `compiled dist/src/main.js (plain node)${stale}` };
}

function newestSource(repo: string, dirs: string[]): { file: string; mtimeMs: number } | null {
  let best: { file: string; mtimeMs: number } | null = null;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        const m = statSync(p).mtimeMs;
        if (!best || m > best.mtimeMs) best = { file: path.relative(repo, p), mtimeMs: m };
      }
    }
  };
  for (const d of dirs) if (existsSync(path.join(repo, d))) walk(path.join(repo, d));
  return best;
}

/** A free TCP port on 127.0.0.1 (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Service {
  pid: number;
  baseUrl: string;
  adminToken: string;
  dataDir: string;
  runner: Runner;
  /** The private redis-server's pid (from DATA_DIR/redis/redis.pid), once the service is ready. */
  redisPid: number | null;
  logFile: string;
  registerDock(serial: string): Promise<{ id: string; token: string }>;
  /** SIGTERM, then SIGKILL after `graceMs`; then makes sure the private redis-server is gone too. Idempotent. */
  stop(graceMs?: number): Promise<{ exitedGracefully: boolean; redisKilled: boolean }>;
}

export interface StartOptions {
  repo: string;
  dataDir: string;
  runner: Runner;
  /** Extra node flags for the child, e.g. --cpu-prof --cpu-prof-dir=… */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
  /** File name of the child's stdout+stderr log inside dataDir (default service.log). */
  logName?: string;
  /** Extra environment for the child (applied last), e.g. DATABASE_URL for a real PostgreSQL instead of PGlite. */
  env?: Record<string, string>;
}

/** Starts the all-in-one service (src/main.ts) as a child process and waits until GET /readyz answers 200. */
export async function startService(o: StartOptions): Promise<Service> {
  await mkdir(o.dataDir, { recursive: true });
  const port = await freePort();
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  // The young generation's size as scripts/start.sh and the image run the service.
  const entry = ['--max-semi-space-size=2', ...(o.runner === 'dist' ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'])];
  const logFile = path.join(o.dataDir, o.logName ?? 'service.log');
  const log = createWriteStream(logFile);
  // node itself (not npx, which would put a wrapper process between us and the one whose RSS we sample).
  const child: ChildProcess = spawn(process.execPath, [...(o.nodeFlags ?? []), ...entry], {
    cwd: o.repo,
    env: {
      ...process.env,
      DATA_DIR: o.dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      DEMO_DOCK: 'false',
      STORAGE_MIN_FREE_BYTES: '0',
      REDIS_URL: '',
      DATABASE_URL: '',
      S3_BUCKET: '',
      S3_ENDPOINT: '',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (!child.pid) throw new Error('could not spawn the service');
  const pid = child.pid;

  let redisPid: number | null = null;
  let stopped: Promise<{ exitedGracefully: boolean; redisKilled: boolean }> | null = null;
  const redisPidFile = path.join(o.dataDir, 'redis', 'redis.pid');
  const readRedisPid = () => {
    try {
      const n = Number(readFileSync(redisPidFile, 'utf8').trim());
      return Number.isInteger(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  };

  const service: Service = {
    pid,
    baseUrl,
    adminToken,
    dataDir: o.dataDir,
    runner: o.runner,
    get redisPid() {
      return redisPid;
    },
    logFile,
    async registerDock(serial) {
      const res = await fetch(`${baseUrl}/api/v1/devices`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'dock', serial, name: `bench ${serial}` }),
      });
      if (res.status !== 201) throw new Error(`register dock: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; token: string };
    },
    stop(graceMs = 15_000) {
      stopped ??= (async () => {
        redisPid ??= readRedisPid();
        let exitedGracefully = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
          if (!graceful) {
            exitedGracefully = false;
            child.kill('SIGKILL');
            await Promise.race([exited, sleep(5_000)]);
          }
        }
        // The service stops its redis-server on a clean shutdown; after a SIGKILL (or a crash) it is orphaned.
        let redisKilled = false;
        const rp = redisPid ?? readRedisPid();
        if (rp && isAlive(rp) && cmdlineOf(rp).includes('redis-server')) {
          redisKilled = true;
          process.kill(rp, 'SIGTERM');
          for (let i = 0; i < 50 && isAlive(rp); i++) await sleep(100);
          if (isAlive(rp)) process.kill(rp, 'SIGKILL');
        }
        log.end();
        return { exitedGracefully, redisKilled };
      })();
      return stopped;
    },
  };

  const deadline = Date.now() + (o.readyTimeoutMs ?? 90_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`service exited (${child.exitCode ?? child.signalCode}) before ready; log: ${tail(logFile)}`);
      }
      if (Date.now() > deadline) throw new Error(`service not ready within ${o.readyTimeoutMs ?? 90_000} ms; log: ${tail(logFile)}`);
      try {
        const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    redisPid = readRedisPid();
  } catch (err) {
    await service.stop(5_000);
    throw err;
  }
  return service;
}

export function tail(file: string, chars = 2_000): string {
  try {
    const t = readFileSync(file, 'utf8');
    return t.length > chars ? `…${t.slice(-chars)}` : t || '(empty)';
  } catch {
    return '(no log)';
  }
}
