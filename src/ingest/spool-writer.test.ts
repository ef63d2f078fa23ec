import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContentHasher } from './content-hasher.js';
import { SpoolWriter } from './spool-writer.js';

describe('SpoolWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spool-writer-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends at the offset and hashes exactly the bytes it wrote, across batches', async () => {
    const file = path.join(dir, 'upload');
    const head = randomBytes(1000);
    await writeFile(file, head);
    // 70 MiB in uneven chunks: many batches, and chunks that do not line up with them.
    const chunks = Array.from({ length: 70 * 16 }, (_, i) => randomBytes(64 * 1024 + (i % 7)));
    const hasher = await ContentHasher.ofFile(file, true);
    const fh = await open(file, 'r+');
    const writer = new SpoolWriter(fh, head.length, hasher);
    await pipeline(Readable.from(chunks), writer);
    await fh.close();

    const body = Buffer.concat([head, ...chunks]);
    expect(writer.received).toBe(body.length - head.length);
    const onDisk = await readFile(file);
    expect(onDisk.equals(body)).toBe(true);
    const d = hasher.digest();
    expect(d.sizeBytes).toBe(body.length);
    expect(d.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(d.sm3).toBe(createHash('sm3').update(body).digest('hex'));
  });

  it('flushes behind the writer without waiting, and has no flush running on the file once it finishes', async () => {
    const file = path.join(dir, 'upload');
    await writeFile(file, '');
    const fh = await open(file, 'r+');
    let running = 0;
    let mostAtOnce = 0;
    let started = 0;
    const datasync = fh.datasync.bind(fh);
    vi.spyOn(fh, 'datasync').mockImplementation(async () => {
      started++;
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        // A slow disk: the writer goes on meanwhile, and starts no second flush while this one runs.
        await new Promise((r) => setTimeout(r, 30));
        await datasync();
      } finally {
        running--;
      }
    });
    const chunks = Array.from({ length: 16 * 16 }, () => randomBytes(64 * 1024)); // 16 MiB
    const writer = new SpoolWriter(fh, 0, new ContentHasher(false), 1024 * 1024);
    await pipeline(Readable.from(chunks), writer);
    expect(running).toBe(0);
    await fh.close();
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThan(16);
    expect(mostAtOnce).toBe(1);
    expect((await readFile(file)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('fails the stream when the file cannot be written, and counts nothing it did not write as received', async () => {
    const file = path.join(dir, 'read-only');
    await writeFile(file, '');
    const fh = await open(file, 'r'); // writes fail with EBADF
    const writer = new SpoolWriter(fh, 0, new ContentHasher(false));
    await expect(pipeline(Readable.from([randomBytes(1024)]), writer)).rejects.toMatchObject({ code: 'EBADF' });
    await fh.close();
    expect(writer.received).toBe(0);
  });
});
