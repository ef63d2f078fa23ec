import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import yazl from 'yazl';
import type { ObjectStore } from '../../storage/object-store.js';
import { Errors } from '../errors.js';
import { ContentHasher, type Digests } from '../ingest/content-hasher.js';

/** A file of the package that comes from the object store (an original, a proxy or a picture-in-picture copy). */
export interface StoredEntry {
  path: string;
  objectKey: string;
  sizeBytes: number;
  /** The SHA-256 PostgreSQL recorded for it; streaming anything else stops the export. */
  expectedSha256: string;
  what: 'original' | 'proxy' | 'pip-proxy';
  mediaId: string;
}

/** A small file made for the package (manifest, signature, key, verifier, readme). */
export interface MadeEntry {
  path: string;
  bytes: Buffer;
  mode?: number;
}

export interface WrittenPackage {
  sizeBytes: number;
  sha256: string;
}

/** Hashes (SHA-256 and SM3) what passes through, reports its size, and fails at the end if it is not what was recorded. */
export function verifyingTap(entry: StoredEntry, onBytes: (n: number) => void, onDigest: (d: Digests) => void): Transform {
  const hasher = new ContentHasher(true);
  return new Transform({
    transform(chunk: Buffer, _enc, next) {
      hasher.update(chunk);
      onBytes(chunk.length);
      next(null, chunk);
    },
    flush(next) {
      const d = hasher.digest();
      if (d.sha256 !== entry.expectedSha256 || d.sizeBytes !== entry.sizeBytes) {
        next(new Errors.EXPORT_SOURCE_MISMATCH(`${entry.what} of media ${entry.mediaId}`, `${d.sha256} (${d.sizeBytes} bytes)`, `${entry.expectedSha256} (${entry.sizeBytes} bytes)`));
        return;
      }
      onDigest(d);
      next();
    },
  });
}

/** Counts and hashes the package itself on its way to the store. */
function packageTap(onBytes: (n: number) => void): { tap: Transform; result: () => WrittenPackage } {
  const h = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, next) {
      h.update(chunk);
      size += chunk.length;
      onBytes(chunk.length);
      next(null, chunk);
    },
  });
  return { tap, result: () => ({ sizeBytes: size, sha256: h.digest('hex') }) };
}

/**
 * Streams a ZIP into the object store: the stored entries first, each hashed on the way and checked against its
 * recorded SHA-256, then the made entries, which `finish` builds from those digests (the manifest needs them).
 * Nothing is held whole in memory; ZIP64 is used by yazl where sizes need it. Media are stored, not deflated.
 */
export async function writeZip(o: {
  store: ObjectStore;
  key: string;
  mtime: Date;
  stored: StoredEntry[];
  finish: (digests: Map<string, Digests>) => Promise<MadeEntry[]>;
  onBytes: (n: number) => void;
}): Promise<WrittenPackage> {
  const zip = new yazl.ZipFile();
  const digests = new Map<string, Digests>();
  const { tap, result } = packageTap(() => undefined);
  let failed: Error | null = null;
  let rejectFailure!: (err: Error) => void;
  const failure = new Promise<never>((_, reject) => (rejectFailure = reject));
  failure.catch(() => undefined);
  const fail = (err: Error) => {
    if (failed) return;
    failed = err;
    rejectFailure(err);
    tap.destroy(err);
  };
  zip.on('error', fail);
  (zip.outputStream as Readable).on('error', fail);
  (zip.outputStream as Readable).pipe(tap);
  const put = o.store.put(o.key, tap, { contentType: 'application/zip' });
  put.catch(() => undefined);

  const filesDone = o.stored.map(
    (entry) =>
      new Promise<void>((resolve, reject) => {
        zip.addReadStreamLazy(entry.path, { size: entry.sizeBytes, compress: false, mtime: o.mtime, mode: 0o100444 }, (cb) => {
          o.store.get(entry.objectKey).then(
            (body) => {
              const check = verifyingTap(entry, o.onBytes, (d) => {
                digests.set(entry.path, d);
                resolve();
              });
              body.on('error', (err) => {
                check.destroy(err);
                reject(err);
                fail(err);
              });
              check.on('error', (err) => {
                reject(err);
                fail(err);
              });
              cb(null, body.pipe(check));
            },
            (err: Error) => {
              reject(err);
              fail(err);
              cb(err, new PassThrough());
            },
          );
        });
      }),
  );
  filesDone.forEach((p) => p.catch(() => undefined));

  try {
    await Promise.race([
      Promise.all(filesDone),
      failure,
      put.then(() => {
        throw new Error('the package store finished before every file was written');
      }),
    ]);
    for (const made of await o.finish(digests)) {
      zip.addBuffer(made.bytes, made.path, { mtime: o.mtime, mode: made.mode ?? 0o100444, compress: true });
    }
    zip.end();
    await Promise.race([put, failure]);
    return result();
  } catch (err) {
    fail(err as Error);
    await put.catch(() => undefined);
    throw failed ?? err;
  }
}

/** Escapes a path for an xorriso graft point ("target=source"): backslash and '=' are special. */
function graftEscape(p: string): string {
  return p.replace(/\\/g, '\\\\').replace(/=/g, '\\=');
}

/**
 * Builds an ISO 9660 image (level 3 for files over 4 GiB, Rock Ridge and Joliet for long and Chinese names) with
 * Debian's xorriso from files on local disk, streaming its output straight into the object store.
 */
export async function writeIso(o: {
  store: ObjectStore;
  key: string;
  workDir: string;
  volumeId: string;
  /** Package path → a local file holding exactly those bytes. */
  files: Array<{ path: string; localPath: string }>;
  onBytes: (n: number) => void;
  xorriso?: string;
}): Promise<WrittenPackage> {
  const list = path.join(o.workDir, 'path-list.txt');
  await writeFile(list, o.files.map((f) => `${graftEscape(f.path)}=${graftEscape(f.localPath)}`).join('\n') + '\n');
  const args = ['-as', 'mkisofs', '-quiet', '-iso-level', '3', '-R', '-J', '-joliet-long', '-input-charset', 'utf-8', '-V', o.volumeId, '-graft-points', '-path-list', list, '-o', '-'];
  const child = spawn(o.xorriso ?? 'xorriso', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  exited.catch(() => undefined);
  const { tap, result } = packageTap(o.onBytes);
  child.stdout.pipe(tap);
  const put = o.store.put(o.key, tap, { contentType: 'application/x-iso9660-image' });
  put.catch(() => undefined);
  let code: number;
  try {
    code = await exited;
  } catch (err) {
    tap.destroy(err as Error);
    await put.catch(() => undefined);
    throw new Errors.ISO_FAILED('spawn', `${(err as Error).message} (install Debian's xorriso: scripts/install.sh does)`);
  }
  if (code !== 0) {
    const err = new Errors.ISO_FAILED(code, stderr.trim().split('\n').slice(-5).join(' | '));
    tap.destroy(err);
    await put.catch(() => undefined);
    throw err;
  }
  await put;
  return result();
}
