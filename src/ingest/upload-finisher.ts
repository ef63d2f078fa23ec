import type { Logger } from 'pino';
import { isAcknowledged } from '../domain/media-state.js';
import { isProblem, parseUploadMetadata } from '../domain/upload-metadata.js';
import type { Db } from '../db/db.js';
import { DevicesRepository } from '../db/repositories/devices-repository.js';
import { MediaRepository } from '../db/repositories/media-repository.js';
import { UploadsRepository } from '../db/repositories/uploads-repository.js';
import { Errors } from '../errors.js';
import type { HashingFileStore } from './hashing-file-store.js';
import type { IngestResult, IngestService } from './ingest-service.js';

/**
 * Turns a complete tus upload into media through the ingest path, and repairs what a crash interrupted: an
 * upload whose last byte landed but whose ingest never committed is finished again at start-up; spool files are
 * removed only once the original they fed is verified (or rejected) in object storage.
 */
export class UploadFinisher {
  constructor(private readonly deps: { db: Db; spool: HashingFileStore; ingest: IngestService; log: Logger }) {}

  async finish(uploadId: string): Promise<IngestResult> {
    const { db, spool, ingest } = this.deps;
    const record = await new UploadsRepository(db).findById(uploadId);
    if (!record) throw new Errors.NOT_FOUND(`upload ${uploadId}`);
    const device = await new DevicesRepository(db).findById(record.deviceId);
    const declared = parseUploadMetadata(record.metadata);
    if (!device || isProblem(declared)) throw new Error(`upload ${uploadId} lost its device or metadata`);
    const digests = await spool.digests(uploadId, record.sizeBytes);
    return ingest.ingest({ path: spool.pathOf(uploadId), digests, declared, device, uploadId });
  }

  /**
   * Finishes complete-but-unfinished uploads, frees spool space of settled ones and removes unfinished uploads past
   * their expiry (tus expiration extension). Idempotent.
   */
  async sweep(): Promise<{ finished: number; freed: number; expired: number }> {
    const { db, spool, log } = this.deps;
    const expired = await spool.deleteExpired();
    const uploads = new UploadsRepository(db);
    const media = new MediaRepository(db);
    let finished = 0;
    let freed = 0;
    for (const u of await uploads.listUnsettled(500)) {
      let upload;
      try {
        upload = await spool.getUpload(u.id);
      } catch {
        // spool gone (expired or terminated before completion): nothing left to finish or free
        await uploads.markSpoolFreed(u.id);
        continue;
      }
      if (!u.mediaId) {
        if (upload.offset !== u.sizeBytes) continue;
        try {
          await this.finish(u.id);
          finished++;
        } catch (err) {
          log.warn({ err, uploadId: u.id }, 'could not finish interrupted upload; will retry');
        }
        continue;
      }
      const m = await media.findById(u.mediaId);
      if (m && (isAcknowledged(m.state) || m.state === 'rejected')) {
        await spool.remove(u.id).catch(() => undefined);
        await uploads.markSpoolFreed(u.id);
        freed++;
      }
    }
    return { finished, freed, expired };
  }
}
