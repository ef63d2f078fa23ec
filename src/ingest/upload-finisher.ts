import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isAcknowledged } from '../domain/media-state.js';
import { isProblem, parseUploadMetadata } from '../domain/upload-metadata.js';
import type { NamedLocks } from '../db/advisory-locks.js';
import type { Db } from '../db/db.js';
import { DevicesRepository } from '../db/repositories/devices-repository.js';
import { MediaRepository, type Media } from '../db/repositories/media-repository.js';
import { UploadsRepository } from '../db/repositories/uploads-repository.js';
import { Errors } from '../errors.js';
import type { UploadSpool } from './upload-spool.js';
import type { IngestResult, IngestService } from './ingest-service.js';

/** What finishing an upload came to; `already-finished`: another finisher (replica, sweep) did it first. */
export type FinishResult = { media: Media; outcome: IngestResult['outcome'] | 'already-finished' };

/**
 * Turns a complete tus upload into media through the ingest path, and repairs what a crash interrupted: an
 * upload whose last byte landed but whose ingest never committed is finished again at start-up; spool files are
 * removed only once the original they fed is verified (or rejected) in object storage.
 *
 * One upload is finished exactly once, whichever of the final PATCH (on any replica) and the sweeps (on every
 * replica) gets there: each finishes under the upload's `upload-finish` lock, shared across processes, and
 * re-reads the upload under it. Without it the loser of a race ingested the same file again and wrote a
 * `media.duplicate` custody event in the dock's name for a file the dock sent once.
 */
export class UploadFinisher {
  constructor(
    private readonly deps: { db: Db; spool: UploadSpool; ingest: IngestService; log: Logger; locks: NamedLocks },
  ) {}

  /**
   * Finishes the upload, waiting up to `waitMs` for another finisher of it; null when that one still holds it
   * (its result will be on the upload's receipt).
   */
  async finish(uploadId: string, waitMs = 0): Promise<FinishResult | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const release = await this.deps.locks.tryAcquire('upload-finish', uploadId);
      if (release) {
        try {
          return await this.finishLocked(uploadId);
        } finally {
          await release();
        }
      }
      if (Date.now() >= deadline) return null;
      await sleep(Math.min(200, Math.max(1, deadline - Date.now())));
    }
  }

  private async finishLocked(uploadId: string): Promise<FinishResult> {
    const { db, spool, ingest } = this.deps;
    const record = await new UploadsRepository(db).findById(uploadId);
    if (!record) throw new Errors.NOT_FOUND(`upload ${uploadId}`);
    if (record.mediaId) {
      const media = await new MediaRepository(db).findById(record.mediaId);
      if (media) return { media, outcome: 'already-finished' };
    }
    const device = await new DevicesRepository(db).findById(record.deviceId);
    const declared = parseUploadMetadata(record.metadata);
    if (!device || isProblem(declared)) throw new Error(`upload ${uploadId} lost its device or metadata`);
    const digests = await spool.digests(uploadId, record.sizeBytes);
    return ingest.ingest({ ...spool.content(uploadId), digests, declared, device, uploadId });
  }

  /**
   * Finishes complete-but-unfinished uploads, frees spool space of settled ones and removes unfinished uploads past
   * their expiry (tus expiration extension). Idempotent, and safe to run on every replica at once.
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
          // Busy means the final PATCH (or another replica's sweep) is finishing it right now.
          const result = await this.finish(u.id);
          if (result && result.outcome !== 'already-finished') finished++;
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
