import type { Config } from '../config.js';
import type { JobQueues } from '../queue/queues.js';

const SCHEDULER_ID = 'retention-sweep';

/**
 * Runs the retention sweep every RETENTION_SWEEP_MINUTES as a BullMQ job scheduler (one schedule in Redis however
 * many worker replicas start; upserting it again on boot only updates the interval). 0 removes the schedule.
 */
export async function scheduleRetentionSweep(s: { queues: JobQueues; config: Pick<Config, 'RETENTION_SWEEP_MINUTES'> }): Promise<void> {
  const queue = s.queues.queue('retention-sweep');
  const every = Math.round(s.config.RETENTION_SWEEP_MINUTES * 60_000);
  if (every <= 0) {
    await queue.removeJobScheduler(SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(SCHEDULER_ID, { every }, { name: 'retention-sweep', data: { trigger: 'schedule' }, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } });
}
