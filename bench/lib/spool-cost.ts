import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/utils';
import pino from 'pino';
import { HashingFileStore } from '../../src/ingest/hashing-file-store.js';
import { ObjectSpool } from '../../src/ingest/object-spool.js';
import type { UploadSpool } from '../../src/ingest/upload-spool.js';
import { LocalDiskStore } from '../../storage/local-disk-store.js';

export interface SpoolCost {
  spool: string;
  /** Wall time of the PATCH path (write every byte, then digests), MB/s. */
  MBps: number;
  /** CPU of this process per GB written (user + system), seconds. */
  cpuSecondsPerGB: number;
}

/** `totalMiB` of bytes as a request body would bring them: 64 KiB pieces of a random 16 MiB buffer, repeated. */
function body(totalMiB: number): Readable {
  const pattern = randomBytes(16 * 1024 * 1024);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < totalMiB * 1024 * 1024; sent += 64 * 1024) yield pattern.subarray(sent % pattern.length, (sent % pattern.length) + 64 * 1024);
    })(),
    { objectMode: false },
  );
}

async function timeSpool(name: string, spool: UploadSpool, totalMiB: number, digestsElsewhere?: UploadSpool): Promise<SpoolCost> {
  const size = totalMiB * 1024 * 1024;
  const upload = await spool.create(new Upload({ id: randomBytes(16).toString('hex'), size, offset: 0, metadata: {} }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = await spool.write(body(totalMiB), upload.id, 0);
  if (end !== size) throw new Error(`${name}: wrote ${end} of ${size} bytes`);
  await (digestsElsewhere ?? spool).digests(upload.id, size);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await spool.remove(upload.id);
  return { spool: name, MBps: size / 1e6 / seconds, cpuSecondsPerGB: (cpu.user + cpu.system) / 1e6 / (size / 1e9) };
}

/**
 * What the object-store spool costs on the hot path against the local one, in this process with the disk as the
 * object store (so S3 servers and the network stay out of the figure): the seal's second SHA-256 pass, 64 MiB
 * objects written atomically (temp, fsync, rename), and, when another replica finishes the upload, the one read
 * of every chunk that the file's digests then take.
 */
export async function measureSpoolCost(totalMiB: number): Promise<SpoolCost[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-spool-'));
  const log = pino({ level: 'silent' });
  const wantsSm3 = () => false;
  try {
    const local = new HashingFileStore({ directory: path.join(dir, 'local'), expirationPeriodInMilliseconds: 3600_000 }, wantsSm3);
    const store = new LocalDiskStore({ root: path.join(dir, 'objects') });
    await store.init();
    const objects = () => new ObjectSpool({ store, chunkBytes: 64 * 1024 * 1024, expirationPeriodInMilliseconds: 3600_000, wantsSm3, log });
    const out: SpoolCost[] = [];
    out.push(await timeSpool('local (DATA_DIR/uploads)', local, totalMiB));
    out.push(await timeSpool('object store, one replica', objects(), totalMiB));
    out.push(await timeSpool('object store, finished by another replica', objects(), totalMiB, objects()));
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
