import { readdirSync, statSync } from 'node:fs';

/**
 * Notes when each tus spool file (DATA_DIR/uploads/<id>) first holds `bytes` bytes: the moment every byte of that
 * upload arrived, was hashed and written (to the page cache; the fsync comes later, in the store step).
 *
 * Polled from outside the service (a readdir and a few stats every `intervalMs`), because the client cannot tell:
 * tus-js-client throttles its progress events and drops the last chunk's.
 */
export class SpoolWatcher {
  private readonly full = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly bytes: number,
    private readonly clock: () => number,
    intervalMs = 20,
  ) {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  private poll(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return; // not created yet
    }
    for (const name of names) {
      if (name.endsWith('.json') || this.full.has(name)) continue;
      try {
        if (statSync(`${this.dir}/${name}`).size >= this.bytes) this.full.set(name, this.clock());
      } catch {
        // removed meanwhile
      }
    }
  }

  /** When the spool file of upload `id` was first seen full, or null if never (e.g. the upload finished between polls and was moved). */
  fullAt(id: string): number | null {
    return this.full.get(id) ?? null;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
