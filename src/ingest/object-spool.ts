import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { Logger } from 'pino';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { Errors } from '../errors.js';
import { isNoSpace } from '../runtime/no-space.js';
import { ContentHasher, type Digests } from './content-hasher.js';
import type { SpoolContent, UploadSpool } from './upload-spool.js';

export interface ObjectSpoolOptions {
  /** Where the spool lives: a bucket of its own, not the evidence bucket (Object Lock there versions every delete). */
  store: ObjectStore;
  /** A PATCH body is cut into objects of at most this many bytes; a crash loses at most one unfinished chunk. */
  chunkBytes: number;
  expirationPeriodInMilliseconds: number;
  /** Whether an upload with this metadata is hashed with SM3 too. */
  wantsSm3: (metadata: Record<string, string | null>) => boolean;
  log: Logger;
}

/** A file hash state left untouched this long is dropped (its upload finished on another replica, or stalled). */
const IDLE_HASHER_MS = 3600_000;

/** One link of an upload's chain: bytes [start, end) in object `chunkKey`, sealed with their SHA-256 on arrival. */
interface Seal {
  start: number;
  end: number;
  nonce: string;
  sha256: string;
  sealKey: string;
  chunkKey: string;
}

interface StoredInfo {
  id: string;
  size?: number;
  metadata?: Record<string, string | null>;
  creation_date?: string;
}

const PREFIX = 'uploads/';
const INFO = 'info.json';
const pad = (n: number) => n.toString().padStart(16, '0');
const SEAL_NAME = /^s-(\d{16})-(\d{16})-([0-9a-f]{16})-([0-9a-f]{64})$/;

/**
 * The tus upload spool on the object store, so any API replica takes any request of any upload with no shared
 * volume. Each PATCH body is written as objects of up to `chunkBytes`, and a chunk counts only once a second,
 * empty object names its range and the SHA-256 of its bytes as they arrived (its seal): the upload's offset is
 * the end of the unbroken chain of sealed chunks from byte 0, so a chunk cut off by a crash is simply not there.
 *
 * The whole-file SHA-256 (and SM3) is computed in memory as the bytes arrive, as on local disk, by the replica
 * that receives them all. When the PATCHes of one upload reach different replicas (a replica died, or a balancer
 * spreads requests), no replica holds that state; the seals still record every byte as it arrived, and the file's
 * digests are computed once, at the end, from the sealed chunks, each held to its seal (rebuilding the state on
 * every change of replica would read the file once per PATCH). A chunk altered at rest is dropped with everything
 * after it, and the dock is asked for those bytes again. Why not
 * `@tus/s3-store`: its parts are S3 multipart parts, which cannot be read before the upload completes (so the
 * hash state could not be rebuilt), and its offset needs ListParts, which no S3-protocol server installable here
 * implements (s3rver, fauxqs).
 */
export class ObjectSpool extends DataStore implements UploadSpool {
  readonly kind = 'object-store' as const;
  /** Whole-file hash state of uploads this replica has received every byte of so far. */
  private readonly hashers = new Map<string, { hasher: ContentHasher; touched: number }>();

