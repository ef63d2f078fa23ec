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

  /**
   * `onError` hears the queues' connection errors. Without a listener an EventEmitter throws them, which crashed a
   * worker that started while Redis was down (exit 1 on ECONNREFUSED).
   */
  constructor(connection: ConnectionOptions, prefix: string, onError?: (err: Error, queue: JobName) => void) {
    this.queues = new Map(
      JOB_NAMES.map((name) => {
        const queue = new Queue(name, { connection, prefix });
        if (onError) queue.on('error', (err) => onError(err, name));
        return [name, queue];
      }),
    );
  }

  queue(name: JobName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`No queue for job "${name}"`);
    return q;
  }

  /**
   * Adds the job under its deterministic id: while one with that id is queued, running or failed, this is a no-op.
   * `replaceFailed` is for a new request for the same work with new inputs (a recording stopped again after a
   * resume): a failed job under the id would otherwise keep it out until it leaves Redis.
   */
  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions & { replaceFailed?: boolean } = {}): Promise<void> {
    const { replaceFailed, ...jobOptions } = options;
    const id = jobId(name, payload);
    const queue = this.queue(name);
    if (replaceFailed) {
      const existing = await queue.getJob(id);
      if (existing && (await existing.isFailed())) await existing.remove();
    }
    await queue.add(name, payload, { ...DEFAULT_JOB_OPTIONS, ...jobOptions, jobId: id });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
