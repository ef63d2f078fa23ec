import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { isUnreachable } from './wait-for.js';

/**
 * `unreachable`: nothing answers (down, restarting, network). `misconf`: Redis answers but refuses writes because
 * it cannot persist (MISCONF …, typically its disk is full); every write fails until an operator frees space.
 */
export type RedisCondition = 'unreachable' | 'misconf';

/** Which Redis condition an error reports, or null when it is some other error (the caller logs those as usual). */
export function redisCondition(err: unknown): RedisCondition | null {
  const message = err instanceof Error ? err.message : String(err);
  if (/MISCONF|No space left on device|OOM command not allowed/i.test(message)) return 'misconf';
  if (isUnreachable(err) || /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Reached the max retries/i.test(message)) return 'unreachable';
  return null;
}

export interface RedisOutageOptions {
  connection: ConnectionOptions;
  log: Logger;
  /** A key this process may write to prove Redis takes writes again (MISCONF refuses writes, not reads). */
  probeKey: string;
  /** First pause between recovery probes; doubles up to 10 s. */
  probeEveryMs?: number;
  /** While a condition lasts, one reminder line this often (the count so far). */
  reminderEveryMs?: number;
}

type Listener = (condition: RedisCondition | null) => void;

/**
 * Turns a Redis outage into two log lines instead of thousands: every BullMQ worker and queue reconnects on its own
 * and reports each failed attempt (seen: ~1,000 lines a minute while Redis was down; ~2,500 in 30 s of MISCONF,
 * written to the very disk that was full). The first error of a condition is logged with what it is; the rest are
 * counted; a probe on its own connection, backing off, notices recovery and logs it once with the count. Listeners
 * (the worker pool) hear about both, so workers can stop polling a Redis that refuses every write.
 */
export class RedisOutageLog {
  private condition: RedisCondition | null = null;
  private since = 0;
  private errors = 0;
  private sources = new Set<string>();
  private probeTimer: NodeJS.Timeout | null = null;
  private reminderTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<Listener>();
  private closed = false;

  constructor(private readonly o: RedisOutageOptions) {}

  get current(): RedisCondition | null {
    return this.condition;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts a Redis condition error; returns false (and does nothing) for any other error, which the caller logs. */
  report(err: unknown, source: string): boolean {
    const condition = redisCondition(err);
    if (!condition) return false;
    this.errors++;
    this.sources.add(source);
    if (this.condition === condition || this.closed) return true;
    const previous = this.condition;
    this.condition = condition;
    if (!previous) this.since = Date.now();
    const what = condition === 'misconf' ? 'Redis refuses writes (MISCONF: it cannot persist, usually a full disk)' : 'Redis is unreachable';
    this.o.log.error(
      { redis: condition, source, err: (err as Error).message },
      `${what}: further Redis errors are counted, not logged, until it recovers${condition === 'misconf' ? '; workers pause meanwhile' : ''}`,
    );
    this.emit();
    this.scheduleProbe(this.o.probeEveryMs ?? 1000);
    this.reminderTimer ??= setInterval(() => {
      this.o.log.warn({ redis: this.condition, errors: this.errors, downMs: Date.now() - this.since }, 'Redis still not healthy');
    }, this.o.reminderEveryMs ?? 300_000);
    this.reminderTimer.unref();
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.reminderTimer) clearInterval(this.reminderTimer);
  }

  private scheduleProbe(delayMs: number): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.probe(delayMs), delayMs);
    this.probeTimer.unref();
  }

  private async probe(delayMs: number): Promise<void> {
    this.probeTimer = null;
    if (this.closed || !this.condition) return;
    try {
      await probeWrite(this.o.connection, this.o.probeKey);
    } catch (err) {
      // A different condition now (Redis came back with a full disk) is worth its one line.
      const now = redisCondition(err);
      if (now && now !== this.condition) this.report(err, 'probe');
      return this.scheduleProbe(Math.min(10_000, delayMs * 2));
    }
    this.o.log.info(
      { redis: this.condition, errors: this.errors, downMs: Date.now() - this.since, sources: [...this.sources] },
      `Redis recovered after ${Math.round((Date.now() - this.since) / 1000)} s; ${this.errors} errors were counted meanwhile`,
    );
    this.condition = null;
    this.errors = 0;
    this.sources.clear();
    if (this.reminderTimer) clearInterval(this.reminderTimer);
    this.reminderTimer = null;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l(this.condition);
      } catch (err) {
        this.o.log.error({ err }, 'Redis condition listener failed');
      }
    }
  }
}

/** One write on a connection of its own that does not retry by itself. */
async function probeWrite(connection: ConnectionOptions, key: string): Promise<void> {
  const client = new Redis({
    ...(connection as RedisOptions),
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.set(key, String(process.pid), 'PX', 60_000);
  } finally {
    client.disconnect();
  }
}
