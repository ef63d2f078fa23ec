import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { sha256OfFile, uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { LinksRepository } from '../src/db/repositories/links-repository.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { AutoLinker } from '../src/ingest/auto-linker.js';
import { apiOf, createPeople, eventually, insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT_A = '330100000001';
const UNIT_B = '330100000002';
const CASE_A = 'A3301-2026-0001';
const at = (hhmm: string) => `2026-11-23T${hhmm}:00+08:00`;

describe('linking media to cases, incidents and interrogations', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let dock: { id: string; token: string; serial: string };
  let caseAId: string;
  let linker: AutoLinker;
  let clip: string;
  let dir: string;

  const linksOf = (mediaId: string, history = false) => new LinksRepository(h.services.db).forMedia(mediaId, history);
  const custody = (mediaId: string) =>
    h.services.db.query<{ type: string; actor: string; details: Record<string, unknown> }>('select type, actor, details from custody_events where media_id = $1 order by seq', [mediaId]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'evm-linking-'));
    clip = path.join(dir, 'clip.mp4');
    const [harness] = await Promise.all([startHarness({ db: 'postgres' }), generateClip({ path: clip, seconds: 12, width: 320, height: 180, fps: 10 })]);
    h = harness;
    api = apiOf(h);
    linker = new AutoLinker({ db: h.services.db, bufferMinutes: 5 });
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [
          { code: UNIT_A, name: '一大队' },
          { code: UNIT_B, name: '二大队' },
        ],
        officers: [
          { number: '013579', name: '张三', unitCode: UNIT_A },
          { number: '024680', name: '李四', unitCode: UNIT_A },
          { number: '035791', name: '王五', unitCode: UNIT_B },
        ],
        cases: [
          { caseNumber: CASE_A, kind: 'criminal', title: '盗窃案', unitCode: UNIT_A },
          { caseNumber: 'B3301-2026-0001', kind: 'administrative', unitCode: UNIT_B },
        ],
        incidents: [
          { id: 'I1', caseNumber: CASE_A, unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: at('08:00'), endedAt: at('08:30'), place: '中山路' },
          { id: 'I2', caseNumber: CASE_A, unitCode: UNIT_A, officerNumbers: ['024680'], startedAt: at('09:00'), endedAt: at('09:30') },
          { id: 'I3', unitCode: UNIT_A, officerNumbers: ['024680'], startedAt: at('09:20'), endedAt: at('09:50') },
        ],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseAId = (await h.services.db.query<{ id: string }>('select id from cases where case_number = $1', [CASE_A]))[0]!.id;
    ({ tokens } = await createPeople(h, [
      { username: 'officer1', role: 'officer', unitCode: UNIT_A, officerNumber: '013579' },
      { username: 'officer2', role: 'officer', unitCode: UNIT_A, officerNumber: '024680' },
      { username: 'reviewerA', role: 'reviewer', unitCode: UNIT_A },
      { username: 'reviewerB', role: 'reviewer', unitCode: UNIT_B },
      { username: 'headA', role: 'unit_head', unitCode: UNIT_A },
      { username: 'auditor', role: 'auditor' },
    ]));
    dock = await h.registerDevice('dock');
  });
  afterAll(async () => h?.stop());

  async function upload(name: string, metadata: Record<string, string>): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, Buffer.concat([await readFile(clip), Buffer.from(name)]));
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: file, metadata: { filename: name, sha256: await sha256OfFile(file), ...metadata } });
    const receipt = await waitForReceipt(h.baseUrl, dock.token, url);
    expect(receipt.verified).toBe(true);
    return receipt.mediaId!;
  }

  describe('through the pipeline (the link job after verify)', () => {
    let incidentMedia: string;

    it('links body-cam footage to the incident its officer attended, as a custody event', async () => {
      incidentMedia = await upload('bwc-1.mp4', { deviceSerial: 'BWC-1', officerId: '013579', recordedAt: at('08:10'), recordedEnd: '2026-11-23T08:10:02+08:00' });
      const link = await eventually(async () => (await linksOf(incidentMedia))[0]);
      expect(link).toMatchObject({ incidentId: 'I1', source: 'auto', createdBy: 'system:auto-link', removedAt: null });
      const events = await custody(incidentMedia);
      expect(events.find((e) => e.type === 'link.added')).toMatchObject({ actor: 'system:auto-link', details: { incidentId: 'I1', source: 'auto', linkId: link.id } });
      const checked = await h.services.db.query<{ t: Date | null }>('select auto_link_checked_at as t from media where id = $1', [incidentMedia]);
      expect(checked[0]!.t).not.toBeNull();
    });

    it('links directly to the case a dock named in caseNumber (source dock)', async () => {
      const mediaId = await upload('bwc-2.mp4', { deviceSerial: 'BWC-2', officerId: '035791', recordedAt: at('11:00'), caseNumber: CASE_A });
      const link = await eventually(async () => (await linksOf(mediaId))[0]);
      expect(link).toMatchObject({ caseId: caseAId, source: 'dock', incidentId: null });
    });

    it('re-enqueues automatic linking that was lost, even for footage already ready (PostgreSQL is the truth)', async () => {
      const mediaId = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('08:20'), recordedEnd: at('08:21') });
      await h.services.db.query('update media set auto_link_checked_at = null where id = $1', [mediaId]);
      const link = await eventually(async () => (await linksOf(mediaId))[0]);
      expect(link).toMatchObject({ incidentId: 'I1', source: 'auto' });
    });

    it('lets each role reach footage of a linked case only within its scope', async () => {
      const get = (token: string) => api(token, `/api/v1/media/${incidentMedia}`).then((r) => r.status);
      expect(await get(h.adminToken)).toBe(200);
      expect(await get(dock.token)).toBe(200); // the dock that uploaded it
      expect(await get(tokens.officer1!)).toBe(200); // own footage
      expect(await get(tokens.officer2!)).toBe(403);
      expect(await get(tokens.reviewerA!)).toBe(200); // through incident I1 → case A of unit A
      expect(await get(tokens.headA!)).toBe(200);
      expect(await get(tokens.reviewerB!)).toBe(403);
      expect(await get(tokens.auditor!)).toBe(403);
      const intruder = await h.registerDevice('dock');
      expect(await get(intruder.token)).toBe(404);
      const reviewerB = (await h.services.db.query<{ id: string }>(`select id from users where username = 'reviewerB'`))[0]!.id;
      await h.services.db.query('insert into case_assignments (case_id, user_id) values ($1, $2)', [caseAId, reviewerB]);
      expect(await get(tokens.reviewerB!)).toBe(200);
      await h.services.db.query('delete from case_assignments where case_id = $1 and user_id = $2', [caseAId, reviewerB]);
      const refusals = (await custody(incidentMedia)).filter((e) => e.type === 'access.refused').map((e) => e.actor);
      expect(refusals).toEqual(expect.arrayContaining(['user:officer2', 'user:reviewerB', 'user:auditor']));
    });
  });

  describe('automatic matching rules on stored footage', () => {
    it('links across clock drift within the buffer, and not outside it', async () => {
      const drift = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('08:33'), recordedEnd: at('08:35') });
      const outside = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('08:36'), recordedEnd: at('08:40') });
      expect((await linker.linkMedia(drift))!.decision).toEqual({ kind: 'link', incidentId: 'I1' });
      expect(await linksOf(drift)).toEqual([expect.objectContaining({ incidentId: 'I1', source: 'auto' })]);
      expect((await linker.linkMedia(outside))!.decision).toEqual({ kind: 'none', reason: 'no-match' });
      expect(await linksOf(outside)).toEqual([]);
    });

    it('never re-adds an automatic link that a person removed', async () => {
      const mediaId = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('08:05'), recordedEnd: at('08:06') });
      await linker.linkMedia(mediaId);
      const [link] = await linksOf(mediaId);
      const removed = await api(h.adminToken, `/api/v1/media/${mediaId}/links/${link!.id}/remove`, { body: { reason: 'wrong officer on the camera' } });
      expect(removed.status).toBe(200);
      await linker.linkMedia(mediaId);
      expect(await linksOf(mediaId)).toEqual([]);
    });

    it('lists an officer on two overlapping incidents as ambiguous for a person to decide, never guessing', async () => {
      const mediaId = await insertVerifiedMedia(h, dock.id, { officerId: '024680', recordedAt: at('09:22'), recordedEnd: at('09:25') });
      const r = await linker.linkMedia(mediaId);
      expect(r!.decision).toEqual({ kind: 'ambiguous', incidentIds: ['I2', 'I3'] });
      expect(await linksOf(mediaId)).toEqual([]);

      const listed = await api(h.adminToken, '/api/v1/link-suggestions');
      expect(listed.status).toBe(200);
      const s = listed.body.items.find((x: { mediaId: string }) => x.mediaId === mediaId);
      expect(s).toMatchObject({ status: 'open', incidentIds: ['I2', 'I3'], media: { id: mediaId, officerId: '024680' } });
      expect(s.candidates.map((c: { id: string; overlapSec: number; linked: boolean }) => [c.id, c.overlapSec, c.linked])).toEqual([
        ['I2', 180, false],
        ['I3', 180, false],
      ]);
      expect((await api(tokens.reviewerA!, '/api/v1/link-suggestions')).body.items.map((x: { id: string }) => x.id)).toContain(s.id);
      expect((await api(tokens.reviewerB!, '/api/v1/link-suggestions')).body.items).toEqual([]);
      expect((await api(tokens.officer2!, '/api/v1/link-suggestions')).status).toBe(403);
      // Matching again does not open a second one.
      await linker.linkMedia(mediaId);
      expect((await h.services.db.query('select 1 from link_suggestions where media_id = $1', [mediaId])).length).toBe(1);

      expect((await api(tokens.reviewerB!, `/api/v1/link-suggestions/${s.id}/resolve`, { body: { incidentIds: ['I3'], reason: 'seen on the footage' } })).status).toBe(403);
      const notCandidate = await api(tokens.reviewerA!, `/api/v1/link-suggestions/${s.id}/resolve`, { body: { incidentIds: ['I1'], reason: 'seen on the footage' } });
      expect([notCandidate.status, notCandidate.body.code]).toEqual([400, 'EVM_SUGGESTION_CHOICE']);
      const resolved = await api(tokens.headA!, `/api/v1/link-suggestions/${s.id}/resolve`, { body: { incidentIds: ['I3'], reason: 'the second dispatch is on the footage' } });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', chosenIncidentIds: ['I3'], resolvedBy: 'user:headA' });
      expect(await linksOf(mediaId)).toEqual([expect.objectContaining({ incidentId: 'I3', source: 'manual', createdBy: 'user:headA' })]);
      // The dismissed candidate is never suggested again; the chosen one stays.
      expect((await linker.linkMedia(mediaId))!.decision).toEqual({ kind: 'link', incidentId: 'I3' });
      expect((await linksOf(mediaId)).map((l) => l.incidentId)).toEqual(['I3']);
      const again = await api(tokens.headA!, `/api/v1/link-suggestions/${s.id}/resolve`, { body: { incidentIds: [], reason: 'changed my mind' } });
      expect([again.status, again.body.code]).toEqual([409, 'EVM_SUGGESTION_CLOSED']);
    });

    it('links footage that arrived before its incident and case were imported', async () => {
      const early = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('14:00'), recordedEnd: at('14:05') });
      const named = await insertVerifiedMedia(h, dock.id, { officerId: '035791', recordedAt: at('15:00'), caseNumber: 'A3301-2026-0099' });
      expect((await linker.linkMedia(early))!.decision.kind).toBe('none');
      expect((await linker.linkMedia(named))!.dock).toBe('unknown-case');

      const res = await api(h.adminToken, '/api/v1/import', {
        body: {
          cases: [{ caseNumber: 'A3301-2026-0099', kind: 'criminal', unitCode: UNIT_A }],
          incidents: [{ id: 'I4', caseNumber: CASE_A, unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: at('14:03'), endedAt: at('14:40') }],
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.autoLink).toEqual({ mediaChecked: 2, linked: 2, ambiguous: 0 });
      expect(await linksOf(early)).toEqual([expect.objectContaining({ incidentId: 'I4', source: 'auto' })]);
      expect(await linksOf(named)).toEqual([expect.objectContaining({ source: 'dock', caseId: expect.any(String) })]);
      // Importing the same again changes nothing and links nothing twice.
      const again = await api(h.adminToken, '/api/v1/incidents', { body: { id: 'I4', caseNumber: CASE_A, unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: at('14:03'), endedAt: at('14:40') } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ outcome: 'unchanged', autoLink: { mediaChecked: 0 } });
      expect((await linksOf(early)).length).toBe(1);
    });
  });

  describe('linking by hand', () => {
    it('links and unlinks with a reason; each change is a custody event and removed links stay as history', async () => {
      const mediaId = await insertVerifiedMedia(h, dock.id, { officerId: '024680' });
      const body = { caseId: caseAId, reason: 'suspect visible at 00:41' };
      // A reviewer cannot file footage they cannot see yet; the unit head may file their unit's officers' footage.
      const refused = await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links`, { body });
      expect(refused.status).toBe(403);
      expect((await api(tokens.officer2!, `/api/v1/media/${mediaId}/links`, { body })).status).toBe(403);
      expect((await api(tokens.reviewerB!, `/api/v1/media/${mediaId}/links`, { body })).status).toBe(403);
      const created = await api(tokens.headA!, `/api/v1/media/${mediaId}/links`, { body });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ mediaId, caseId: caseAId, source: 'manual', reason: body.reason, createdBy: 'user:headA' });
      const dup = await api(tokens.headA!, `/api/v1/media/${mediaId}/links`, { body });
      expect([dup.status, dup.body.code]).toEqual([409, 'EVM_LINK_EXISTS']);

      // Now in case A, the unit's reviewer sees it and may file it further.
      const toIncident = await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links`, { body: { incidentId: 'I2', reason: 'same dispatch' } });
      expect(toIncident.status).toBe(201);

      const removed = await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links/${created.body.id}/remove`, { body: { reason: 'belongs to the incident only' } });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ id: created.body.id, removedBy: 'user:reviewerA', removedReason: 'belongs to the incident only' });
      expect(removed.body.removedAt).toEqual(expect.any(String));
      const twice = await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links/${created.body.id}/remove`, { body: { reason: 'again' } });
      expect([twice.status, twice.body.code]).toEqual([409, 'EVM_LINK_REMOVED']);

      const history = await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links?history=true`);
      expect(history.body.map((l: { id: string; removedAt: string | null }) => [l.id, l.removedAt !== null])).toEqual([
        [created.body.id, true],
        [toIncident.body.id, false],
      ]);
      expect((await api(tokens.reviewerA!, `/api/v1/media/${mediaId}/links`)).body.length).toBe(1);

      const events = (await custody(mediaId)).filter((e) => e.type.startsWith('link.') || e.type === 'access.refused');
      expect(events.map((e) => [e.type, e.actor])).toEqual([
        ['access.refused', 'user:reviewerA'],
        ['access.refused', 'user:reviewerB'],
        ['link.added', 'user:headA'],
        ['link.added', 'user:reviewerA'],
        ['link.removed', 'user:reviewerA'],
      ]);
      expect(events[2]!.details).toMatchObject({ caseId: caseAId, source: 'manual', reason: body.reason });
      expect(events[4]!.details).toMatchObject({ linkId: created.body.id, reason: 'belongs to the incident only' });
    });

    it('links to an interrogation session, and refuses bad requests with stable codes', async () => {
      const mediaId = await insertVerifiedMedia(h, dock.id, { officerId: null });
      const session = await api(h.adminToken, '/api/v1/interrogation-sessions', {
        body: { externalId: 'S-LINK-1', caseNumber: CASE_A, room: '讯问室1', declaredStart: at('10:00'), declaredEnd: at('11:00') },
      });
      expect(session.status, JSON.stringify(session.body)).toBe(201);
      const linked = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { sessionId: session.body.record.id, reason: 'room camera recording' } });
      expect(linked.status).toBe(201);
      expect(linked.body.sessionId).toBe(session.body.record.id);

      const noReason = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { caseId: caseAId } });
      expect([noReason.status, noReason.body.code]).toEqual([400, 'EVM_VALIDATION']);
      const two = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { caseId: caseAId, incidentId: 'I1', reason: 'both' } });
      expect(two.status).toBe(400);
      const unknown = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { incidentId: 'NOPE', reason: 'does not exist' } });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'EVM_NOT_FOUND']);
      expect((await api(h.adminToken, `/api/v1/media/${randomUUID()}/links`, { body: { caseId: caseAId, reason: 'no media' } })).status).toBe(404);
      expect((await api(dock.token, `/api/v1/media/${mediaId}/links`, { body: { caseId: caseAId, reason: 'a dock' } })).status).toBe(403);
      expect((await api(null, `/api/v1/media/${mediaId}/links`, { body: { caseId: caseAId, reason: 'anonymous' } })).status).toBe(401);

      const rejected = await insertVerifiedMedia(h, dock.id, {});
      await new MediaRepository(h.services.db).markRejected(rejected, 'EVM_HASH_MISMATCH', 'test', null);
      const r = await api(h.adminToken, `/api/v1/media/${rejected}/links`, { body: { caseId: caseAId, reason: 'rejected bytes' } });
      expect([r.status, r.body.code]).toEqual([409, 'EVM_MEDIA_NOT_LINKABLE']);
    });
  });
});

describe('AUTO_LINK_BUFFER_MINUTES', () => {
  it('defaults to 5 minutes and is validated at boot', () => {
    expect(loadConfig({}).AUTO_LINK_BUFFER_MINUTES).toBe(5);
    expect(loadConfig({ AUTO_LINK_BUFFER_MINUTES: '2.5' }).AUTO_LINK_BUFFER_MINUTES).toBe(2.5);
    expect(() => loadConfig({ AUTO_LINK_BUFFER_MINUTES: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTO_LINK_BUFFER_MINUTES: 'soon' })).toThrow(/AUTO_LINK_BUFFER_MINUTES/);
  });
});