  constructor(private readonly opts: ObjectSpoolOptions) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const info: StoredInfo = { id: upload.id, size: upload.size, metadata: upload.metadata, creation_date: upload.creation_date ?? new Date().toISOString() };
    await this.opts.store.put(this.key(upload.id, INFO), Readable.from([Buffer.from(JSON.stringify(info))]));
    upload.creation_date = info.creation_date;
    upload.storage = { type: 'object-store', path: this.key(upload.id, '') };
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const { info, seals } = await this.read(id);
    return new Upload({
      id,
      size: info.size,
      offset: chainEnd(seals),
      metadata: info.metadata,
      creation_date: info.creation_date,
      storage: { type: 'object-store', path: this.key(id, '') },
    });
  }

  /**
   * Appends the body at `offset`, chunk by chunk; returns the offset reached. A body that ends early (the dock's
   * connection cut, or tus asking this request to stop for a newer one) keeps what arrived: the open chunk is
   * closed and sealed before the error is passed on.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const hasher = await this.hasherFor(id, offset);
    let position = offset;
    let chunk: OpenChunk | null = null;
    let sourceError: unknown = null;
    const source = (readable as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await source.next();
        } catch (err) {
          sourceError = err;
          break;
        }
        if (next.done) break;
        let rest = next.value;
        while (rest.length > 0) {
          chunk ??= this.openChunk(id, position);
          const piece = rest.subarray(0, this.opts.chunkBytes - chunk.bytes);
          hasher?.update(piece);
          await chunk.write(piece);
          rest = rest.subarray(piece.length);
          if (chunk.bytes === this.opts.chunkBytes) {
            position = await this.seal(chunk);
            chunk = null;
          }
        }
      }
      if (chunk) position = await this.seal(chunk);
    } catch (err) {
      // Memory now covers bytes the store may not hold: the file's digests will be made from the seals instead.
      this.hashers.delete(id);
      chunk?.abort(err);
      throw spoolFailure(err);
    }
    if (hasher) this.hashers.set(id, { hasher, touched: Date.now() });
    if (sourceError) throw sourceError;
    return position;
  }

  /** From memory when this replica received every byte; else from the sealed chunks, each held to its seal. */
  async digests(id: string, size: number): Promise<Digests> {
    const kept = this.hashers.get(id);
    this.hashers.delete(id);
    if (kept && kept.hasher.bytes === size) return kept.hasher.digest();
    return (await this.rehash(id, size)).digest();
  }

  ping(): Promise<void> {
    return this.opts.store.ping();
  }

  content(id: string): SpoolContent {
    return {
      read: async () => {
        const { seals } = await this.read(id);
        const store = this.opts.store;
        const chain = unbrokenChain(seals);
        return Readable.from(
          (async function* () {
            for (const s of chain) yield* (await store.get(s.chunkKey)) as AsyncIterable<Buffer>;
          })(),
          { objectMode: false },
        );
      },
    };
  }

  override async remove(id: string): Promise<void> {
    this.hashers.delete(id);
    const keys: string[] = [];
    const info = this.key(id, INFO);
    try {
      for await (const o of this.opts.store.list(this.key(id, ''))) keys.push(o.key);
      if (keys.length === 0) throw ERRORS.FILE_NOT_FOUND;
      // The info object last: while it stands, a half-removed upload is still found and removed again.
      for (const key of keys) if (key !== info) await this.opts.store.delete(key);
      await this.opts.store.delete(info);
    } catch (err) {
      if (err === ERRORS.FILE_NOT_FOUND) throw err;
      throw spoolFailure(err);
    }
  }

  override async deleteExpired(): Promise<number> {
    const idleSince = Date.now() - IDLE_HASHER_MS;
    for (const [id, { touched }] of this.hashers) if (touched < idleSince) this.hashers.delete(id);
    const expiry = this.getExpiration();
    if (expiry <= 0) return 0;
    const ids = new Set<string>();
    for await (const o of this.opts.store.list(PREFIX)) {
      if (o.key.endsWith(`/${INFO}`)) ids.add(o.key.slice(PREFIX.length, -INFO.length - 1));
    }
    let removed = 0;
    for (const id of ids) {
      const upload = await this.getUpload(id).catch(() => null);
      if (!upload?.creation_date || upload.offset === upload.size) continue;
      if (new Date(upload.creation_date).getTime() + expiry > Date.now()) continue;
      await this.remove(id).catch((err: unknown) => this.opts.log.warn({ err, uploadId: id }, 'could not remove expired upload'));
      removed++;
    }
    return removed;
  }

  override getExpiration(): number {
    return this.opts.expirationPeriodInMilliseconds;
  }

  private key(id: string, name: string): string {
    return `${PREFIX}${id}/${name}`;
  }

  private async read(id: string): Promise<{ info: StoredInfo; seals: Seal[] }> {
    const listed: ObjectInfo[] = [];
    let info: StoredInfo;
    try {
      for await (const o of this.opts.store.list(this.key(id, ''))) listed.push(o);
      if (!listed.some((o) => o.key === this.key(id, INFO))) throw ERRORS.FILE_NOT_FOUND;
      info = JSON.parse((await readAll(await this.opts.store.get(this.key(id, INFO)))).toString('utf8')) as StoredInfo;
    } catch (err) {
      if (err === ERRORS.FILE_NOT_FOUND) throw err;
      throw spoolFailure(err);
    }
    const seals: Seal[] = [];
    for (const o of listed) {
      const m = SEAL_NAME.exec(o.key.slice(this.key(id, '').length));
      if (!m) continue;
      const [start, end, nonce, sha256] = [Number(m[1]), Number(m[2]), m[3]!, m[4]!];
      seals.push({ start, end, nonce, sha256, sealKey: o.key, chunkKey: this.key(id, `c-${pad(start)}-${nonce}`) });
    }
    return { info, seals };
  }

  private openChunk(id: string, start: number): OpenChunk {
    const nonce = randomBytes(8).toString('hex');
    return new OpenChunk(this.opts.store, this.key(id, `c-${pad(start)}-${nonce}`), id, start, nonce);
  }

  /** Closes the chunk's object, then writes its seal; returns the offset the chain now reaches. */
  private async seal(chunk: OpenChunk): Promise<number> {
    const { sha256, end } = await chunk.close();
    const name = `s-${pad(chunk.start)}-${pad(end)}-${chunk.nonce}-${sha256}`;
    await this.opts.store.put(this.key(chunk.uploadId, name), Readable.from([]), { sizeBytes: 0 });
    return end;
  }

  /**
   * The whole-file hash state to continue at `offset`: new at byte 0, the one in memory if it covers exactly the
   * bytes before `offset`, else none (this PATCH is only sealed; `digests` computes the file's digests at the end).
   */
  private async hasherFor(id: string, offset: number): Promise<ContentHasher | null> {
    const kept = this.hashers.get(id);
    this.hashers.delete(id);
    if (kept && kept.hasher.bytes === offset) return kept.hasher;
    if (offset !== 0) return null;
    const { info } = await this.read(id);
    return new ContentHasher(this.opts.wantsSm3(info.metadata ?? {}));
  }

  /** Hashes the first `size` bytes of the sealed chain, holding each chunk to its seal. */
  private async rehash(id: string, size: number): Promise<ContentHasher> {
    const { info, seals } = await this.read(id);
    const hasher = new ContentHasher(this.opts.wantsSm3(info.metadata ?? {}));
    const chain = unbrokenChain(seals);
    for (const [i, s] of chain.entries()) {
      if (s.start >= size) break;
      const sealHash = createHash('sha256');
      for await (const data of (await this.opts.store.get(s.chunkKey)) as AsyncIterable<Buffer>) {
        sealHash.update(data);
        hasher.update(data);
      }
      if (sealHash.digest('hex') !== s.sha256) {
        // Altered or damaged at rest: the chain ends before it, and the dock sends those bytes again.
        this.opts.log.error({ uploadId: id, start: s.start, end: s.end }, 'upload chunk does not match its seal; dropping it and what follows');
        for (const bad of chain.slice(i)) await this.opts.store.delete(bad.sealKey);
        throw ERRORS.INVALID_OFFSET;
      }
    }
    if (hasher.bytes !== size) throw ERRORS.INVALID_OFFSET;
    return hasher;
  }
}

