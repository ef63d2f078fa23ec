import type { Logger } from 'pino';
import type { MediaState } from '../domain/media-state.js';
import type { Db } from '../db/db.js';
import { MediaRepository } from '../db/repositories/media-repository.js';
import type { JobName } from './jobs.js';
import type { JobQueues } from './queues.js';

/** Which job moves a media on from each non-terminal state. */
const NEXT_JOB: Partial<Record<MediaState, JobName>> = {
  stored: 'verify',
};

/**
 * PostgreSQL is the truth and Redis only the work list: anything Redis forgot (restart, flush, a crash between
 * commit and enqueue) is re-derived from media states. Job ids are deterministic, so re-enqueueing work that is
 * still queued is a no-op.
 */
export async function reconcile(deps: { db: Db; queues: JobQueues; log: Logger }): Promise<number> {
  const repo = new MediaRepository(deps.db);
  const states = Object.keys(NEXT_JOB) as MediaState[];
  let enqueued = 0;
  for (const m of await repo.listByState(states, 10_000)) {
    const job = NEXT_JOB[m.state];
    if (!job) continue;
    await deps.queues.enqueue(job, { mediaId: m.id });
    enqueued++;
  }
  if (enqueued) deps.log.info({ enqueued }, 'reconciler re-enqueued pending media');
  return enqueued;
}
