import { LocalDiskStore } from './local-disk-store.js';
import type { ObjectStore } from './object-store.js';
import type { S3StoreOptions } from './s3-store.js';

export * from './object-store.js';
export { LocalDiskStore, type LocalDiskStoreOptions } from './local-disk-store.js';
export type { S3StoreOptions } from './s3-store.js';
export { assertSafeKey } from './driver-support.js';

export interface CreateObjectStoreOptions {
  /** When given, objects live in S3/MinIO and `localRoot` is not used for them. */
  s3?: S3StoreOptions;
  localRoot: string;
}

/** Builds the configured store and makes sure it is usable (bucket exists, root exists) before returning it. */
export async function createObjectStore(options: CreateObjectStoreOptions): Promise<ObjectStore> {
  if (options.s3) {
    // Loaded only when configured: the AWS SDK is ~30 MB of the embedded default's memory, which never uses it.
    const { S3Store } = await import('./s3-store.js');
    const store = new S3Store(options.s3);
    await store.ensureBucket();
    return store;
  }
  const store = new LocalDiskStore({ root: options.localRoot });
  await store.init();
  return store;
}
