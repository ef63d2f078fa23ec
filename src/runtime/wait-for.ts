import type { Logger } from 'pino';

/** Node and driver error codes that mean "nothing answers there (yet)", as opposed to a wrong configuration. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // PostgreSQL starting up, shutting down or recovering; connection failures (class 08).
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/**
 * True when the error says the dependency is down or not up yet: worth waiting for. Walks `cause` and
 * AggregateError members (Node's happy-eyeballs connect reports one error per address tried).
 */
export function isUnreachable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  // S3: the endpoint answers but the service behind it is not ready (MinIO starting: 503), or timed out.
  if (e.$metadata?.httpStatusCode !== undefined && e.$metadata.httpStatusCode >= 500) return true;
  if (e.name === 'TimeoutError') return true;
  if (typeof e.message === 'string' && /Connection terminated|Connection is closed|the database system is (starting|shutting) up/i.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isUnreachable(x, depth + 1))) return true;
  return isUnreachable(e.cause, depth + 1);
}

export interface WaitForOptions {
  log: Logger;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** At most one "still waiting" line per dependency per window. */
  logWindowMs?: number;
  /** Give up after this long (0: never). */
  timeoutMs?: number;
}

/**
 * Runs `attempt` until it succeeds, waiting with exponential backoff while the dependency is unreachable, so a
 * process started before PostgreSQL, Redis or S3 answer (compose, a rebooted host) comes up by itself instead of
 * exiting. Other errors (wrong password, a failed migration) are thrown at once: waiting would not fix them.
 * Logs one line when it starts waiting, at most one per `logWindowMs` while it waits, and one when it got through.
 */
export async function waitFor<T>(name: string, attempt: () => Promise<T>, o: WaitForOptions): Promise<T> {
  const initial = o.initialDelayMs ?? 250;
  const max = o.maxDelayMs ?? 5_000;
  const window = o.logWindowMs ?? 30_000;
  const started = Date.now();
  let delay = initial;
  let attempts = 0;
  let lastLogged = 0;
  for (;;) {
    attempts++;
    try {
      const result = await attempt();
      if (attempts > 1) o.log.info({ dependency: name, attempts, waitedMs: Date.now() - started }, `${name} answers: continuing start-up`);
      return result;
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      const now = Date.now();
      if (o.timeoutMs && now - started >= o.timeoutMs) throw err;
      if (attempts === 1 || now - lastLogged >= window) {
        lastLogged = now;
        o.log.warn(
          { dependency: name, attempts, waitedMs: now - started, err: describe(err) },
          `${name} does not answer yet: waiting and retrying (next line in ${Math.round(window / 1000)} s if still down)`,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(max, delay * 2);
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  const message = e.message || e.errors?.map((x) => x.message).join('; ') || String(err);
  return e.code ? `${e.code}: ${message}` : message;
}
