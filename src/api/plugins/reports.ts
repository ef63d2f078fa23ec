import type { FastifyInstance } from 'fastify';
import { allRateSummaries, pendingDeadlines } from '../../db/coverage-queries.js';
import type { Sql } from '../../db/db.js';
import { SupervisionRepository } from '../../db/repositories/supervision-repository.js';
import { COVERAGE_RATES, type CoverageRate, type RateValue } from '../../domain/coverage.js';
import { buckets, parsePeriod, periodContaining, previousPeriod, type Period } from '../../domain/report-periods.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { coverageUnits } from '../coverage-scope.js';
import { REPORT_KINDS, REPORT_PERIOD_KIND, reportCsv, reportHtml, type ReportData, type ReportKind } from '../report-render.js';
import { errorResponses } from '../schemas.js';
import { coverageRules, foldGroups } from './coverage.js';

const PERIOD_EXAMPLE: Record<ReportKind, string> = { weekly: '2026-W47', monthly: '2026-11', quarterly: '2026-Q4' };

type Rates = Record<CoverageRate, RateValue>;
const totalsOf = (s: Awaited<ReturnType<typeof allRateSummaries>>): Rates => Object.fromEntries(s.map((x) => [x.rate, x.total])) as Rates;

/**
 * Reports and supervision rhythm (周统计、月巡查、季通报): weekly statistics (rates by unit beside last week),
 * monthly inspection (by unit, the officers with shortfalls, what is overdue now, the month's supervisory samples)
 * and quarterly report (by unit and month by month), as CSV or printable HTML. Same scope as the coverage routes.
 */
export async function reportsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db } = opts.services;
  const rules = coverageRules(opts.services);

  async function build(kind: ReportKind, period: Period, unit: { unitCode: string | null; unitCodes: string[] | null }, by: string): Promise<ReportData> {
    const filter = (p: { from: Date; to: Date }) => ({ from: p.from, to: p.to, unitCodes: unit.unitCodes, officer: null });
    const byUnit = await allRateSummaries(db, filter(period), rules, 'unit');
    const data: ReportData = {
      kind,
      period: { label: period.label, from: period.from, to: period.to },
      unit: unit.unitCode,
      generatedAt: new Date(),
      generatedBy: by,
      totals: totalsOf(byUnit),
      previous: null,
      units: foldGroups(byUnit),
      officers: null,
      trend: null,
      overdueNow: null,
      supervision: null,
    };
    if (kind !== 'quarterly') {
      const prev = previousPeriod(period);
      data.previous = { label: prev.label, totals: totalsOf(await allRateSummaries(db, filter(prev), rules, null)) };
    }
    if (kind === 'monthly') {
      const byOfficer = foldGroups(await allRateSummaries(db, filter(period), rules, 'officer'));
      data.officers = byOfficer.filter((g) => g.key !== null && COVERAGE_RATES.some((r) => g.rates[r].missing > 0));
      data.overdueNow = (await pendingDeadlines(db, { now: new Date(), deadlineHours: rules.deadlineHours, warningHours: opts.services.config.INVENTORY_WARNING_HOURS, unitCodes: unit.unitCodes, status: 'overdue', limit: 1, offset: 0 })).total;
      data.supervision = await supervisionOf(db, period, unit.unitCodes);
    }
    if (kind === 'quarterly') {
      const months = buckets(period, 'month');
      data.trend = [];
      for (const m of months) data.trend.push({ label: m.label, rates: totalsOf(await allRateSummaries(db, filter(m), rules, null)) });
    }
    return data;
  }

  app.get<{ Params: { kind: ReportKind }; Querystring: { period?: string; format: 'csv' | 'html'; unit?: string } }>(
    '/api/v1/reports/:kind',
    {
      onRequest: app.requireRole('admin', 'unit_head', 'auditor'),
      schema: {
        summary: 'Weekly statistics, monthly inspection or quarterly report (周统计、月巡查、季通报) as CSV (UTF-8 with BOM) or printable HTML',
        description:
          'weekly: the five rates in total and by unit, beside the week before. monthly: the same beside the month before, the officers with any missing item, dock files overdue now and the supervisory samples drawn for the month. quarterly: by unit and month by month. Without a period: the last complete one.',
        tags: ['reports'],
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { kind: { type: 'string', enum: [...REPORT_KINDS] } }, required: ['kind'] },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            period: { type: 'string', description: `weekly ${PERIOD_EXAMPLE.weekly}, monthly ${PERIOD_EXAMPLE.monthly}, quarterly ${PERIOD_EXAMPLE.quarterly} (Asia/Shanghai)` },
            format: { type: 'string', enum: ['csv', 'html'], default: 'html' },
            unit: { type: 'string', minLength: 12, maxLength: 12 },
          },
        },
        response: {
          200: { type: 'string', description: 'text/csv or text/html' },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const { kind } = req.params;
      const want = REPORT_PERIOD_KIND[kind];
      const period = req.query.period ? parsePeriod(req.query.period) : previousPeriod(periodContaining(want, new Date()));
      if (!period || period.kind !== want) throw new Errors.VALIDATION(`a ${kind} report needs a period like ${PERIOD_EXAMPLE[kind]}`);
      const unit = await coverageUnits(db, req, req.query.unit);
      const by = actorOf(req.principal!);
      const data = await build(kind, period, unit, by);
      // Reports hold aggregate figures and case/officer identifiers, no footage: the download is logged here, not
      // as a custody event (those follow media).
      req.log.info({ report: kind, period: period.label, unit: unit.unitCode, format: req.query.format, actor: by }, 'report downloaded');
      const name = `${kind}-${period.label}${unit.unitCode ? `-${unit.unitCode}` : ''}`;
      if (req.query.format === 'csv') {
        return reply.header('Content-Type', 'text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="${name}.csv"`).send(reportCsv(data));
      }
      return reply.header('Content-Type', 'text/html; charset=utf-8').header('Content-Disposition', `inline; filename="${name}.html"`).send(reportHtml(data));
    },
  );
}

async function supervisionOf(sql: Sql, period: Period, unitCodes: string[] | null): Promise<ReportData['supervision']> {
  const list = await new SupervisionRepository(sql).list({ unitCodes, overlapping: period, limit: 500, offset: 0 });
  // A redraw is a new row for the same scope: count the newest per scope, and a city-wide draw alone where one exists
  // (it covers every unit), so no case is counted twice.
  const newestPerScope = new Map<string | null, (typeof list)[number]>();
  for (const s of list.filter((x) => x.period === period.label)) if (!newestPerScope.has(s.unitCode)) newestPerScope.set(s.unitCode, s);
  const cityWide = newestPerScope.get(null);
  const inPeriod = cityWide ? [cityWide] : [...newestPerScope.values()];
  return {
    samples: inPeriod.length,
    sampled: inPeriod.reduce((n, s) => n + s.caseCount, 0),
    population: inPeriod.reduce((n, s) => n + Object.values(s.population).reduce((a, b) => a + b, 0), 0),
  };
}
