import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import type { Db } from '../src/db/db.js';
import { codeOf, Errors } from '../src/errors.js';
import { ContentHasher } from '../src/ingest/content-hasher.js';
import type { JobQueues } from '../src/queue/queues.js';
import type { JobHandler } from '../src/queue/registry.js';
import type { Config } from '../src/config.js';
import { advance } from './lib/advance.js';

export interface VerifyDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  log: Logger;
  sm3Mode: Config['SM3_MODE'];
}

/**
 * Reads a stored original back from object storage and checks it against what the dock declared. Only this
 * job may say `verified`: a 200 from a store proves nothing until the bytes it returns hash right.
 */
export function verifyHandler(deps: VerifyDeps): JobHandler<'verify'> {
  return async (job) => {
    const { mediaId } = job.data;
    const media = await new MediaRepository(deps.db).findById(mediaId);
    if (!media) throw new UnrecoverableError(`media ${mediaId} does not exist`);
    if (media.state !== 'stored') return { skipped: media.state };

    const withSm3 = deps.sm3Mode === 'always' || (deps.sm3Mode === 'declared' && media.sm3Declared !== null);
    const hasher = new ContentHasher(withSm3);
    const body = await deps.store.get(media.objectKey);
    let lastReported = 0;
    for await (const chunk of body) {
      hasher.update(chunk as Buffer);
      const percent = Math.floor((hasher.bytes / Math.max(media.sizeBytes, 1)) * 100);
      if (percent >= lastReported + 10) {
        lastReported = percent;
        await job.updateProgress(percent);
      }
    }
    const got = hasher.digest();

    let failure: { code: string; message: string } | null = null;
    if (got.sizeBytes !== media.sizeBytes) {
      failure = { code: codeOf('SIZE_MISMATCH'), message: new Errors.SIZE_MISMATCH(got.sizeBytes, media.sizeBytes).message };
    } else if (got.sha256 !== media.sha256Declared) {
      failure = { code: codeOf('HASH_MISMATCH'), message: new Errors.HASH_MISMATCH(got.sha256, media.sha256Declared).message };
    } else if (media.sm3Declared && got.sm3 !== media.sm3Declared) {
      failure = { code: codeOf('SM3_MISMATCH'), message: new Errors.SM3_MISMATCH(got.sm3, media.sm3Declared).message };
    }

    const outcome = await deps.db.transaction(async (tx) => {
      const repo = new MediaRepository(tx);
      const current = await repo.findByIdForUpdate(mediaId);
      if (current?.state !== 'stored') return 'skipped' as const;
      const custody = new CustodyRepository(tx);
      const base = { mediaId, uploadId: null, actor: 'system:verify' };
      if (failure) {
        await repo.markRejected(mediaId, failure.code, failure.message, got.sm3);
        await custody.append({ ...base, type: 'media.rejected', details: { ...failure, readBackSha256: got.sha256, readBackBytes: got.sizeBytes } });
        return 'rejected' as const;
      }
      await repo.markVerified(mediaId, got.sm3);
      await custody.append({ ...base, type: 'media.verified', details: { sha256: got.sha256, sm3: got.sm3, sizeBytes: got.sizeBytes, objectKey: media.objectKey } });
      return 'verified' as const;
    });
    deps.log.info({ mediaId, outcome, sha256: got.sha256 }, 'verify finished');
    if (outcome === 'verified') await advance(deps, mediaId);
    return { outcome };
  };
}
