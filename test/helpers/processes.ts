import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Every line written to stdout and stderr so far. */
  lines: string[];
  /** Resolves with the first line (already seen or still to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited(): boolean;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A TypeScript entry point of this repository (workers/main.ts, src/main.ts) as its own process, logs captured.
 * `group`: in a process group of its own, as a shell starts a command, so a test can signal the whole group.
 */
export function spawnService(entry: string, env: Record<string, string | undefined>, o: { group?: boolean } = {}): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.group === true,
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const take = (chunk: Buffer, rest: { s: string }) => {
    rest.s += chunk.toString('utf8');
    const parts = rest.s.split('\n');
    rest.s = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim() !== ''));
    for (const w of waiters) w();
  };
  const out = { s: '' };
  const err = { s: '' };
  child.stdout!.on('data', (c: Buffer) => take(c, out));
  child.stderr!.on('data', (c: Buffer) => take(c, err));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => pattern.test(l));
          if (hit) return done(() => resolve(hit));
          if (exited()) return done(() => reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${lines.slice(-20).join('\n')}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`))), timeoutMs);
        const onExit = () => check();
        const done = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
          fn();
        };
        waiters.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (exited()) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    },
  };
}

/** A private redis-server on 127.0.0.1:`port`, no persistence unless `args` ask for it. */
export async function startRedisServer(port: number, args: string[] = []): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await canConnect(port)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Forwards 127.0.0.1:`port` to `target`: a dependency that "comes up" when the test says so. */
export async function startForwarder(port: number, target: { host: string; port: number }): Promise<{ stop(): Promise<void> }> {
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    async stop() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
