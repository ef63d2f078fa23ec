import { setTimeout as sleep } from 'node:timers/promises';
import type { Lock, Locker } from '@tus/utils';
import type { NamedLocks, Release } from '../db/advisory-locks.js';

/**
 * tus's Locker over locks every replica shares, so two API replicas never write one upload at once (tus's default
 * locker lives in one process's memory).
 *
 * It keeps tus's own rule across replicas: a newer request for an upload asks the one holding it to stop (a dock
 * that reconnected after a cut abandons its dead request, which its replica may not have noticed yet), then takes
 * the lock once that request has ended; the newer request then answers from the offset actually written (409 when
 * it differs from the one it sent). A holder that does not let go within `waitMs` leaves the newer request refused
 * with `onBusy()` (423, which tus clients retry) rather than queued behind it.
 */
export class SharedUploadLocker implements Locker {
  constructor(
    private readonly locks: NamedLocks,
    private readonly opts: { waitMs: number; onBusy: (id: string) => unknown },
  ) {}

  newLock(id: string): Lock {
    let release: Release | null = null;
    return {
      lock: async (signal, requestRelease) => {
        const deadline = Date.now() + this.opts.waitMs;
        for (let attempt = 0; ; attempt++) {
          if (signal.aborted) throw this.opts.onBusy(id);
          release = await this.locks.tryAcquire('tus-upload', id, () => void requestRelease());
          if (release) return;
          if (attempt === 0) await this.locks.askRelease('tus-upload', id);
          if (Date.now() >= deadline) throw this.opts.onBusy(id);
          await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
        }
      },
      unlock: async () => {
        await release?.();
        release = null;
      },
    };
  }
}
