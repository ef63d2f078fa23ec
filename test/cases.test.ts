import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, createPeople } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

const UNIT_A = '330100000001';
const UNIT_B = '330100000002';
const at = (day: string, hhmm: string) => `2026-11-${day}T${hhmm}:00+08:00`;

const batch = () => ({
  units: [
    { code: '330100000000', name: '市局' },
    // The parent comes after its children: units are linked in a second pass.
    { code: UNIT_A, name: '一大队', parentCode: '330100000000' },
    { code: UNIT_B, name: '二大队', parentCode: '330100000000' },
  ],
  officers: [
    { number: '013579', name: '张三', unitCode: UNIT_A },
    { number: '024680', name: '李四', unitCode: UNIT_B },
  ],
  cases: [
    { caseNumber: 'A-2026-0001', kind: 'criminal', title: '盗窃案', unitCode: UNIT_A, openedAt: at('20', '09:00') },
    { caseNumber: 'A-2026-0002', kind: 'administrative', title: '治安案', unitCode: UNIT_A, openedAt: at('22', '09:00') },
    { caseNumber: 'B-2026-0001', kind: 'criminal', title: '诈骗案', unitCode: UNIT_B, openedAt: at('21', '09:00') },
  ],
  incidents: [
    { id: 'JJ-1', caseNumber: 'A-2026-0001', unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: at('20', '08:00'), endedAt: at('20', '08:30'), place: '中山路' },
    { id: 'JJ-2', caseNumber: 'B-2026-0001', unitCode: UNIT_B, officerNumbers: ['024680'], startedAt: at('21', '08:00'), endedAt: at('21', '08:30') },
  ],
  persons: [
    { externalId: 'P-1', caseNumber: 'A-2026-0001', name: '王小明' },
    { externalId: 'P-2', caseNumber: 'B-2026-0001', name: '赵大海', role: 'suspect' },
  ],
  sessions: [
    { externalId: 'S-1', caseNumber: 'A-2026-0001', suspectExternalId: 'P-1', room: '讯问室1', interrogators: ['013579'], declaredStart: at('20', '14:00'), declaredEnd: at('20', '15:00') },
  ],
});

const counts = (created: number, updated = 0, unchanged = 0) => ({ created, updated, unchanged });

