import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { JOB_NAMES, jobId, type JobName, type JobPayload } from './jobs.js';

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // Finished jobs leave Redis; PostgreSQL keeps the outcome. Failed ones stay a while for inspection and retry.
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Producer side of the pipeline: one BullMQ queue per job name. */
export class JobQueues {
  private readonly queues: Map<JobName, Queue>;

  constructor(connection: ConnectionOptions, prefix: string) {
    this.queues = new Map(JOB_NAMES.map((name) => [name, new Queue(name, { connection, prefix })]));
  }

  queue(name: JobName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`No queue for job "${name}"`);
    return q;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}): Promise<void> {
    await this.queue(name).add(name, payload, { ...DEFAULT_JOB_OPTIONS, ...options, jobId: jobId(name, payload) });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
