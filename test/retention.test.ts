import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { RetentionRepository } from '../src/db/repositories/retention-repository.js';
import { storageFull, storageFullRefusals } from '../src/retention/storage-full-alert.js';
import { RetentionService } from '../src/retention/retention-service.js';
import { call, makeUser } from './helpers/custody-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload } from './helpers/tus-raw.js';
import { insertCase, seedFootage } from './retention-fixtures.js';

const OLD = '2024-01-10T08:00:00.000Z';

describe('retention applied from PostgreSQL facts (PGlite + local disk)', () => {
  let h: Harness;
  let dock: { id: string };
  let officer: { token: string };
  let head: { token: string };
  const api = <T = any>(token: string | null, method: string, url: string, body?: unknown) => call<T>(h.baseUrl, token, method, url, body);
  const decision = async (id: string) => (await api(h.adminToken, 'GET', `/api/v1/retention/media/${id}`)).body;

  beforeAll(async () => {
    h = await startHarness({ db: 'pglite', workers: false, env: { CHECKPOINT_INTERVAL_MINUTES: '0', RETENTION_ADMINISTRATIVE_CASE: '24' } });
    dock = await h.registerDevice('dock');
    officer = await makeUser(h.services.db, { role: 'officer', unitCode: '110000000001', officerNumber: '013579' });
    head = await makeUser(h.services.db, { role: 'unit_head', unitCode: '110000000001' });
  });
  afterAll(async () => h?.stop());

  it('unclassified footage is kept; the officer classifies it routine (a custody event) and it may go after 6 months', async () => {
    const m = await seedFootage(h.services.db, h.services.store, dock.id, OLD);
    expect((await decision(m.id)).decision).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'unclassified' }]) });
    const r = await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'routine', reason: 'patrol, nothing happened' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ classification: 'routine', decision: { keep: 'no', eligibleSince: '2024-07-10T08:00:00.000Z' } });
    const events = await new CustodyRepository(h.services.db).forMedia(m.id);
    expect(events.at(-1)).toMatchObject({ type: 'retention.classified', details: { from: null, to: 'routine', reason: 'patrol, nothing happened' } });
  });

  it('an officer may keep footage longer but not shorten it (EVM_RETENTION_DOWNGRADE); an admin may', async () => {
    const m = await seedFootage(h.services.db, h.services.store, dock.id, OLD);
    expect((await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'evidence', categories: ['obstruction'], reason: 'suspect resisted' })).body.decision.keep).toBe('permanent');
    const down = await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'routine', reason: 'changed my mind' });
    expect(down.status).toBe(403);
    expect(down.body.code).toBe('EVM_RETENTION_DOWNGRADE');
    const important = await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/important`, { important: true, reason: 'complaint expected' });
    expect(important.body.decision.reasons).toEqual(expect.arrayContaining([{ rule: 'important-flag' }, { rule: 'incident-category', category: 'obstruction' }]));
    expect((await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/important`, { important: false, reason: 'no complaint' })).body.code).toBe('EVM_RETENTION_DOWNGRADE');
    const admin = await api(h.adminToken, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'routine', categories: [], reason: 'reviewed: no obstruction' });
    expect(admin.body).toMatchObject({ classification: 'routine', categories: [], decision: { keep: 'permanent' } }); // still important
    // someone else's footage is out of an officer's scope altogether
    const other = await makeUser(h.services.db, { role: 'officer', unitCode: '110000000001', officerNumber: '024680' });
    expect((await api(other.token, 'PUT', `/api/v1/retention/media/${m.id}/important`, { important: true, reason: 'x x x' })).status).toBe(403);
    // and a grant to watch it does not let them change how long it is kept
    const asked = await api(other.token, 'POST', '/api/v1/access-requests', { mediaId: m.id, purpose: 'a complaint names me in this footage' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect((await api(head.token, 'POST', `/api/v1/access-requests/${asked.body.id}/decision`, { approve: true, hours: 24 })).status).toBe(200);
    expect((await api(other.token, 'GET', `/api/v1/retention/media/${m.id}`)).status).toBe(200);
    const granted = await api(other.token, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'routine', categories: [], reason: 'nothing to see' });
    expect([granted.status, granted.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
  });

  it('an evidence link added late extends retention; closing the case starts the case-file clock; a legal hold keeps it past that', async () => {
    const m = await seedFootage(h.services.db, h.services.store, dock.id, OLD);
    await api(officer.token, 'PUT', `/api/v1/retention/media/${m.id}/classification`, { classification: 'routine', reason: 'patrol' });
    expect((await decision(m.id)).decision.keep).toBe('no');
    const c = await insertCase(h.services.db, { kind: 'administrative', status: 'open' });
    expect((await api(h.adminToken, 'POST', `/api/v1/media/${m.id}/links`, { caseId: c.id, reason: 'seen in the footage' })).status).toBe(201);
    expect((await decision(m.id)).decision).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'case-file', caseNumber: c.caseNumber, until: 'while-open' }]) });
    // the stored decision follows too: the link marked it stale in the database
    expect((await new RetentionRepository(h.services.db).owed(100)).map((o) => o.mediaId)).toContain(m.id);

    expect((await api(h.adminToken, 'PATCH', `/api/v1/cases/${c.id}`, { status: 'closed' })).status).toBe(200);
    const closed = (await decision(m.id)).decision;
    expect(closed.keep).toBe('until');
    expect(Date.parse(closed.until) - Date.now()).toBeGreaterThan(700 * 86_400_000); // 24 months from today
    const hold = await api(head.token, 'POST', '/api/v1/holds', { caseId: c.id, reason: 'appeal lodged' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const held = await decision(m.id);
    expect(held.decision).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'legal-hold', holdId: hold.body.id, until: null }]) });
    expect(held.holds.map((x: { id: string }) => x.id)).toEqual([hold.body.id]);
    const events = await new CustodyRepository(h.services.db).forMedia(m.id);
    expect(events.at(-1)).toMatchObject({ type: 'hold.placed', details: { holdId: hold.body.id, caseId: c.id, reason: 'appeal lodged' } });

    expect((await api(officer.token, 'POST', `/api/v1/holds/${hold.body.id}/release`, { reason: 'appeal decided' })).status).toBe(403);
    // Another unit's people can neither hold this unit's case nor release its hold (releasing is what lets disposal go).
    const otherHead = await makeUser(h.services.db, { role: 'unit_head', unitCode: '110000000002' });
    const otherReviewer = await makeUser(h.services.db, { role: 'reviewer', unitCode: '110000000002' });
    const placed = await api(otherReviewer.token, 'POST', '/api/v1/holds', { caseId: c.id, reason: 'not my case' });
    expect([placed.status, placed.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    const foreign = await api(otherHead.token, 'POST', `/api/v1/holds/${hold.body.id}/release`, { reason: 'not my case either' });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    expect((await api(h.adminToken, 'GET', `/api/v1/holds/${hold.body.id}`)).body.active).toBe(true);
    // nor read it: listings keep to one's unit, and asking for this case or this hold is refused
    const holdIds = async (token: string, query = '') => (await api(token, 'GET', `/api/v1/holds${query}`)).body.map((x: { id: string }) => x.id);
    expect(await holdIds(head.token)).toContain(hold.body.id);
    expect(await holdIds(otherReviewer.token)).not.toContain(hold.body.id);
    expect((await api(otherReviewer.token, 'GET', `/api/v1/holds?caseId=${c.id}`)).status).toBe(403);
    expect((await api(otherReviewer.token, 'GET', `/api/v1/holds/${hold.body.id}`)).status).toBe(403);
    const refusals = await h.services.db.query<{ actor: string; details: { action: string } }>(
      `select actor, details from custody_events where type = 'access.refused' and details->>'action' in ('place-hold', 'release-hold') order by seq`,
    );
    expect(refusals.map((r) => [r.actor, r.details.action])).toEqual([
      [`user:${otherReviewer.username}`, 'place-hold'],
      [`user:${otherHead.username}`, 'release-hold'],
    ]);
    expect(await holdIds(head.token, `?caseId=${c.id}`)).toEqual([hold.body.id]);
    const released = await api(head.token, 'POST', `/api/v1/holds/${hold.body.id}/release`, { reason: 'appeal decided' });
    expect(released.body).toMatchObject({ active: false, releaseReason: 'appeal decided' });
    expect((await api(head.token, 'POST', `/api/v1/holds/${hold.body.id}/release`, { reason: 'again' })).body.code).toBe('EVM_HOLD_RELEASED');
    expect((await decision(m.id)).decision.keep).toBe('until');
  });

  it('the sweep stores each decision with its reasons, from the marks the database left', async () => {
    await new RetentionService(h.services).recomputeOwed();
    expect(await new RetentionRepository(h.services.db).owed(100)).toEqual([]);
    const [row] = await h.services.db.query<{ n: number }>(`select count(*)::int as n from media_retention where computed_at is not null`);
    const [media] = await h.services.db.query<{ n: number }>(`select count(*)::int as n from media`);
    expect(row!.n).toBe(media!.n);
  });
});

