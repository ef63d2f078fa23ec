import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  assertValidRange,
  hasCode,
  notFoundError,
  rangeNotSatisfiableError,
  RESERVED_TMP_SEGMENT,
  SizeGuard,
  sizeMismatch,
  STREAM_CHUNK_BYTES,
} from './driver-support.js';
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions, StoreUsage } from './object-store.js';

export interface LocalDiskStoreOptions {
  /** Directory that holds every object; created when missing. */
  root: string;
  /**
   * Temp files untouched for longer than this are removed at startup. An API and a worker may share one root, so
   * startup must not delete another process's in-flight put; writes and link() both refresh ctime, so an age
   * test on ctime spares live ones. Default one hour.
   */
  staleTempAfterMs?: number;
}

/**
 * Objects as plain files under one root directory. Keys map to relative paths, so `originals/ab/cd/<sha256>`
 * becomes `<root>/originals/ab/cd/<sha256>`.
 *
 * Every put goes through `<root>/.tmp/` (same filesystem, so rename is atomic) and is fsynced before and after the
 * rename: a crash leaves either the old object, the new one, or a stale temp file that startup sweeps away.
 * The store keeps no metadata: `contentType` is accepted and ignored.
 */
export class LocalDiskStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly root: string;
  private readonly tmpDir: string;
  private readonly staleTempAfterMs: number;
  private ready: Promise<void> | undefined;

  constructor(options: LocalDiskStoreOptions) {
    this.root = resolve(options.root);
    this.tmpDir = join(this.root, RESERVED_TMP_SEGMENT);
    this.staleTempAfterMs = options.staleTempAfterMs ?? 60 * 60 * 1000;
  }

  /** Creates the root and sweeps stale temp files. Every method calls it, so calling it at boot only fails early. */
  init(): Promise<void> {
    // Cache success only: a failed start (say, the volume not mounted yet) is retried on the next call.
    this.ready ??= this.prepare().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async put(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    try {
      const target = this.pathFor(key);
      await this.init();
      await this.writeAtomically(target, body, options?.sizeBytes);
      return await this.infoFor(key, target);
    } catch (err) {
      // A put that never reached pipeline() would otherwise leave the caller's source (often a file) open.
      body.destroy();
      throw err;
    }
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<ObjectInfo> {
    const target = this.pathFor(key);
    await this.init();
    const source = await stat(path);
    if (!source.isFile()) throw new Error(`putFile: ${path} is not a regular file`);
    if (options?.sizeBytes !== undefined && options.sizeBytes !== source.size) {
      throw sizeMismatch(options.sizeBytes, source.size);
    }
    const tmp = this.tempPath();
    try {
      await link(path, tmp);
    } catch (err) {
      // Another filesystem (EXDEV) or one without hard links (EPERM, e.g. some FUSE/SMB mounts): copy instead.
      if (!hasCode(err, 'EXDEV', 'EPERM', 'ENOTSUP', 'EMLINK')) throw err;
      return this.put(key, createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES }), {
        ...options,
        sizeBytes: options?.sizeBytes ?? source.size,
      });
    }
    try {
      const file = await open(tmp, 'r');
      try {
        // Re-checked on the linked inode in case the source was swapped after the stat above.
        const { size } = await file.stat();
        if (size !== source.size) throw new Error(`putFile: ${path} changed while being stored`);
        // The source was probably written without fsync; the object must be durable before it is visible.
        await file.sync();
      } finally {
        await file.close();
      }
      await this.commit(tmp, target);
    } catch (err) {
      await unlinkQuietly(tmp);
      throw err;
    }
    return this.infoFor(key, target);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathFor(key);
    if (range) assertValidRange(range);
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (err) {
      if (hasCode(err, 'ENOENT', 'ENOTDIR')) throw notFoundError(key);
      throw err;
    }
    try {
      // Checked on the open handle, so a concurrent re-put cannot slip another size in between.
      const info = await file.stat();
      if (!info.isFile()) throw notFoundError(key);
      if (range && range.start >= info.size) throw rangeNotSatisfiableError(key, range, info.size);
      return file.createReadStream({
        highWaterMark: STREAM_CHUNK_BYTES,
        start: range?.start,
        end: range ? Math.min(range.end, info.size - 1) : undefined,
      });
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      return await this.infoFor(key, this.pathFor(key));
    } catch (err) {
      if (hasCode(err, 'ENOENT', 'ENOTDIR')) return null;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    await this.init();
    // Only the directories the prefix can reach are walked: `uploads/ab` reads `uploads/` and descends from there.
    const lastSlash = prefix.lastIndexOf('/');
    const base = lastSlash < 0 ? '' : prefix.slice(0, lastSlash);
    const keys: string[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dirKey ? join(this.root, dirKey) : this.root, { withFileTypes: true });
      } catch (err) {
        if (hasCode(err, 'ENOENT', 'ENOTDIR')) return;
        throw err;
      }
      for (const e of entries) {
        const key = dirKey ? `${dirKey}/${e.name}` : e.name;
        if (!dirKey && e.name === RESERVED_TMP_SEGMENT) continue;
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(base);
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathFor(key));
    } catch (err) {
      // Idempotent like S3. Empty fan-out directories stay: removing them would race a concurrent put's rename.
      if (!hasCode(err, 'ENOENT', 'ENOTDIR')) throw err;
    }
  }

  async usage(): Promise<StoreUsage> {
    await this.init();
    const fs = await statfs(this.root);
    // Walking the tree for usedBytes would cost minutes on a full evidence volume.
    return { usedBytes: null, freeBytes: fs.bavail * fs.bsize };
  }

  async ping(): Promise<void> {
    const info = await stat(this.root);
    if (!info.isDirectory()) throw new Error(`store root ${this.root} is not a directory`);
  }

  /** Absolute path for a key; throws on keys that could escape the root or collide with the temp area. */
  pathFor(key: string): string {
    assertSafeKey(key);
    const path = join(this.root, key);
    // Belt and braces: the checks above should already make escaping impossible.
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || rel === '') throw new Error(`invalid object key ${JSON.stringify(key)}`);
    return path;
  }

  private async prepare(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    const cutoff = Date.now() - this.staleTempAfterMs;
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile() && info.ctimeMs <= cutoff) await unlinkQuietly(path);
    }
  }

  private tempPath(): string {
    return join(this.tmpDir, `${process.pid}-${randomBytes(12).toString('hex')}.part`);
  }

  /** Streams `body` into a temp file, fsyncs it, then renames it over `target`. */
  private async writeAtomically(target: string, body: Readable, sizeBytes: number | undefined): Promise<void> {
    const tmp = this.tempPath();
    try {
      // flush: fsync before close; pipeline() resolves only after the close, so the bytes are durable by then.
      const out = createWriteStream(tmp, { flags: 'wx', highWaterMark: STREAM_CHUNK_BYTES, flush: true });
      await pipeline(body, new SizeGuard(sizeBytes), out);
      await this.commit(tmp, target);
    } catch (err) {
      await unlinkQuietly(tmp);
      throw err;
    }
  }

  /** Makes a durable temp file visible under its final name, durably. */
  private async commit(tmp: string, target: string): Promise<void> {
    const dir = dirname(target);
    const firstCreated = await mkdir(dir, { recursive: true });
    await rename(tmp, target);
    // rename() is a no-op when both names already link the same inode (putFile of the same source twice), which
    // would leave the temp name behind; the name is ours alone, so removing it unconditionally is safe.
    await unlinkQuietly(tmp);
    await syncPath(dir);
    // Fresh fan-out directories are entries in their parents: sync those up to the first one that already
    // existed, or a crash could lose the whole path to a "durable" object.
    if (firstCreated) {
      const lastParent = dirname(firstCreated);
      for (let d = dirname(dir); ; d = dirname(d)) {
        await syncPath(d);
        if (d === lastParent || d.length <= this.root.length) break;
      }
    }
  }

  private async infoFor(key: string, path: string): Promise<ObjectInfo> {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'ENOENT' });
    return {
      key,
      sizeBytes: info.size,
      // Size plus mtime (µs) changes whenever the object is replaced; hashing content here would cost a full read.
      etag: `"${info.size.toString(16)}-${Math.round(info.mtimeMs * 1000).toString(16)}"`,
      lastModified: info.mtime,
    };
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
