/**
 * How stored gaps and their reasons follow a recomputation (a recording stopped, resumed and stopped again), on
 * PGlite: a reason covers the gap it was given for, not a longer or different one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingsRepository } from '../src/db/repositories/recordings-repository.js';
import { apiOf } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT = '330100000041';
const T0 = Date.parse('2026-11-20T02:00:00Z');
const at = (sec: number) => new Date(T0 + sec * 1000);

describe('stored recording gaps', () => {
  let h: Harness;
  let sessionId = '';
  let deviceId = '';
  let rec: RecordingsRepository;

  beforeAll(async () => {
    h = await startHarness({ db: 'pglite', workers: false });
    const api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '刑侦四队' }],
        officers: [{ number: '035791', name: '赵六', unitCode: UNIT }],
        cases: [{ caseNumber: 'A3301002026110041', kind: 'criminal', title: '测试案', unitCode: UNIT }],
        persons: [{ externalId: 'P-41', caseNumber: 'A3301002026110041', name: '钱某' }],
        sessions: [{ externalId: 'S-41', caseNumber: 'A3301002026110041', suspectExternalId: 'P-41', room: '讯问室', interrogators: ['035791'], declaredStart: at(0).toISOString(), declaredEnd: at(600).toISOString() }],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-41'`))[0]!.id;
    const camera = await h.registerDevice('camera', 'IRC-GAPS-1');
    deviceId = camera.id;
    const room = await api(h.adminToken, '/api/v1/rooms', { body: { name: '讯问室', unitCode: UNIT } });
    rec = new RecordingsRepository(h.services.db);
    await rec.switchOn({ sessionId, roomId: room.body.id, cameras: [{ deviceId, serial: camera.serial, role: 'overview' }], actor: 'admin' });
  });
  afterAll(async () => h?.stop());

  const gap = (from: number, to: number, cause: 'camera-offline' | 'stream-stalled' = 'camera-offline') => ({ id: randomUUID(), deviceId, startedAt: at(from), endedAt: at(to), durationSec: to - from, cause });
  const stored = async () => (await rec.gaps(sessionId)).filter((g) => g.supersededAt === null);

  it('keeps a reason while the gap it was given for is unchanged or shorter, and asks again when it grows or changes cause', async () => {
    const [first] = await rec.storeGaps(sessionId, [gap(100, 160)]);
    await rec.explainGap(first!.id, 'camera power failed; interrogation paused', 'user:reviewer', null);

    // The same computation again (a retried finalize): nothing new needs a reason, and the reason stays.
    expect(await rec.storeGaps(sessionId, [gap(100, 160)])).toEqual([]);
    expect((await stored())[0]).toMatchObject({ id: first!.id, reason: 'camera power failed; interrogation paused' });

    // Shorter (a late segment filled part of it): still covered.
    expect(await rec.storeGaps(sessionId, [gap(100, 150)])).toEqual([]);
    expect((await stored())[0]).toMatchObject({ id: first!.id, reason: 'camera power failed; interrogation paused' });

    // Longer (resumed, then the camera went away again): the reason covered 50 s, not 300 s.
    const reopened = await rec.storeGaps(sessionId, [gap(100, 400)]);
    expect(reopened.map((g) => g.id)).toEqual([first!.id]);
    expect((await stored())[0]).toMatchObject({ id: first!.id, durationSec: 300, reason: null, reasonBy: null });

    // Explained again, then the same span with another cause: asked again.
    await rec.explainGap(first!.id, 'camera power failed twice', 'user:reviewer', null);
    expect((await rec.storeGaps(sessionId, [gap(100, 400, 'stream-stalled')])).map((g) => g.id)).toEqual([first!.id]);
    expect((await stored())[0]).toMatchObject({ cause: 'stream-stalled', reason: null });
  });
});
