import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../test/helpers/s3-server.js';
import { LocalDiskStore } from './local-disk-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** One driver under test plus what the contract needs to look behind its back. */
interface Harness {
  store: ObjectStore;
  /** Every key stored under `prefix`, read from the backend directly rather than through the store. */
  listKeys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

const drivers: Array<{ name: string; start(): Promise<Harness> }> = [
  {
    name: 'LocalDiskStore',
    async start() {
      const root = await mkdtemp(join(tmpdir(), 'store-contract-'));
      const store = new LocalDiskStore({ root });
      await store.init();
      return {
        store,
        listKeys: async (prefix) => (await listFiles(root)).filter((k) => k.startsWith(prefix)),
        close: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3Store',
    async start() {
      const server = await startS3Server();
      const store = new S3Store({ ...server, partSizeBytes: PART });
      await store.ensureBucket();
      const client = rawClient(server);
      return {
        store,
        async listKeys(prefix) {
          const out = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
          return (out.Contents ?? []).map((o) => o.Key ?? '');
        },
        async close() {
          store.destroy();
          client.destroy();
          await server.stop();
        },
      };
    },
  },
];

describe.each(drivers)('ObjectStore contract: $name', (driver) => {
  let h: Harness;
  let store: ObjectStore;
  let scratch: string;

  beforeAll(async () => {
    h = await driver.start();
    store = h.store;
    scratch = await mkdtemp(join(tmpdir(), 'store-scratch-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('round-trips bytes exactly under a slash-separated key', async () => {
    const data = randomBytes(300_000);
    const key = contentKey(data);
    const info = await store.put(key, chunked(data, 64 * 1024), { sizeBytes: data.length });
    expect(info).toMatchObject({ key, sizeBytes: data.length });
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
  });

  it('round-trips an empty object', async () => {
    const key = 'empty/object';
    await store.put(key, Readable.from([]), { sizeBytes: 0 });
    expect((await store.head(key))?.sizeBytes).toBe(0);
    expect((await readAll(await store.get(key))).length).toBe(0);
  });

  it('serves inclusive byte ranges', async () => {
    const data = randomBytes(100_000);
    const key = contentKey(data);
    await store.put(key, chunked(data, 10_000));
    const read = async (start: number, end: number) => readAll(await store.get(key, { start, end }));
    expect(await read(0, 0)).toEqual(data.subarray(0, 1));
    expect(await read(40_000, 59_999)).toEqual(data.subarray(40_000, 60_000));
    expect(await read(99_999, 99_999)).toEqual(data.subarray(99_999));
    // Ends past the object are clamped, as HTTP does; starts past it are unsatisfiable.
    expect(await read(99_000, 1_000_000)).toEqual(data.subarray(99_000));
    await expect(store.get(key, { start: 100_000, end: 100_010 })).rejects.toMatchObject({ code: 'ERANGE' });
    await expect(store.get(key, { start: 10, end: 5 })).rejects.toThrow(RangeError);
  });

  it('answers head with size, etag and date, and null for a missing key', async () => {
    expect(await store.head('originals/00/00/missing')).toBeNull();
    const data = randomBytes(4321);
    const key = contentKey(data);
    await store.put(key, chunked(data, 1000));
    const first = await store.head(key);
    expect(first).toMatchObject({ key, sizeBytes: 4321 });
    expect(first?.etag).toMatch(/\S/);
    expect(first?.lastModified).toBeInstanceOf(Date);
    expect(await store.head(key)).toEqual(first);
  });

  it('rejects get of a missing key with ENOENT', async () => {
    await expect(store.get('originals/00/00/missing')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lists the objects under a prefix in key order, and nothing else', async () => {
    const keys = ['listing/b/2', 'listing/a/1', 'listing/a/10', 'listing/ab', 'listingx/3'];
    for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
    const listed = async (prefix: string) => {
      const out: Array<[string, number]> = [];
      for await (const o of store.list(prefix)) out.push([o.key, o.sizeBytes]);
      return out;
    };
    expect(await listed('listing/')).toEqual([['listing/a/1', 11], ['listing/a/10', 12], ['listing/ab', 10], ['listing/b/2', 11]]);
    expect((await listed('listing/a')).map(([k]) => k)).toEqual(['listing/a/1', 'listing/a/10', 'listing/ab']);
    expect(await listed('nothing-here/')).toEqual([]);
  });

  it('deletes, idempotently', async () => {
    const data = randomBytes(1000);
    const key = contentKey(data);
    await store.put(key, chunked(data, 1000));
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    await expect(store.get(key)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('putFile stores a file and leaves the source in place', async () => {
    const data = randomBytes(2 * MiB + 17);
    const source = join(scratch, 'finished-upload.bin');
    await writeFile(source, data);
    const key = contentKey(data);
    const info = await store.putFile(key, source);
    expect(info.sizeBytes).toBe(data.length);
    expect(sha256Of(await readFile(source))).toBe(sha256Of(data));
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
    // Again from the same file: the local driver's rename() is then a no-op between two links of one inode.
    await store.putFile(key, source);
    expect(await h.listKeys(key)).toEqual([key]);
  });

  it('re-putting a key, even concurrently, leaves one object with the same bytes', async () => {
    const data = randomBytes(MiB);
    const key = contentKey(data);
    await store.put(key, chunked(data, 100_000));
    await Promise.all([store.put(key, chunked(data, 100_000)), store.put(key, chunked(data, 100_000))]);
    expect(await h.listKeys(key)).toEqual([key]);
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
  });

  it('stores objects larger than one multipart part', async () => {
    const data = randomBytes(12 * MiB);
    const key = contentKey(data);
    const info = await store.put(key, chunked(data, MiB), { sizeBytes: data.length });
    expect(info.sizeBytes).toBe(data.length);
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
    // A span crossing the first part boundary.
    expect(await readAll(await store.get(key, { start: PART - 10, end: PART + 9 }))).toEqual(
      data.subarray(PART - 10, PART + 10),
    );
    const source = join(scratch, 'big.bin');
    await writeFile(source, data);
    await store.delete(key);
    await store.putFile(key, source);
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
  });

  // 100 KiB fails inside what would be a single PutObject; 7 MiB fails after a multipart part went up.
  it.each([100 * 1024, 7 * MiB])('a source that errors after %i bytes leaves no object', async (failAt) => {
    const data = randomBytes(12 * MiB);
    const key = contentKey(data);
    await expect(store.put(key, failingAfter(data, failAt))).rejects.toThrow('source died');
    expect(await store.head(key)).toBeNull();
    expect(await h.listKeys(key)).toEqual([]);
  });

  it('a failed re-put leaves the previous object intact', async () => {
    const data = randomBytes(3 * MiB);
    const key = contentKey(data);
    await store.put(key, chunked(data, MiB));
    await expect(store.put(key, failingAfter(data, 2 * MiB))).rejects.toThrow('source died');
    expect(await sha256(await store.get(key))).toBe(sha256Of(data));
  });

  it('refuses a body whose length differs from the declared size', async () => {
    const data = randomBytes(50_000);
    const key = contentKey(data);
    await expect(store.put(key, chunked(data, 10_000), { sizeBytes: 60_000 })).rejects.toThrow(/size mismatch/);
    await expect(store.put(key, chunked(data, 10_000), { sizeBytes: 40_000 })).rejects.toThrow(/size mismatch/);
    expect(await store.head(key)).toBeNull();
  });

  it.each(['', '/etc/passwd', '../escape', 'a/../../b', 'a/..', 'a\\b', 'a\0b', 'a//b', 'a/', './a', '.tmp/x'])(
    'rejects the hostile key %j before touching the backend',
    async (key) => {
      const body = Readable.from([Buffer.from('x')]);
      await expect(store.put(key, body)).rejects.toThrow(/invalid object key/);
      expect(body.destroyed).toBe(true);
      await expect(store.get(key)).rejects.toThrow(/invalid object key/);
      await expect(store.head(key)).rejects.toThrow(/invalid object key/);
      await expect(store.delete(key)).rejects.toThrow(/invalid object key/);
    },
  );

  it('pings', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('LocalDiskStore specifics', () => {
  let root: string;
  let store: LocalDiskStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'store-local-'));
    store = new LocalDiskStore({ root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('reports free space from statfs and no used figure', async () => {
    const usage = await store.usage();
    expect(usage.usedBytes).toBeNull();
    expect(usage.freeBytes).toBeGreaterThan(0);
  });

  it('leaves nothing in .tmp after successful and failed puts', async () => {
    const data = randomBytes(3 * MiB);
    await store.put('a/b', chunked(data, MiB));
    await expect(store.put('a/c', failingAfter(data, MiB))).rejects.toThrow('source died');
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('putFile hard-links on the same filesystem instead of copying', async () => {
    const source = join(root, 'incoming.bin');
    await writeFile(source, randomBytes(1000));
    await store.putFile('linked/object', source);
    expect((await stat(join(root, 'linked/object'))).ino).toBe((await stat(source)).ino);
  });

  it.runIf(existsSync('/dev/shm'))('putFile copies when the source is on another filesystem', async () => {
    const dir = await mkdtemp('/dev/shm/store-src-');
    try {
      const data = randomBytes(MiB + 3);
      const source = join(dir, 'other-fs.bin');
      await writeFile(source, data);
      await store.putFile('copied/object', source);
      expect(await sha256(await store.get('copied/object'))).toBe(sha256Of(data));
      expect(existsSync(source)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sweeps stale temp files at startup but spares fresh ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-sweep-'));
    try {
      await new LocalDiskStore({ root: dir }).init();
      await writeFile(join(dir, '.tmp', 'crashed.part'), 'half an object');
      await new LocalDiskStore({ root: dir }).init();
      expect(await readdir(join(dir, '.tmp'))).toEqual(['crashed.part']);
      // ctime has sub-millisecond precision and Date.now() does not: step past the file's millisecond.
      await new Promise((r) => setTimeout(r, 5));
      await new LocalDiskStore({ root: dir, staleTempAfterMs: 0 }).init();
      expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails ping when the root is gone', async () => {
    const gone = new LocalDiskStore({ root: join(root, 'never-created') });
    await expect(gone.ping()).rejects.toThrow();
  });

  it('streams ~300 MB in and out without holding it in memory', async () => {
    const total = 300 * MiB;
    // A few distinct 1 MiB blocks cycled (never mutated once pushed): content varies, nothing big is allocated.
    const blocks = Array.from({ length: 7 }, () => randomBytes(MiB));
    const expected = createHash('sha256');
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    let sent = 0;
    const source = new Readable({
      read() {
        peak = Math.max(peak, process.memoryUsage.rss());
        if (sent === total) return void this.push(null);
        const block = blocks[(sent / MiB) % blocks.length]!;
        expected.update(block);
        sent += block.length;
        this.push(block);
      },
    });
    await store.put('big/stream', source, { sizeBytes: total });

    const actual = createHash('sha256');
    for await (const chunk of await store.get('big/stream')) {
      actual.update(chunk as Buffer);
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    expect(peak - baseline).toBeLessThan(100 * MiB);
    await store.delete('big/stream');
  });
});

describe('S3Store specifics', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(() => server?.stop());

  it('ensureBucket creates a missing bucket and is idempotent', async () => {
    const store = new S3Store({ ...server, bucket: 'made-at-boot' });
    try {
      await expect(store.ping()).rejects.toThrow();
      await store.ensureBucket();
      await store.ensureBucket();
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await store.usage()).toEqual({ usedBytes: null, freeBytes: null });
    } finally {
      store.destroy();
    }
  });

  it('refuses part sizes under the S3 minimum', () => {
    expect(() => new S3Store({ ...server, partSizeBytes: MiB })).toThrow(/partSizeBytes/);
  });
});

function contentKey(data: Buffer): string {
  const h = sha256Of(data);
  return `originals/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`;
}

function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `data` in `size`-byte chunks, as a network upload would arrive. */
function chunked(data: Buffer, size: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      this.push(data.subarray(offset, offset + size));
      offset += size;
    },
  });
}

/** Sends `data` in 1 MiB chunks but dies after `failAt` bytes, like a client dropping mid-upload. */
function failingAfter(data: Buffer, failAt: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= failAt) return void this.destroy(new Error('source died'));
      const end = Math.min(failAt, offset + MiB);
      this.push(data.subarray(offset, end));
      offset = end;
    },
  });
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
    .filter((k) => !k.startsWith('.tmp/'));
}

function rawClient(server: S3TestServer): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}
