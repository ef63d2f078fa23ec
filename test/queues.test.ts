/** The producer side against real Redis: deterministic job ids, and a new request replacing a failed job. */
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { JobQueues } from '../src/queue/queues.js';
import { jobId } from '../src/queue/jobs.js';
import { TEST_REDIS_URL } from './helpers/harness.js';

const url = new URL(TEST_REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port || 6379) };
const prefix = `evm-test-queues-${randomBytes(4).toString('hex')}`;

describe('JobQueues.enqueue', () => {
  const queues = new JobQueues(connection, prefix);
  afterAll(async () => {
    await queues.queue('join-recording').obliterate({ force: true });
    await queues.close();
  });

  it('ignores a second request while a job with the id has failed, unless it replaces the failed job', async () => {
    const payload = { sessionId: 'c0ffee00-0000-4000-8000-000000000001', deviceId: 'c0ffee00-0000-4000-8000-000000000002' };
    const id = jobId('join-recording', payload);
    const worker = new Worker('join-recording', async () => {
      throw new UnrecoverableError('nothing to join yet');
    }, { connection, prefix });
    try {
      await queues.enqueue('join-recording', payload);
      const queue = queues.queue('join-recording');
      await expect.poll(async () => (await queue.getJob(id))?.isFailed(), { timeout: 10_000 }).toBe(true);
      await worker.close();

      await queues.enqueue('join-recording', payload);
      expect(await (await queue.getJob(id))!.getState()).toBe('failed');
      await queues.enqueue('join-recording', payload, { replaceFailed: true });
      expect(await (await queue.getJob(id))!.getState()).toBe('waiting');
    } finally {
      await worker.close();
    }
  });
});
