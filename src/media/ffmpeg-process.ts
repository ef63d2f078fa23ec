/**
 * The ONE place that starts ffmpeg/ffprobe for media processing.
 *
 * Why child_process.spawn and not fluent-ffmpeg: fluent-ffmpeg is archived upstream, and it cannot do what a
 * long-running worker needs: put ffmpeg in its own process group (`detached: true` → setsid), stop it with SIGTERM
 * to the whole group, escalate to SIGKILL on the group after a grace period, and always wait for 'close' so no
 * zombie is left. It also hides stderr behind its own event plumbing; here we keep the last 4 KB for the error.
 *
 * Orphans: a module-level set of live children is killed (by group) on process 'exit'. That does not run when the
 * worker itself is SIGKILLed (OOM killer, crash test), and ffmpeg ignores SIGPIPE (measured: it keeps encoding
 * after its -progress pipe closes). So when util-linux `setpriv` is present ffmpeg is exec'd through
 * `setpriv --pdeathsig KILL`: the kernel kills it when the worker dies, however the worker dies. `setpriv` execs,
 * so the pid and process group stay ffmpeg's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Errors } from '../errors.js';
import { parentDeathSignalAvailable, withParentDeathSignal } from '../runtime/parent-death.js';
import { createProgressParser } from '../domain/ffmpeg-progress.js';

export { timeoutFor } from '../domain/ffmpeg-timeout.js';

const STDERR_TAIL_BYTES = 4096;
const DEFAULT_GRACE_MS = 3000;

/** Children still running, by pid (= their process group id). */
const live = new Map<number, ChildProcess>();

/** ffmpegs a library spawned itself (node-rtsp-stream's Mpeg1Muxer): not group leaders, so killed by pid. */
const foreign = new Set<ChildProcess>();

/** Kills every running ffmpeg's process group. Call it from a worker's shutdown path; also runs on 'exit'. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of live.keys()) signalGroup(pid, signal);
}
process.on('exit', () => {
  killAllChildren('SIGKILL');
  for (const child of foreign) child.kill('SIGKILL');
});

/** Puts an ffmpeg another library started under the same exit-time kill as ours (not a worker's stop), until it closes. */
export function killOnExit(child: ChildProcess): void {
  foreign.add(child);
  child.once('close', () => foreign.delete(child));
}

export interface RunFfmpegOptions {
  /** Arguments after the global flags this module adds (-hide_banner -nostdin -progress pipe:1 -nostats). */
  args: string[];
  /** Infinity: no time limit (a long-running recorder, stopped by `signal`). */
  timeoutMs: number;
  /** Media duration the run covers, for percent progress. */
  durationSec?: number;
  /** At most ~4 calls/s, increasing, 0..100; 100 when ffmpeg reports the end. */
  onProgress?: (percent: number) => void;
  /** Aborting stops ffmpeg like a timeout does and rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Binary to run (default `ffmpeg` from PATH). */
  bin?: string;
  /** Between SIGTERM and SIGKILL to the group. Default 3000 ms. */
  killGraceMs?: number;
  /** Called with the pid (= process group id) once started: for logs, and for tests that check it is gone. */
  onSpawn?: (pid: number) => void;
  /** The raw `-progress` text as it arrives (key=value lines), for callers that read more than the percent. */
  onProgressText?: (text: string) => void;
}

/**
 * Runs ffmpeg to completion. Resolves with the stderr tail; rejects with FFMPEG_TIMEOUT, FFMPEG_FAILED (non-zero
 * exit, death by signal, or a binary that cannot start) or the abort reason. The output must not be `pipe:1`:
 * stdout carries the progress.
 */
export async function runFfmpeg(opts: RunFfmpegOptions): Promise<{ stderrTail: string }> {
  const parse = opts.onProgress ? createProgressParser(opts.durationSec, opts.onProgress) : undefined;
  const out = await runGroup({
    bin: opts.bin ?? 'ffmpeg',
    args: ['-hide_banner', '-nostdin', '-progress', 'pipe:1', '-nostats', ...opts.args],
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    killGraceMs: opts.killGraceMs,
    onSpawn: opts.onSpawn,
    onStdout:
      parse || opts.onProgressText
        ? (chunk) => {
            const text = chunk.toString('latin1');
            parse?.(text);
            opts.onProgressText?.(text);
          }
        : undefined,
  });
  throwIfStopped(out, opts.timeoutMs, opts.signal);
  if (out.code !== 0) {
    const tail = out.stderrTail.trim();
    throw Object.assign(new Errors.FFMPEG_FAILED(out.code ?? out.exitSignal, tail.slice(-1000)), { stderrTail: tail, exitCode: out.code, exitSignal: out.exitSignal });
  }
  return { stderrTail: out.stderrTail };
}

