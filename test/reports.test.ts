import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCoverageFixture, CITY, EXPECTED, OTHER, STATION, type Ids } from './coverage.fixtures.js';
import { apiOf, createPeople } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

/**
 * The coverage, report and supervision API over the hand-built November 2026 (test/coverage.fixtures.ts), as the
 * web UI calls it: figures, drill-downs, role refusals, CSV and HTML reports, reproducible samples.
 */
describe('coverage, reports and supervision API', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;
  let ids: Ids;

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', workers: false, env: { SUPERVISION_UNIT_FRACTIONS: JSON.stringify({ [OTHER]: 0.1 }), COVERAGE_METRICS_INTERVAL_SEC: '0' } });
    api = apiOf(h);
    ids = await buildCoverageFixture(h.services.db);
    ({ tokens } = await createPeople(h, [
      { username: 'head-city', role: 'unit_head', unitCode: CITY },
      { username: 'head-station', role: 'unit_head', unitCode: STATION },
      { username: 'auditor', role: 'auditor' },
      { username: 'officer', role: 'officer', unitCode: STATION, officerNumber: '000001' },
      { username: 'reviewer', role: 'reviewer', unitCode: STATION },
    ]));
  });
  afterAll(async () => {
    await h?.stop();
  });

  const nov = 'from=2026-11-01&to=2026-11-30';

  it('gives all five rates with target 1 and per-unit rows', async () => {
    const r = await api(h.adminToken, `/api/v1/coverage?${nov}&groupBy=unit`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const [rate, e] of Object.entries(EXPECTED)) {
      expect(r.body.rates[rate]).toMatchObject({ numerator: e.numerator, denominator: e.denominator, target: 1, missing: e.denominator - e.numerator, met: false });
    }
    const station = r.body.groups.find((g: { key: string }) => g.key === STATION);
    expect(station.name).toBe('城关派出所');
    expect(station.rates['bodycam-usage']).toMatchObject({ numerator: 2, denominator: 3 });
    expect(r.body.from).toBe('2026-10-31T16:00:00.000Z');
    expect(r.body.to).toBe('2026-11-30T16:00:00.000Z');
  });

  it('lists exactly what is missing, paged', async () => {
    const r = await api(h.adminToken, `/api/v1/coverage/bodycam-usage/missing?${nov}&limit=2`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ rate: 'bodycam-usage', total: 3, limit: 2, offset: 0 });
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([ids.I2, ids.I3]);
    const p2 = await api(h.adminToken, `/api/v1/coverage/bodycam-usage/missing?${nov}&limit=2&offset=2`);
    expect(p2.body.items.map((i: { id: string }) => i.id)).toEqual([ids.I4]);
    const bad = await api(h.adminToken, `/api/v1/coverage/nonsense/missing?${nov}`);
    expect(bad.status).toBe(400);
  });

  it('gives a trend per week or month', async () => {
    const r = await api(tokens.auditor!, `/api/v1/coverage/trend?from=2026-10-01&to=2026-11-30&interval=month`);
    expect(r.status).toBe(200);
    expect(r.body.buckets.map((b: { label: string }) => b.label)).toEqual(['2026-10', '2026-11']);
    expect(r.body.buckets[1].rates['full-recording']).toMatchObject({ numerator: 3, denominator: 8 });
    expect(r.body.buckets[0].rates['bodycam-usage']).toMatchObject({ numerator: 0, denominator: 1 }); // I6, 31 October
  });

  it('scopes unit heads to their unit and its sub-units; refuses officers, reviewers and anyone outside', async () => {
    const city = await api(tokens['head-city']!, `/api/v1/coverage?${nov}`);
    expect(city.status).toBe(200);
    expect(city.body.unit).toBe(CITY);
    expect(city.body.rates['bodycam-usage']).toMatchObject({ numerator: 2, denominator: 3 });
    expect((await api(tokens['head-city']!, `/api/v1/coverage?${nov}&unit=${STATION}`)).status).toBe(200);
    const outside = await api(tokens['head-station']!, `/api/v1/coverage?${nov}&unit=${CITY}`);
    expect(outside.status).toBe(403);
    expect((await api(tokens['head-station']!, `/api/v1/coverage/storage/missing?${nov}&unit=${OTHER}`)).status).toBe(403);
    for (const who of ['officer', 'reviewer']) {
      const r = await api(tokens[who]!, `/api/v1/coverage?${nov}`);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('EVM_FORBIDDEN');
      expect((await api(tokens[who]!, '/api/v1/reports/weekly?period=2026-W45')).status).toBe(403);
    }
    expect((await api(null, `/api/v1/coverage?${nov}`)).status).toBe(401);
    expect((await api(tokens.auditor!, '/api/v1/supervision/samples', { body: { period: '2026-11' } })).status).toBe(403);
  });

  it('refuses bad ranges with a stable code', async () => {
    const r = await api(h.adminToken, '/api/v1/coverage?from=2026-11-30&to=2026-11-01');
    expect(r).toMatchObject({ status: 400, body: { code: 'EVM_VALIDATION' } });
    expect((await api(h.adminToken, '/api/v1/coverage?from=yesterday')).status).toBe(400);
  });

  it('lists dock files near or past the upload deadline', async () => {
    const r = await api(h.adminToken, '/api/v1/uploads/deadlines?status=overdue');
    expect(r.status).toBe(200);
    // F2, F3 and F4 are long overdue by now
    expect(r.body.items.map((i: { name: string }) => i.name)).toEqual(['F4.mp4', 'F2.mp4', 'F3.mp4']);
    expect(r.body).toMatchObject({ total: 3, overdue: 3, due: 0 });
  });

  it('writes the monthly inspection as CSV with every rate per unit', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/reports/monthly?period=2026-11&format=csv`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('monthly-2026-11.csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    // UTF-8 byte-order mark, so spreadsheets on Chinese Windows do not read it as GBK
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(bytes, { bom: true });
    const find = (section: string, key: string, rate: string) => rows.find((r) => r[0] === section && r[1] === key && r[3] === rate);
    expect(find('total 合计', '', 'storage')?.slice(6, 11)).toEqual(['2', '4', '0.5000', '1', '2']);
    expect(find('unit 单位', STATION, 'bodycam-usage')?.slice(6, 8)).toEqual(['2', '3']);
    expect(find('unit 单位', STATION, 'bodycam-usage')?.[2]).toBe('城关派出所');
    expect(find('officer 民警', '000003', 'full-recording')?.slice(6, 8)).toEqual(['0', '4']);
    expect(rows.some((r) => r[0]?.startsWith('previous 上期 2026-10'))).toBe(true);
    expect(rows.find((r) => r[0] === 'overdue 超期未上传')?.[6]).toBe('3');
  });

  it('prints the quarterly report as HTML with print CSS, zh-CN labels and English', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/reports/quarterly?period=2026-Q4&format=html`, { headers: { Authorization: `Bearer ${tokens.auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('季通报 Quarterly report — 2026-Q4');
    expect(html).toContain('@page { size: A4 landscape');
    expect(html).toContain('执法记录仪使用率<br><small>Body-cam usage');
    expect(html).toContain('按月 By month');
    // November row: body-cam usage 2/5 = 40.0%
    expect(html).toMatch(/2026-11<\/th><td class="short">40\.0%<br><small>2\/5<\/small>/);
    expect(html).not.toContain('<script');
    const wrong = await api(h.adminToken, '/api/v1/reports/quarterly?period=2026-11');
    expect(wrong).toMatchObject({ status: 400, body: { code: 'EVM_VALIDATION' } });
  });

  it('draws a supervisory sample of at least the fraction per unit, reproducible from its seed', async () => {
    // 30 more cases opened in November: 20 in STATION (20%: 5 with K1 and K3... see below), 10 in OTHER (10%)
    const db = h.services.db;
    await db.query(
      `insert into cases (id, case_number, kind, unit_code, opened_at)
       select gen_random_uuid(), 'S-' || g, 'administrative', case when g <= 20 then $1 else $2 end, '2026-11-10T00:00:00Z' from generate_series(1, 30) g`,
      [STATION, OTHER],
    );
    // population: STATION 20 + K1 + K3 = 22 → ceil(4.4) = 5; OTHER 10 + K2 = 11 at 10% → ceil(1.1) = 2
    const first = await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: '2026-11' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(first.body.population).toEqual({ [STATION]: 22, [OTHER]: 11 });
    expect(first.body.fractions).toEqual({ [STATION]: 0.2, [OTHER]: 0.1 });
    const per = (b: { cases: Array<{ unitCode: string }> }, u: string) => b.cases.filter((c) => c.unitCode === u).length;
    expect([per(first.body, STATION), per(first.body, OTHER)]).toEqual([5, 2]);
    expect(first.body.caseCount).toBe(7);

    const again = await api(tokens['head-city']!, '/api/v1/supervision/samples', { body: { period: '2026-11', seed: first.body.seed, unit: undefined } });
    // a unit head draws within their unit only: STATION is inside CITY
    expect(again.status).toBe(201);
    expect(again.body.unitCode).toBe(CITY);
    expect(again.body.cases.map((c: { caseId: string }) => c.caseId)).toEqual(first.body.cases.filter((c: { unitCode: string }) => c.unitCode === STATION).map((c: { caseId: string }) => c.caseId));

    const replay = await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: '2026-11', seed: first.body.seed } });
    expect(replay.body.cases).toEqual(first.body.cases);
    expect(replay.body.caseSetHash).toBe(first.body.caseSetHash);

    // a seed of one's own choosing is refused: it could be tried offline until the sample avoided some cases
    const chosen = await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: '2026-11', seed: 'x' } });
    expect([chosen.status, chosen.body.code]).toEqual([400, 'EVM_VALIDATION']);
    const raised = await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: '2026-11', fraction: 0.5, seed: first.body.seed } });
    expect(raised.body.fractions).toEqual({ [STATION]: 0.5, [OTHER]: 0.5 });
    expect([per(raised.body, STATION), per(raised.body, OTHER)]).toEqual([11, 6]);
    const lowered = await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: '2026-11', fraction: 0.01 } });
    expect(lowered.body.fractions).toEqual({ [STATION]: 0.2, [OTHER]: 0.1 });

    const list = await api(tokens.auditor!, '/api/v1/supervision/samples');
    expect(list.status).toBe(200);
    expect(list.body.length).toBe(5);
    const one = await api(tokens.auditor!, `/api/v1/supervision/samples/${first.body.id}`);
    expect(one.body.cases).toEqual(first.body.cases);
    // a city-wide sample is not a station head's to read
    expect((await api(tokens['head-station']!, `/api/v1/supervision/samples/${first.body.id}`)).status).toBe(403);
    expect((await api(h.adminToken, '/api/v1/supervision/samples', { body: { period: 'November' } })).status).toBe(400);

    // The monthly report counts the newest city-wide draw once, not every redraw and unit draw added up.
    const report = await fetch(`${h.baseUrl}/api/v1/reports/monthly?period=2026-11&format=html`, { headers: { Authorization: `Bearer ${h.adminToken}` } });
    expect(await report.text()).toContain(`Supervisory samples: 1, 抽查案件 cases sampled ${lowered.body.caseCount} / 33`);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await api(null, '/openapi.json')).body;
    for (const path of ['/api/v1/coverage', '/api/v1/coverage/trend', '/api/v1/coverage/{rate}/missing', '/api/v1/uploads/deadlines', '/api/v1/reports/{kind}', '/api/v1/supervision/samples', '/api/v1/supervision/samples/{id}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
