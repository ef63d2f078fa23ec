/**
 * Watched coverage through the API: the player's reported ranges, their validation, the custody event per report,
 * the share the "recording reviewed" step needs (REVIEW_MIN_WATCHED_SHARE, 1.0 by default) and the written reason
 * that may stand in for the rest, and review blockers that name the recording and how much was watched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, createPeople, insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT = '330100000071';
const at = (hhmm: string) => `2026-11-23T${hhmm}:00+08:00`;

describe('watched coverage of interrogation recordings', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let caseId: string;
  let sessionId: string;
  let rec: string; // 60 s recording
  const watched = (token: string, ranges: unknown, mediaId = rec) => api(token, `/api/v1/media/${mediaId}/watched`, { body: { ranges, caseId } });
  const review = (token: string, body: Record<string, string>) => api(token, `/api/v1/interrogation-sessions/${sessionId}/recordings/${rec}/review`, { body });

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres' });
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '法制大队' }],
        cases: [{ caseNumber: 'W-2026-0001', kind: 'criminal', title: '盗窃案', unitCode: UNIT }],
        persons: [{ externalId: 'P-W1', caseNumber: 'W-2026-0001', name: '孙某' }],
        sessions: [{ externalId: 'S-W1', caseNumber: 'W-2026-0001', suspectExternalId: 'P-W1', room: '讯问室1', declaredStart: at('10:00'), declaredEnd: at('10:01') }],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'W-2026-0001'`))[0]!.id;
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-W1'`))[0]!.id;
    ({ tokens } = await createPeople(h, [
      { username: 'w-reviewer', role: 'reviewer', unitCode: UNIT },
      { username: 'w-reviewer2', role: 'reviewer', unitCode: UNIT },
    ]));
    const dock = await h.registerDevice('dock');
    rec = await insertVerifiedMedia(h, dock.id, { recordedAt: at('10:00'), recordedEnd: at('10:01'), durationSec: 60 });
    expect((await api(h.adminToken, `/api/v1/media/${rec}/links`, { body: { sessionId, reason: '讯问录像' } })).status).toBe(201);
  });
  afterAll(async () => h?.stop());

  it('refuses ranges outside the recording, not finite, reversed, at odd rates or too many, and stores nothing', async () => {
    for (const ranges of [
      [{ startSec: 0, endSec: 75, rate: 1 }],
      [{ startSec: 0, endSec: 'Infinity', rate: 1 }],
      [{ startSec: 20, endSec: 10, rate: 1 }],
      [{ startSec: 0, endSec: 10, rate: 64 }],
      Array.from({ length: 201 }, () => ({ startSec: 0, endSec: 1, rate: 1 })),
      [],
    ]) {
      const res = await watched(tokens['w-reviewer']!, ranges);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      // A non-finite number is refused by the central input guard, before the route's own range checks.
      expect(res.body.code).toBe(JSON.stringify(ranges).includes('Infinity') ? 'EVM_INPUT_NOT_STORABLE' : 'EVM_VALIDATION');
    }
    const [row] = await h.services.db.query<{ n: number }>('select count(*)::int as n from watched_ranges');
    const n = row?.n;
    expect(n).toBe(0);
  });

  it('counts half a recording as 50%, refuses "reviewed" without a reason and names what is missing', async () => {
    const r = tokens['w-reviewer']!;
    // First half at 1×, replayed in part; the second half at 2× (shown, not counted).
    expect((await watched(r, [{ startSec: 0, endSec: 20, rate: 1 }])).status).toBe(201);
    const second = await watched(r, [{ startSec: 10, endSec: 30, rate: 1 }, { startSec: 30, endSec: 60, rate: 2 }]);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body).toMatchObject({ share: 0.5, countedSec: 30, playedSec: 60, durationSec: 60, minShare: 1 });
    const events = await api(h.adminToken, `/api/v1/custody/events?mediaId=${rec}&type=media.watched`);
    expect(events.body.items).toHaveLength(2);
    expect(events.body.items.map((e: { actor: string }) => e.actor)).toEqual(['user:w-reviewer', 'user:w-reviewer']);
    expect(events.body.items.some((e: { details: { ranges: unknown[] } }) => e.details.ranges.length === 2)).toBe(true);

    // Another reviewer's playing is theirs alone.
    expect((await api(tokens['w-reviewer2']!, `/api/v1/media/${rec}/watched`)).body).toMatchObject({ share: 0, counted: [] });
    expect((await api(r, `/api/v1/media/${rec}/watched`)).body).toMatchObject({ counted: [[0, 30]], played: [[0, 60]] });

    const page = await api(r, `/api/v1/cases/${caseId}/review`);
    expect(page.body.sessions[0].recordings[0].watched).toMatchObject({ share: 0.5, minShare: 1 });
    expect(page.body.pending).toEqual([expect.objectContaining({ kind: 'recording-not-reviewed', mediaId: rec, watchedShare: 0.5, filename: expect.any(String) })]);

    const incomplete = await api(r, `/api/v1/cases/${caseId}/review/complete`, { body: { finding: '审核通过' } });
    expect(incomplete.status).toBe(409);
    expect(incomplete.body.pending).toEqual([expect.objectContaining({ kind: 'recording-not-reviewed', mediaId: rec, watchedShare: 0.5 })]);

    const refused = await review(r, { finding: '已审阅' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('EVM_REVIEW_NOT_WATCHED');
    expect(refused.body.message).toContain('50%');
    expect(await h.services.db.query('select 1 from recording_reviews where media_id = $1', [rec])).toHaveLength(0);

    const reason = '后半段为嫌疑人签字确认，已快进核对';
    const ok = await review(r, { finding: '已审阅，前半段逐秒观看', belowShareReason: reason });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ watchedShare: 0.5, belowShareReason: reason });
    const ev = await api(h.adminToken, `/api/v1/custody/events?mediaId=${rec}&type=review.recording_reviewed`);
    expect(ev.body.items[0].details).toMatchObject({ belowShareReason: reason, watched: { share: 0.5, countedSec: 30, minShare: 1 } });
  });

  it('accepts "reviewed" without a reason once everything was played at normal speed', async () => {
    const r = tokens['w-reviewer2']!;
    expect((await review(r, { finding: '已审阅' })).status).toBe(409);
    expect((await watched(r, [{ startSec: 0, endSec: 60.4, rate: 1 }])).status).toBe(201);
    const ok = await review(r, { finding: '已完整观看' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ watchedShare: 1, belowShareReason: null });
  });
});
