import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { JOB_NAMES, type JobName } from '../src/queue/jobs.js';
import type { HandlerMap } from '../src/queue/registry.js';

export interface WorkerPoolOptions {
  connection: ConnectionOptions;
  prefix?: string;
  handlers: HandlerMap;
  concurrency: Partial<Record<JobName, number>>;
  /** Lock renewal period; a worker that stops renewing (killed) loses the job to another after about this long. */
  lockDurationMs?: number;
  log: Logger;
}

/** One BullMQ worker per job name, each with its own concurrency. */
export class WorkerPool {
  private readonly workers: Worker[];

  constructor(o: WorkerPoolOptions) {
    this.workers = JOB_NAMES.map((name) => {
      const worker = new Worker(name, o.handlers[name] as never, {
        connection: o.connection,
        prefix: o.prefix ?? 'evm',
        concurrency: o.concurrency[name] ?? 1,
        lockDuration: o.lockDurationMs ?? 30_000,
        stalledInterval: o.lockDurationMs ?? 30_000,
      });
      worker.on('failed', (job, err) =>
        o.log.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
      );
      worker.on('error', (err) => o.log.error({ queue: name, err: err.message }, 'worker error'));
      return worker;
    });
  }

  /** `force`: do not wait for running jobs; they are picked up again once their lock expires. */
  async close(force = false): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(force)));
  }
}
