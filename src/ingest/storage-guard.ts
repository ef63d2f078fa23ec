import type { ObjectStore } from '../../storage/object-store.js';
import { Errors } from '../errors.js';
import { recordStorageAccepted, recordStorageRefusal } from '../retention/storage-full-alert.js';

/**
 * Refuses new footage when it would leave less than `minFreeBytes` free. Unlike an NVR, we never delete old
 * footage to make room: the dock keeps its copy and retries, and operators are alerted by the 507.
 */
export async function throwIfStorageFull(store: ObjectStore, neededBytes: number, minFreeBytes: number): Promise<void> {
  const { freeBytes } = await store.usage();
  if (freeBytes !== null && freeBytes - neededBytes < minFreeBytes) {
    // The alert (metric) goes up; nothing is deleted.
    recordStorageRefusal(freeBytes);
    throw new Errors.STORAGE_FULL(freeBytes, neededBytes + minFreeBytes);
  }
  if (freeBytes !== null) recordStorageAccepted();
}
