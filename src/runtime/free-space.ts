import { statfs } from 'node:fs/promises';
import type { ObjectStore } from '../../storage/object-store.js';

/** Free space where this process writes: the object store (where it can tell) and DATA_DIR (spool, scratch, exports). */
export interface FreeSpace {
  /** Null where the store cannot tell (S3). */
  storeFreeBytes: number | null;
  dataDirFreeBytes: number;
  /** Which of the two is below STORAGE_MIN_FREE_BYTES, if any. */
  full: Array<'store' | 'data-dir'>;
}

export async function freeSpace(store: ObjectStore, dataDir: string, minFreeBytes: number): Promise<FreeSpace> {
  const [{ freeBytes }, fs] = await Promise.all([store.usage(), statfs(dataDir)]);
  // bavail, not bfree: the blocks reserved for root are not ours to fill.
  const dataDirFreeBytes = fs.bavail * fs.bsize;
  const full: FreeSpace['full'] = [];
  if (freeBytes !== null && freeBytes < minFreeBytes) full.push('store');
  if (dataDirFreeBytes < minFreeBytes) full.push('data-dir');
  return { storeFreeBytes: freeBytes, dataDirFreeBytes, full };
}
