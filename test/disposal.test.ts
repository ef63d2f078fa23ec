import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { loadSigningKey } from '../src/custody/signing-key.js';
import { CustodyVerifier } from '../src/custody/verifier.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import type { Media } from '../src/db/repositories/media-repository.js';
import { DisposalService } from '../src/retention/disposal-service.js';
import { call, makeUser, waitUntil } from './helpers/custody-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { insertCase, seedFootage, seedProxy } from './retention-fixtures.js';

const OLD = '2024-01-10T08:00:00.000Z';
const RECENT = () => new Date(Date.now() - 86_400_000).toISOString();

/**
 * Disposal end to end on real databases and real stores: dry run → two approvals → recycle bin → purge, with the
 * rules re-checked at each step. Run on PostgreSQL + local disk and on PGlite + s3rver.
 */
describe.each([
  { db: 'postgres' as const, store: 'local' as const },
  { db: 'pglite' as const, store: 's3' as const },
])('disposal on $db + $store', ({ db, store }) => {
  let h: Harness;
  let dock: { id: string; token: string };
  let heads: { a: { token: string; username: string }; b: { token: string; username: string } };
  let officer: { token: string };
  let admin: { token: string };
  const m: Record<string, Media> = {};
  let closedCase: { id: string; caseNumber: string };
  let batchId: string;
  let proxyKey: string;

  const api = <T = any>(token: string | null, method: string, url: string, body?: unknown) => call<T>(h.baseUrl, token, method, url, body);
  const service = () => new DisposalService(h.services);

  beforeAll(async () => {
    h = await startHarness({
      db,
      store,
      workers: false,
      env: { CHECKPOINT_INTERVAL_MINUTES: '0', RETENTION_ADMINISTRATIVE_CASE: '12', DISPOSAL_RECYCLE_DAYS: '30', DISPOSAL_DERIVATIVE_RECYCLE_DAYS: '0' },
    });
    dock = await h.registerDevice('dock');
    const seed = (end: string) => seedFootage(h.services.db, h.services.store, dock.id, end);
    // routine, old: may go
    for (const k of ['routineA', 'routineB', 'routineC', 'routineD']) m[k] = await seed(OLD);
    m.recent = await seed(RECENT());
    m.unclassified = await seed(OLD);
    m.important = await seed(OLD);
    m.openCase = await seed(OLD);
    m.held = await seed(OLD);
    m.closedCase = await seed(OLD);
    // The officer first: the footage's officer number places it in the unit the unit heads answer for.
    officer = await makeUser(h.services.db, { role: 'officer', unitCode: '110000000001', officerNumber: '013579' });
    admin = await makeUser(h.services.db, { role: 'admin' });
    heads = {
      a: await makeUser(h.services.db, { role: 'unit_head', unitCode: '110000000001' }),
      b: await makeUser(h.services.db, { role: 'unit_head', unitCode: '110000000001' }),
    };
    for (const k of Object.keys(m)) {
      if (k === 'unclassified') continue;
      const r = await api(h.adminToken, 'PUT', `/api/v1/retention/media/${m[k]!.id}/classification`, { classification: 'routine', reason: 'routine patrol footage' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    expect((await api(h.adminToken, 'PUT', `/api/v1/retention/media/${m.important!.id}/important`, { important: true, reason: 'complaint expected' })).status).toBe(200);
    const open = await insertCase(h.services.db, { kind: 'administrative', status: 'open' });
    closedCase = await insertCase(h.services.db, { kind: 'administrative', status: 'closed', closedAt: '2023-06-01T00:00:00Z' });
    expect((await api(h.adminToken, 'POST', `/api/v1/media/${m.openCase!.id}/links`, { caseId: open.id, reason: 'evidence of the case' })).status).toBe(201);
    expect((await api(h.adminToken, 'POST', `/api/v1/media/${m.closedCase!.id}/links`, { caseId: closedCase.id, reason: 'evidence of the case' })).status).toBe(201);
    expect((await api(h.adminToken, 'POST', '/api/v1/holds', { mediaId: m.held!.id, reason: 'court order 2026-17' })).status).toBe(201);
    proxyKey = await seedProxy(h.services.db, h.services.store, m.routineA!);
  });
  afterAll(async () => h?.stop());

  it('the dry run lists exactly what may go, each with its reasons, and changes nothing', async () => {
    const refused = await api(officer.token, 'GET', '/api/v1/disposals/dry-run');
    expect(refused.status).toBe(403);
    const r = await api(heads.a.token, 'GET', '/api/v1/disposals/dry-run');
    expect(r.status).toBe(200);
    const ids = r.body.items.map((i: { mediaId: string }) => i.mediaId).sort();
    expect(ids).toEqual([m.routineA, m.routineB, m.routineC, m.routineD, m.closedCase].map((x) => x!.id).sort());
    const a = r.body.items.find((i: { mediaId: string }) => i.mediaId === m.routineA!.id);
    expect(a).toMatchObject({ sha256: m.routineA!.sha256, kind: 'field', eligibleSince: '2024-07-10T08:00:00.000Z', reasons: [{ rule: 'field-minimum', until: '2024-07-10T08:00:00.000Z' }] });
    expect(a.derivatives).toEqual([{ kind: 'proxy', sizeBytes: 500 }]);
    const c = r.body.items.find((i: { mediaId: string }) => i.mediaId === m.closedCase!.id);
    expect(c.reasons).toEqual(expect.arrayContaining([{ rule: 'case-file', caseNumber: closedCase.caseNumber, until: '2024-06-01T00:00:00.000Z' }]));
    expect(r.body.totals.media).toBe(5);
    // and why the others stay
    const why = async (k: string) => (await api(h.adminToken, 'GET', `/api/v1/retention/media/${m[k]!.id}`)).body;
    expect((await why('unclassified')).decision).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'unclassified' }]) });
    expect((await why('important')).decision.reasons).toEqual(expect.arrayContaining([{ rule: 'important-flag' }]));
    expect((await why('openCase')).decision.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'case-file', until: 'while-open' })]));
    expect((await why('held')).decision.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'legal-hold', until: null })]));
    expect((await why('held')).holds).toHaveLength(1);
    expect((await why('recent')).decision.keep).toBe('until');
    expect(await h.services.store.head(m.routineA!.objectKey)).not.toBeNull();
  });

  it('refuses a batch with a media the rules keep, with a stable code', async () => {
    const r = await api(heads.a.token, 'POST', '/api/v1/disposals', { mediaIds: [m.routineA!.id, m.unclassified!.id] });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('EVM_DISPOSAL_NOT_ELIGIBLE');
    expect(r.body.message).toContain(m.unclassified!.id);
  });

  it('needs two different approvers: the same person twice is refused with EVM_DISPOSAL_SAME_APPROVER', async () => {
    const created = await api(heads.a.token, 'POST', '/api/v1/disposals', { mediaIds: [m.routineA!.id, m.routineB!.id, m.routineC!.id, m.routineD!.id, m.closedCase!.id], note: 'quarterly' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    batchId = created.body.id;
    expect(created.body).toMatchObject({ status: 'pending_approval', approvals: [] });
    expect(created.body.items).toHaveLength(5);
    expect((await api(officer.token, 'POST', `/api/v1/disposals/${batchId}/approvals`, {})).status).toBe(403);
    // The shared admin token is nobody in particular: held by one of the approvers it would make them count twice.
    const token = await api(h.adminToken, 'POST', `/api/v1/disposals/${batchId}/approvals`, {});
    expect([token.status, token.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    const first = await api(heads.a.token, 'POST', `/api/v1/disposals/${batchId}/approvals`, { note: 'checked the list' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending_approval');
    const twice = await api(heads.a.token, 'POST', `/api/v1/disposals/${batchId}/approvals`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('EVM_DISPOSAL_SAME_APPROVER');
    const second = await api(heads.b.token, 'POST', `/api/v1/disposals/${batchId}/approvals`, {});
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'recycling', approvals: [{ approver: `user:${heads.a.username}` }, { approver: `user:${heads.b.username}` }] });
    expect(second.body.items.every((i: { status: string }) => i.status === 'recycled')).toBe(true);
    const days = (Date.parse(second.body.recycleUntil) - Date.parse(second.body.approvedAt)) / 86_400_000;
    expect(days).toBeCloseTo(30, 3);
    const third = await api(admin.token, 'POST', `/api/v1/disposals/${batchId}/approvals`, {});
    expect(third.body.code).toBe('EVM_DISPOSAL_NOT_PENDING');
  });

  it('a unit head disposes only of footage wholly of their own unit: others are left out of their dry run and refused with EVM_FORBIDDEN', async () => {
    const OTHER = '110000000002';
    await makeUser(h.services.db, { role: 'officer', unitCode: OTHER, officerNumber: '024680' });
    const otherHead = await makeUser(h.services.db, { role: 'unit_head', unitCode: OTHER });
    const elsewhere = await seedFootage(h.services.db, h.services.store, dock.id, OLD);
    await h.services.db.query(`update media set officer_id = '024680' where id = $1`, [elsewhere.id]);
    expect((await api(h.adminToken, 'PUT', `/api/v1/retention/media/${elsewhere.id}/classification`, { classification: 'routine', reason: 'routine patrol footage' })).status).toBe(200);
    const dryRun = async (token: string) => (await api(token, 'GET', '/api/v1/disposals/dry-run')).body.items.map((i: { mediaId: string }) => i.mediaId);

    // Each head sees their own unit's footage only; admins see all of it.
    expect(await dryRun(otherHead.token)).toEqual([elsewhere.id]);
    expect(await dryRun(heads.a.token)).not.toContain(elsewhere.id);
    expect(await dryRun(h.adminToken)).toContain(elsewhere.id);
    const proposed = await api(heads.a.token, 'POST', '/api/v1/disposals', { mediaIds: [elsewhere.id] });
    expect([proposed.status, proposed.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    expect(proposed.body.message).toContain(elsewhere.id);

    // The other unit's head can neither see nor move the first unit's batch; nothing about it changes.
    const before = (await api(h.adminToken, 'GET', `/api/v1/disposals/${batchId}`)).body;
    expect((await api(otherHead.token, 'GET', '/api/v1/disposals')).body.map((b: { id: string }) => b.id)).not.toContain(batchId);
    expect((await api(heads.a.token, 'GET', '/api/v1/disposals')).body.map((b: { id: string }) => b.id)).toContain(batchId);
    for (const [method, url, body] of [
      ['GET', `/api/v1/disposals/${batchId}`, undefined],
      ['POST', `/api/v1/disposals/${batchId}/cancel`, { reason: 'not mine to cancel' }],
      ['POST', `/api/v1/disposals/${batchId}/items/${m.routineD!.id}/restore`, { reason: 'not mine to restore' }],
    ] as const) {
      const r = await api(otherHead.token, method, url, body);
      expect([url, r.status, r.body.code]).toEqual([url, 403, 'EVM_FORBIDDEN']);
    }
    expect((await api(h.adminToken, 'GET', `/api/v1/disposals/${batchId}`)).body).toEqual(before);

    // Linked to the first unit's case, the footage is both units' concern: neither head alone may dispose of it.
    expect((await api(h.adminToken, 'POST', `/api/v1/media/${elsewhere.id}/links`, { caseId: closedCase.id, reason: 'seen in the case' })).status).toBe(201);
    expect(await dryRun(otherHead.token)).toEqual([]);
    expect(await dryRun(heads.a.token)).not.toContain(elsewhere.id);
    expect(await dryRun(h.adminToken)).toContain(elsewhere.id);
    expect((await api(otherHead.token, 'POST', '/api/v1/disposals', { mediaIds: [elsewhere.id] })).status).toBe(403);
    // A batch the head could not approve cannot reach them for approval either.
    const mixed = await api(h.adminToken, 'POST', '/api/v1/disposals', { mediaIds: [elsewhere.id] });
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(201);
    const approval = await api(heads.a.token, 'POST', `/api/v1/disposals/${mixed.body.id}/approvals`, {});
    expect([approval.status, approval.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    expect((await api(h.adminToken, 'GET', `/api/v1/disposals/${mixed.body.id}`)).body.approvals).toEqual([]);
    // An item whose original is already tombstoned and being deleted holds the batch: the purge must finish it.
    await h.services.db.query(`update disposal_items set status = 'purging' where batch_id = $1`, [mixed.body.id]);
    const stuck = await api(h.adminToken, 'POST', `/api/v1/disposals/${mixed.body.id}/cancel`, { reason: 'test batch' });
    expect([stuck.status, stuck.body.code]).toEqual([409, 'EVM_DISPOSAL_CLOSED']);
    await h.services.db.query(`update disposal_items set status = 'pending' where batch_id = $1`, [mixed.body.id]);
    expect((await api(h.adminToken, 'POST', `/api/v1/disposals/${mixed.body.id}/cancel`, { reason: 'test batch' })).status).toBe(200);
  });

  it('lets derivatives go early but keeps the original restorable through the recycle period', async () => {
    const r = await service().purge(batchId);
    expect(r).toMatchObject({ originalsPurged: 0, blocked: 0, errors: [] });
    expect(r.derivativesPurged).toBe(1);
    expect(await h.services.store.head(proxyKey)).toBeNull();
    expect(await h.services.store.head(m.routineA!.objectKey)).not.toBeNull();
    const events = await new CustodyRepository(h.services.db).forMedia(m.routineA!.id);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['disposal.proposed', 'disposal.approved', 'media.recycled', 'derivative.disposed']));
  });

  it('restores from the recycle bin (a custody event), and the derivatives are made again', async () => {
    const r = await api(heads.b.token, 'POST', `/api/v1/disposals/${batchId}/items/${m.routineA!.id}/restore`, { reason: 'defence asked for it' });
    expect(r.status).toBe(200);
    expect(r.body.items.find((i: { mediaId: string }) => i.mediaId === m.routineA!.id)).toMatchObject({ status: 'restored', restoredBy: `user:${heads.b.username}`, restoreReason: 'defence asked for it' });
    const [row] = await h.services.db.query<{ state: string }>('select state from media where id = $1', [m.routineA!.id]);
    expect(row!.state).toBe('processing');
    const events = await new CustodyRepository(h.services.db).forMedia(m.routineA!.id);
    expect(events.at(-1)).toMatchObject({ type: 'media.restored', details: { batchId, reason: 'defence asked for it', derivativesRemade: true } });
    const again = await api(heads.b.token, 'POST', `/api/v1/disposals/${batchId}/items/${m.routineA!.id}/restore`, { reason: 'twice' });
    expect(again.body.code).toBe('EVM_DISPOSAL_NOT_RESTORABLE');
  });

  it('a hold placed or a case reopened after approval stops the deletion; the rest is deleted, leaving a tombstone with the hash', async () => {
    expect((await api(h.adminToken, 'POST', '/api/v1/holds', { mediaId: m.routineB!.id, reason: 'new complaint', until: '2099-01-01T00:00:00Z' })).status).toBe(201);
    expect((await api(h.adminToken, 'PATCH', `/api/v1/cases/${closedCase.id}`, { status: 'open' })).status).toBe(200);
    // Before the recycle period ends nothing original goes.
    expect((await service().purge(batchId)).originalsPurged).toBe(0);
    const batch = (await api(heads.a.token, 'GET', `/api/v1/disposals/${batchId}`)).body;
    const after = new Date(Date.parse(batch.recycleUntil) + 1000);
    // A copy of one original as a dock might still hold it, to send again after the purge.
    const again = path.join(await mkdtemp(path.join(tmpdir(), 'evm-disposed-')), 'again.mp4');
    await pipeline(await h.services.store.get(m.routineC!.objectKey), createWriteStream(again));
    const r = await service().purge(batchId, after);
    expect(r).toMatchObject({ originalsPurged: 2, blocked: 2, errors: [] });

    // The original is gone for good: 410 with a stable code, and the same bytes sent again get a terminal receipt
    // (the dock stops retrying and keeps its copy) instead of silently resurrecting disposed footage.
    const gone = await api(h.adminToken, 'GET', `/api/v1/media/${m.routineC!.id}/original`);
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('EVM_MEDIA_DISPOSED');
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: again, metadata: { filename: 'again.mp4', sha256: m.routineC!.sha256 } });
    const receipt = await waitForReceipt(h.baseUrl, dock.token, url, 20_000);
    expect(receipt).toMatchObject({ mediaId: m.routineC!.id, state: 'disposed', verified: false, errorCode: 'EVM_MEDIA_DISPOSED' });

    const view = (await api(heads.a.token, 'GET', `/api/v1/disposals/${batchId}`)).body;
    expect(view.status).toBe('completed');
    const item = (k: string) => view.items.find((i: { mediaId: string }) => i.mediaId === m[k]!.id);
    expect(item('routineB')).toMatchObject({ status: 'blocked', blockedReasons: expect.arrayContaining([expect.objectContaining({ rule: 'legal-hold' })]) });
    expect(item('closedCase')).toMatchObject({ status: 'blocked', blockedReasons: expect.arrayContaining([expect.objectContaining({ rule: 'case-file', until: 'while-open' })]) });
    for (const k of ['routineB', 'closedCase', 'routineA']) expect(await h.services.store.head(m[k]!.objectKey), k).not.toBeNull();
    for (const k of ['routineC', 'routineD']) {
      expect(item(k)).toMatchObject({ status: 'purged' });
      expect(await h.services.store.head(m[k]!.objectKey), k).toBeNull();
      const events = await new CustodyRepository(h.services.db).forMedia(m[k]!.id);
      const tomb = events.findLast((e) => e.type === 'media.disposed')!;
      expect(tomb).toMatchObject({ type: 'media.disposed', actor: 'system:disposal', details: { sha256: m[k]!.sha256, sizeBytes: m[k]!.sizeBytes, objectKey: m[k]!.objectKey, batchId } });
      expect(tomb.details.approvers).toEqual([`user:${heads.a.username}`, `user:${heads.b.username}`]);
      const media = (await api(h.adminToken, 'GET', `/api/v1/retention/media/${m[k]!.id}`)).body;
      expect(media.state).toBe('disposed');
    }
    const blocked = await new CustodyRepository(h.services.db).forMedia(m.routineB!.id);
    expect(blocked.at(-1)).toMatchObject({ type: 'disposal.blocked', details: { batchId, step: 'purge' } });
  });

  it('the custody chain still verifies after disposal: a tombstoned original counts as disposed, not missing or tampered', async () => {
    const key = await loadSigningKey(h.services.config);
    const verifier = new CustodyVerifier({ db: h.services.db, store: h.services.store, publicKey: key.publicKey, keyId: key.keyId });
    const { run } = await verifier.startOrResume('test', true);
    const done = await verifier.runSlice(run.id, { maxSeconds: 60 });
    expect(done.findings).toEqual([]);
    expect(done).toMatchObject({ status: 'completed', result: 'clean' });
    expect(done.originals.verified).toBe(done.originals.total);
  });

  it('the verifier still flags an original deleted outside disposal, and a disposed state without a tombstone', async () => {
    const key = await loadSigningKey(h.services.config);
    const verifier = new CustodyVerifier({ db: h.services.db, store: h.services.store, publicKey: key.publicKey, keyId: key.keyId });
    await h.services.store.delete(m.recent!.objectKey);
    await h.services.db.query(`update media set state = 'disposed' where id = $1`, [m.unclassified!.id]);
    try {
      const { run } = await verifier.startOrResume('test', true);
      const done = await verifier.runSlice(run.id, { maxSeconds: 60 });
      const reasons = Object.fromEntries(done.findings.map((f) => [f.mediaId, f.reason]));
      expect(reasons).toEqual({ [m.recent!.id]: 'original-missing', [m.unclassified!.id]: 'original-disposed-without-tombstone' });
    } finally {
      await h.services.db.query(`update media set state = 'ready' where id = $1`, [m.unclassified!.id]);
    }
  });

  it('runs as BullMQ jobs: the sweep finds a due batch in PostgreSQL and the purge job deletes it', async () => {
    const batch = await api(h.adminToken, 'POST', '/api/v1/disposals', { mediaIds: [m.routineA!.id] });
    expect(batch.status, JSON.stringify(batch.body)).toBe(201);
    await api(heads.a.token, 'POST', `/api/v1/disposals/${batch.body.id}/approvals`, {});
    await api(admin.token, 'POST', `/api/v1/disposals/${batch.body.id}/approvals`, {});
    // The recycle period passes (as if 30 days went by).
    await h.services.db.query(`update disposal_batches set recycle_until = now() - interval '1 second' where id = $1`, [batch.body.id]);
    // Stop the pipeline from re-making the restored media's derivatives from random bytes in the meantime.
    await h.services.db.query(`update media set state = 'ready' where id = $1`, [m.routineA!.id]);
    await h.startWorkers();
    await h.services.queues.enqueue('retention-sweep', { trigger: 'manual' });
    const purged = await waitUntil(async () => {
      const v = (await api(h.adminToken, 'GET', `/api/v1/disposals/${batch.body.id}`)).body;
      return v.status === 'completed' && v;
    }, 30_000, 'purge job');
    expect(purged.items[0]).toMatchObject({ status: 'purged' });
    expect(await h.services.store.head(m.routineA!.objectKey)).toBeNull();
    await h.stopWorkers();
  });
});
