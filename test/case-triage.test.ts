/**
 * The case list a reviewer triages by: each case with its unit's name (not its code), its suspects, its sessions
 * (and how many have no recording), the lowest recorded share, and how many recordings still wait for review
 * (待审阅), filterable to the cases with something waiting.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewRepository } from '../src/db/repositories/review-repository.js';
import { apiOf, createPeople, insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT = '330100000031';

describe('case list for triage', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let sessionId: string;
  const media: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ workers: false });
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '刑侦一大队' }],
        officers: [{ number: '013579', name: '张三', unitCode: UNIT }],
        cases: [
          { caseNumber: 'A-T-1', kind: 'criminal', title: '王某抢劫案', unitCode: UNIT, openedAt: '2026-11-02T01:00:00Z' },
          { caseNumber: 'A-T-2', kind: 'criminal', title: '无讯问案', unitCode: UNIT, openedAt: '2026-11-01T01:00:00Z' },
        ],
        persons: [
          { externalId: 'P-1', caseNumber: 'A-T-1', name: '王某', role: 'suspect' },
          { externalId: 'P-2', caseNumber: 'A-T-1', name: '钱某', role: 'suspect' },
          { externalId: 'P-3', caseNumber: 'A-T-1', name: '证人甲', role: 'witness' },
        ],
        sessions: [
          { externalId: 'S-1', caseNumber: 'A-T-1', suspectExternalId: 'P-1', room: '第一讯问室', interrogators: ['013579'], declaredStart: '2026-11-02T02:00:00Z', declaredEnd: '2026-11-02T03:00:00Z' },
          { externalId: 'S-2', caseNumber: 'A-T-1', suspectExternalId: 'P-2', room: '第一讯问室', interrogators: ['013579'], declaredStart: '2026-11-03T02:00:00Z', declaredEnd: '2026-11-03T03:00:00Z' },
        ],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    ({ tokens } = await createPeople(h, [{ username: 'reviewer1', role: 'reviewer', unitCode: UNIT }]));
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-1'`))[0]!.id;
    const camera = await h.registerDevice('camera', 'IRC-TRIAGE');
    for (let i = 0; i < 2; i++) {
      const id = await insertVerifiedMedia(h, camera.id, { recordedAt: '2026-11-02T02:00:00Z', durationSec: 1800 });
      const linked = await api(h.adminToken, `/api/v1/media/${id}/links`, { body: { sessionId, reason: '讯问录像' } });
      expect(linked.status, JSON.stringify(linked.body)).toBe(201);
      media.push(id);
    }
  }, 60_000);
  afterAll(async () => h?.stop());

  it('lists unit name, suspects, sessions and recordings waiting for review', async () => {
    const list = await api(tokens.reviewer1!, '/api/v1/cases');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const [withSessions, without] = list.body.items;
    expect(withSessions).toMatchObject({
      caseNumber: 'A-T-1', unitCode: UNIT, unitName: '刑侦一大队', suspects: ['王某', '钱某'],
      sessions: 2, sessionsUnrecorded: 1, coverageMin: null, recordings: 2, recordingsPending: 2,
    });
    expect(without).toMatchObject({ caseNumber: 'A-T-2', unitName: '刑侦一大队', suspects: [], sessions: 0, recordings: 0, recordingsPending: 0 });
    // The case as opened (its header) names the unit too.
    const one = await api(tokens.reviewer1!, `/api/v1/cases/${withSessions.id}`);
    expect(one.body.unitName).toBe('刑侦一大队');
  });

  it('counts a reviewed recording out of 待审阅 and filters to cases with something waiting', async () => {
    const waiting = await api(tokens.reviewer1!, '/api/v1/cases?pendingReview=true');
    expect(waiting.body.items.map((c: { caseNumber: string }) => c.caseNumber)).toEqual(['A-T-1']);
    const reviews = new ReviewRepository(h.services.db);
    for (const m of media) await reviews.insertRecordingReview({ id: randomUUID(), sessionId, mediaId: m, reviewer: 'user:reviewer1', userId: null, finding: '全程录制', watchedShare: 1, belowShareReason: null });
    const after = await api(tokens.reviewer1!, '/api/v1/cases');
    expect(after.body.items[0]).toMatchObject({ caseNumber: 'A-T-1', recordings: 2, recordingsPending: 0 });
    const none = await api(tokens.reviewer1!, '/api/v1/cases?pendingReview=true');
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });
});
