import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import type { Db } from '../src/db/db.js';
import type { JobQueues } from '../src/queue/queues.js';
import type { JobHandler } from '../src/queue/registry.js';
import { DisposalService, type DisposalDeps } from '../src/retention/disposal-service.js';

export interface RetentionSweepDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  log: Logger;
  config: DisposalDeps['config'];
}

/**
 * The scheduled sweep: brings stored retention decisions (and the Object Lock of the originals) up to date with
 * what changed since (links, cases, holds, marks, time passing), then queues the purge of every approved disposal
 * batch with something due. PostgreSQL says what is due, so a lost Redis only delays it to the next sweep.
 */
export function retentionSweepHandler(deps: RetentionSweepDeps): JobHandler<'retention-sweep'> {
  return async () => {
    const disposals = new DisposalService(deps);
    const recomputed = await disposals.retention.recomputeOwed();
    const batches = await disposals.openBatches();
    for (const batchId of batches) await deps.queues.enqueue('disposal-purge', { batchId });
    if (recomputed || batches.length) deps.log.info({ recomputed, purgeBatches: batches.length }, 'retention sweep');
    return { recomputed, purgeBatches: batches.length };
  };
}
