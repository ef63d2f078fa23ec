import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import { declareLeniently, dockMetadata, parseSidecar, SIDECAR_MAX_BYTES } from '../src/domain/dock-metadata.js';
import { classifyRemoteName, isStable, observe, remoteNameProblem, retryAt, sidecarNameOf, type Observation } from '../src/domain/dock-files.js';
import { parseFilename, selectPatterns, type CompiledPattern } from '../src/domain/filename-patterns.js';
import { inventoryOrigin } from '../src/domain/inventory.js';
import { isAcknowledged } from '../src/domain/media-state.js';
import type { Db } from '../src/db/db.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DevicesRepository, type Device } from '../src/db/repositories/devices-repository.js';
import { DockFilesRepository, remoteFileKey } from '../src/db/repositories/dock-files-repository.js';
import { InventoryRepository } from '../src/db/repositories/inventory-repository.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import type { PullProtocol, PullSource } from '../src/db/repositories/pull-sources-repository.js';
import { openSecret } from '../src/db/secret-box.js';
import { codeOf, Errors, isEvmError } from '../src/errors.js';
import { ContentHasher, type Digests } from '../src/ingest/content-hasher.js';
import type { IngestService } from '../src/ingest/ingest-service.js';
import { throwIfStorageFull } from '../src/ingest/storage-guard.js';
import type { DockConnection, DockConnector, RemoteEntry } from './dock-connection.js';

const SETTLE_EVERY_MS = 30_000;

export interface DockPullerDeps {
  db: Db;
  store: ObjectStore;
  ingest: IngestService;
  log: Logger;
  connectors: Record<PullProtocol, DockConnector>;
  /** Local folder for copies in transit (under DATA_DIR). */
  spoolDir: string;
  patterns: CompiledPattern[];
  defaultOffsetMinutes: number;
  sm3Mode: 'off' | 'declared' | 'always';
  minFreeBytes: number;
  credentialsKey: string | undefined;
}

export interface PullSummary {
  listed: number;
  fetched: number;
  ingested: number;
  duplicates: number;
  rejected: number;
  released: number;
  errors: number;
  skippedUnsafe: number;
  /** New files not yet complete (size still settling): worth looking again after the stable period. */
  waiting: number;
}

export interface PullControl {
  /** Interrupts the cycle: checked between files; the connection is closed so a transfer under way stops too. */
  signal?: AbortSignal;
  /** Renews this poller's lease on the source; false means another poller took it: stop. */
  keepAlive?: () => Promise<boolean>;
}

/**
 * One pass over one pull dock: list, record the listing as the dock's inventory, release what the platform has
 * verified, then fetch each new complete file (sidecar first, then the bytes into a local spool, hashed on the
 * way) and hand it to the one ingest path. A file is released on the dock only once its media is acknowledged
 * (verified); a rejected file stays. PostgreSQL remembers each file's fate, and the ingest path resolves the same
 * content to the same media, so a restart at any point neither loses nor doubles a file.
 */
export class DockPuller {
  /** Per source, per name: the size seen and since when (completeness by stable size). In memory on purpose. */
  private readonly seen = new Map<string, Map<string, Observation>>();

  constructor(private readonly deps: DockPullerDeps) {}

