import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withParentDeathSignal } from './parent-death.js';

export interface EmbeddedRedis {
  socket: string;
  stop(): Promise<void>;
}

/**
 * A private redis-server for the embedded default, on a unix socket under DATA_DIR (no port to collide with) and
 * with append-only persistence, so queued work survives a restart. If one from an earlier run is still alive on
 * the socket, it is reused rather than fought over.
 */
export async function startEmbeddedRedis(dir: string, bin: string, log: Logger): Promise<EmbeddedRedis> {
  await mkdir(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  if (await answers(socket)) {
    log.info({ socket }, 'reusing running embedded redis');
    return { socket, stop: async () => undefined };
  }
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--appendonly', 'yes',
    '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction', '--pidfile', path.join(dir, 'redis.pid')];
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and a Redis that died first
  // left the service's graceful shutdown waiting on it. The service stops it last; if the service dies without
  // doing so, the kernel sends it SIGTERM (setpriv --pdeathsig), so no orphan keeps DATA_DIR's socket.
  const [cmd, argv] = withParentDeathSignal(bin, args, 'TERM');
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', (err) => log.error({ err }, 'embedded redis failed to start'));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${stderr.trim()}`);
    if (await answers(socket)) {
      log.info({ socket, pid: child.pid }, 'embedded redis started');
      return {
        socket,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on ${socket} within 10 s: ${stderr.trim()}`);
}

async function answers(socket: string): Promise<boolean> {
  const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