describe('importing the case system (PGlite)', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  const tableCounts = async () =>
    (
      await h.services.db.query<Record<string, number>>(
        `select (select count(*) from units)::int as units, (select count(*) from officers)::int as officers, (select count(*) from cases)::int as cases,
                (select count(*) from incidents)::int as incidents, (select count(*) from persons)::int as persons, (select count(*) from interrogation_sessions)::int as sessions`,
      )
    )[0];

  beforeAll(async () => {
    h = await startHarness({ db: 'pglite', workers: false });
    api = apiOf(h);
  });
  afterAll(async () => h?.stop());

  it('imports a JSON batch, and the same batch again changes nothing', async () => {
    const first = await api(h.adminToken, '/api/v1/import', { body: batch() });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.counts).toEqual({ units: counts(3), officers: counts(2), cases: counts(3), incidents: counts(2), persons: counts(2), sessions: counts(1) });
    const again = await api(h.adminToken, '/api/v1/import', { body: batch() });
    expect(again.body.counts).toEqual({ units: counts(0, 0, 3), officers: counts(0, 0, 2), cases: counts(0, 0, 3), incidents: counts(0, 0, 2), persons: counts(0, 0, 2), sessions: counts(0, 0, 1) });
    expect(await tableCounts()).toEqual({ units: 3, officers: 2, cases: 3, incidents: 2, persons: 2, sessions: 1 });

    const changed = batch();
    changed.cases[0]!.title = '盗窃案（并案）';
    changed.units[1]!.parentCode = UNIT_B as never;
    const third = await api(h.adminToken, '/api/v1/import', { body: { cases: changed.cases, units: changed.units } });
    expect(third.body.counts.cases).toEqual(counts(0, 1, 2));
    expect(third.body.counts.units).toEqual(counts(0, 1, 2));
    const detail = await api(h.adminToken, '/api/v1/cases?caseNumber=A-2026-0001');
    expect(detail.body.items[0]).toMatchObject({ title: '盗窃案（并案）', kind: 'criminal', status: 'open', unitCode: UNIT_A, openedAt: '2026-11-20T01:00:00.000Z' });
  });

  it('never lets a re-import undo a review state', async () => {
    await h.services.db.query(`update cases set status = 'under_review' where case_number = 'A-2026-0002'`);
    const res = await api(h.adminToken, '/api/v1/import', { body: { cases: [{ ...batch().cases[1], title: '治安案 2' }] } });
    expect(res.body.counts.cases).toEqual(counts(0, 1, 0));
    const [row] = await h.services.db.query<{ status: string; title: string }>(`select status, title from cases where case_number = 'A-2026-0002'`);
    expect(row).toEqual({ status: 'under_review', title: '治安案 2' });
    const closed = await api(h.adminToken, '/api/v1/import', { body: { cases: [{ ...batch().cases[1], status: 'closed' }] } });
    expect(closed.body.counts.cases).toEqual(counts(0, 1, 0));
  });

  it('reports every bad JSON row with its index, field and stable code, and imports nothing', async () => {
    const before = await tableCounts();
    const res = await api(h.adminToken, '/api/v1/import', {
      body: {
        officers: [
          { number: '099999', name: '新人', unitCode: UNIT_A },
          { number: '12345', name: '', unitCode: '999900000000' },
        ],
        incidents: [{ id: 'JJ-9', unitCode: UNIT_A, officerNumbers: ['013579'], startedAt: '2026-11-23 08:00', endedAt: at('23', '09:00'), officer: 'x' }],
        sessions: [{ externalId: 'S-9', caseNumber: 'A-2026-0002', suspectExternalId: 'P-2', room: 'R', declaredStart: at('23', '10:00') }],
        cases: [
          { caseNumber: 'C-1', kind: 'criminal', unitCode: UNIT_A },
          { caseNumber: 'C-1', kind: 'criminal', unitCode: UNIT_A },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('EVM_IMPORT_INVALID');
    expect(res.body.errors.map((e: { entity: string; index: number; field: string; code: string }) => [e.entity, e.index, e.field, e.code])).toEqual([
      ['officers', 1, 'number', 'EVM_ROW_BAD_VALUE'],
      ['officers', 1, 'name', 'EVM_ROW_MISSING_FIELD'],
      ['cases', 1, 'caseNumber', 'EVM_ROW_DUPLICATE_KEY'],
      ['incidents', 0, 'officer', 'EVM_ROW_UNKNOWN_FIELD'],
      ['incidents', 0, 'startedAt', 'EVM_ROW_BAD_VALUE'],
      ['sessions', 0, 'suspectExternalId', 'EVM_ROW_REFERENCE_MISMATCH'],
    ]);
    expect(res.body.errorCount).toBe(6);
    expect(await tableCounts()).toEqual(before);
  });

  it('imports CSV per entity with row errors by line number, all or nothing', async () => {
    const csv = (entity: string, text: string) => api(h.adminToken, `/api/v1/import/${entity}`, { body: text, contentType: 'text/csv' });
    const units = await csv('units', 'code,name,parent_code\r\n330200000000,县局,\r\n330200000001,县一所,330200000000\r\n');
    expect(units.status, JSON.stringify(units.body)).toBe(200);
    expect(units.body.counts.units).toEqual(counts(2));

    const bad = await csv(
      'incidents',
      [
        'id,caseNumber,unitCode,officerNumbers,startedAt,endedAt,place',
        `JJ-10,,330200000001,013579;024680,${at('24', '08:00')},${at('24', '08:40')},"东街, 12号"`,
        `JJ-11,NO-SUCH-CASE,330200000001,013579,${at('24', '09:00')},${at('24', '09:30')},`,
        '',
        `JJ-12,,330200000001,13579,${at('24', '10:00')},${at('24', '09:30')},"多行`,
        `地址"`,
        `JJ-13,,330200000001,013579,${at('24', '11:00')},${at('24', '09:30')},`,
      ].join('\n'),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { line: number; field: string; code: string }) => [e.line, e.field, e.code])).toEqual([
      [3, 'caseNumber', 'EVM_ROW_UNKNOWN_REFERENCE'],
      [5, 'officerNumbers', 'EVM_ROW_BAD_VALUE'],
      [7, 'endedAt', 'EVM_ROW_BAD_VALUE'],
    ]);
    expect((await h.services.db.query(`select 1 from incidents where id like 'JJ-1_'`)).length).toBe(0);

    const good = `id,caseNumber,unitCode,officerNumbers,startedAt,endedAt,place\nJJ-10,,330200000001,013579;024680,${at('24', '08:00')},${at('24', '08:40')},"东街, 12号"\n`;
    expect((await csv('incidents', good)).body.counts.incidents).toEqual(counts(1));
    expect((await csv('incidents', good)).body.counts.incidents).toEqual(counts(0, 0, 1));
    const incident = await api(h.adminToken, '/api/v1/incidents/JJ-10');
    expect(incident.body).toMatchObject({ officerNumbers: ['013579', '024680'], place: '东街, 12号', caseId: null, startedAt: '2026-11-24T00:00:00.000Z' });

    const header = await csv('officers', 'number,nmae,unitCode\n013579,x,330100000001\n');
    expect(header.body.errors).toEqual([
      expect.objectContaining({ line: 1, field: 'nmae', code: 'EVM_ROW_UNKNOWN_COLUMN' }),
      expect.objectContaining({ line: 1, field: 'name', code: 'EVM_ROW_MISSING_COLUMN' }),
    ]);
    const syntax = await csv('officers', 'number,name,unitCode\n013579,"x,330100000001\n');
    expect(syntax.body.errors[0]).toMatchObject({ code: 'EVM_ROW_CSV_SYNTAX', line: 2 });
    expect((await csv('gadgets', 'a\n1\n')).status).toBe(400);
    const json = await api(h.adminToken, '/api/v1/import/units', { body: { code: 'x' } });
    expect([json.status, json.body.code]).toEqual([400, 'EVM_VALIDATION']);
    expect(json.body.message).toContain('text/csv');
  });

  it('creates and updates single records through the same validation', async () => {
    const created = await api(h.adminToken, '/api/v1/cases', { body: { caseNumber: 'D-1', kind: 'criminal', unitCode: UNIT_A } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ outcome: 'created', record: { caseNumber: 'D-1', status: 'open', title: '' } });
    const same = await api(h.adminToken, '/api/v1/cases', { body: { caseNumber: 'D-1', kind: 'criminal', unitCode: UNIT_A } });
    expect([same.status, same.body.outcome]).toEqual([200, 'unchanged']);
    const patched = await api(h.adminToken, `/api/v1/cases/${created.body.record.id}`, { method: 'PATCH', body: { title: '新标题', status: 'closed' } });
    expect(patched.body).toMatchObject({ title: '新标题', status: 'closed', closedAt: expect.any(String) });
    const invalid = await api(h.adminToken, '/api/v1/officers', { body: { number: '1', name: 'x', unitCode: UNIT_A } });
    expect([invalid.status, invalid.body.code, invalid.body.errors[0].code]).toEqual([422, 'EVM_IMPORT_INVALID', 'EVM_ROW_BAD_VALUE']);
    const units = await api(h.adminToken, '/api/v1/units');
    expect(units.body.find((u: { code: string }) => u.code === UNIT_A)).toEqual({ code: UNIT_A, name: '一大队', parentCode: UNIT_B });
  });

  it('describes the case, link and review routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/import',
        '/api/v1/import/{entity}',
        '/api/v1/cases',
        '/api/v1/cases/{id}',
        '/api/v1/media/{id}/links',
        '/api/v1/media/{id}/links/{linkId}/remove',
        '/api/v1/link-suggestions',
        '/api/v1/link-suggestions/{id}/resolve',
        '/api/v1/cases/{id}/review',
        '/api/v1/cases/{id}/review/complete',
        '/api/v1/media/{id}/review-marks',
        '/api/v1/interrogation-sessions/{id}/recordings/{mediaId}/review',
      ]),
    );
  });
});

