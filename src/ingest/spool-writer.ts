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
 * Bytes written between two write-behind flushes. 32 MiB, alternated with 128 MiB over four pairs of
 * `BENCH_ONLY=large,concurrent npm run bench:ingest` (2026-12-07): one dock's 2 GiB first byte → verified 5.17–5.31 s
 * against 5.39–5.60 (the fsync before the receipt 0.02–0.04 s against 0.10–0.11), eight docks 6.10–6.43 s against
 * 6.29–7.17, the same CPU per GB. The flush is never awaited and never runs twice at once, so a slower disk than
 * the writer makes flushes run back to back, never the writer wait.
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * Appends an upload's bytes to its spool file at `offset`, hashing each batch while the disk writes it: one stream
 * stage instead of a hashing Transform in front of a WriteStream.
 *
 * `received` counts bytes written. The hasher may run ahead of them when a write fails part-way; the store then
 * finds its byte count off the file's size and rebuilds it from the file (the file is the truth).
 *
 * Write-behind: every `flushEveryBytes` it starts an fdatasync of what it wrote so far and goes on writing without
 * waiting for it (one at a time), so the disk writes the upload back while it arrives and the fsync that the
 * store makes before the receipt finds little left to write. Only a head start: that fsync, not this one, is
 * what makes the original durable, so a failed flush here is left for it to report. (An earlier attempt that
 * waited for its flush slowed one dock's receiving from 330 to 230 MB/s; the interval is FLUSH_EVERY_BYTES's.)
 */
export class SpoolWriter extends Writable {
  received = 0;
  private position: number;
  private flushedTo: number;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly file: FileHandle,
    offset: number,
    private readonly hasher: ContentHasher,
    private readonly flushEveryBytes = FLUSH_EVERY_BYTES,
  ) {
    super({ highWaterMark: BATCH_BYTES });
    this.position = offset;
    this.flushedTo = offset;
  }

  // The caller closes the file once the stream finishes or fails: no flush may still be running on it then.
  override _final(done: (err?: Error | null) => void): void {
    void this.flushed().then(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    void this.flushed().then(() => done(err));
  }

  /** Settles once no write-behind flush is running (a flush never rejects: its failures are left to the store's fsync). */
  private flushed(): Promise<void> {
    return this.flushing ?? Promise.resolve();
  }

  private flushBehind(): void {
    if (this.flushing || this.position - this.flushedTo < this.flushEveryBytes) return;
    this.flushedTo = this.position;
    this.flushing = this.file.datasync().then(
      () => void (this.flushing = null),
      () => void (this.flushing = null),
    );
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
      if (written >= bytes) {
        this.flushBehind();
        return;
      }
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
