import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';
import type { Digests } from './content-hasher.js';

/** Where a finished upload's bytes are read from to store the original: a local file, or a stream to open. */
export type SpoolContent = { path: string } | { read: () => Promise<Readable> };

/**
 * A tus store that hashes every byte as it arrives, so an upload's digests are known when its last byte lands:
 * on local disk (HashingFileStore, the embedded default and a shared volume) or on the object store (ObjectSpool,
 * API replicas without a shared volume).
 */
export interface UploadSpool extends DataStore {
  /** Digests of the complete upload of `size` bytes, as they arrived. */
  digests(id: string, size: number): Promise<Digests>;
  /** The complete upload's bytes, for the ingest path to store as the original. */
  content(id: string): SpoolContent;
  /** Where the spool is, for /readyz. */
  readonly kind: 'local' | 'object-store';
  /** Throws when the spool cannot be reached (for /readyz). */
  ping(): Promise<void>;
}
