import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import type { Config } from '../src/config.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import type { Db } from '../src/db/db.js';
import { isEvmError } from '../src/errors.js';
import type { JobQueues } from '../src/queue/queues.js';
import type { JobHandler } from '../src/queue/registry.js';

export interface CustodyVerifyDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  log: Logger;
  config: Pick<Config, 'CUSTODY_SIGNING_KEY'> & { paths: Pick<Config['paths'], 'data'> };
}

/**
 * Works one time-boxed slice of a custody verification run; when the budget runs out before the run is done, it
 * queues the next slice (other jobs get the worker in between) and the run continues where this one stopped.
 */
export function custodyVerifyHandler(deps: CustodyVerifyDeps): JobHandler<'custody-verify'> {
  return async (job) => {
    const { runId, maxSeconds, continueUntilDone } = job.data;
    const key = await loadSigningKey(deps.config);
    const verifier = new CustodyVerifier({ db: deps.db, store: deps.store, publicKey: key.publicKey, keyId: key.keyId, log: deps.log });
    let run;
    try {
      run = await verifier.runSlice(runId, { maxSeconds, onProgress: (r) => job.updateProgress(r.percent) });
    } catch (err) {
      // Another process (the CLI, say) holds the run: it will finish the slice; nothing to do here.
      if (isEvmError(err) && err.code === 'EVM_VERIFICATION_BUSY') return { skipped: 'busy' };
      throw err;
    }
    deps.log.info({ runId, status: run.status, percent: run.percent, findings: run.findingsCount }, 'custody verification slice finished');
    if (run.status === 'paused' && continueUntilDone) {
      await deps.queues.enqueue('custody-verify', { runId, slice: run.slices, maxSeconds, continueUntilDone });
    }
    return { status: run.status, percent: run.percent, findings: run.findingsCount };
  };
}
