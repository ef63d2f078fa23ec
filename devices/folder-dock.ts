import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ackNameOf, sidecarNameOf, type AckMode } from '../src/domain/dock-files.js';
import type { PullSource } from '../src/db/repositories/pull-sources-repository.js';
import { Errors } from '../src/errors.js';
import { ackBody, sourcePaths, type AckRecord, type DockConnection, type DockConnector, type RemoteEntry } from './dock-connection.js';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Pull dock over a shared folder: an SMB/NFS mount or a dock's local export folder. Polled, not watched: file
 * events do not cross network mounts, so completeness is judged by a size that stays put (see isStable).
 * Symbolic links are never followed, so a link planted in the share cannot make the service read other files.
 */
export const folderConnector: DockConnector = {
  protocol: 'folder',
  async open(source: PullSource): Promise<DockConnection> {
    if (!path.isAbsolute(source.location)) throw new Errors.DOCK_UNREACHABLE(`not an absolute folder path: ${source.location}`);
    const { dir, done } = sourcePaths(source);
    const root = path.join(source.location, dir);
    try {
      if (!(await lstat(root)).isDirectory()) throw new Error('not a folder');
    } catch (err) {
      throw new Errors.DOCK_UNREACHABLE(`${root}: ${(err as Error).message}`);
    }
    return new FolderDockConnection(root, path.join(source.location, done));
  },
};

class FolderDockConnection implements DockConnection {
  private readonly abort = new AbortController();

  constructor(
    private readonly root: string,
    private readonly done: string,
  ) {}

  private path(name: string) {
    return path.join(this.root, name);
  }

  async list(): Promise<RemoteEntry[]> {
    const out: RemoteEntry[] = [];
    for (const e of await readdir(this.root, { withFileTypes: true })) {
      if (!e.isFile()) continue; // folders (done/) and symbolic links are skipped
      try {
        const s = await lstat(this.path(e.name));
        if (s.isFile()) out.push({ name: e.name, sizeBytes: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        if (!isMissing(err)) throw err; // moved away between readdir and lstat
      }
    }
    return out;
  }

  private async openNoFollow(name: string) {
    return open(this.path(name), constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  async readSmall(name: string, maxBytes: number): Promise<string | null> {
    let handle;
    try {
      handle = await this.openNoFollow(name);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const size = (await handle.stat()).size;
      if (size > maxBytes) throw new Error(`${name} is larger than ${maxBytes} bytes`);
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  async download(name: string, into: Writable): Promise<void> {
    const handle = await this.openNoFollow(name);
    await pipeline(handle.createReadStream({ highWaterMark: 1024 * 1024 }), into, { signal: this.abort.signal });
  }

  async release(name: string, mode: AckMode, ack: AckRecord): Promise<void> {
    if (mode === 'ack-file') {
      await writeFile(this.path(ackNameOf(name)), ackBody(ack));
      return;
    }
    for (const n of [name, sidecarNameOf(name)]) {
      try {
        if (mode === 'delete') await unlink(this.path(n));
        else {
          await mkdir(this.done, { recursive: true });
          await rename(this.path(n), path.join(this.done, n));
        }
      } catch (err) {
        // Gone already: moved or deleted by an earlier attempt that crashed before recording it, or no sidecar.
        if (!isMissing(err)) throw err;
      }
    }
  }

  async diskUsage() {
    const s = await statfs(this.root);
    return { usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize };
  }

  close(): void {
    this.abort.abort(); // interrupts a copy under way; nothing else is held open
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }
}
