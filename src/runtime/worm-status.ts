import type { ObjectStore } from '../../storage/object-store.js';
import type { Config } from '../config.js';

/** Whether originals are kept write-once by the store itself (S3 Object Lock), and if not, why not. */
export type WormStatus = { enabled: true } | { enabled: false; reason: string };

/**
 * Asks the store once per call (the S3 driver caches a definite answer, so this is cheap after the first). A
 * failure to ask is reported as "not protected" with the error: readiness and the admin banner must never claim
 * protection they could not confirm.
 */
export async function wormStatus(store: ObjectStore, mode: Config['OBJECT_LOCK']): Promise<WormStatus> {
  if (mode === 'off') return { enabled: false, reason: 'OBJECT_LOCK=off' };
  if (!store.objectLock) return { enabled: false, reason: `the ${store.kind} store has no Object Lock` };
  try {
    const support = await store.objectLock.probe();
    return support.supported ? { enabled: true } : { enabled: false, reason: support.reason };
  } catch (err) {
    return { enabled: false, reason: `Object Lock could not be checked: ${(err as Error).message}` };
  }
}

/** The start-up warning, one block that stands out in a log stream, when evidence is stored without WORM. */
export function wormWarning(status: WormStatus): string | null {
  if (status.enabled) return null;
  return (
    'ORIGINALS ARE NOT WRITE-PROTECTED (no WORM): ' +
    status.reason +
    '. Anyone holding the storage credentials can delete or overwrite evidence; PostgreSQL is the only guard. ' +
    'Use an S3 bucket created with Object Lock enabled (mc mb --with-lock) and OBJECT_LOCK=auto.'
  );
}
