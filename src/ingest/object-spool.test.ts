import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ERRORS, Upload } from '@tus/utils';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskStore } from '../../storage/local-disk-store.js';
import { S3Store } from '../../storage/s3-store.js';
import { ObjectSpool } from './object-spool.js';

const CHUNK = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A body that yields `data` in 64 KiB pieces, then fails as a cut connection does. */
function cutAfter(data: Buffer): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    })(),
    { objectMode: false },
  );
}

describe('ObjectSpool (tus spool on an object store)', () => {
  let dir: string;
  let store: LocalDiskStore;
  const spool = (expiryMs = 3600_000) =>
    new ObjectSpool({ store, chunkBytes: CHUNK, expirationPeriodInMilliseconds: expiryMs, wantsSm3: (m) => Boolean(m.sm3), log: pino({ level: 'silent' }) });
  const create = async (s: ObjectSpool, size: number, metadata: Record<string, string> = {}) =>
    (await s.create(new Upload({ id: randomBytes(16).toString('hex'), size, offset: 0, metadata }))).id;
  const keys = async (id: string) => {
    const out: string[] = [];
    for await (const o of store.list(`uploads/${id}/`)) out.push(o.key.slice(`uploads/${id}/`.length));
    return out;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'object-spool-'));
    store = new LocalDiskStore({ root: dir });
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('stores a PATCH body as sealed chunks and hashes it as it arrives, SM3 too when declared', async () => {
    const data = randomBytes(2.5 * CHUNK);
    const s = spool();
    const id = await create(s, data.length, { sm3: 'x' });
    expect(await s.write(Readable.from([data]), id, 0)).toBe(data.length);
    const names = await keys(id);
    expect(names.filter((n) => n.startsWith('c-'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('s-')).map((n) => n.slice(2, 35))).toEqual([
      `${'0'.padStart(16, '0')}-${String(CHUNK).padStart(16, '0')}`,
      `${String(CHUNK).padStart(16, '0')}-${String(2 * CHUNK).padStart(16, '0')}`,
      `${String(2 * CHUNK).padStart(16, '0')}-${String(data.length).padStart(16, '0')}`,
    ]);
    expect((await s.getUpload(id)).offset).toBe(data.length);
    const digests = await s.digests(id, data.length);
    expect(digests).toMatchObject({ sha256: sha256(data), sizeBytes: data.length });
    expect(digests.sm3).toBe(createHash('sm3').update(data).digest('hex'));
    const content = s.content(id);
    if (!('read' in content)) throw new Error('expected a stream');
    const back: Buffer[] = [];
    for await (const b of await content.read()) back.push(b as Buffer);
    expect(sha256(Buffer.concat(back))).toBe(sha256(data));
  });

  it('keeps what arrived before a cut connection, sealed; the next PATCH continues from there', async () => {
    const data = randomBytes(3 * CHUNK);
    const s = spool();
    const id = await create(s, data.length);
    const cutAt = CHUNK + 300 * 1024;
    await expect(s.write(cutAfter(data.subarray(0, cutAt)), id, 0)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await s.getUpload(id)).offset).toBe(cutAt);
    expect(await s.write(Readable.from([data.subarray(cutAt)]), id, cutAt)).toBe(data.length);
    expect((await s.digests(id, data.length)).sha256).toBe(sha256(data));
  });

  it('another replica continues an upload it never saw, rebuilding the hash state from the sealed chunks', async () => {
    const data = randomBytes(2 * CHUNK + 77);
    const first = spool();
    const id = await create(first, data.length);
    const half = CHUNK + 5;
    await first.write(Readable.from([data.subarray(0, half)]), id, 0);
    const second = spool();
    expect((await second.getUpload(id)).offset).toBe(half);
    expect(await second.write(Readable.from([data.subarray(half)]), id, half)).toBe(data.length);
    expect((await second.digests(id, data.length)).sha256).toBe(sha256(data));
    // And a third, finishing on a sweep, digests it from the store alone.
    expect((await spool().digests(id, data.length)).sha256).toBe(sha256(data));
  });

  it('a chunk altered at rest is found when the digests are made from the seals: dropped with what follows, and the offset goes back for the dock to resend', async () => {
    const data = randomBytes(3 * CHUNK);
    const first = spool();
    const id = await create(first, data.length);
    await first.write(Readable.from([data.subarray(0, 2 * CHUNK + 10)]), id, 0);
    const second = (await keys(id)).find((n) => n.startsWith(`c-${String(CHUNK).padStart(16, '0')}`))!;
    const altered = Buffer.from(data.subarray(CHUNK, 2 * CHUNK));
    altered.writeUInt8(altered.readUInt8(100) ^ 0xff, 100);
    await store.put(`uploads/${id}/${second}`, Readable.from([altered]));

    // Another replica takes the rest: it holds no state for the file, so it seals what it receives ...
    const other = spool();
    expect(await other.write(Readable.from([data.subarray(2 * CHUNK + 10)]), id, 2 * CHUNK + 10)).toBe(data.length);
    // ... and the digests, made from the seals, find the altered chunk.
    await expect(other.digests(id, data.length)).rejects.toBe(ERRORS.INVALID_OFFSET);
    expect((await other.getUpload(id)).offset).toBe(CHUNK);
    expect(await other.write(Readable.from([data.subarray(CHUNK)]), id, CHUNK)).toBe(data.length);
    expect((await other.digests(id, data.length)).sha256).toBe(sha256(data));
  });

  it('PATCHes alternating between replicas read nothing back until the end, and the end reads the file once', async () => {
    const data = randomBytes(4 * CHUNK);
    const replicas = [spool(), spool()];
    const id = await create(replicas[0]!, data.length);
    let reads = 0;
    const get = store.get.bind(store);
    store.get = async (key, range) => {
      if (key.includes('/c-')) reads++;
      return get(key, range);
    };
    for (let i = 0; i < 4; i++) await replicas[i % 2]!.write(Readable.from([data.subarray(i * CHUNK, (i + 1) * CHUNK)]), id, i * CHUNK);
    expect(reads).toBe(0);
    expect((await replicas[1]!.digests(id, data.length)).sha256).toBe(sha256(data));
    expect(reads).toBe(4);
  });

  it('answers 503 EVM_STORAGE_UNAVAILABLE, not a 500, when the spool bucket cannot be reached', async () => {
    // A real S3 client against a port nothing listens on, retrying once.
    const down = new S3Store({ endpoint: 'http://127.0.0.1:9', bucket: 'spool', accessKeyId: 'x', secretAccessKey: 'y' });
    const s = new ObjectSpool({ store: down, chunkBytes: CHUNK, expirationPeriodInMilliseconds: 3600_000, wantsSm3: () => false, log: pino({ level: 'silent' }) });
    const unavailable = { code: 'EVM_STORAGE_UNAVAILABLE', statusCode: 503 };
    await expect(s.getUpload('0123456789abcdef0123456789abcdef')).rejects.toMatchObject(unavailable);
    await expect(s.write(Readable.from([randomBytes(1000)]), '0123456789abcdef0123456789abcdef', 1000)).rejects.toMatchObject(unavailable);
    await expect(s.remove('0123456789abcdef0123456789abcdef')).rejects.toMatchObject(unavailable);
    down.destroy();
  }, 30_000);

  it('removes every object of an upload; a missing upload is FILE_NOT_FOUND', async () => {
    const s = spool();
    const id = await create(s, CHUNK);
    await s.write(Readable.from([randomBytes(1000)]), id, 0);
    await s.remove(id);
    expect(await keys(id)).toEqual([]);
    await expect(s.getUpload(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    await expect(s.remove(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
  });

  it('expires unfinished uploads past their period and keeps complete ones for the finisher', async () => {
    const s = spool(1);
    const unfinished = await create(s, 10);
    const complete = await create(s, 4);
    await s.write(Readable.from([Buffer.from('abcd')]), complete, 0);
    await new Promise((r) => setTimeout(r, 5));
    expect(await s.deleteExpired()).toBe(1);
    await expect(s.getUpload(unfinished)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    expect((await s.getUpload(complete)).offset).toBe(4);
  });
});