describe('who may list and read cases (PostgreSQL)', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  const caseIds: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', workers: false });
    api = apiOf(h);
    expect((await api(h.adminToken, '/api/v1/import', { body: batch() })).status).toBe(200);
    for (const r of await h.services.db.query<{ id: string; case_number: string }>('select id, case_number from cases')) caseIds[r.case_number] = r.id;
    ({ tokens, ids } = await createPeople(h, [
      { username: 'officer1', role: 'officer', unitCode: UNIT_A, officerNumber: '013579' },
      { username: 'reviewerA', role: 'reviewer', unitCode: UNIT_A },
      { username: 'reviewerB', role: 'reviewer', unitCode: UNIT_B },
      { username: 'headB', role: 'unit_head', unitCode: UNIT_B },
      { username: 'auditor', role: 'auditor' },
    ]));
  });
  afterAll(async () => h?.stop());

  const listed = async (token: string, query = '') => {
    const res = await api(token, `/api/v1/cases${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items.map((c: { caseNumber: string }) => c.caseNumber);
  };

  it('scopes the case list to the caller', async () => {
    expect(await listed(h.adminToken)).toEqual(['A-2026-0002', 'B-2026-0001', 'A-2026-0001']);
    expect(await listed(tokens.reviewerA!)).toEqual(['A-2026-0002', 'A-2026-0001']);
    expect(await listed(tokens.reviewerB!)).toEqual(['B-2026-0001']);
    expect(await listed(tokens.headB!)).toEqual(['B-2026-0001']);
    expect(await listed(tokens.officer1!)).toEqual([]);
    expect(await listed(tokens.auditor!)).toEqual([]);
    // An assigned reviewer sees the case outside their unit; an approved grant opens it to anyone.
    await h.services.db.query('insert into case_assignments (case_id, user_id) values ($1, $2)', [caseIds['A-2026-0001'], ids.reviewerB]);
    expect(await listed(tokens.reviewerB!)).toEqual(['B-2026-0001', 'A-2026-0001']);
    await h.services.db.query(
      `insert into access_requests (id, user_id, case_id, purpose, status, decided_at, expires_at) values (gen_random_uuid(), $1, $2, 'audit', 'approved', now(), now() + interval '1 hour')`,
      [ids.auditor, caseIds['B-2026-0001']],
    );
    expect(await listed(tokens.auditor!)).toEqual(['B-2026-0001']);
    const dock = await h.registerDevice('dock');
    expect((await api(dock.token, '/api/v1/cases')).status).toBe(403);
    expect((await api(null, '/api/v1/cases')).status).toBe(401);
  });

  it('searches by case number, suspect, officer and opening date, paged', async () => {
    expect(await listed(h.adminToken, '?caseNumber=a-2026')).toEqual(['A-2026-0002', 'A-2026-0001']);
    expect(await listed(h.adminToken, `?suspect=${encodeURIComponent('小明')}`)).toEqual(['A-2026-0001']);
    expect(await listed(h.adminToken, '?officer=024680')).toEqual(['B-2026-0001']);
    expect(await listed(h.adminToken, '?officer=013579')).toEqual(['A-2026-0001']); // incident officer and interrogator
    expect(await listed(h.adminToken, `?from=${encodeURIComponent('2026-11-21T00:00:00+08:00')}&to=${encodeURIComponent('2026-11-22T00:00:00+08:00')}`)).toEqual(['B-2026-0001']);
    expect(await listed(tokens.reviewerA!, '?officer=024680')).toEqual([]);
    expect(await listed(h.adminToken, '?caseNumber=%25')).toEqual([]); // % is literal
    const page = await api(h.adminToken, '/api/v1/cases?limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ caseNumber: 'B-2026-0001' }] });
    expect((await api(h.adminToken, '/api/v1/cases?limit=1&offset=5')).body).toMatchObject({ total: 3, items: [] });
    expect((await api(h.adminToken, '/api/v1/cases?officer=12')).status).toBe(400);
  });

  it('opens a case in scope and refuses (and logs) the rest', async () => {
    const a1 = caseIds['A-2026-0001']!;
    const detail = await api(tokens.reviewerA!, `/api/v1/cases/${a1}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ caseNumber: 'A-2026-0001', incidents: [{ id: 'JJ-1', caseNumber: 'A-2026-0001' }], persons: [{ name: '王小明', externalId: 'P-1' }], sessions: [{ room: '讯问室1', suspectName: '王小明' }] });
    const status = async (token: string, url: string) => (await api(token, url)).status;
    expect(await status(h.adminToken, `/api/v1/cases/${a1}`)).toBe(200);
    expect(await status(tokens.reviewerB!, `/api/v1/cases/${a1}`)).toBe(200); // assigned above
    expect(await status(tokens.headB!, `/api/v1/cases/${a1}`)).toBe(403);
    expect(await status(tokens.officer1!, `/api/v1/cases/${a1}`)).toBe(403);
    expect(await status(tokens.auditor!, `/api/v1/cases/${a1}`)).toBe(403);
    expect(await status(tokens.headB!, `/api/v1/cases/${caseIds['B-2026-0001']}`)).toBe(200);
    expect(await status(tokens.headB!, `/api/v1/interrogation-sessions/${detail.body.sessions[0].id}`)).toBe(403);
    expect(await status(tokens.reviewerA!, `/api/v1/interrogation-sessions/${detail.body.sessions[0].id}`)).toBe(200);
    expect(await status(tokens.headB!, '/api/v1/incidents/JJ-1')).toBe(403);
    expect(await status(tokens.headB!, '/api/v1/incidents/JJ-2')).toBe(200);
    expect(await status(h.adminToken, '/api/v1/cases/00000000-0000-4000-8000-000000000000')).toBe(404);
    const refusals = await h.services.db.query<{ actor: string; details: { caseId: string; action: string } }>(
      `select actor, details from custody_events where type = 'access.refused' and details->>'caseId' = $1 order by seq`,
      [a1],
    );
    expect(refusals.map((r) => r.actor)).toEqual(['user:headB', 'user:officer1', 'user:auditor', 'user:headB', 'user:headB']);
  });

  it('keeps imports and edits to admins', async () => {
    for (const t of [tokens.reviewerA!, tokens.headB!, tokens.officer1!]) {
      expect((await api(t, '/api/v1/import', { body: { units: [] } })).status).toBe(403);
      expect((await api(t, '/api/v1/cases', { body: { caseNumber: 'X-1', kind: 'criminal', unitCode: UNIT_A } })).status).toBe(403);
      expect((await api(t, `/api/v1/cases/${caseIds['A-2026-0001']}`, { method: 'PATCH', body: { title: 'x' } })).status).toBe(403);
    }
    expect((await api(null, '/api/v1/import', { body: {} })).status).toBe(401);
  });
});
