import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LocalDiskStore } from '../../storage/local-disk-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { mappingNoSpace } from '../../src/runtime/no-space.js';

/**
 * ffmpeg wants a file it can seek. On local disk the stored object is read in place (ffmpeg only ever reads its
 * input); from S3 the object is streamed to a scratch file first and removed afterwards. A full scratch disk (the
 * copy, or whatever `fn` writes) fails as EVM_STORAGE_FULL.
 */
export async function withLocalCopy<T>(store: ObjectStore, key: string, scratch: string, fn: (path: string) => Promise<T>): Promise<T> {
  if (store instanceof LocalDiskStore) return fn(store.pathFor(key));
  return mappingNoSpace(scratch, async () => {
    const dir = await mkdtemp(path.join(scratch, 'src-'));
    try {
      const file = path.join(dir, 'original');
      await pipeline(await store.get(key), createWriteStream(file, { highWaterMark: 1024 * 1024 }));
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** A scratch directory for one job's outputs, always removed afterwards; a full disk fails as EVM_STORAGE_FULL. */
export async function withScratch<T>(scratch: string, fn: (dir: string) => Promise<T>): Promise<T> {
  return mappingNoSpace(scratch, async () => {
    const dir = await mkdtemp(path.join(scratch, 'job-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
