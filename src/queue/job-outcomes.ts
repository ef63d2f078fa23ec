import { QueueEvents, type ConnectionOptions } from 'bullmq';
import type { JobName } from './jobs.js';

/**
 * Lets a request wait for one job of a queue to finish (complete or fail an attempt), whichever process ran it:
 * BullMQ's event stream in Redis carries it. Used to answer a dock's receipt the moment its original is verified
 * instead of at its next poll. Without Redis the wait simply runs out; the caller reads PostgreSQL either way.
 */
export class JobOutcomes {
  private events: QueueEvents | null = null;
  /** Set by close(): waits end at once and no new event reader is opened. */
  closed = false;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly queue: JobName,
    private readonly options: { connection: ConnectionOptions; prefix: string; onError: (err: Error) => void },
  ) {}

  /** Resolves when job `jobId` completes or fails an attempt, or after `ms`, or when `signal` aborts. */
  next(jobId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.listen();
    return new Promise((resolve) => {
      const set = this.waiters.get(jobId) ?? new Set<() => void>();
      this.waiters.set(jobId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Ends every wait now (their requests answer with what they have) and closes the event reader. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const done of [...set]) done();
    await this.events?.close();
    this.events = null;
  }

  /** One event-stream reader per process, opened on first use. */
  private listen(): void {
    if (this.events) return;
    const events = new QueueEvents(this.queue, { connection: this.options.connection, prefix: this.options.prefix, autorun: true });
    const wake = ({ jobId }: { jobId: string }) => {
      for (const done of [...(this.waiters.get(jobId) ?? [])]) done();
    };
    events.on('completed', wake);
    events.on('failed', wake);
    events.on('error', this.options.onError);
    this.events = events;
  }
}
