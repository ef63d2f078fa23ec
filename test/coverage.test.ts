import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingItems, pendingDeadlines, rateSummary, rateTrend, unitWithDescendants, type CoverageFilter } from '../src/db/coverage-queries.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open.js';
import { COVERAGE_RATES } from '../src/domain/coverage.js';
import { buildCoverageFixture, CITY, EXPECTED, NOV_FROM, NOV_TO, OTHER, STATION, type Ids } from './coverage.fixtures.js';
import { createTempDatabase, type TempDatabase } from './helpers/postgres.js';

const rules = { deadlineHours: 24, gapToleranceSec: 2 };
const nov: CoverageFilter = { from: NOV_FROM, to: NOV_TO, unitCodes: null, officer: null };

/** Each rate on a hand-built month whose answer is known, on both engines. */
for (const engine of ['pglite', 'postgres'] as const) {
  describe(`coverage queries on ${engine}`, () => {
    let db: Db;
    let temp: TempDatabase | null = null;
    let dir: string;
    let ids: Ids;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'evm-cov-'));
      if (engine === 'postgres') temp = await createTempDatabase();
      db = await openDb({ databaseUrl: temp?.url, pgliteDir: path.join(dir, 'pglite') });
      ids = await buildCoverageFixture(db);
    });
    afterAll(async () => {
      await db?.close();
      await temp?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    for (const rate of COVERAGE_RATES) {
      it(`${rate}: numerator and denominator match the hand count`, async () => {
        const s = await rateSummary(db, rate, nov, rules, null);
        const e = EXPECTED[rate];
        expect(s.total).toMatchObject({ numerator: e.numerator, denominator: e.denominator, rate: e.numerator / e.denominator, target: 1 });
      });

      it(`${rate}: the drill-down lists exactly what is missing`, async () => {
        const { total, items } = await missingItems(db, rate, nov, rules, { limit: 100, offset: 0 });
        const e = EXPECTED[rate].missing;
        const expectedNames: string[] = Array.isArray(e) ? [...(e as readonly string[])] : Object.keys(e);
        expect(total).toBe(expectedNames.length);
        // a review item is one link of a recording to its session: named by its media here
        const idOf = (i: (typeof items)[number]) => (rate === 'interrogation-review' ? i.mediaId : i.id);
        expect(items.map(idOf).sort()).toEqual(expectedNames.map((n) => ids[n]).sort());
        if (!Array.isArray(e)) for (const [name, reason] of Object.entries(e)) expect(items.find((i) => idOf(i) === ids[name])?.reason).toBe(reason);
        // oldest first
        expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort());
      });
    }

    it('counts body-cam usage per unit and per officer (an incident of two officers counts for each, once in the total)', async () => {
      const byUnit = await rateSummary(db, 'bodycam-usage', nov, rules, 'unit');
      const units = Object.fromEntries(byUnit.groups.map((g) => [g.key, [g.value.numerator, g.value.denominator]]));
      expect(units).toEqual(EXPECTED['bodycam-usage'].byUnit);
      expect(byUnit.groups.find((g) => g.key === STATION)?.name).toBe('城关派出所');
      const byOfficer = await rateSummary(db, 'bodycam-usage', nov, rules, 'officer');
      expect(Object.fromEntries(byOfficer.groups.map((g) => [g.key, [g.value.numerator, g.value.denominator]]))).toEqual(EXPECTED['bodycam-usage'].byOfficer);
      expect(byOfficer.groups.find((g) => g.key === '000003')).toMatchObject({ name: '王五', unitCode: OTHER });
      // worst first
      expect(byOfficer.groups[0]!.key).toBe('000003');
    });

    it('charges a missing dock file to the officer its camera last declared; a camera nobody declared is unattributed', async () => {
      const byOfficer = await rateSummary(db, 'storage', nov, rules, 'officer');
      const g = Object.fromEntries(byOfficer.groups.map((x) => [x.key ?? 'none', [x.value.numerator, x.value.denominator]]));
      expect(g).toEqual({ '000001': [1, 2], '000003': [1, 1], none: [0, 1] });
      const byUnit = await rateSummary(db, 'storage', nov, rules, 'unit');
      expect(Object.fromEntries(byUnit.groups.map((x) => [x.key ?? 'none', [x.value.numerator, x.value.denominator]]))).toEqual({ [STATION]: [1, 2], [OTHER]: [1, 1], none: [0, 1] });
    });

    it("a unit's figures include its sub-units; an officer filter narrows to that officer", async () => {
      const city = await unitWithDescendants(db, CITY);
      expect(city.sort()).toEqual([CITY, STATION]);
      const s = await rateSummary(db, 'bodycam-usage', { ...nov, unitCodes: city }, rules, null);
      expect(s.total).toMatchObject({ numerator: 2, denominator: 3 });
      const t = await rateSummary(db, 'upload-timeliness', { ...nov, unitCodes: [OTHER] }, rules, null);
      expect(t.total).toMatchObject({ numerator: 0, denominator: 1 });
      const o = await missingItems(db, 'bodycam-usage', { ...nov, officer: '000002' }, rules, { limit: 10, offset: 0 });
      expect(o.items.map((i) => i.id)).toEqual([ids.I2]);
      const r = await rateSummary(db, 'full-recording', { ...nov, unitCodes: [STATION] }, rules, null);
      expect(r.total).toMatchObject({ numerator: 3, denominator: 4 });
    });

    it('pages the drill-down and still reports the total past the last page', async () => {
      const p1 = await missingItems(db, 'full-recording', nov, rules, { limit: 2, offset: 0 });
      const p2 = await missingItems(db, 'full-recording', nov, rules, { limit: 2, offset: 2 });
      const p3 = await missingItems(db, 'full-recording', nov, rules, { limit: 2, offset: 4 });
      const past = await missingItems(db, 'full-recording', nov, rules, { limit: 2, offset: 50 });
      expect([p1.total, p2.total, p3.total, past.total]).toEqual([5, 5, 5, 5]);
      expect([...p1.items, ...p2.items, ...p3.items].map((i) => i.id)).toEqual([ids.S2, ids.S4, ids.S5, ids.S6, ids.S7]);
      expect(past.items).toEqual([]);
    });

    it('gives the drill-down the facts a person acts on', async () => {
      const t = await missingItems(db, 'upload-timeliness', nov, rules, { limit: 10, offset: 0 });
      expect(t.items.find((i) => i.id === ids.M3)).toMatchObject({ reason: 'stored-after-deadline', lateHours: 0, dockSerial: 'DOCK-1', officers: ['000001'] });
      expect(t.items.find((i) => i.id === ids.M5)).toMatchObject({ lateHours: 24 });
      const s = await missingItems(db, 'storage', nov, rules, { limit: 10, offset: 0 });
      expect(s.items.find((i) => i.id === ids.F2)).toMatchObject({ name: 'F2.mp4', origin: 'CAM-A', officers: ['000001'], unitCode: STATION, reason: 'not-stored' });
      const b = await missingItems(db, 'bodycam-usage', nov, rules, { limit: 10, offset: 0 });
      expect(b.items[0]).toMatchObject({ incidentId: ids.I2, officers: ['000001', '000002'], place: 'place I2' });
    });

    it('splits a range into weekly or monthly buckets that add up to the whole', async () => {
      // weeks of November 2026 (Shanghai): W44 is 26 Oct-1 Nov, so the first bucket is only 1 November
      const bounds = [NOV_FROM, new Date('2026-11-01T16:00:00Z'), new Date('2026-11-08T16:00:00Z'), new Date('2026-11-15T16:00:00Z'), new Date('2026-11-22T16:00:00Z'), new Date('2026-11-29T16:00:00Z')];
      const trend = await rateTrend(db, 'bodycam-usage', nov, rules, bounds);
      expect(trend.map((t) => [t.numerator, t.denominator])).toEqual([[1, 1], [1, 4], [0, 0], [0, 0], [0, 0], [0, 0]]);
      expect(trend[2]!.rate).toBeNull();
    });

    it('lists dock files past the warning mark and the deadline, most urgent first', async () => {
      // On 4 Nov 22:00Z F2 (ended 4 Nov 00:00Z) is 22 h old: due; F3 (01:00Z) 21 h: due; F4 (seen 20 Oct) long overdue.
      const due = await pendingDeadlines(db, { now: new Date('2026-11-04T22:00:00Z'), deadlineHours: 24, warningHours: 20, unitCodes: null, status: null, limit: 10, offset: 0 });
      expect(due).toMatchObject({ total: 3, overdue: 1, due: 2 });
      expect(due.items.map((i) => [i.name, i.status])).toEqual([['F4.mp4', 'overdue'], ['F2.mp4', 'due'], ['F3.mp4', 'due']]);
      const later = await pendingDeadlines(db, { now: new Date('2026-11-05T00:30:00Z'), deadlineHours: 24, warningHours: 20, unitCodes: null, status: 'overdue', limit: 10, offset: 0 });
      expect(later.items.map((i) => i.name)).toEqual(['F4.mp4', 'F2.mp4']);
      const station = await pendingDeadlines(db, { now: new Date('2026-12-01T00:00:00Z'), deadlineHours: 24, warningHours: 20, unitCodes: [STATION], status: null, limit: 10, offset: 0 });
      // F4 (October, CAM-A) is overdue too; F3 has no officer, so no unit
      expect(station.items.map((i) => i.name)).toEqual(['F4.mp4', 'F2.mp4']);
    });
  });
}
