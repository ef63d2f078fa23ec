import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { custodyRoleProblems } from '../src/db/service-role.js';
import { boot, createLogger } from '../src/runtime/boot.js';
import { witnessKey } from '../src/custody/checkpoint-witness.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import { appendCustody } from '../src/db/repositories/custody-repository.js';
import type { Media } from '../src/db/repositories/media-repository.js';
import type { VerificationRun } from '../src/db/repositories/verifications-repository.js';
import { ContentHasher } from '../src/ingest/content-hasher.js';
import { TEST_REDIS_URL, startHarness, type Harness } from './helpers/harness.js';
import { PG_ADMIN_URL } from './helpers/postgres.js';
import { call, eventRows, restoreRows, rewriteChainFrom, seedMedia, tamper, waitUntil } from './helpers/custody-fixtures.js';

async function verifyAll(h: Harness): Promise<VerificationRun> {
  const key = await loadSigningKey(h.services.config);
  const v = new CustodyVerifier({ db: h.services.db, store: h.services.store, publicKey: key.publicKey, keyId: key.keyId });
  const { run } = await v.startOrResume('test', true);
  return v.runSlice(run.id, { maxSeconds: 60 });
}

async function readAll(h: Harness, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await h.services.store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('custody against an insider with the application role (PostgreSQL + local disk)', () => {
  let h: Harness;
  let media: Media[];

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', store: 'local', env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    const dock = await h.registerDevice('dock');
    media = [];
    for (let i = 0; i < 3; i++) media.push((await seedMedia(h.services.db, h.services.store, dock.id, { sm3: i === 0 })).media);
  });
  afterAll(async () => h?.stop());

  it('a swapped original whose media row was rewritten to match is a finding naming the media, and its export is refused', async () => {
    const victim = media[1]!;
    const bytes = await readAll(h, victim.objectKey);
    const forged = randomBytes(bytes.length + 7);
    const d = new ContentHasher(false);
    d.update(forged);
    const fake = d.digest();
    // What the application's role can do: overwrite the object and make the (unguarded) media row agree with it.
    await h.services.store.put(victim.objectKey, Readable.from([forged]));
    await h.services.db.query('update media set sha256 = $1, size_bytes = $2 where id = $3', [fake.sha256, fake.sizeBytes, victim.id]);
    try {
      const started = await call<VerificationRun>(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/verifications', { fresh: true, maxSeconds: 30 });
      expect(started.status).toBe(202);
      const run = await waitUntil(async () => {
        const r = await call<VerificationRun>(h.baseUrl, h.adminToken, 'GET', `/api/v1/custody/verifications/${started.body.id}`);
        return r.body.status === 'completed' && r.body;
      }, 30_000, 'verification');
      expect(run.result).toBe('tampered');
      const mine = run.findings.filter((f) => f.mediaId === victim.id);
      expect(mine.map((f) => f.reason).sort()).toEqual(['original-row-mismatch', 'original-row-mismatch', 'original-size-mismatch']);
      expect(mine.find((f) => f.reason === 'original-row-mismatch')!.message).toMatch(/media row .* was edited/);
      expect(run.findings.every((f) => f.mediaId === victim.id)).toBe(true);

      const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { mediaIds: [victim.id], destination: 'internal', purpose: 'test' });
      expect(created.status).toBe(201);
      const failed = await waitUntil(async () => {
        const r = await call(h.baseUrl, h.adminToken, 'GET', `/api/v1/exports/${created.body.id}`);
        return ['failed', 'ready'].includes(r.body.status) && r.body;
      }, 30_000, 'export to end');
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'EVM_EXPORT_SOURCE_UNSEALED' });
      expect(failed.errorMessage).toContain(victim.id);
      const refused = await h.services.db.query<{ details: { exportId: string } }>(`select details from custody_events where media_id = $1 and type = 'export.refused'`, [victim.id]);
      expect(refused.map((r) => r.details.exportId)).toEqual([created.body.id]);
    } finally {
      await h.services.store.put(victim.objectKey, Readable.from([bytes]));
      await h.services.db.query('update media set sha256 = $1, size_bytes = $2 where id = $3', [victim.sha256, victim.sizeBytes, victim.id]);
    }
  });

  it('a deleted event is reported as a gap between its neighbours, not against the next event’s (innocent) media', async () => {
    // Event N of media A, then event N+1 of media B, then a later event of A that links to N.
    const a = media[0]!;
    const b = media[2]!;
    const gone = await appendCustody(h.services.db, { mediaId: a.id, uploadId: null, type: 'media.viewed', actor: 'user:x', details: {} });
    await appendCustody(h.services.db, { mediaId: b.id, uploadId: null, type: 'media.viewed', actor: 'user:y', details: {} });
    await appendCustody(h.services.db, { mediaId: a.id, uploadId: null, type: 'media.viewed', actor: 'user:z', details: {} });
    const [row] = await eventRows(h.services.db, gone.seq);
    await tamper(h.superDb(), (tx) => tx.query('delete from custody_events where seq = $1', [gone.seq]).then(() => undefined));
    try {
      const run = await verifyAll(h);
      const gap = run.findings.find((f) => f.reason === 'sequence-gap')!;
      expect(gap).toMatchObject({ kind: 'chain', seq: gone.seq + 1 });
      expect(gap.mediaId).toBeUndefined();
      expect(gap.message).toContain(`event ${gone.seq} is missing`);
      expect(gap.message).toContain(`between event ${gone.seq - 1}`);
      expect(run.findings.filter((f) => f.mediaId === b.id)).toEqual([]);
      // The removed event's own media is named where its chain breaks.
      expect(run.findings).toContainEqual(expect.objectContaining({ reason: 'media-link-broken', seq: gone.seq + 2, mediaId: a.id }));
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, [row!]));
    }
    expect((await verifyAll(h)).result).toBe('clean');
  });

  it('checkpoints deleted after a consistent rewrite are found through the checkpoint chain and their witnesses', async () => {
    const cps: Array<{ id: number; seq: number; number: number }> = [];
    for (let i = 0; i < 4; i++) {
      await appendCustody(h.services.db, { mediaId: media[i % 3]!.id, uploadId: null, type: 'media.viewed', actor: `user:cp${i}`, details: { i } });
      const r = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/checkpoints');
      expect(r.status).toBe(201);
      const [row] = await h.services.db.query<{ number: number }>('select number from custody_checkpoints where id = $1', [r.body.id]);
      cps.push({ id: r.body.id, seq: r.body.seq, number: row!.number });
    }
    expect(cps.map((c) => c.number - cps[0]!.number)).toEqual([0, 1, 2, 3]);
    const witness = JSON.parse((await readAll(h, witnessKey(cps[3]!.number))).toString());
    expect(witness).toMatchObject({ number: cps[3]!.number, seq: cps[3]!.seq, format: 'evidence-media/custody-checkpoint-witness/1' });
    expect((await verifyAll(h)).result).toBe('clean');

    // A middle checkpoint removed: the next one no longer follows it.
    const [saved] = await h.services.db.query<Record<string, unknown>>('select * from custody_checkpoints where id = $1', [cps[1]!.id]);
    await tamper(h.superDb(), (tx) => tx.query('delete from custody_checkpoints where id = $1', [cps[1]!.id]).then(() => undefined));
    let run = await verifyAll(h);
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint', reason: 'checkpoint-missing', checkpointId: cps[2]!.id }));
    expect(run.findings).toContainEqual(expect.objectContaining({ reason: 'checkpoint-row-missing', seq: cps[1]!.seq }));
    await tamper(h.superDb(), (tx) =>
      tx.query(
        `insert into custody_checkpoints (id, seq, hash, at, key_id, signature, created_by, number, prev_hash, link_signature) overriding system value
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [saved!.id, saved!.seq, saved!.hash, saved!.at, saved!.key_id, saved!.signature, saved!.created_by, saved!.number, saved!.prev_hash, saved!.link_signature],
      ).then(() => undefined),
    );
    expect((await verifyAll(h)).result).toBe('clean');

    // A witness removed from the store (the object-store admin's move) is a finding too.
    const wBytes = await readAll(h, witnessKey(cps[0]!.number));
    await h.services.store.delete(witnessKey(cps[0]!.number));
    run = await verifyAll(h);
    expect(run.findings).toEqual([expect.objectContaining({ reason: 'checkpoint-witness-missing', checkpointId: cps[0]!.id })]);
    await h.services.store.put(witnessKey(cps[0]!.number), Readable.from([wBytes]));

    // The insider's full move: rewrite the chain consistently after the first checkpoint, delete the later checkpoints.
    await tamper(h.superDb(), async (tx) => {
      await rewriteChainFrom(tx, cps[0]!.seq + 1, (d) => ({ ...d, i: 'rewritten' }));
      await tx.query('delete from custody_checkpoints where id > $1', [cps[0]!.id]);
    });
    run = await verifyAll(h);
    expect(run.findings.filter((f) => f.kind === 'chain')).toEqual([]);
    for (const c of cps.slice(1)) {
      expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint', reason: 'checkpoint-row-missing', seq: c.seq }));
      expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint', reason: 'checkpoint-hash-mismatch', seq: c.seq }));
    }
  });
});

describe('the service runs on a database role that can only append to the custody tables', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', store: 'local', workers: false, env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    const dock = await h.registerDevice('dock');
    await seedMedia(h.services.db, h.services.store, dock.id);
  });
  afterAll(async () => h?.stop());

  it('as the application role, disabling the triggers, UPDATE, DELETE and TRUNCATE of custody tables all fail', async () => {
    const db = h.services.db;
    expect(await custodyRoleProblems(db)).toEqual([]);
    for (const table of ['custody_events', 'custody_checkpoints']) {
      await expect(db.query(`alter table ${table} disable trigger all`)).rejects.toThrow(/must be owner/);
      await expect(db.query(`update ${table} set seq = seq`)).rejects.toThrow(/permission denied/);
      await expect(db.query(`delete from ${table}`)).rejects.toThrow(/permission denied/);
      await expect(db.query(`truncate ${table}`)).rejects.toThrow(/permission denied/);
    }
    await expect(db.query('drop table custody_events')).rejects.toThrow(/must be owner/);
    await expect(db.query(`create or replace function custody_events_append_only() returns trigger language plpgsql as $$ begin return new; end $$`)).rejects.toThrow(/must be owner|permission denied/);
    // What the service does need still works: appending and reading.
    const e = await appendCustody(db, { mediaId: null, uploadId: null, type: 'media.viewed', actor: 'user:t', details: {} });
    expect((await db.query<{ n: number }>('select count(*)::int as n from custody_events where seq = $1', [e.seq]))[0]!.n).toBe(1);
  });

  it('refuses to start as the owner or a superuser, naming the fix in Chinese then English; starts with DATABASE_ALLOW_OWNER=true', async () => {
    const { DATABASE_MIGRATION_URL: ownerUrl } = h.services.config;
    const superUrl = new URL(PG_ADMIN_URL);
    superUrl.pathname = new URL(ownerUrl!).pathname;
    const base = { DATA_DIR: h.dataDir, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'silent', STORAGE_MIN_FREE_BYTES: '0' };
    for (const url of [ownerUrl!, superUrl.toString()]) {
      const config = loadConfig({ ...base, DATABASE_URL: url });
      const err = await boot(config, createLogger(config)).then(
        (b) => b.shutdown().then(() => null),
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect(err!.message.indexOf('拒绝启动')).toBeLessThan(err!.message.indexOf('Refusing to start'));
      expect(err!.message).toMatch(/DATABASE_MIGRATION_URL/);
      expect(err!.message).toMatch(url === ownerUrl ? /owns custody_events/ : /is a superuser/);
    }
    const warned: unknown[] = [];
    const config = loadConfig({ ...base, DATABASE_URL: ownerUrl!, DATABASE_ALLOW_OWNER: 'true' });
    const log = createLogger(config);
    const origWarn = log.warn.bind(log);
    log.warn = ((...args: unknown[]) => {
      warned.push(args);
      return (origWarn as (...a: unknown[]) => void)(...args);
    }) as typeof log.warn;
    const booted = await boot(config, log);
    await booted.shutdown();
    expect(JSON.stringify(warned)).toMatch(/DATABASE_ALLOW_OWNER/);
  });
});
