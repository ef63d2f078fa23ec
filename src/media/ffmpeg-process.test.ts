import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from './ffmpeg-process.js';

/** Every process (zombies included) whose process group is `pgid`, from /proc. */
function groupMembers(pgid: number): string[] {
  const found: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(d) === pgid || Number(pgrp) === pgid) found.push(`${d} ${state} ${stat.slice(0, stat.lastIndexOf(')') + 1)}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function expectGroupGone(pgid: number) {
  expect(() => process.kill(-pgid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  expect(groupMembers(pgid)).toEqual([]);
}

/** A killed grandchild is reparented to init, which reaps it a moment later: give it that moment. */
async function expectGroupGoneSoon(pgid: number) {
  for (let i = 0; i < 100 && groupMembers(pgid).length; i++) await new Promise((r) => setTimeout(r, 20));
  expectGroupGone(pgid);
}

const endless = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-f', 'null', '-'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evm-ffproc-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('runFfmpeg', () => {
  it('times out an endless ffmpeg, stops its whole group and leaves no zombie', async () => {
    let pid = 0;
    const t0 = Date.now();
    await expect(runFfmpeg({ args: endless, timeoutMs: 1500, onSpawn: (p) => (pid = p) })).rejects.toMatchObject({
      code: 'EVM_FFMPEG_TIMEOUT',
      message: expect.stringContaining('1500 ms'),
    });
    expect(Date.now() - t0).toBeLessThan(1500 + 3000);
    expect(pid).toBeGreaterThan(0);
    expectGroupGone(pid);
  });

  it('escalates to SIGKILL on the group when SIGTERM is ignored (grandchild included)', async () => {
    // Stands in for a wedged ffmpeg: ignores SIGTERM and has a child of its own holding the pipes.
    const stubborn = join(dir, 'stubborn.sh');
    await writeFile(stubborn, "#!/bin/sh\ntrap '' TERM\nsleep 30 &\nwait\n");
    await chmod(stubborn, 0o755);
    let pid = 0;
    const t0 = Date.now();
    await expect(
      runFfmpeg({ bin: stubborn, args: [], timeoutMs: 300, killGraceMs: 500, onSpawn: (p) => (pid = p) }),
    ).rejects.toMatchObject({ code: 'EVM_FFMPEG_TIMEOUT' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    await expectGroupGoneSoon(pid);
  });

  it('reports increasing progress ending at 100', async () => {
    const seen: number[] = [];
    await runFfmpeg({
      // realtime=speed=4 paces 8 s of picture over ~2 s, so ffmpeg's twice-a-second reports show several steps
      args: ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=8,realtime=speed=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-'],
      timeoutMs: 30_000,
      durationSec: 8,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toBe(100);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(seen.every((p) => p >= 0 && p <= 100)).toBe(true);
  });

  it('rejects with FFMPEG_FAILED and the stderr tail on a bad run', async () => {
    const err = await runFfmpeg({ args: ['-i', join(dir, 'missing.mp4'), '-f', 'null', '-'], timeoutMs: 10_000 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'EVM_FFMPEG_FAILED' });
    expect(err.message).toMatch(/No such file/);
  });

  it('rejects with FFMPEG_FAILED when the binary does not exist', async () => {
    await expect(runFfmpeg({ bin: join(dir, 'no-ffmpeg'), args: [], timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'EVM_FFMPEG_FAILED',
    });
  });

  it('stops on abort with the abort reason and no process left', async () => {
    const ac = new AbortController();
    let pid = 0;
    const run = runFfmpeg({ args: endless, timeoutMs: 60_000, signal: ac.signal, onSpawn: (p) => (pid = p) });
    setTimeout(() => ac.abort(new Error('job cancelled')), 300);
    await expect(run).rejects.toThrow('job cancelled');
    expectGroupGone(pid);
  });
});

describe('a dying worker leaves no ffmpeg behind', () => {
  /** Starts a Node "worker" that runs an endless ffmpeg and prints its pid; resolves with both pids. */
  async function startWorker(thenWhat: string): Promise<{ worker: ReturnType<typeof spawn>; ffmpegPid: number }> {
    const script = join(dir, `worker-${Math.random().toString(36).slice(2)}.ts`);
    const mod = fileURLToPath(new URL('./ffmpeg-process.ts', import.meta.url));
    await writeFile(
      script,
      `import { runFfmpeg } from ${JSON.stringify(mod)};
       runFfmpeg({ args: ${JSON.stringify(endless)}, timeoutMs: 60_000, onSpawn: (pid) => {
         console.log(pid);
         ${thenWhat}
       } }).catch(() => {});`,
    );
    const worker = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ffmpegPid = await new Promise<number>((resolve, reject) => {
      worker.stdout!.once('data', (d: Buffer) => {
        const pid = Number(d.toString().trim());
        started.push(pid);
        resolve(pid);
      });
      worker.once('exit', (code) => reject(new Error(`worker exited ${code} before starting ffmpeg`)));
    });
    return { worker, ffmpegPid };
  }

  const started: number[] = [];
  afterEach(() => {
    // If a test failed, do not leave its ffmpeg running for the rest of the suite.
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone: the expected case
      }
    }
  });

  it('on process.exit()', async () => {
    const { worker, ffmpegPid } = await startWorker('setTimeout(() => process.exit(3), 300);');
    await new Promise((r) => worker.once('exit', r));
    await expectGroupGoneSoon(ffmpegPid);
  });

  it('on process.exit(), for an ffmpeg another library spawned (killOnExit)', async () => {
    const script = join(dir, `foreign-${Math.random().toString(36).slice(2)}.ts`);
    const mod = fileURLToPath(new URL('./ffmpeg-process.ts', import.meta.url));
    await writeFile(
      script,
      `import { spawn } from 'node:child_process';
       import { killOnExit } from ${JSON.stringify(mod)};
       const child = spawn('ffmpeg', ${JSON.stringify(['-nostdin', '-loglevel', 'error', ...endless])}, { stdio: 'ignore' });
       killOnExit(child);
       console.log(child.pid);
       setTimeout(() => process.exit(3), 300);`,
    );
    const worker = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => worker.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    await new Promise((r) => worker.once('exit', r));
    const alive = () => {
      try {
        return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
    const left = alive();
    if (left) process.kill(pid, 'SIGKILL');
    expect(left).toBe(false);
  });

  it('on SIGKILL of the worker (setpriv --pdeathsig)', async () => {
    const { worker, ffmpegPid } = await startWorker('');
    expect(groupMembers(ffmpegPid).length).toBeGreaterThan(0);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    await expectGroupGoneSoon(ffmpegPid);
  });
});