export interface RunCaptureOptions {
  bin: string;
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** stdout beyond this is an error (ffprobe JSON of a sane file is a few KB). Default 16 MiB. */
  maxStdoutBytes?: number;
}

/**
 * Runs ffprobe (or `ffmpeg -version`, or a read-through check) under the same group/timeout rules and returns its
 * output whatever the exit code: callers classify failures themselves. Rejects only on timeout/abort/spawn error.
 */
export async function runCapture(o: RunCaptureOptions): Promise<{ code: number | null; stdout: string; stderrTail: string }> {
  const max = o.maxStdoutBytes ?? 16 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  const out = await runGroup({
    bin: o.bin,
    args: o.args,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    onStdout: (c) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    },
  });
  throwIfStopped(out, o.timeoutMs, o.signal);
  if (size > max) throw new Errors.FFMPEG_FAILED(out.code, `${o.bin} wrote more than ${max} bytes to stdout`);
  return { code: out.code, stdout: Buffer.concat(chunks).toString('utf8'), stderrTail: out.stderrTail };
}

interface GroupRun {
  bin: string;
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  killGraceMs?: number;
  onSpawn?: (pid: number) => void;
  onStdout?: (chunk: Buffer) => void;
}

interface GroupOutcome {
  code: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string;
  stopped: 'timeout' | 'abort' | null;
  spawnError: NodeJS.ErrnoException | null;
}

function throwIfStopped(out: GroupOutcome, timeoutMs: number, signal: AbortSignal | undefined): void {
  if (out.stopped === 'abort') throw signal?.reason ?? new DOMException('aborted', 'AbortError');
  if (out.stopped === 'timeout') throw new Errors.FFMPEG_TIMEOUT(timeoutMs);
  if (out.spawnError) {
    const e = out.spawnError;
    throw Object.assign(new Errors.FFMPEG_FAILED(e.code ?? 'spawn', e.message), { cause: e });
  }
}

/** Spawns `bin` as the leader of a new process group and resolves once it is reaped ('close'), never earlier. */
function runGroup(o: GroupRun): Promise<GroupOutcome> {
  return new Promise((resolve) => {
    const base: Omit<GroupOutcome, 'stopped'> = { code: null, exitSignal: null, stderrTail: '', spawnError: null };
    if (o.signal?.aborted) return resolve({ ...base, stopped: 'abort' });

    const [cmd, argv] = withParentDeathSignal(o.bin, o.args, 'KILL');
    const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) {
      live.set(pid, child);
      o.onSpawn?.(pid);
    }

    let tail = Buffer.alloc(0);
    child.stderr!.on('data', (d: Buffer) => {
      tail = Buffer.concat([tail, d]);
      if (tail.length > STDERR_TAIL_BYTES * 2) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
    });
    child.stdout!.on('data', (d: Buffer) => o.onStdout?.(d));

    let stopped: GroupOutcome['stopped'] = null;
    let spawnError: NodeJS.ErrnoException | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'abort') => {
      if (stopped || pid === undefined) return;
      stopped = why;
      // SIGTERM first: ffmpeg finishes cleanly (closes files) on it. Then SIGKILL for anything that ignored it.
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), o.killGraceMs ?? DEFAULT_GRACE_MS);
    };
    const timer = Number.isFinite(o.timeoutMs) ? setTimeout(() => stop('timeout'), o.timeoutMs) : undefined;
    const onAbort = () => stop('abort');
    o.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (e) => (spawnError = e)); // 'close' still follows
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) {
        live.delete(pid);
        // The leader is reaped; sweep anything it left in its group (a wrapper's children) after a stop.
        if (stopped) signalGroup(pid, 'SIGKILL');
      }
      const t = (tail.length > STDERR_TAIL_BYTES ? tail.subarray(tail.length - STDERR_TAIL_BYTES) : tail).toString('utf8');
      // Through setpriv a missing binary is exit 126/127 plus a message, not a spawn 'error': make it look the same.
      if (parentDeathSignalAvailable && (code === 126 || code === 127) && t.startsWith('setpriv: failed to execute')) {
        spawnError = Object.assign(new Error(t.trim()), { code: code === 127 ? 'ENOENT' : 'EACCES' });
      }
      resolve({ code, exitSignal, stderrTail: t, stopped, spawnError });
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
