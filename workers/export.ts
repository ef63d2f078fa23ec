import { mappingNoSpace } from '../src/runtime/no-space.js';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import type { Config } from '../src/config.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import type { Db } from '../src/db/db.js';
import { ExportsRepository } from '../src/db/repositories/exports-repository.js';
import { codeOf, isEvmError } from '../src/errors.js';
import { buildExport, plannedBytes } from '../src/export/build-export.js';
import type { JobHandler } from '../src/queue/registry.js';

export interface ExportDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  config: Pick<Config, 'CUSTODY_SIGNING_KEY'> & { paths: Pick<Config['paths'], 'data' | 'scratch'> };
}

/** Builds one export's package(s) into the object store, with its percent on the job and in PostgreSQL. */
export function exportHandler(deps: ExportDeps): JobHandler<'export'> {
  return async (job) => {
    const { exportId } = job.data;
    const repo = new ExportsRepository(deps.db);
    const exp = await repo.findById(exportId);
    if (!exp) throw new UnrecoverableError(`export ${exportId} does not exist`);
    if (exp.status !== 'queued' && exp.status !== 'building') return { skipped: exp.status };
    const fileBytes = (await repo.media(exp.mediaIds)).reduce((n, m) => n + m.sizeBytes, 0);
    const building = await repo.markBuilding(exportId, plannedBytes(fileBytes, exp.formats));
    if (!building) return { skipped: 'not buildable' };
    try {
      const key = await loadSigningKey(deps.config);
      // A full scratch disk fails the export as EVM_STORAGE_FULL (retried; reported with that code on the last try).
      const built = await mappingNoSpace(deps.config.paths.scratch, () => buildExport({ db: deps.db, store: deps.store, key, scratch: deps.config.paths.scratch, log: deps.log }, building, async (done, total) => {
        const percent = Math.min(99, Math.floor((done / Math.max(total, 1)) * 100));
        await job.updateProgress(percent);
        await repo.saveProgress(exportId, done, percent);
      }));
      await repo.markReady(exportId, built.packages, built.manifestSha256);
      return { ready: true, manifestSha256: built.manifestSha256 };
    } catch (err) {
      // A source that does not match its recorded hash, or media that cannot be exported, will not get better.
      const badInput = isEvmError(err) && err.statusCode >= 400 && err.statusCode < 500;
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (badInput || lastTry) {
        const code = isEvmError(err) ? err.code : codeOf('INTERNAL');
        await repo.markFailed(exportId, code, (err as Error).message);
        deps.log.warn({ exportId, code, message: (err as Error).message }, 'export failed');
        if (badInput) throw new UnrecoverableError(`${code}: ${(err as Error).message}`);
      }
      throw err;
    }
  };
}
