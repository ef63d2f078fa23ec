/**
 * Times every coverage query and drill-down at a city's scale against the 300 ms dashboard goal.
 *
 *   npm run bench:coverage            (needs the machine's PostgreSQL, trust auth; TEST_PG_ADMIN_URL to change it)
 *   RUNS=7 npm run bench:coverage
 *
 * Creates a temporary database, loads a year (scripts/seed-city.ts), runs VACUUM ANALYZE, then runs each query RUNS times
 * (after one warm-up) and prints the median, with the top of its EXPLAIN (ANALYZE) plan. The month is November
 * 2026 (a dashboard's default range); the unit rows use the first station, the officer rows officer 000001.
 */
import { createTempDatabase } from '../test/helpers/postgres.js';
import { allRateSummaries, missingItems, pendingDeadlines, rateSummary, rateTrend, type CoverageFilter } from '../src/db/coverage-queries.js';
import { openDb } from '../src/db/open.js';
import { COVERAGE_RATES } from '../src/domain/coverage.js';
import { buckets, parsePeriod } from '../src/domain/report-periods.js';
import { seedCity, CITY_SCALE } from '../scripts/seed-city.js';
import type { Db } from '../src/db/db.js';

const GOAL_MS = 300;
const RUNS = Number(process.env.RUNS ?? 5);
const rules = { deadlineHours: 24, gapToleranceSec: 2 };

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

/** Captures the SQL a query function sends, to EXPLAIN it. */
function capturing(db: Db): { sql: Db; last: () => { text: string; params: unknown[] } } {
  let last = { text: '', params: [] as unknown[] };
  const sql = {
    ...db,
    query: (text: string, params?: unknown[]) => {
      last = { text, params: params ?? [] };
      return db.query(text, params);
    },
  } as Db;
  return { sql, last: () => last };
}

async function explain(db: Db, q: { text: string; params: unknown[] }): Promise<string> {
  const rows = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers off, timing off, summary on) ${q.text}`, q.params);
  const lines = rows.map((r) => r['QUERY PLAN']);
  // The scans that do the work: index or seq scans with their row counts, and the total time.
  const scans = lines.filter((l) => /Scan|Execution Time/.test(l)).map((l) => l.trim().replace(/\s+\(cost=[^)]*\)/, ''));
  return [...new Set(scans)].slice(0, 8).join('\n      ');
}

async function main() {
  const temp = await createTempDatabase();
  let db: Db | null = null;
  try {
    db = await openDb({ databaseUrl: temp.url });
    console.log(`seeding ${JSON.stringify(CITY_SCALE)}`);
    const t0 = performance.now();
    const counts = await db.transaction((tx) => seedCity(tx, CITY_SCALE, (m) => console.log(`  ${m}`)));
    console.log(`seeded in ${Math.round(performance.now() - t0)} ms:`, counts);
    const ta = performance.now();
    // VACUUM as autovacuum would after a bulk load: sets the visibility map that index-only scans rely on.
    await db.exec('vacuum analyze');
    console.log(`vacuum analyze ${Math.round(performance.now() - ta)} ms\n`);

    const nov = parsePeriod('2026-11')!;
    const q4 = parsePeriod('2026-Q4')!;
    const [station] = await db.query<{ code: string }>(`select code::text from units where parent_code is not null order by code limit 1`);
    const all: CoverageFilter = { from: nov.from, to: nov.to, unitCodes: null, officer: null };
    const unit: CoverageFilter = { ...all, unitCodes: [station!.code] };
    const officer: CoverageFilter = { ...all, officer: '000001' };
    const { sql, last } = capturing(db);

    const rows: Array<{ name: string; ms: number; plan: string }> = [];
    const bench = async (name: string, fn: (s: Db) => Promise<unknown>) => {
      const ms = await time(() => fn(db!));
      await fn(sql);
      const plan = process.env.PLANS === '0' ? '' : await explain(db!, last());
      rows.push({ name, ms, plan });
      console.log(`${name.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms  ${ms <= GOAL_MS ? 'ok' : 'OVER'}`);
    };

    for (const rate of COVERAGE_RATES) {
      await bench(`${rate}: city, month`, (s) => rateSummary(s, rate, all, rules, null));
      await bench(`${rate}: by unit, month`, (s) => rateSummary(s, rate, all, rules, 'unit'));
      await bench(`${rate}: by officer, month`, (s) => rateSummary(s, rate, all, rules, 'officer'));
      await bench(`${rate}: one station, month`, (s) => rateSummary(s, rate, unit, rules, null));
      await bench(`${rate}: weekly trend, quarter`, (s) => rateTrend(s, rate, { ...all, from: q4.from, to: q4.to }, rules, buckets(q4, 'week').map((b) => b.from)));
      await bench(`${rate}: missing, month, first page`, (s) => missingItems(s, rate, all, rules, { limit: 100, offset: 0 }));
      await bench(`${rate}: missing, station, first page`, (s) => missingItems(s, rate, unit, rules, { limit: 100, offset: 0 }));
      await bench(`${rate}: missing, officer, first page`, (s) => missingItems(s, rate, officer, rules, { limit: 100, offset: 0 }));
    }
    await bench('dashboard: all five rates by unit, month', (s) => allRateSummaries(s, all, rules, 'unit'));
    await bench('upload deadlines: first page', (s) => pendingDeadlines(s, { now: new Date('2026-12-01T00:00:00Z'), deadlineHours: 24, warningHours: 20, unitCodes: null, status: null, limit: 100, offset: 0 }));

    const over = rows.filter((r) => r.ms > GOAL_MS);
    console.log(`\nmedian of ${RUNS} runs; goal ${GOAL_MS} ms per query; ${rows.length - over.length}/${rows.length} within the goal`);
    if (process.env.PLANS !== '0') {
      console.log('\nEXPLAIN (ANALYZE) scans per query:');
      for (const r of rows) console.log(`  ${r.name}\n      ${r.plan}`);
    }
  } finally {
    await db?.close();
    await temp.drop();
  }
}

await main();
