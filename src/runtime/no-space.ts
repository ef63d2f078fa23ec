import { statfs } from 'node:fs/promises';
import { Errors, type EvmError } from '../errors.js';

/**
 * What S3-protocol stores answer when they cannot take more bytes (the AWS SDK names its error after the code):
 * MinIO below its minimum free drive space (`XMinioStorageFull`, HTTP 507) or over a bucket quota, Ceph RGW over a
 * user or bucket quota (`QuotaExceeded`).
 */
const S3_FULL_CODES = new Set(['XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'QuotaExceeded']);

/**
 * Where a write failed for want of space, or null: `disk` for ENOSPC from Node, EDQUOT (a quota) or ffmpeg's own
 * report ("No space left on device" in its stderr, which reaches us inside FFMPEG_FAILED); `object-store` for an
 * object store refusing for space.
 */
export function noSpaceIn(err: unknown, depth = 0): 'disk' | 'object-store' | null {
  if (!err || typeof err !== 'object' || depth > 4) return null;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; stderrTail?: unknown; cause?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return 'disk';
  if ((typeof e.name === 'string' && S3_FULL_CODES.has(e.name)) || e.$metadata?.httpStatusCode === 507) return 'object-store';
  const text = `${typeof e.message === 'string' ? e.message : ''}\n${typeof e.stderrTail === 'string' ? e.stderrTail : ''}`;
  if (/No space left on device|ENOSPC|Disk quota exceeded/.test(text)) return 'disk';
  return noSpaceIn(e.cause, depth + 1);
}

/** A write that failed because the disk, or the object store, is full. */
export function isNoSpace(err: unknown): boolean {
  return noSpaceIn(err) !== null;
}

/**
 * The one condition operators act on, whatever wrote: EVM_STORAGE_FULL (507), with the free bytes of `dir` now (of
 * the local disk that refused; unknown when an object store did).
 * Nothing is deleted to make room; the work is retried once there is space.
 */
export async function storageFullError(err: unknown, dir: string): Promise<EvmError> {
  // `dir`'s free space says nothing of an object store that refused: reporting it there would mislead.
  const free =
    noSpaceIn(err) === 'object-store'
      ? 'unknown'
      : await statfs(dir).then(
          (s) => String(s.bavail * s.bsize),
          () => 'unknown',
        );
  return Object.assign(new Errors.STORAGE_FULL(free, `more than ${free}`), { cause: err }) as EvmError;
}

/** Runs `fn`; a full disk comes out as EVM_STORAGE_FULL instead of a bare ENOSPC or an ffmpeg failure. */
export async function mappingNoSpace<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNoSpace(err)) throw await storageFullError(err, dir);
    throw err;
  }
}
