import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { RetentionRepository } from '../src/db/repositories/retention-repository.js';
import { RetentionService } from '../src/retention/retention-service.js';
import { S3Store } from '../storage/s3-store.js';
import { insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { startS3Server, type S3TestServer } from './helpers/s3-server.js';
import { seedFootage } from './retention-fixtures.js';

interface Recorded {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A tiny S3 endpoint that says its bucket has Object Lock and records every request, so the exact requests the
 * AWS SDK sends for PutObjectRetention / PutObjectLegalHold can be checked (s3rver implements neither).
 */
async function startLockRecorder(): Promise<{ endpoint: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      requests.push({ method: req.method!, path: url.pathname, query: url.search, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.setHeader('Content-Type', 'application/xml');
      if (req.method === 'GET' && url.searchParams.has('object-lock')) {
        res.end('<?xml version="1.0" encoding="UTF-8"?><ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');
        return;
      }
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('Object Lock on s3rver (which does not implement it)', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => s3?.stop());

  it('the probe reports "unsupported" with the reason instead of failing', async () => {
    const store = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    try {
      const support = await store.objectLock.probe();
      expect(support).toEqual({ supported: false, reason: expect.stringMatching(/does not implement Object Lock \(NotImplemented\)/) });
    } finally {
      store.destroy();
    }
  });
});

describe('Object Lock recorded for each original', () => {
  it('records "unsupported" on s3rver and on local disk, and the footage is kept all the same', async () => {
    for (const store of ['s3', 'local'] as const) {
      const h = await startHarness({ db: 'pglite', store, workers: false });
      try {
        const dock = await h.registerDevice('dock');
        const m = await seedFootage(h.services.db, h.services.store, dock.id, new Date().toISOString());
        await new RetentionService(h.services).recomputeOwed();
        const rec = await new RetentionRepository(h.services.db).find(m.id);
        expect(rec?.decision).toBe('permanent'); // never classified: kept
        expect(rec?.lock).toMatchObject({ status: 'unsupported', legalHold: false, until: null });
        expect(rec?.lock.detail).toMatch(store === 's3' ? /NotImplemented/ : /local object store has no Object Lock/);
      } finally {
        await h.stop();
      }
    }
  });
});

describe('Object Lock requests against a store that has it', () => {
  let rec: Awaited<ReturnType<typeof startLockRecorder>>;
  let h: Harness;
  beforeAll(async () => {
    rec = await startLockRecorder();
    h = await startHarness({
      db: 'pglite',
      workers: false,
      env: { S3_ENDPOINT: rec.endpoint, S3_BUCKET: 'locked-evidence', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', CHECKPOINT_INTERVAL_MINUTES: '0' },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await rec?.close();
  });

  it('sends COMPLIANCE PutObjectRetention with the rule date, a legal hold for "permanent", and only ever extends', async () => {
    const dock = await h.registerDevice('dock');
    const end = new Date(Date.now() - 86_400_000);
    const id = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: end.toISOString(), recordedEnd: end.toISOString() });
    await h.services.db.query(`insert into media_retention (media_id, classification, classified_by, classified_at) values ($1, 'routine', 'test', now())`, [id]);
    const [row] = await h.services.db.query<{ object_key: string }>('select object_key from media where id = $1', [id]);
    const key = row!.object_key;
    const service = new RetentionService(h.services);
    const lockRequests = () => rec.requests.filter((r) => r.path === `/locked-evidence/${key}`);

    // 1. routine footage: kept 6 months after it ended → COMPLIANCE retention until that date
    await service.recomputeOwed();
    const probe = rec.requests.find((r) => r.query === '?object-lock=');
    expect(probe).toMatchObject({ method: 'GET', path: '/locked-evidence/' });
    const [retention] = lockRequests();
    expect(retention).toMatchObject({ method: 'PUT', query: '?retention=' });
    const stored = await new RetentionRepository(h.services.db).find(id);
    const until = new Date(stored!.keepUntil!);
    expect(retention!.body).toContain('<Mode>COMPLIANCE</Mode>');
    expect(retention!.body).toContain(`<RetainUntilDate>${until.toISOString()}</RetainUntilDate>`);
    // S3 requires an integrity header on this request; the SDK must send one even with WHEN_REQUIRED checksums.
    expect(Object.keys(retention!.headers).some((k) => k === 'content-md5' || k.startsWith('x-amz-checksum-'))).toBe(true);
    expect(retention!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(stored!.lock).toMatchObject({ status: 'applied', until: until.toISOString(), legalHold: false });

    // 2. marked important → permanent → a legal hold (a retention date could never be taken back)
    await h.services.db.query(`update media_retention set important = true where media_id = $1`, [id]);
    await new RetentionRepository(h.services.db).markStale([id]);
    await service.recomputeOwed();
    const hold = lockRequests().at(-1)!;
    expect(hold).toMatchObject({ method: 'PUT', query: '?legal-hold=' });
    expect(hold.body).toContain('<Status>ON</Status>');
    expect((await new RetentionRepository(h.services.db).find(id))!.lock).toMatchObject({ status: 'applied', legalHold: true });

    // 3. the mark lifted and a longer hold placed: retention extended first, then the legal hold lifted
    await h.services.db.query(`update media_retention set important = false where media_id = $1`, [id]);
    const later = new Date(until.getTime() + 365 * 86_400_000);
    await h.services.db.query(`insert into legal_holds (id, media_id, reason, placed_by, until) values (gen_random_uuid(), $1, 'court', 'test', $2)`, [id, later]);
    const before = lockRequests().length;
    await service.recomputeOwed();
    const [extend, off] = lockRequests().slice(before);
    expect(extend).toMatchObject({ query: '?retention=' });
    expect(extend!.body).toContain(`<RetainUntilDate>${later.toISOString()}</RetainUntilDate>`);
    expect(off).toMatchObject({ query: '?legal-hold=' });
    expect(off!.body).toContain('<Status>OFF</Status>');

    // 4. the hold released: the rule gets shorter, but COMPLIANCE retention is never shortened (no request at all)
    await h.services.db.query(`update legal_holds set released_at = now(), released_by = 'test', release_reason = 'x' where media_id = $1`, [id]);
    const n = lockRequests().length;
    await service.recomputeOwed();
    expect(lockRequests().length).toBe(n);
    expect((await new RetentionRepository(h.services.db).find(id))!.lock.until).toBe(later.toISOString());

    // every change is a custody event
    const events = (await new CustodyRepository(h.services.db).forMedia(id)).filter((e) => e.type === 'retention.object_locked');
    expect(events.map((e) => [e.details.retainUntil, e.details.legalHold])).toEqual([
      [until.toISOString(), false],
      [until.toISOString(), true],
      [later.toISOString(), false],
    ]);
  });
});
