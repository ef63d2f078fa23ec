import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { SIGNING_KEY_FILE, keyIdOf, loadSigningKey } from '../src/custody/signing-key.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import { CustodyRepository, appendCustody } from '../src/db/repositories/custody-repository.js';
import type { Media } from '../src/db/repositories/media-repository.js';
import type { VerificationRun } from '../src/db/repositories/verifications-repository.js';
import { newCursor, verifyEvents } from '../src/domain/custody-chain.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { appendBulk, call, eventRows, makeUser, restoreRows, rewriteChainFrom, seedMedia, tamper, waitUntil } from './helpers/custody-fixtures.js';

const exec = promisify(execFile);

async function verifier(h: Harness): Promise<CustodyVerifier> {
  const key = await loadSigningKey(h.services.config);
  return new CustodyVerifier({ db: h.services.db, store: h.services.store, publicKey: key.publicKey, keyId: key.keyId });
}

/** A whole fresh run, in one slice. */
async function verifyAll(h: Harness, maxSeconds = 60): Promise<VerificationRun> {
  const v = await verifier(h);
  const { run } = await v.startOrResume('test', true);
  return v.runSlice(run.id, { maxSeconds });
}

describe('custody verification on PostgreSQL + local disk', () => {
  let h: Harness;
  let media: Media[];
  let auditor: { token: string };
  let officer: { token: string };

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', store: 'local', env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    const dock = await h.registerDevice('dock');
    media = [];
    for (let i = 0; i < 3; i++) media.push((await seedMedia(h.services.db, h.services.store, dock.id, { officerId: '013579', sm3: i === 0 })).media);
    for (let i = 0; i < 6; i++) {
      await appendCustody(h.services.db, { mediaId: media[i % 3]!.id, uploadId: null, type: 'media.viewed', actor: `user:viewer${i}`, details: { purpose: '案件审查', i } });
    }
    auditor = await makeUser(h.services.db, { role: 'auditor' });
    // viewer3 has an account with a display name: the audit search names the person; the others were never people.
    await makeUser(h.services.db, { username: 'viewer3', displayName: '王芳', role: 'auditor' });
    officer = await makeUser(h.services.db, { role: 'officer', unitCode: '110000000001', officerNumber: '013579' });
  });
  afterAll(async () => h?.stop());

  /** Appends `events` events, alters the one `fromEnd` before the last as an insider would, runs `fn`, puts it back. */
  async function withAlteredEvent(events: number, fromEnd: number, fn: (target: number) => Promise<void>) {
    await appendBulk(h.services.db, media.map((m) => m.id), events);
    const target = (await h.services.db.query<{ n: number }>('select max(seq)::int as n from custody_events'))[0]!.n - fromEnd;
    const [row] = await eventRows(h.services.db, target);
    await tamper(h.superDb(), (tx) => tx.query(`update custody_events set actor = 'user:mallory' where seq = $1`, [target]).then(() => undefined));
    try {
      await fn(target);
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, [row!]));
    }
  }

  it('verifies a clean store through the API (a BullMQ job): chain, checkpoints, originals, with progress', async () => {
    const refused = await call(h.baseUrl, officer.token, 'POST', '/api/v1/custody/verifications', {});
    expect(refused.status).toBe(403);
    // No body at all is fine too: it continues the unfinished run or starts one.
    const bare = await call<VerificationRun>(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/verifications');
    expect(bare.status).toBe(202);
    await waitUntil(async () => (await call<VerificationRun>(h.baseUrl, h.adminToken, 'GET', `/api/v1/custody/verifications/${bare.body.id}`)).body.status === 'completed', 30_000, 'first run');
    const started = await call<VerificationRun>(h.baseUrl, auditor.token, 'POST', '/api/v1/custody/verifications', { maxSeconds: 30, fresh: true });
    expect(started.status).toBe(202);
    const done = await waitUntil(async () => {
      const r = await call<VerificationRun>(h.baseUrl, auditor.token, 'GET', `/api/v1/custody/verifications/${started.body.id}`);
      return r.body.status === 'completed' && r.body;
    }, 30_000, 'verification run');
    expect(done).toMatchObject({ result: 'clean', percent: 100, findingsCount: 0, findings: [] });
    expect(done.chain.lastSeq).toBe(done.chain.total);
    expect(done.chain.total).toBeGreaterThanOrEqual(15);
    expect(done.originals).toMatchObject({ verified: 3, total: 3, done: true });
    expect(done.originals.bytesVerified).toBe(media.reduce((n, m) => n + m.sizeBytes, 0));
  });

  it('names exactly the event a superuser edited by hand (trigger disabled), and nothing else', async () => {
    const [row] = await eventRows(h.services.db, 7);
    await tamper(h.superDb(), (tx) => tx.query(`update custody_events set details = '{"purpose": "改过了", "i": 1}' where seq = 7`).then(() => undefined));
    try {
      const run = await verifyAll(h);
      expect(run.result).toBe('tampered');
      expect(run.findings).toHaveLength(1);
      expect(run.findings[0]).toMatchObject({ kind: 'chain', seq: 7, reason: 'hash-mismatch' });
      expect(run.findings[0]!.message).toMatch(/event 7 .* was altered/);
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, [row!]));
    }
    expect((await verifyAll(h)).result).toBe('clean');
  });

  it('names a deleted event as missing', async () => {
    const rows = await eventRows(h.services.db, 5);
    await tamper(h.superDb(), (tx) => tx.query('delete from custody_events where seq = 5').then(() => undefined));
    try {
      const run = await verifyAll(h);
      expect(run.findings[0]).toMatchObject({ kind: 'chain', seq: 6, reason: 'sequence-gap' });
      expect(run.findings[0]!.message).toMatch(/event 5 is missing/);
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, [rows[0]!]));
    }
  });

  it('names the first of two reordered events', async () => {
    const rows = await eventRows(h.services.db, 10);
    await tamper(h.superDb(), async (tx) => {
      await tx.query('update custody_events set seq = -1 where seq = 10');
      await tx.query('update custody_events set seq = 10 where seq = 11');
      await tx.query('update custody_events set seq = 11 where seq = -1');
    });
    try {
      const run = await verifyAll(h);
      expect(run.findings[0]).toMatchObject({ kind: 'chain', seq: 10, reason: 'hash-mismatch' });
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, rows.slice(0, 2)));
    }
    expect((await verifyAll(h)).result).toBe('clean');
  });

  it('names the media whose stored original was swapped for other bytes', async () => {
    const victim = media[1]!;
    const original = await h.services.store.get(victim.objectKey);
    const chunks: Buffer[] = [];
    for await (const c of original) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const swapped = Buffer.from(bytes);
    swapped[100] = swapped[100]! ^ 0xff;
    await h.services.store.put(victim.objectKey, Readable.from([swapped]));
    try {
      const run = await verifyAll(h);
      expect(run.findings).toEqual([expect.objectContaining({ kind: 'original', reason: 'original-hash-mismatch', mediaId: victim.id })]);
    } finally {
      await h.services.store.put(victim.objectKey, Readable.from([bytes]));
    }
  });

  it('is resumable and time-boxed: slices pause cleanly, persist progress, and the next continues to the end', async () => {
    await withAlteredEvent(30_000, 100, async (target) => {
      const v = await verifier(h);
      const { run: start } = await v.startOrResume('test', true);
      const seen: number[] = [];
      let run = start;
      for (let slice = 0; slice < 1000 && run.status !== 'completed'; slice++) {
        // A budget spent before the slice begins: each slice still does its first unit of work (a page of 5,000
        // events, the checkpoints, an original) and pauses, on a fast machine or a loaded one alike. A slice that
        // stopped before its first page would pause without progress, and so would every slice after it.
        run = await v.runSlice(start.id, { maxSeconds: 0, batchSize: 5000 });
        seen.push(run.chain.lastSeq);
        if (slice === 0) expect(run.status).toBe('paused');
      }
      expect(run.status).toBe('completed');
      // Over 30,000 events: at least six pages, one a slice, each saved where it got to, never backwards.
      expect(new Set(seen).size).toBeGreaterThanOrEqual(6);
      expect(run.slices).toBeGreaterThan(6);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(run.findings).toEqual([expect.objectContaining({ kind: 'chain', seq: target, reason: 'hash-mismatch' })]);
      // A run already completed is not worked again.
      expect((await v.runSlice(start.id, { maxSeconds: 1 })).slices).toBe(run.slices);
    });
  }, 180_000);

  it('walks with a bounded cache of media heads: room for one head, every page looks them up, the same single finding', async () => {
    await withAlteredEvent(3_000, 10, async (target) => {
      const v = await verifier(h);
      const { run: start } = await v.startOrResume('test', true);
      let run = start;
      for (let slice = 0; slice < 100 && run.status !== 'completed'; slice++) {
        run = await v.runSlice(start.id, { maxSeconds: 60, batchSize: 500, mediaHeadsCached: 1 });
      }
      expect(run.status).toBe('completed');
      expect(run.findings).toEqual([expect.objectContaining({ kind: 'chain', seq: target, reason: 'hash-mismatch' })]);
    });
  });

  it('searches the custody log by media, type, actor and time (auditor, admin; not officers)', async () => {
    const m = media[0]!;
    const byMedia = await call(h.baseUrl, auditor.token, 'GET', `/api/v1/custody/events?mediaId=${m.id}&type=media.viewed&limit=1000`);
    expect(byMedia.status).toBe(200);
    expect(byMedia.body.items.length).toBeGreaterThan(2);
    expect(byMedia.body.items.every((e: { mediaId: string; type: string }) => e.mediaId === m.id && e.type === 'media.viewed')).toBe(true);
    const byActor = await call(h.baseUrl, h.adminToken, 'GET', `/api/v1/custody/events?actor=user:viewer3`);
    expect(byActor.body.items).toEqual([expect.objectContaining({ actor: 'user:viewer3', details: { purpose: '案件审查', i: 3 } })]);
    expect(byActor.body.actorNames).toEqual({ 'user:viewer3': '王芳' });
    // An actor without an account keeps its recorded string: no name is made up.
    const noAccount = await call(h.baseUrl, auditor.token, 'GET', '/api/v1/custody/events?actor=user:viewer0');
    expect(noAccount.body.items).toHaveLength(1);
    expect(noAccount.body.actorNames).toEqual({});
    const paged = await call(h.baseUrl, auditor.token, 'GET', '/api/v1/custody/events?limit=5');
    expect(paged.body.items).toHaveLength(5);
    const next = await call(h.baseUrl, auditor.token, 'GET', `/api/v1/custody/events?limit=5&afterSeq=${paged.body.nextAfterSeq}`);
    expect(next.body.items[0].seq).toBe(paged.body.nextAfterSeq + 1);
    const future = await call(h.baseUrl, auditor.token, 'GET', `/api/v1/custody/events?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(future.body).toEqual({ items: [], nextAfterSeq: null, nextBeforeSeq: null, actorNames: {} });
    // Newest first (the audit page): descending seq, paged below nextBeforeSeq without gaps or repeats.
    const newest = await call(h.baseUrl, auditor.token, 'GET', '/api/v1/custody/events?order=desc&limit=5');
    const seqs = newest.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(newest.body.nextBeforeSeq).toBe(seqs[4]);
    const older = await call(h.baseUrl, auditor.token, 'GET', `/api/v1/custody/events?order=desc&limit=5&beforeSeq=${newest.body.nextBeforeSeq}`);
    expect(older.body.items[0].seq).toBe(seqs[4] - 1);
    expect((await call(h.baseUrl, officer.token, 'GET', '/api/v1/custody/events')).status).toBe(403);
    expect((await call(h.baseUrl, auditor.token, 'GET', '/api/v1/custody/events?type=nonsense')).status).toBe(400);
  });

  it('runs from the command line with the service configuration, printing progress and findings', async () => {
    const env = { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL!, DATA_DIR: h.dataDir, LOG_LEVEL: 'silent' };
    const script = path.resolve('scripts/verify-custody.ts');
    const clean = await exec('npx', ['tsx', script, '--max-seconds', '60', '--fresh'], { env });
    expect(clean.stdout).toMatch(/chain \d+\/\d+ done/);
    expect(clean.stdout).toMatch(/CLEAN: run .* completed, nothing found/);

    const [row] = await eventRows(h.services.db, 12);
    await tamper(h.superDb(), (tx) => tx.query(`update custody_events set at = at + interval '1 second' where seq = 12`).then(() => undefined));
    try {
      const found = await exec('npx', ['tsx', script, '--max-seconds', '60', '--fresh'], { env }).catch((err: { code: number; stdout: string }) => err);
      expect((found as { code: number }).code).toBe(1);
      expect((found as { stdout: string }).stdout).toMatch(/FINDING chain hash-mismatch seq 12 media [0-9a-f-]+: event 12 .* was altered/);
    } finally {
      await tamper(h.superDb(), (tx) => restoreRows(tx, [row!]));
    }
  });

  it('signs checkpoints with an Ed25519 key kept in DATA_DIR (0600) and published at /custody/public-key', async () => {
    const created = await call(h.baseUrl, auditor.token, 'POST', '/api/v1/custody/checkpoints');
    expect(created.status).toBe(201);
    const head = (await h.services.db.query<{ seq: number; hash: string }>('select seq, hash from custody_events order by seq desc limit 1'))[0]!;
    expect(created.body).toMatchObject({ seq: head.seq, hash: head.hash, createdBy: expect.stringMatching(/^user:/) });
    const pub = await call(h.baseUrl, null, 'GET', '/api/v1/custody/public-key');
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({ algorithm: 'Ed25519', keyId: created.body.keyId, publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
    expect((await stat(path.join(h.dataDir, SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    const list = await call(h.baseUrl, h.adminToken, 'GET', '/api/v1/custody/checkpoints?limit=1');
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id })]);
    const openapi = await call(h.baseUrl, null, 'GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    for (const route of ['/api/v1/custody/verifications', '/api/v1/custody/verifications/{id}', '/api/v1/custody/events', '/api/v1/custody/public-key', '/api/v1/exports', '/api/v1/exports/{id}/approve', '/api/v1/exports/{id}/download']) {
      expect(Object.keys(openapi.body.paths)).toContain(route);
    }
    expect((await verifyAll(h)).result).toBe('clean');
  });

  it('detects a wholesale rewrite (every hash recomputed) through the signed checkpoint', async () => {
    const cp = (await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/checkpoints')).body;
    await tamper(h.superDb(), (tx) => rewriteChainFrom(tx, 8, (d) => ({ ...d, purpose: '改写' })));
    // On its own, the rewritten chain is perfectly consistent...
    const events = await new CustodyRepository(h.services.db).page(0, 100_000);
    expect(verifyEvents(events, newCursor())).toBeNull();
    // ...but it no longer holds what was signed.
    const run = await verifyAll(h);
    expect(run.findings.filter((f) => f.kind === 'chain')).toEqual([]);
    const mismatches = run.findings.filter((f) => f.reason === 'checkpoint-hash-mismatch');
    expect(mismatches.map((f) => f.checkpointId)).toContain(cp.id);
    expect(mismatches.find((f) => f.checkpointId === cp.id)).toMatchObject({ kind: 'checkpoint', seq: cp.seq });
    expect(mismatches.find((f) => f.checkpointId === cp.id)!.message).toMatch(/was rewritten/);
  });

  it('detects a forged checkpoint and a chain cut short after a checkpoint', async () => {
    const cp = (await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/checkpoints')).body;
    await tamper(h.superDb(), async (tx) => {
      await tx.query('update custody_checkpoints set seq = seq - 1 where id = $1', [cp.id]);
    });
    let run = await verifyAll(h);
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint', checkpointId: cp.id, reason: 'checkpoint-signature-invalid' }));
    await tamper(h.superDb(), async (tx) => {
      await tx.query('update custody_checkpoints set seq = seq + 1 where id = $1', [cp.id]);
      await tx.query('delete from custody_events where seq > $1', [cp.seq - 3]);
    });
    run = await verifyAll(h);
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint', checkpointId: cp.id, reason: 'checkpoint-event-missing', seq: cp.seq }));
  });
});

describe('custody signing key configuration', () => {
  it('takes CUSTODY_SIGNING_KEY as PEM (with \\n escapes) and refuses anything but an Ed25519 private key, naming the variable', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = loadConfig({ CUSTODY_SIGNING_KEY: pem.trim().replace(/\n/g, '\\n') });
    const key = await loadSigningKey(config);
    expect(key.source).toBe('config');
    expect(key.keyId).toBe(keyIdOf(createPublicKey(pem)));
    expect(() => loadConfig({ CUSTODY_SIGNING_KEY: 'not a key' })).toThrow(/CUSTODY_SIGNING_KEY: must be an Ed25519 private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadConfig({ CUSTODY_SIGNING_KEY: rsa })).toThrow(ConfigError);
  });
});

describe('custody verification with originals in S3', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: 'pglite', store: 's3', workers: false, env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
  });
  afterAll(async () => h?.stop());

  it('names the media whose object was replaced in the bucket', async () => {
    const dock = await h.registerDevice('dock');
    const kept = await seedMedia(h.services.db, h.services.store, dock.id);
    const victim = await seedMedia(h.services.db, h.services.store, dock.id, { sm3: true });
    expect((await verifyAll(h)).result).toBe('clean');
    await h.services.store.put(victim.media.objectKey, Readable.from([randomBytes(victim.bytes.length)]));
    const run = await verifyAll(h);
    expect(run.findings).toEqual([expect.objectContaining({ kind: 'original', reason: 'original-hash-mismatch', mediaId: victim.media.id })]);
    expect(run.findings[0]!.mediaId).not.toBe(kept.media.id);
    await h.services.store.delete(kept.media.objectKey);
    const again = await verifyAll(h);
    expect(again.findings).toContainEqual(expect.objectContaining({ reason: 'original-missing', mediaId: kept.media.id }));
  });
});