  async pullOnce(source: PullSource, control: PullControl = {}): Promise<PullSummary> {
    const { db, log } = this.deps;
    const summary: PullSummary = { listed: 0, fetched: 0, ingested: 0, duplicates: 0, rejected: 0, released: 0, errors: 0, skippedUnsafe: 0, waiting: 0 };
    const device = await new DevicesRepository(db).findById(source.deviceId);
    if (!device) throw new Errors.NOT_FOUND(`device ${source.deviceId}`);
    if (device.kind !== 'dock') throw new Errors.NOT_A_DOCK(device.id, device.kind);
    const password = source.passwordSealed ? openSecret(source.passwordSealed, this.deps.credentialsKey) : null;

    const conn = await this.deps.connectors[source.protocol].open(source, password);
    const onAbort = () => conn.close();
    control.signal?.addEventListener('abort', onAbort);
    try {
      const listing = await conn.list();
      summary.listed = listing.length;
      await new DevicesRepository(db).touch(device.id);
      const { media, sidecars, unsafe } = this.sortListing(source, listing);
      await this.recordInventory(source, device, conn, listing);
      summary.skippedUnsafe = await this.noteUnsafe(source, device, unsafe);

      summary.released += await this.settle(source, device, conn, summary);
      let settledAt = Date.now();
      const ledger = await new DockFilesRepository(db).mapForSource(source.id);
      const seen = this.observe(source.id, media);
      const now = Date.now();
      for (const entry of media) {
        if (control.signal?.aborted || conn.closed) break;
        const rec = ledger.get(remoteFileKey(entry.name, entry.sizeBytes));
        if (rec && rec.status !== 'pending' && rec.status !== 'error') continue;
        if (rec?.status === 'error' && now < retryAt(rec.attempts, Date.parse(rec.updatedAt), Math.max(1000, source.pollIntervalSec * 1000))) continue;
        if (!isStable(seen.get(entry.name)!, now, source.stableSec * 1000)) {
          summary.waiting++;
          continue;
        }
        const sidecarSize = sidecars.get(sidecarNameOf(entry.name));
        const sidecar = sidecarSize !== undefined ? { name: sidecarNameOf(entry.name), sizeBytes: sidecarSize } : null;
        if (source.requireSidecar && !sidecar) continue;
        if (control.keepAlive && !(await control.keepAlive())) break;
        await this.fetchOne(source, device, conn, entry, sidecar, summary, control.signal);
        // A long backlog: free camera space on the dock as verifications come in, not only at the end.
        if (Date.now() - settledAt > SETTLE_EVERY_MS && !control.signal?.aborted && !conn.closed) {
          summary.released += await this.settle(source, device, conn, summary);
          settledAt = Date.now();
        }
      }
      if (!control.signal?.aborted && !conn.closed) summary.released += await this.settle(source, device, conn, summary);
      await new InventoryRepository(db).matchUnstored(device.id);
    } finally {
      control.signal?.removeEventListener('abort', onAbort);
      conn.close();
    }
    if (summary.fetched || summary.released || summary.errors) log.info({ sourceId: source.id, dock: device.serial, ...summary }, 'dock pull');
    return summary;
  }

  private sortListing(source: PullSource, listing: RemoteEntry[]) {
    const media: RemoteEntry[] = [];
    const sidecars = new Map<string, number>();
    const unsafe: Array<{ entry: RemoteEntry; problem: string }> = [];
    for (const e of listing) {
      const problem = remoteNameProblem(e.name);
      const kind = classifyRemoteName(e.name, source.extensions);
      if (problem) {
        // recorded when it looks like footage (judged by its last segment), so a person sees it; never touched
        const last = e.name.split(/[/\\]/).pop() ?? '';
        if (classifyRemoteName(last, source.extensions) === 'media') unsafe.push({ entry: e, problem });
        continue;
      }
      if (kind === 'media') media.push(e);
      else if (kind === 'sidecar') sidecars.set(e.name, e.sizeBytes);
    }
    media.sort((a, b) => a.name.localeCompare(b.name));
    return { media, sidecars, unsafe };
  }

  private observe(sourceId: string, media: RemoteEntry[]): Map<string, Observation> {
    const before = this.seen.get(sourceId) ?? new Map<string, Observation>();
    const now = Date.now();
    const after = new Map(media.map((e) => [e.name, observe(before.get(e.name), e.sizeBytes, e.mtimeMs, now)]));
    this.seen.set(sourceId, after);
    return after;
  }

  /** The listing is the dock's inventory: every footage file it holds counts toward the storage rate. */
  private async recordInventory(source: PullSource, device: Device, conn: DockConnection, listing: RemoteEntry[]) {
    const active = selectPatterns(this.deps.patterns, source.patterns).patterns;
    const entries = listing
      .filter((e) => classifyRemoteName(e.name, source.extensions) === 'media')
      .map((e) => {
        const facts = parseFilename(e.name, active, this.deps.defaultOffsetMinutes)?.facts ?? {};
        return {
          origin: inventoryOrigin({ cameraSerial: null, dockSerial: device.serial }),
          cameraSerial: facts.deviceSerial ?? null,
          name: e.name,
          sizeBytes: e.sizeBytes,
          recordedAt: facts.recordedAt ?? null,
          recordedEnd: facts.recordedEnd ?? null,
        };
      });
    const disk = await conn.diskUsage().catch(() => null);
    await this.deps.db.transaction(async (tx) => {
      const inventory = new InventoryRepository(tx);
      await inventory.recordReport(device.id, source.protocol, entries, [device.serial]);
      await inventory.recordHealth(device.id, { diskUsedBytes: disk?.usedBytes ?? null, diskTotalBytes: disk?.totalBytes ?? null, cameraCount: null });
    });
  }

