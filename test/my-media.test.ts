/** An officer's own footage (我的视频): only theirs, newest first, with state and what it is linked to. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, createPeople, insertVerifiedMedia } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT = '330100000031';

describe('GET /api/v1/me/media', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  const mine: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ workers: false });
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '刑侦一大队' }],
        officers: [
          { number: '013579', name: '张三', unitCode: UNIT },
          { number: '024680', name: '李四', unitCode: UNIT },
        ],
        cases: [{ caseNumber: 'A-M-1', kind: 'criminal', title: '盗窃案', unitCode: UNIT }],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    ({ tokens } = await createPeople(h, [
      { username: 'officer1', role: 'officer', unitCode: UNIT, officerNumber: '013579' },
      { username: 'reviewer1', role: 'reviewer', unitCode: UNIT },
    ]));
    const bwc = await h.registerDevice('camera', 'BWC-MINE');
    mine.push(await insertVerifiedMedia(h, bwc.id, { officerId: '013579', recordedAt: '2026-12-01T01:00:00Z' }));
    mine.push(await insertVerifiedMedia(h, bwc.id, { officerId: '013579', recordedAt: '2026-12-02T01:00:00Z' }));
    await insertVerifiedMedia(h, bwc.id, { officerId: '024680', recordedAt: '2026-12-03T01:00:00Z' });
    const caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'A-M-1'`))[0]!.id;
    expect((await api(h.adminToken, `/api/v1/media/${mine[0]}/links`, { body: { caseId, reason: '现场执法' } })).status).toBe(201);
  }, 120_000);
  afterAll(async () => h?.stop());

  it("lists only the officer's own footage, newest first, with its case link", async () => {
    const res = await api(tokens.officer1!, '/api/v1/me/media');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.map((m: { id: string }) => m.id)).toEqual([mine[1], mine[0]]);
    expect(res.body[0]).toMatchObject({ state: 'ready', officerId: '013579', links: [] });
    expect(res.body[1].links).toEqual([expect.objectContaining({ caseNumber: 'A-M-1', source: 'manual' })]);
  });

  it('has nothing for a person without an officer number and refuses devices', async () => {
    expect((await api(tokens.reviewer1!, '/api/v1/me/media')).body).toEqual([]);
    const dock = await h.registerDevice('dock');
    expect((await api(dock.token, '/api/v1/me/media')).status).toBe(403);
  });
});
