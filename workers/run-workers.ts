import { mkdir } from 'node:fs/promises';
import { claimScratch } from './lib/scratch-owner.js';
import { killAllChildren } from '../src/media/ffmpeg-process.js';
import { reconcile } from './reconciler.js';
import type { Services } from '../src/runtime/services.js';
import { handlers } from './handlers.js';
import { WorkerPool } from './worker-pool.js';
import { startCheckpointTimer } from '../src/custody/checkpoints.js';
import { reconcileExports } from '../src/export/reconcile.js';
import { scheduleRetentionSweep } from '../src/retention/sweep-schedule.js';

/** Starts the pipeline workers plus the periodic reconciler; returns a stopper. Used by both entry points. */
export async function runWorkers(s: Services, reconcileEveryMs = 60_000): Promise<() => Promise<void>> {
  await mkdir(s.config.paths.scratch, { recursive: true });
  // This process's own scratch folder; dead processes' folders are removed now and every minute.
  const scratch = await claimScratch(s.config.paths.scratch, { log: s.log });
  const own: Services = { ...s, config: { ...s.config, paths: { ...s.config.paths, scratch: scratch.dir } } };
  const stopping = new AbortController();
  const pool = new WorkerPool({
    connection: s.redis,
    prefix: s.config.QUEUE_PREFIX,
    handlers: handlers(own, stopping.signal),
    concurrency: {
      verify: s.config.VERIFY_CONCURRENCY,
      probe: s.config.PROBE_CONCURRENCY,
      proxy: s.config.PROXY_CONCURRENCY,
      thumbnails: s.config.THUMBNAILS_CONCURRENCY,
      'custody-verify': 1,
      export: s.config.EXPORT_CONCURRENCY,
    },
    lockDurationMs: s.config.JOB_LOCK_MS,
    log: s.log,
    outage: s.redisOutage,
  });
  const tick = () =>
    Promise.all([reconcile(s), reconcileExports(s)]).catch((err) => s.log.error({ err }, 'reconcile failed'));
  await tick();
  const timer = setInterval(tick, reconcileEveryMs);
  timer.unref();
  // Signed checkpoints of the custody chain head every CHECKPOINT_INTERVAL_MINUTES.
  const stopCheckpoints = startCheckpointTimer(s);
  // Retention decisions, Object Lock and due disposal purges, every RETENTION_SWEEP_MINUTES (a repeatable job).
  await scheduleRetentionSweep(s);
  return async () => {
    clearInterval(timer);
    stopCheckpoints();
    // Running jobs are abandoned, not awaited: a transcode can take minutes, and PostgreSQL plus the job lock make
    // sure another worker finishes it. Their ffmpeg processes go with us, and nothing they report then is a verdict.
    stopping.abort();
    await pool.close(true);
    killAllChildren();
    await scratch.stop();
  };
}
