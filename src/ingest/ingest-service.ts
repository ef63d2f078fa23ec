import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import { originalKey } from '../domain/object-keys.js';
import type { DeclaredMedia } from '../domain/upload-metadata.js';
import type { Db } from '../db/db.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import type { Device } from '../db/repositories/devices-repository.js';
import { MediaRepository, type Media } from '../db/repositories/media-repository.js';
import { UploadsRepository } from '../db/repositories/uploads-repository.js';
import { codeOf, Errors } from '../errors.js';
import type { JobQueues } from '../queue/queues.js';
import type { Digests } from './content-hasher.js';
import type { SpoolContent } from './upload-spool.js';
import { throwIfStorageFull } from './storage-guard.js';

/** How long ingest waits for Redis to take a verify job before leaving it to the reconciler. */
const ENQUEUE_TIMEOUT_MS = 2_000;

export type IngestInput = {
  /** Digests computed while the bytes streamed in. */
  digests: Digests;
  declared: DeclaredMedia;
  device: Device;
  uploadId: string | null;
} & SpoolContent;

export interface IngestResult {
  media: Media;
  outcome: 'stored' | 'duplicate' | 'rejected';
}

/**
 * The one path by which footage enters, whatever the device: a complete file with its digests becomes a stored
 * original (content-addressed object + media row + custody events in one transaction), and a verify job is owed.
 * Safe to run again for the same file: the object key and the unique content index make a rerun a no-op.
 */
export class IngestService {
  constructor(
    private readonly deps: { db: Db; store: ObjectStore; queues: JobQueues; log: Logger; minFreeBytes: number },
  ) {}

  async ingest(input: IngestInput): Promise<IngestResult> {
    const { db, store, log } = this.deps;
    const { digests, declared, device } = input;
    const actor = `device:${device.serial}`;
    const mismatch = this.receiveMismatch(digests, declared);

    if (!mismatch) {
      const existing = await new MediaRepository(db).findLiveBySha256(digests.sha256);
      if (existing) return this.recordDuplicate(existing, input, actor);
    }

    await throwIfStorageFull(store, digests.sizeBytes, this.deps.minFreeBytes);
    const key = originalKey(digests.sha256);
    // A local file (the spool on disk, an adapter's download: left in place) or the spool on the object store.
    if ('path' in input) await store.putFile(key, input.path, { sizeBytes: digests.sizeBytes });
    else await store.put(key, await input.read(), { sizeBytes: digests.sizeBytes });

    const result = await db.transaction(async (tx) => {
      const custody = new CustodyRepository(tx);
      const media = new MediaRepository(tx);
      const { media: row, created } = await media.insertOrGetExisting({
        id: randomUUID(),
        sha256: digests.sha256,
        sizeBytes: digests.sizeBytes,
        objectKey: key,
        uploadedBy: device.id,
        declared,
        rejected: mismatch,
      });
      if (!created) return { media: row, outcome: 'duplicate' as const };
      const base = { mediaId: row.id, uploadId: input.uploadId, actor };
      await custody.append({
        ...base,
        type: 'media.received',
        details: { sha256: digests.sha256, sm3: digests.sm3, sizeBytes: digests.sizeBytes, declaredSha256: declared.sha256, declaredSm3: declared.sm3, filename: declared.filename },
      });
      await custody.append({ ...base, type: 'media.stored', actor: 'system:ingest', details: { objectKey: key, store: store.kind } });
      if (mismatch) {
        await custody.append({ ...base, type: 'media.rejected', actor: 'system:ingest', details: { code: mismatch.code, message: mismatch.message } });
      }
      if (input.uploadId) await new UploadsRepository(tx).finish(input.uploadId, row.id);
      return { media: row, outcome: mismatch ? ('rejected' as const) : ('stored' as const) };
    });

    if (result.outcome === 'duplicate') return this.recordDuplicate(result.media, input, actor);
    if (result.outcome === 'stored') await this.enqueueVerify(result.media.id);
    log.info({ mediaId: result.media.id, sha256: digests.sha256, bytes: digests.sizeBytes, outcome: result.outcome }, 'ingested');
    return result;
  }

  /**
   * Asks for verification without letting Redis hold the dock's answer: the media row is committed as `stored`, so
   * if Redis is away (ioredis queues commands until it returns) the reconciler re-enqueues the job from PostgreSQL.
   * Before this bound, the final PATCH of an upload hung for as long as Redis was down.
   */
  private async enqueueVerify(mediaId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ENQUEUE_TIMEOUT_MS)));
    const enqueued = this.deps.queues.enqueue('verify', { mediaId }).then(() => 'ok' as const);
    try {
      if ((await Promise.race([enqueued, timedOut])) === 'timeout') {
        enqueued.catch(() => undefined);
        this.deps.log.warn({ mediaId }, 'queue did not answer in time; the reconciler will enqueue verification');
      }
    } catch (err) {
      this.deps.log.warn({ err, mediaId }, 'could not enqueue verification; the reconciler will');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Compares what arrived with what the dock declared; transport damage is caught here, storage damage by verify. */
  private receiveMismatch(d: Digests, declared: DeclaredMedia): { code: string; message: string } | null {
    if (d.sha256 !== declared.sha256) {
      return { code: codeOf('HASH_MISMATCH'), message: new Errors.HASH_MISMATCH(d.sha256, declared.sha256).message };
    }
    if (declared.sm3 && d.sm3 && d.sm3 !== declared.sm3) {
      return { code: codeOf('SM3_MISMATCH'), message: new Errors.SM3_MISMATCH(d.sm3, declared.sm3).message };
    }
    // A vendor MD5 (pull docks' sidecars) is checked when the adapter computed one while the bytes streamed in.
    const declaredMd5 = declared.vendor.md5?.toLowerCase();
    if (declaredMd5 && d.md5 && d.md5 !== declaredMd5) {
      return { code: codeOf('MD5_MISMATCH'), message: new Errors.MD5_MISMATCH(d.md5, declaredMd5).message };
    }
    return null;
  }

  private async recordDuplicate(existing: Media, input: IngestInput, actor: string): Promise<IngestResult> {
    await this.deps.db.transaction(async (tx) => {
      await new CustodyRepository(tx).append({
        mediaId: existing.id,
        uploadId: input.uploadId,
        type: 'media.duplicate',
        actor,
        details: { sha256: input.digests.sha256, filename: input.declared.filename },
      });
      if (input.uploadId) await new UploadsRepository(tx).finish(input.uploadId, existing.id);
    });
    this.deps.log.info({ mediaId: existing.id, uploadId: input.uploadId }, 'duplicate upload resolved to existing media');
    return { media: existing, outcome: 'duplicate' };
  }
}
