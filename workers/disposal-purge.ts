import type { JobHandler } from '../src/queue/registry.js';
import { DisposalService } from '../src/retention/disposal-service.js';
import type { RetentionSweepDeps } from './retention-sweep.js';

/**
 * Deletes what is due in one approved disposal batch. Every item is re-checked against the rules in the same
 * transaction that writes its tombstone, so a hold or a reopened case since the approval stops it here.
 */
export function disposalPurgeHandler(deps: RetentionSweepDeps): JobHandler<'disposal-purge'> {
  return async (job) => {
    const result = await new DisposalService(deps).purge(job.data.batchId);
    deps.log.info({ batchId: job.data.batchId, ...result, errors: result.errors.length }, 'disposal purge');
    // Failed deletions stay in PostgreSQL (item status purging, with the error) and are retried by the next sweep.
    return result;
  };
}
