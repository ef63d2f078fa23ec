import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageFullFrom } from '../src/api/tus-errors.js';
import { isNoSpace, storageFullError } from '../src/runtime/no-space.js';
import { S3Store } from './s3-store.js';

/**
 * A MinIO past its minimum free drive space, as far as a client can tell: every write is refused with HTTP 507 and
 * MinIO's error document (cmd/api-errors.go, ErrStorageFull); reads still work. No S3 server installable here can
 * be filled that way on demand, so this answers the S3 protocol the way MinIO does, and the real AWS SDK parses it.
 */
function fullMinio(code = 'XMinioStorageFull', status = 507): Promise<{ server: Server; endpoint: string; writes: () => number }> {
  let writes = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'PUT' || req.method === 'POST') {
        writes++;
        res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': '17C0FFEE' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.</Message><Key>x</Key><BucketName>evidence</BucketName><Resource>${req.url}</Resource><RequestId>17C0FFEE</RequestId><HostId>dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8</HostId></Error>`,
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, writes: () => writes })),
  );
}

describe('an object store that is full', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'evm-s3-full-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const store = (endpoint: string) => new S3Store({ endpoint, bucket: 'evidence', accessKeyId: 'x', secretAccessKey: 'y' });

  it('MinIO below its free drive threshold (507 XMinioStorageFull) is storage full: 507 EVM_STORAGE_FULL to the dock', async () => {
    const minio = await fullMinio();
    const s3 = store(minio.endpoint);
    try {
      const file = path.join(dir, 'clip.mp4');
      await writeFile(file, Buffer.alloc(64 * 1024, 1));
      for (const put of [() => s3.putFile('originals/aa/bb/clip', file), () => s3.put('originals/aa/bb/other', Readable.from([Buffer.alloc(1000)]))]) {
        const err = await put().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).not.toBeNull();
        expect(isNoSpace(err)).toBe(true);
        // Wrapped as tus wraps a failed write (its cause), as the ingest and spool paths do.
        expect(storageFullFrom({ status_code: 500, body: 'write failed', cause: err })).toMatchObject({ code: 'EVM_STORAGE_FULL', statusCode: 507 });
        // The local disk has room: its free bytes must not be reported as the store's (only a disk's are).
        const full = await storageFullError(err, dir);
        expect(full).toMatchObject({ code: 'EVM_STORAGE_FULL', statusCode: 507 });
        expect(full.message).toContain('unknown bytes free');
        expect((await storageFullError(Object.assign(new Error('write'), { code: 'ENOSPC' }), dir)).message).toMatch(/\(\d+ bytes free/);
      }
      expect(minio.writes()).toBeGreaterThanOrEqual(2);
    } finally {
      s3.destroy();
      minio.server.close();
    }
  });

  it('a quota refusal (Ceph RGW QuotaExceeded, 403) is storage full too; an access refusal is not', async () => {
    for (const [code, status, full] of [
      ['QuotaExceeded', 403, true],
      ['AccessDenied', 403, false],
    ] as const) {
      const s3server = await fullMinio(code, status);
      const s3 = store(s3server.endpoint);
      try {
        const err = await s3.put('k', Readable.from([Buffer.alloc(10)])).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).not.toBeNull();
        expect(isNoSpace(err)).toBe(full);
      } finally {
        s3.destroy();
        s3server.server.close();
      }
    }
  });
});
