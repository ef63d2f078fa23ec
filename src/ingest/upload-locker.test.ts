import { describe, expect, it } from 'vitest';
import { inProcessLocks } from '../db/advisory-locks.js';
import { SharedUploadLocker } from './upload-locker.js';

const busy = (id: string) => new Error(`busy ${id}`);

describe('SharedUploadLocker (in-process locks, the embedded default)', () => {
  it('a newer request asks the holder to stop and takes the lock once the holder has let go', async () => {
    const locker = new SharedUploadLocker(inProcessLocks(), { waitMs: 2_000, onBusy: busy });
    const older = locker.newLock('u1');
    let askedToStop = 0;
    await older.lock(new AbortController().signal, () => {
      askedToStop++;
      // the older request ends shortly after being asked, as tus's cancelled request does
      setTimeout(() => void older.unlock(), 20);
    });
    const newer = locker.newLock('u1');
    await newer.lock(new AbortController().signal, () => undefined);
    expect(askedToStop).toBe(1);
    await newer.unlock();
  });

  it('a holder that does not let go leaves the newer request refused with onBusy after waitMs, not queued', async () => {
    const locker = new SharedUploadLocker(inProcessLocks(), { waitMs: 150, onBusy: busy });
    const holder = locker.newLock('u2');
    await holder.lock(new AbortController().signal, () => undefined);
    const started = Date.now();
    await expect(locker.newLock('u2').lock(new AbortController().signal, () => undefined)).rejects.toThrow('busy u2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // other uploads are not held up by it
    const other = locker.newLock('u3');
    await other.lock(new AbortController().signal, () => undefined);
    await other.unlock();
    await holder.unlock();
    const after = locker.newLock('u2');
    await after.lock(new AbortController().signal, () => undefined);
    await after.unlock();
  });
});