describe('storage full (PostgreSQL + local disk)', () => {
  it('answers 507 EVM_STORAGE_FULL, raises the alert metrics, and deletes no retained footage, not even footage that may go', async () => {
    const h = await startHarness({ db: 'postgres', env: { STORAGE_MIN_FREE_BYTES: String(2 ** 52), CHECKPOINT_INTERVAL_MINUTES: '0' } });
    try {
      const dock = await h.registerDevice('dock');
      // Footage already stored, old and routine: the rules would let it go, but only through an approved disposal.
      const kept = await seedFootage(h.services.db, h.services.store, dock.id, OLD);
      await h.services.db.query(`insert into media_retention (media_id, classification) values ($1, 'routine')`, [kept.id]);
      const before = (await storageFullRefusals.get()).values[0]?.value ?? 0;

      const res = await createUpload(h.baseUrl, dock.token, 1_000_000, { filename: 'a.mp4', sha256: randomBytes(32).toString('hex') });
      expect(res.status).toBe(507);
      expect(JSON.parse(res.body).code).toBe('EVM_STORAGE_FULL');

      expect((await storageFullRefusals.get()).values[0]!.value).toBe(before + 1);
      expect((await storageFull.get()).values[0]!.value).toBe(1);
      const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
      expect(text).toMatch(/^evm_storage_full_refusals_total [1-9]/m);
      expect(text).toMatch(/^evm_storage_full 1$/m);

      // the retention sweep runs (workers are up) and finds it eligible; still nothing is deleted
      await h.services.queues.enqueue('retention-sweep', { trigger: 'manual' });
      await new RetentionService(h.services).recomputeOwed();
      expect((await new RetentionRepository(h.services.db).find(kept.id))!.decision).toBe('no');
      expect(await h.services.store.head(kept.objectKey)).not.toBeNull();
      const [m] = await h.services.db.query<{ state: string }>('select state from media where id = $1', [kept.id]);
      expect(m!.state).toBe('ready');
      const [gone] = await h.services.db.query<{ n: number }>(`select count(*)::int as n from custody_events where type in ('media.disposed', 'derivative.disposed', 'media.recycled')`);
      expect(gone!.n).toBe(0);
      const [batches] = await h.services.db.query<{ n: number }>('select count(*)::int as n from disposal_batches');
      expect(batches!.n).toBe(0);
    } finally {
      await h.stop();
    }
  });
});
