import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { ContentHasher } from './content-hasher.js';

/**
 * Bytes gathered before one writev (socket chunks are ~32–64 KiB). 1 MiB, not 4: with eight docks at once the
 * larger batches (and the bytes queued in front of them) held ~40 MB of socket buffers alive at a time, and the
 * service spent 7.8–8.7 s of CPU per GB against 5.0–5.4 with 1 MiB, 205 instead of ~250 MB peak RSS; one dock
 * did not notice (`BENCH_ONLY=concurrent npm run bench:ingest`, alternated runs).
 */
const BATCH_BYTES = 1024 * 1024;

/**
 * Appends an upload's bytes to its spool file at `offset`, hashing each batch while the disk writes it: one stream
 * stage instead of a hashing Transform in front of a WriteStream.
 *
 * `received` counts bytes written. The hasher may run ahead of them when a write fails part-way; the store then
 * finds its byte count off the file's size and rebuilds it from the file (the file is the truth).
 *
 * Measured and left out: a write-behind fdatasync every 64 MiB (so the fsync before the receipt finds little
 * dirty) cut that fsync from 0.67 to 0.05 s but slowed receiving from 330 to 230 MB/s, because ext4 holds the
 * writer while it syncs.
 */
export class SpoolWriter extends Writable {
  received = 0;
  private position: number;

  constructor(
    private readonly file: FileHandle,
    offset: number,
    private readonly hasher: ContentHasher,
  ) {
    super({ highWaterMark: BATCH_BYTES });
    this.position = offset;
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.append(chunks.map((c) => c.chunk)).then(() => done(), done);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.append([chunk]).then(() => done(), done);
  }

  private async append(buffers: Buffer[]): Promise<void> {
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    // The write runs in libuv's pool while this thread hashes the same (unchanging) buffers.
    let pending = this.file.writev(buffers, this.position);
    for (const b of buffers) this.hasher.update(b);
    let written = 0;
    for (;;) {
      const { bytesWritten } = await pending;
      this.position += bytesWritten;
      written += bytesWritten;
      this.received += bytesWritten;
      if (written >= bytes) return;
      pending = this.file.writev(remainder(buffers, written), this.position);
    }
  }
}

/** The part of `buffers` after the first `skip` bytes (a short writev resumes where it stopped). */
function remainder(buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
