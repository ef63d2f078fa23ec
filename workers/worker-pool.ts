import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { JOB_NAMES, type JobName } from '../src/queue/jobs.js';
import type { HandlerMap } from '../src/queue/registry.js';
import type { RedisOutageLog } from '../src/runtime/redis-outage.js';
import { lockTiming } from './lib/lock-timing.js';

export interface WorkerPoolOptions {
  connection: ConnectionOptions;
  prefix?: string;
  handlers: HandlerMap;
  concurrency: Partial<Record<JobName, number>>;
  /** JOB_LOCK_MS: a job whose worker died (stopped renewing its lock) is taken over by another within this long. */
  lockDurationMs?: number;
  log: Logger;
  /** Counts Redis errors during an outage (one line per outage, not per reconnect) and pauses the pool on MISCONF. */
  outage?: RedisOutageLog;
}

/** One BullMQ worker per job name, each with its own concurrency. */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly stopListening?: () => void;

  constructor(o: WorkerPoolOptions) {
    const { lockDuration, stalledInterval } = lockTiming(o.lockDurationMs ?? 30_000);
    this.workers = JOB_NAMES.map((name) => {
      const worker = new Worker(name, o.handlers[name] as never, {
        connection: o.connection,
        prefix: o.prefix ?? 'evm',
        concurrency: o.concurrency[name] ?? 1,
        lockDuration,
        stalledInterval,
      });
      worker.on('failed', (job, err) =>
        o.log.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
      );
      worker.on('error', (err) => {
        if (!o.outage?.report(err, `worker:${name}`)) o.log.error({ queue: name, err: err.message }, 'worker error');
      });
      return worker;
    });
    // A Redis that refuses every write (MISCONF, a full disk) makes each worker retry in a tight loop: stop asking
    // until the outage log's probe sees writes succeed again. Running jobs keep their lock as well as they can.
    this.stopListening = o.outage?.onChange((condition) => {
      const act = condition === 'misconf' ? (w: Worker) => w.pause(true) : (w: Worker) => Promise.resolve(w.isPaused() ? w.resume() : undefined);
      void Promise.all(this.workers.map(act)).catch((err) => o.log.error({ err }, 'pausing or resuming workers failed'));
    });
  }


  /** `force`: do not wait for running jobs; they are picked up again once their lock expires. */
  async close(force = false): Promise<void> {
    this.stopListening?.();
    await Promise.all(this.workers.map((w) => w.close(force)));
  }
}
