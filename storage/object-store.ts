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
  delete(key: string): Promise<void>;
  usage(): Promise<StoreUsage>;
  /** Cheap liveness check for /readyz. Throws when the store cannot be reached. */
  ping(): Promise<void>;
}
