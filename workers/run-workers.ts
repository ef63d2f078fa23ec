import { reconcile } from '../src/queue/reconciler.js';
import type { Services } from '../src/runtime/services.js';
import { handlers } from './handlers.js';
import { WorkerPool } from './worker-pool.js';

/** Starts the pipeline workers plus the periodic reconciler; returns a stopper. Used by both entry points. */
export async function runWorkers(s: Services, reconcileEveryMs = 60_000): Promise<() => Promise<void>> {
  const pool = new WorkerPool({
    connection: s.redis,
    prefix: s.config.QUEUE_PREFIX,
    handlers: handlers(s),
    concurrency: { verify: s.config.VERIFY_CONCURRENCY },
    log: s.log,
  });
  const tick = () => reconcile(s).catch((err) => s.log.error({ err }, 'reconcile failed'));
  await tick();
  const timer = setInterval(tick, reconcileEveryMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await pool.close();
  };
}
