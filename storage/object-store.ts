import type { Readable } from 'node:stream';

/** What a store knows about one object. Storage knows nothing of media or cases: keys are opaque. */
export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  /** Opaque version tag, stable while the object is unchanged (used as the HTTP ETag). */
  etag: string;
  lastModified: Date;
}

/** An inclusive byte range, as HTTP Range speaks it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** Exact size when known; lets drivers choose single or multipart upload. */
  sizeBytes?: number;
  contentType?: string;
}

export interface StoreUsage {
  /** Bytes the store's objects take, where the driver can tell cheaply. */
  usedBytes: number | null;
  /** Bytes still free for new objects, or null where the store cannot tell (most S3 servers). */
  freeBytes: number | null;
}

/** What Object Lock holds on one object now. */
export interface ObjectLockState {
  mode: 'COMPLIANCE' | 'GOVERNANCE' | null;
  retainUntil: Date | null;
  legalHold: boolean;
}

export type ObjectLockSupport = { supported: true } | { supported: false; reason: string };

/**
 * Write-once protection the store itself enforces (S3 Object Lock), so not even an administrator holding the
 * storage credentials can delete or overwrite an original early. Optional: local disk has none, and neither have
 * S3 servers or buckets without Object Lock (check `probe()` first; it is cached).
 */
export interface ObjectLock {
  /** Whether the bucket has Object Lock enabled (GetObjectLockConfiguration), answered once per store. */
  probe(): Promise<ObjectLockSupport>;
  /** COMPLIANCE retention until `until`. Only ever extends: the store refuses to shorten it, and so do callers. */
  retainUntil(key: string, until: Date): Promise<void>;
  /** A legal hold (no end date) on or off: how "permanent" is expressed, since a retention date cannot be taken back. */
  setLegalHold(key: string, on: boolean): Promise<void>;
  state(key: string): Promise<ObjectLockState>;
  /** Deletes every version of the object (a locked bucket is versioned: a plain delete only adds a delete marker). */
  deleteAllVersions(key: string): Promise<void>;
}

/**
 * One interface for every object store (local disk, S3/MinIO).
 *
 * Contract every driver keeps:
 * - `put` is atomic: readers see either no object or the whole object, never a partial one.
 * - `put` of an existing key replaces it with identical bytes when keys are content-addressed, so a retry never
 *   makes a second copy.
 * - `get` streams; nothing is held whole in memory.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo>;
  /**
   * Store a finished local file under `key`. Drivers may do better than streaming it (the local driver links it
   * into place without copying); the source file is left untouched either way.
   */
  putFile(key: string, path: string, options?: PutOptions): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Null when there is no such object. */
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Every object whose key starts with `prefix`, in key order (byte order of the UTF-8 key, as S3 lists), read
   * page by page. Objects put or deleted while listing may or may not appear.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  usage(): Promise<StoreUsage>;
  /** Cheap liveness check for /readyz. Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /** Object Lock, on drivers that can speak it (S3); absent on local disk. */
  readonly objectLock?: ObjectLock;
}
