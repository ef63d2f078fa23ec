import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { apiOf, createPeople, eventually, insertVerifiedMedia, reportWatchedWhole } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT_A = '330100000001';
const UNIT_B = '330100000002';
const at = (hhmm: string) => `2026-11-23T${hhmm}:00+08:00`;

describe('case review of interrogation recordings', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let caseId: string;
  const sessions: Record<string, string> = {};
  let roomMedia: string; // a real recording, processed to ready (proxy, poster, sprite)
  let frontal: string; // second camera of the same session
  let second: string; // the recording of session S-2
  let bodycam: string; // field footage of the case, not an interrogation recording

  const link = async (mediaId: string, target: Record<string, string>) => {
    const res = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { ...target, reason: 'case file' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  // The reviewer watched it all first (watched coverage): these tests are about the review rules, not that one.
  const reviewRecording = async (token: string, sessionId: string, mediaId: string, finding = '全程录制，无中断') => {
    const watched = await api(token, `/api/v1/media/${mediaId}/watched`, { body: { ranges: [{ startSec: 0, endSec: await durationOf(mediaId), rate: 1 }] } });
    if (watched.status !== 201) return watched;
    return api(token, `/api/v1/interrogation-sessions/${sessionId}/recordings/${mediaId}/review`, { body: { finding } });
  };
  const durationOf = async (mediaId: string) => (await h.services.db.query<{ duration_sec: number | null }>('select duration_sec from media where id = $1', [mediaId]))[0]?.duration_sec ?? 1;
  const complete = (token: string) => api(token, `/api/v1/cases/${caseId}/review/complete`, { body: { finding: '审核通过' } });

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'evm-review-'));
    const clip = path.join(dir, 'room.mp4');
    const [harness] = await Promise.all([startHarness({ db: 'postgres' }), generateClip({ path: clip, seconds: 12, width: 320, height: 180, fps: 10 })]);
    h = harness;
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [
          { code: UNIT_A, name: '一大队' },
          { code: UNIT_B, name: '二大队' },
        ],
        officers: [{ number: '013579', name: '张三', unitCode: UNIT_A }],
        cases: [{ caseNumber: 'R-2026-0001', kind: 'criminal', title: '抢劫案', unitCode: UNIT_A }],
        incidents: [{ id: 'JJ-R1', caseNumber: 'R-2026-0001', unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: at('07:00'), endedAt: at('07:30') }],
        persons: [{ externalId: 'P-R1', caseNumber: 'R-2026-0001', name: '钱某' }],
        sessions: [
          { externalId: 'S-1', caseNumber: 'R-2026-0001', suspectExternalId: 'P-R1', room: '讯问室1', interrogators: ['013579'], declaredStart: at('10:00'), declaredEnd: at('10:30') },
          { externalId: 'S-2', caseNumber: 'R-2026-0001', suspectExternalId: 'P-R1', room: '讯问室2', declaredStart: at('14:00'), declaredEnd: at('14:45') },
        ],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'R-2026-0001'`))[0]!.id;
    for (const s of await h.services.db.query<{ id: string; external_id: string }>('select id, external_id from interrogation_sessions')) sessions[s.external_id] = s.id;
    ({ tokens } = await createPeople(h, [
      { username: 'reviewerA', role: 'reviewer', unitCode: UNIT_A },
      { username: 'reviewerB', role: 'reviewer', unitCode: UNIT_B },
      { username: 'headA', role: 'unit_head', unitCode: UNIT_A },
      { username: 'officer1', role: 'officer', unitCode: UNIT_A, officerNumber: '013579' },
    ]));
    const dock = await h.registerDevice('dock');
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: { filename: 'room1-overview.mp4', deviceSerial: 'ROOM-1A', recordedAt: at('10:00') } });
    roomMedia = (await waitForReceipt(h.baseUrl, dock.token, url)).mediaId!;
    frontal = await insertVerifiedMedia(h, dock.id, { recordedAt: at('10:00'), recordedEnd: at('10:30'), durationSec: 1800 });
    second = await insertVerifiedMedia(h, dock.id, { recordedAt: at('14:00'), recordedEnd: at('14:45'), durationSec: 2700 });
    bodycam = await insertVerifiedMedia(h, dock.id, { officerId: '013579', recordedAt: at('07:05'), recordedEnd: at('07:20'), durationSec: 900 });
    await link(roomMedia, { sessionId: sessions['S-1']! });
    await link(frontal, { sessionId: sessions['S-1']! });
    await link(bodycam, { incidentId: 'JJ-R1' });
    await eventually(async () => (await h.services.db.query<{ state: string }>('select state from media where id = $1', [roomMedia]))[0]!.state === 'ready', 40_000);
  });
  afterAll(async () => h?.stop());

  it("shows the case's footage with derivatives and its sessions with their recordings", async () => {
    const res = await api(tokens.reviewerA!, `/api/v1/cases/${caseId}/review`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r.case).toMatchObject({ id: caseId, status: 'open' });
    const byId = Object.fromEntries(r.media.map((m: { id: string }) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual([roomMedia, frontal, bodycam].sort());
    expect(byId[roomMedia]).toMatchObject({ state: 'ready', derivatives: { proxy: true, poster: true, sprite: true }, links: [{ via: 'session', targetId: sessions['S-1'] }] });
    expect(byId[frontal]).toMatchObject({ state: 'ready', derivatives: { proxy: false, poster: false, sprite: false } });
    expect(byId[bodycam].links).toEqual([expect.objectContaining({ via: 'incident', targetId: 'JJ-R1', source: 'manual' })]);
    expect(r.sessions.map((s: { externalId: string; suspectName: string; recordings: Array<{ id: string; review: unknown }> }) => [s.externalId, s.suspectName, s.recordings.map((x) => x.id).sort(), s.recordings.map((x) => x.review)])).toEqual([
      ['S-1', '钱某', [roomMedia, frontal].sort(), [null, null]],
      ['S-2', '钱某', [], []],
    ]);
    expect(r.canComplete).toBe(false);
    expect(r.pending).toEqual(
      expect.arrayContaining([
        // Each unreviewed recording by name, with how much of it the asking reviewer has watched (nothing yet).
        { kind: 'recording-not-reviewed', sessionId: sessions['S-1'], mediaId: roomMedia, filename: 'room1-overview.mp4', watchedShare: 0 },
        { kind: 'recording-not-reviewed', sessionId: sessions['S-1'], mediaId: frontal, filename: expect.stringMatching(/\.mp4$/), watchedShare: 0 },
        { kind: 'session-unrecorded', sessionId: sessions['S-2'] },
      ]),
    );
    expect((await api(tokens.reviewerB!, `/api/v1/cases/${caseId}/review`)).status).toBe(403);
    expect((await api(tokens.officer1!, `/api/v1/cases/${caseId}/review`)).status).toBe(403);
  });

  it('keeps bookmarks and notes at a time offset, per media and author, as custody events', async () => {
    const add = (token: string, body: Record<string, unknown>) => api(token, `/api/v1/media/${frontal}/review-marks`, { body });
    const b = await add(tokens.reviewerA!, { kind: 'bookmark', offsetSec: 754.5, caseId });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    expect(b.body).toMatchObject({ kind: 'bookmark', offsetSec: 754.5, author: 'user:reviewerA', caseId });
    const n = await add(tokens.headA!, { kind: 'note', offsetSec: 12, text: '嫌疑人要求喝水，讯问暂停 2 分钟' });
    expect(n.status).toBe(201);
    const blank = await add(tokens.reviewerA!, { kind: 'note', offsetSec: 1 });
    expect([blank.status, blank.body.code]).toEqual([400, 'EVM_VALIDATION']);
    const beyond = await add(tokens.reviewerA!, { kind: 'bookmark', offsetSec: 1900 });
    expect([beyond.status, beyond.body.code]).toEqual([400, 'EVM_OFFSET_OUT_OF_RANGE']);
    const otherCase = await add(tokens.reviewerA!, { kind: 'bookmark', offsetSec: 1, caseId: '00000000-0000-4000-8000-000000000000' });
    expect(otherCase.status).toBe(400);
    expect((await add(tokens.reviewerB!, { kind: 'bookmark', offsetSec: 1 })).status).toBe(403);

    const list = await api(tokens.reviewerA!, `/api/v1/media/${frontal}/review-marks`);
    expect(list.body.map((m: { offsetSec: number; kind: string; author: string; authorName: string }) => [m.offsetSec, m.kind, m.author, m.authorName])).toEqual([
      [12, 'note', 'user:headA', 'headA'],
      [754.5, 'bookmark', 'user:reviewerA', 'reviewerA'],
    ]);
    const events = await h.services.db.query<{ actor: string; details: { markId: string; offsetSec: number } }>(
      `select actor, details from custody_events where media_id = $1 and type = 'review.bookmark' order by seq`,
      [frontal],
    );
    expect(events.map((e) => [e.actor, e.details.markId, e.details.offsetSec])).toEqual([
      ['user:reviewerA', b.body.id, 754.5],
      ['user:headA', n.body.id, 12],
    ]);
  });

  it('refuses to complete the review until every interrogation recording is reviewed', async () => {
    const blocked = await complete(tokens.reviewerA!);
    expect([blocked.status, blocked.body.code]).toEqual([409, 'EVM_REVIEW_INCOMPLETE']);
    expect(blocked.body.pending).toHaveLength(3);
    expect(blocked.body.message).toContain('2 interrogation recording(s) not reviewed');

    // Only reviewers (and admins) record the step, within their scope, for a recording of that session.
    expect((await reviewRecording(tokens.headA!, sessions['S-1']!, roomMedia)).status).toBe(403);
    expect((await reviewRecording(tokens.reviewerB!, sessions['S-1']!, roomMedia)).status).toBe(403);
    const notHers = await reviewRecording(tokens.reviewerA!, sessions['S-2']!, roomMedia);
    expect([notHers.status, notHers.body.code]).toEqual([409, 'EVM_NOT_SESSION_RECORDING']);

    const first = await reviewRecording(tokens.reviewerA!, sessions['S-1']!, roomMedia);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ sessionId: sessions['S-1'], mediaId: roomMedia, reviewer: 'user:reviewerA', finding: '全程录制，无中断' });
    expect((await h.services.db.query<{ status: string }>('select status from cases where id = $1', [caseId]))[0]!.status).toBe('under_review');
    expect((await reviewRecording(tokens.reviewerA!, sessions['S-1']!, frontal)).status).toBe(201);

    const stillBlocked = await complete(tokens.reviewerA!);
    expect(stillBlocked.status).toBe(409);
    expect(stillBlocked.body.pending).toEqual([{ kind: 'session-unrecorded', sessionId: sessions['S-2'] }]);

    await link(second, { sessionId: sessions['S-2']! });
    const unreviewed = await complete(tokens.reviewerA!);
    // Named, with how much of it the asking reviewer has watched (nothing yet).
    expect(unreviewed.body.pending).toEqual([{ kind: 'recording-not-reviewed', sessionId: sessions['S-2'], mediaId: second, filename: expect.stringMatching(/\.mp4$/), watchedShare: 0 }]);
    expect((await reviewRecording(tokens.reviewerA!, sessions['S-2']!, second, '14:21 处画面中断 40 秒，已注明原因')).status).toBe(201);

    expect((await complete(tokens.headA!)).status).toBe(403);
    const done = await complete(tokens.reviewerA!);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'review_completed', reviewCompletedBy: 'user:reviewerA', reviewFinding: '审核通过', reviewCompletedAt: expect.any(String) });

    const again = await complete(tokens.reviewerA!);
    expect([again.status, again.body.code]).toEqual([409, 'EVM_REVIEW_COMPLETED']);
    const late = await reviewRecording(tokens.reviewerA!, sessions['S-1']!, roomMedia);
    expect([late.status, late.body.code]).toEqual([409, 'EVM_REVIEW_COMPLETED']);

    // Neither an edit nor a re-import from the case system undoes a completed review.
    const patched = await api(h.adminToken, `/api/v1/cases/${caseId}`, { method: 'PATCH', body: { status: 'open', title: '抢劫案（复核）' } });
    expect(patched.body).toMatchObject({ status: 'review_completed', title: '抢劫案（复核）' });
    const reimported = await api(h.adminToken, '/api/v1/cases', { body: { caseNumber: 'R-2026-0001', kind: 'criminal', title: '抢劫案', unitCode: UNIT_A } });
    expect(reimported.body.record).toMatchObject({ status: 'review_completed', reviewFinding: '审核通过' });

    const view = await api(tokens.reviewerA!, `/api/v1/cases/${caseId}/review`);
    expect(view.body).toMatchObject({ canComplete: false, pending: [] });
    // Interrogating officers by name, not only by number.
    expect(view.body.sessions.map((x: { interrogatorOfficers: unknown }) => x.interrogatorOfficers)).toEqual([[{ number: '013579', name: '张三' }], []]);
    expect(view.body.sessions[1].recordings[0].review).toMatchObject({ reviewer: 'user:reviewerA', finding: '14:21 处画面中断 40 秒，已注明原因' });
  });

  it('records the review steps and the completion in the custody chain', async () => {
    const events = await h.services.db.query<{ type: string; media_id: string | null; actor: string; details: Record<string, unknown> }>(
      `select type, media_id, actor, details from custody_events where type in ('review.recording_reviewed', 'case.review_completed') order by seq`,
    );
    expect(events.map((e) => [e.type, e.media_id])).toEqual([
      ['review.recording_reviewed', roomMedia],
      ['review.recording_reviewed', frontal],
      ['review.recording_reviewed', second],
      ['case.review_completed', null],
    ]);
    expect(events[0]!.details).toMatchObject({ caseId, sessionId: sessions['S-1'], caseNumber: 'R-2026-0001' });
    expect(events[3]!.details).toMatchObject({ caseId, finding: '审核通过' });
    expect((events[3]!.details.recordings as unknown[]).length).toBe(3);
  });

  it('keeps viewing on the media routes: a reviewer of the case may stream the proxy, others are refused', async () => {
    const ok = await fetch(`${h.baseUrl}/api/v1/media/${roomMedia}/proxy?purpose=case%20review`, { headers: { Authorization: `Bearer ${tokens.reviewerA}` } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const refused = await fetch(`${h.baseUrl}/api/v1/media/${roomMedia}/proxy`, { headers: { Authorization: `Bearer ${tokens.reviewerB}` } });
    expect(refused.status).toBe(403);
    const viewed = await h.services.db.query<{ actor: string }>(`select actor from custody_events where media_id = $1 and type = 'media.viewed'`, [roomMedia]);
    expect(viewed.map((v) => v.actor)).toEqual(['user:reviewerA']);
  });
});
