import { createHash, randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

export const MiB = 1024 * 1024;

export interface GeneratedFile {
  path: string;
  bytes: number;
  sha256: string;
  /** Wall time to fill, hash, write and fsync. */
  seconds: number;
}

/**
 * Writes `bytes` of incompressible random bytes to `path` in 1 MiB chunks (one reused buffer: the file is never
 * whole in memory), hashing them on the way so the dock-side SHA-256 costs nothing extra, and fsyncs at the end
 * so no dirty page of the input competes with the service's own writes later.
 */
export async function writeRandomFile(path: string, bytes: number): Promise<GeneratedFile> {
  const started = performance.now();
  const buf = Buffer.allocUnsafe(MiB);
  const hash = createHash('sha256');
  const file = await open(path, 'wx');
  try {
    let left = bytes;
    while (left > 0) {
      const n = Math.min(left, MiB);
      const chunk = n === MiB ? buf : buf.subarray(0, n);
      randomFillSync(chunk);
      hash.update(chunk);
      let written = 0;
      while (written < n) written += (await file.write(chunk, written, n - written)).bytesWritten;
      left -= n;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { path, bytes, sha256: hash.digest('hex'), seconds: (performance.now() - started) / 1000 };
}
