import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, spawnService, type ServiceProcess } from './helpers/processes.js';
import { isAlive } from '../src/runtime/process-alive.js';

/**
 * The embedded default as an operator runs it from a terminal: its private redis-server must neither die before
 * the service has stopped (Ctrl-C signals the whole foreground group) nor outlive a service that was killed.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

async function startEmbedded(): Promise<{ svc: ServiceProcess; redisPid: number; dataDir: string; port: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'evm-shutdown-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const svc = spawnService(
    'src/main.ts',
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
      STORAGE_MIN_FREE_BYTES: '0',
      DEMO_DOCK: 'true',
      RECORDER: 'false',
      DOCK_POLLER: 'false',
    },
    { group: true },
  );
  cleanups.push(() => svc.stop('SIGKILL'));
  await svc.waitForLine(/Evidence media service ready/, 90_000);
  // The demo (docks, interrogation room with GStreamer cameras) is what start.sh runs; signals are taken once it is up.
  await svc.waitForLine(/demo interrogation room (ready|not started)/, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  const redisPid = Number((await readFile(path.join(dataDir, 'redis', 'redis.pid'), 'utf8')).trim());
  expect(isAlive(redisPid)).toBe(true);
  cleanups.push(async () => isAlive(redisPid) && process.kill(redisPid, 'SIGKILL'));
  return { svc, redisPid, dataDir, port };
}

describe('the embedded service and its private Redis', () => {
  it('Ctrl-C (SIGINT to the whole process group) stops both, the service with exit code 0', async () => {
    const { svc, redisPid } = await startEmbedded();
    const exited = new Promise<number | null>((r) => svc.child.once('exit', (code) => r(code)));
    process.kill(-svc.child.pid!, 'SIGINT');
    // Before: Redis died with the group first and the service's shutdown waited on it for good.
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code !== 0) console.log(svc.lines.slice(-15).map((l) => l.slice(0, 300)).join('\n'));
    expect(code).toBe(0);
    expect(await gone(redisPid, 5_000)).toBe(true);
    expect(svc.lines.some((l) => /graceful shutdown did not finish/.test(l))).toBe(false);
  }, 120_000);

  it('a second instance on the same DATA_DIR is refused at start, and the first keeps serving with its Redis', async () => {
    const { port, dataDir, redisPid } = await startEmbedded();
    const second = spawnService('src/main.ts', {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
      STORAGE_MIN_FREE_BYTES: '0',
      DEMO_DOCK: 'false',
    });
    cleanups.push(() => second.stop('SIGKILL'));
    const code = await new Promise<number | null>((r) => (second.exited() ? r(second.child.exitCode) : second.child.once('exit', (c) => r(c))));
    expect(code).toBe(1);
    expect(second.lines.join('\n')).toMatch(/embedded database in .* is in use by another process/);
    // Chinese first for the operator who reads it.
    expect(second.lines.join('\n')).toMatch(/内置数据库（.*）正被另一个进程使用[\s\S]*embedded database in/);
    expect(second.lines.some((l) => /Evidence media service ready/.test(l))).toBe(false);
    // The refused instance reused the first one's Redis and must not have stopped it on its way out.
    expect(isAlive(redisPid)).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  }, 120_000);

  it('a SIGKILLed service takes its private Redis with it', async () => {
    const { svc, redisPid } = await startEmbedded();
    await svc.stop('SIGKILL');
    expect(await gone(redisPid, 5_000)).toBe(true);
  }, 120_000);
});
