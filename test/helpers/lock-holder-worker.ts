/**
 * A worker process for hand-over tests: the real WorkerPool (so the real lock settings), whose every handler
 * announces the job it took and then never finishes, as a worker does when it is about to be SIGKILLed mid-job.
 */
import { pino } from 'pino';
import { JOB_NAMES } from '../../src/queue/jobs.js';
import type { HandlerMap } from '../../src/queue/registry.js';
import { redisConnection } from '../../src/runtime/redis-connection.js';
import { WorkerPool } from '../../workers/worker-pool.js';

const handlers = Object.fromEntries(
  JOB_NAMES.map((name) => [
    name,
    async (job: { id?: string }) => {
      process.stdout.write(`took ${name} ${job.id}\n`);
      await new Promise(() => undefined);
    },
  ]),
) as unknown as HandlerMap;

new WorkerPool({
  connection: redisConnection({ url: process.env.REDIS_URL! }),
  prefix: process.env.QUEUE_PREFIX!,
  handlers,
  concurrency: {},
  lockDurationMs: Number(process.env.JOB_LOCK_MS),
  log: pino({ level: 'warn' }),
});
process.stdout.write('lock holder ready\n');