  /** Unsafe names are never sent back to the dock; each is recorded once so a person sees it. */
  private async noteUnsafe(source: PullSource, device: Device, unsafe: Array<{ entry: RemoteEntry; problem: string }>): Promise<number> {
    if (!unsafe.length) return 0;
    const files = new DockFilesRepository(this.deps.db);
    const ledger = await files.mapForSource(source.id);
    for (const { entry, problem } of unsafe) {
      if (ledger.has(remoteFileKey(entry.name, entry.sizeBytes))) continue;
      const err = new Errors.DOCK_UNSAFE_NAME(JSON.stringify(entry.name), problem);
      this.deps.log.warn({ sourceId: source.id, dock: device.serial, name: entry.name, problem }, 'dock file with an unsafe name skipped');
      await files.beginAttempt(source.id, entry.name.replace(/\0/g, '\uFFFD'), entry.sizeBytes);
      await files.markError(source.id, entry.name.replace(/\0/g, '\uFFFD'), entry.sizeBytes, err.code, err.message);
    }
    return unsafe.length;
  }

  /** Ingested files whose media is now verified are released on the dock; rejected ones are settled as such. */
  private async settle(source: PullSource, device: Device, conn: DockConnection, summary: PullSummary): Promise<number> {
    const { db, log } = this.deps;
    const files = new DockFilesRepository(db);
    const mediaRepo = new MediaRepository(db);
    let released = 0;
    for (const rec of await files.listByStatus(source.id, 'ingested')) {
      const media = rec.mediaId ? await mediaRepo.findById(rec.mediaId) : null;
      if (!media) continue;
      if (media.state === 'rejected') {
        await files.markRejected(source.id, rec.name, rec.sizeBytes, { mediaId: media.id, sha256: media.sha256, code: media.errorCode ?? codeOf('HASH_MISMATCH'), message: media.errorMessage ?? 'rejected' });
        summary.rejected++;
        continue;
      }
      if (!isAcknowledged(media.state)) continue;
      try {
        await conn.release(rec.name, source.ackMode, { mediaId: media.id, sha256: media.sha256, state: media.state, verifiedAt: media.verifiedAt });
      } catch (err) {
        const e = new Errors.DOCK_RELEASE_FAILED(rec.name, (err as Error).message);
        await files.noteReleaseError(source.id, rec.name, rec.sizeBytes, e.code, e.message);
        log.warn({ err, sourceId: source.id, name: rec.name }, 'dock release failed; retried next poll');
        summary.errors++;
        continue;
      }
      const recorded = await db.transaction(async (tx) => {
        if (!(await new DockFilesRepository(tx).markReleased(source.id, rec.name, rec.sizeBytes))) return false;
        await new CustodyRepository(tx).append({
          mediaId: media.id,
          uploadId: null,
          type: 'dock.released',
          actor: 'system:dock-poller',
          details: { dockSerial: device.serial, sourceId: source.id, protocol: source.protocol, remoteName: rec.name, sizeBytes: rec.sizeBytes, ackMode: source.ackMode, sha256: media.sha256 },
        });
        return true;
      });
      if (recorded) released++;
    }
    return released;
  }

