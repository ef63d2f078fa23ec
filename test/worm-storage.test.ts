import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../storage/s3-store.js';
import { startHarness } from './helpers/harness.js';
import { startS3Server, type S3TestServer } from './helpers/s3-server.js';

/**
 * WORM in the production shape. s3rver accepts Object Lock headers but enforces nothing, so what is checked here is
 * what we send (the exact CreateBucket request) and what we report; that MinIO and AWS then enforce COMPLIANCE
 * retention on such a bucket is from their documentation (see README, Production).
 */
describe('the evidence bucket', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  const storeFor = (bucket: string, objectLockOnCreate?: boolean) =>
    new S3Store({ endpoint: s3.endpoint, bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, objectLockOnCreate });

  /** Every request the SDK puts on the wire, after signing: method, path and headers as the server receives them. */
  function recordRequests(store: S3Store) {
    const sent: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
    store.client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { method: string; path: string; headers: Record<string, string> };
        sent.push({ method: req.method, path: req.path, headers: { ...req.headers } });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'recordRequests' },
    );
    return sent;
  }

  it('is created with Object Lock enabled when the service has to create it', async () => {
    const store = storeFor('evidence-locked');
    const sent = recordRequests(store);
    await store.ensureBucket();
    const create = sent.filter((r) => r.method === 'PUT' && r.path.replace(/\/$/, '') === '/evidence-locked');
    expect(create).toHaveLength(1);
    expect(create[0]!.headers['x-amz-bucket-object-lock-enabled']).toBe('true');
    await store.ping();
    store.destroy();
  });

  it('is created without Object Lock only when OBJECT_LOCK=off asks for that', async () => {
    const store = storeFor('evidence-unlocked', false);
    const sent = recordRequests(store);
    await store.ensureBucket();
    const create = sent.find((r) => r.method === 'PUT' && r.path.replace(/\/$/, '') === '/evidence-unlocked');
    expect(create).toBeDefined();
    expect(create?.headers['x-amz-bucket-object-lock-enabled']).toBeUndefined();
    store.destroy();
  });

  it('is left alone when it exists already (Object Lock cannot be added afterwards)', async () => {
    const store = storeFor(s3.bucket);
    const sent = recordRequests(store);
    await store.ensureBucket();
    expect(sent.map((r) => r.method)).toEqual(['HEAD']);
    store.destroy();
  });

  it('survives replicas starting at once: the losers of the CreateBucket race carry on', async () => {
    // s3rver answers the losers BucketAlreadyExists (MinIO: BucketAlreadyOwnedByYou); seen: a worker crashed on it.
    const stores = Array.from({ length: 6 }, () => storeFor('evidence-raced'));
    const sends = stores.map(recordRequests);
    const results = await Promise.allSettled(stores.map((s) => s.ensureBucket()));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // The race really happened: more than one replica found no bucket and tried to create it.
    expect(sends.filter((sent) => sent.some((r) => r.method === 'PUT')).length).toBeGreaterThan(1);
    for (const s of stores) s.destroy();
  });
});

describe('WORM reporting against a store without Object Lock', () => {
  it('/readyz and /metrics say originals are not write-protected, and why', async () => {
    const h = await startHarness({ store: 's3', workers: false });
    try {
      const ready = await fetch(`${h.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', worm: { enabled: false, reason: expect.stringMatching(/does not implement Object Lock/) } });
      const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^evm_originals_worm 0$/m);
    } finally {
      await h.stop();
    }
  });
});