/** One chunk object being written: bytes go through a PassThrough into the store's put, hashed for the seal. */
class OpenChunk {
  readonly body = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly stored: Promise<ObjectInfo>;
  bytes = 0;
  failed: unknown = null;

  constructor(store: ObjectStore, key: string, readonly uploadId: string, readonly start: number, readonly nonce: string) {
    this.stored = store.put(key, this.body);
    this.stored.catch((err: unknown) => (this.failed ??= err ?? new Error('chunk put failed')));
  }

  async write(data: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.hash.update(data);
    this.bytes += data.length;
    if (!this.body.write(data)) await Promise.race([once(this.body, 'drain'), this.stored]);
    if (this.failed) throw this.failed;
  }

  async close(): Promise<{ sha256: string; end: number }> {
    this.body.end();
    const info = await this.stored;
    if (info.sizeBytes !== this.bytes) throw new Error(`chunk stored ${info.sizeBytes} of ${this.bytes} bytes`);
    return { sha256: this.hash.digest('hex'), end: this.start + this.bytes };
  }

  abort(err: unknown): void {
    if (!this.body.destroyed) this.body.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * What a dock hears when the spool's store fails: its own disk full is 507 (through tus's write error, as on the
 * local spool); anything else (the S3 endpoint down, refusing, timing out) is 503 EVM_STORAGE_UNAVAILABLE, which tus
 * clients retry, rather than a 500.
 */
function spoolFailure(err: unknown): unknown {
  if (isNoSpace(err)) return { ...ERRORS.FILE_WRITE_ERROR, cause: err };
  return new Errors.STORAGE_UNAVAILABLE(`upload spool: ${err instanceof Error ? err.message : String(err)}`);
}

/** The sealed chunks that follow one another from byte 0; where two cover one start, the longer one. */
function unbrokenChain(seals: Seal[]): Seal[] {
  const byStart = new Map<number, Seal>();
  for (const s of seals) {
    const other = byStart.get(s.start);
    if (!other || s.end > other.end) byStart.set(s.start, s);
  }
  const chain: Seal[] = [];
  let next = byStart.get(0);
  while (next && next.end > next.start) {
    chain.push(next);
    next = byStart.get(next.end);
  }
  return chain;
}

function chainEnd(seals: Seal[]): number {
  return unbrokenChain(seals).at(-1)?.end ?? 0;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream as AsyncIterable<Buffer>) parts.push(p);
  return Buffer.concat(parts);
}