  private async fetchOne(source: PullSource, device: Device, conn: DockConnection, entry: RemoteEntry, sidecarFile: { name: string; sizeBytes: number } | null, summary: PullSummary, signal?: AbortSignal) {
    const { db, log, ingest } = this.deps;
    const files = new DockFilesRepository(db);
    const { name, sizeBytes } = entry;
    const fail = async (code: string, message: string) => {
      summary.errors++;
      await files.markError(source.id, name, sizeBytes, code, message);
      log.warn({ sourceId: source.id, dock: device.serial, name, code, message }, 'dock file not fetched; retried next poll');
    };
    await files.beginAttempt(source.id, name, sizeBytes);

    let sidecar: Record<string, string> | null = null;
    if (sidecarFile) {
      // Judged by the listed size first: an oversized sidecar is never transferred.
      if (sidecarFile.sizeBytes > SIDECAR_MAX_BYTES) return fail(codeOf('DOCK_BAD_SIDECAR'), new Errors.DOCK_BAD_SIDECAR(name, `larger than ${SIDECAR_MAX_BYTES} bytes`).message);
      let text: string | null;
      try {
        text = await conn.readSmall(sidecarFile.name, SIDECAR_MAX_BYTES);
      } catch (err) {
        return fail(codeOf('DOCK_BAD_SIDECAR'), new Errors.DOCK_BAD_SIDECAR(name, (err as Error).message).message);
      }
      if (text !== null) {
        const parsed = parseSidecar(text, this.deps.defaultOffsetMinutes);
        if (!parsed.ok) return fail(codeOf('DOCK_BAD_SIDECAR'), new Errors.DOCK_BAD_SIDECAR(name, parsed.reason).message);
        sidecar = parsed.meta;
      }
    }

    await throwIfStorageFull(this.deps.store, sizeBytes * 2, this.deps.minFreeBytes);
    const spool = path.join(this.deps.spoolDir, source.id, `${randomUUID()}.part`);
    await mkdir(path.dirname(spool), { recursive: true });
    try {
      const withSm3 = this.deps.sm3Mode === 'always' || (this.deps.sm3Mode === 'declared' && Boolean(sidecar?.sm3));
      let digests: Digests;
      try {
        digests = await spoolAndHash(conn, name, spool, { sm3: withSm3, md5: Boolean(sidecar?.md5) });
      } catch (err) {
        if (signal?.aborted) return; // stopping: the record stays pending and the next poller fetches it again
        return fail(codeOf('DOCK_UNREACHABLE'), new Errors.DOCK_UNREACHABLE(`${name}: ${(err as Error).message}`).message);
      }
      if (digests.sizeBytes !== sizeBytes) {
        this.seen.get(source.id)?.delete(name);
        return fail(codeOf('DOCK_FILE_CHANGED'), new Errors.DOCK_FILE_CHANGED(name, sizeBytes, digests.sizeBytes).message);
      }
      summary.fetched++;

      const active = selectPatterns(this.deps.patterns, source.patterns).patterns;
      const meta = dockMetadata({ filename: name, fromName: parseFilename(name, active, this.deps.defaultOffsetMinutes), sidecar, computedSha256: digests.sha256 });
      const declaration = declareLeniently(meta);
      if ('problem' in declaration) return fail(codeOf('DOCK_BAD_SIDECAR'), new Errors.DOCK_BAD_SIDECAR(name, declaration.problem).message);
      const { declared, dropped } = declaration;
      if (dropped.length) log.warn({ sourceId: source.id, name, dropped }, 'dock metadata fields did not validate; kept as vendor values');

      const result = await ingest.ingest({ path: spool, digests, declared, device, uploadId: null });
      if (result.outcome === 'rejected') {
        summary.rejected++;
        await files.markRejected(source.id, name, sizeBytes, { mediaId: result.media.id, sha256: digests.sha256, code: result.media.errorCode ?? codeOf('HASH_MISMATCH'), message: result.media.errorMessage ?? 'rejected' });
        return;
      }
      if (result.outcome === 'duplicate') summary.duplicates++;
      else summary.ingested++;
      await files.markIngested(source.id, name, sizeBytes, { mediaId: result.media.id, sha256: digests.sha256, outcome: result.outcome });
      await new InventoryRepository(db).linkMedia(inventoryOrigin({ cameraSerial: null, dockSerial: device.serial }), name, sizeBytes, {
        mediaId: result.media.id,
        sha256: digests.sha256,
        cameraSerial: declared.deviceSerial,
        recordedAt: declared.recordedAt,
        recordedEnd: declared.recordedEnd,
        fileId: declared.vendor.fileId ?? null,
        md5: digests.md5 ?? null,
      });
    } catch (err) {
      if (isEvmError(err) && err.statusCode === 507) throw err; // storage full: stop this pass, nothing else fits either
      await fail(isEvmError(err) ? err.code : codeOf('INTERNAL'), (err as Error).message);
    } finally {
      await rm(spool, { force: true });
    }
  }
}

/** Streams a dock file into a local spool file, hashing every byte on the way; never holds the file in memory. */
export async function spoolAndHash(conn: DockConnection, name: string, spool: string, opts: { sm3: boolean; md5: boolean }): Promise<Digests> {
  const hasher = new ContentHasher(opts.sm3, { md5: opts.md5 });
  const tap = new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      done(null, chunk);
    },
  });
  const written = pipeline(tap, createWriteStream(spool, { highWaterMark: 1024 * 1024 }));
  try {
    await conn.download(name, tap);
  } catch (err) {
    tap.destroy();
    await written.catch(() => undefined);
    throw err;
  }
  await written;
  return hasher.digest();
}

