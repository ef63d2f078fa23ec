import type { FastifyInstance } from 'fastify';
import { allRateSummaries, missingItems, pendingDeadlines, rateTrend, type CoverageRules, type RateSummary } from '../../db/coverage-queries.js';
import { InventoryRepository } from '../../db/repositories/inventory-repository.js';
import { COVERAGE_GROUPINGS, COVERAGE_RATES, RATE_INFO, sumRates, type CoverageGrouping, type CoverageRate, type RateValue } from '../../domain/coverage.js';
import { buckets } from '../../domain/report-periods.js';
import type { Services } from '../../runtime/services.js';
import { coverageUnits, queryRange, rangeQueryProperties } from '../coverage-scope.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['coverage'];
const SECURITY = [{ bearer: [] }];
const nullableString = { type: ['string', 'null'] } as const;

export const rateValueSchema = {
  type: 'object',
  description: 'numerator / denominator against the 100% target; rate is null when the denominator is 0 (nothing to measure)',
  properties: {
    numerator: { type: 'integer' },
    denominator: { type: 'integer' },
    rate: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    target: { type: 'number', enum: [1] },
    missing: { type: 'integer', description: 'denominator - numerator: what the drill-down lists' },
    met: { type: 'boolean' },
  },
  required: ['numerator', 'denominator', 'rate', 'target', 'missing', 'met'],
} as const;

const ratesObject = {
  type: 'object',
  properties: Object.fromEntries(COVERAGE_RATES.map((r) => [r, { ...rateValueSchema, description: `${RATE_INFO[r].zh} ${RATE_INFO[r].en}: ${RATE_INFO[r].numerator} / ${RATE_INFO[r].denominator} (period by ${RATE_INFO[r].periodBy})` }])),
  required: [...COVERAGE_RATES],
} as const;

const coverageSchema = {
  type: 'object',
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time', description: 'exclusive' },
    unit: { ...nullableString, description: 'the unit asked for (its sub-units included); null: every unit' },
    officer: nullableString,
    groupBy: { type: ['string', 'null'], enum: [...COVERAGE_GROUPINGS, null] },
    rates: ratesObject,
    groups: {
      type: 'array',
      description:
        'One row per unit or officer (groupBy), each with every rate (a rate with nothing in that group has denominator 0). key null: items no unit or officer can be charged with (a camera whose officer never declared itself). An item of several officers counts for each.',
      items: {
        type: 'object',
        properties: { key: nullableString, name: nullableString, unitCode: nullableString, rates: ratesObject },
        required: ['key', 'name', 'unitCode', 'rates'],
      },
    },
  },
  required: ['from', 'to', 'unit', 'rates', 'groups'],
} as const;

export const missingItemSchema = {
  type: 'object',
  description: 'One missing item; the fields beyond the common ones depend on the rate',
  properties: {
    id: { type: 'string', description: 'incident id, inventory file id, session id, media id or media link id (interrogation-review)' },
    at: { type: 'string', format: 'date-time', description: 'the time that puts it in the period' },
    unitCode: nullableString,
    officers: { type: 'array', items: { type: 'string' } },
    reason: {
      type: 'string',
      description:
        'bodycam-usage: no-linked-recording; storage: not-stored, not-stored-gone-from-dock; full-recording: not-recorded, unverified-recording, recording-open, unexplained-gaps, span-not-covered; upload-timeliness: stored-after-deadline; interrogation-review: never-reviewed, reviewed-after-completion, awaiting-review (case review still under way)',
    },
    caseId: nullableString,
    caseNumber: nullableString,
    incidentId: { type: 'string' },
    endedAt: { type: 'string' },
    place: { type: 'string' },
    inventoryFileId: { type: 'integer' },
    dockSerial: { type: 'string' },
    origin: { type: 'string' },
    cameraSerial: nullableString,
    name: { type: 'string' },
    sizeBytes: { type: 'integer' },
    recordedAt: nullableString,
    recordedEnd: nullableString,
    firstSeenAt: { type: 'string' },
    onDock: { type: 'boolean' },
    sessionId: { type: 'string' },
    room: { type: 'string' },
    kind: { type: 'string' },
    declaredEnd: nullableString,
    finalizedAt: nullableString,
    unexplainedGaps: { type: 'integer' },
    mediaId: { type: 'string' },
    filename: { type: 'string' },
    deviceSerial: nullableString,
    storedAt: { type: 'string' },
    lateHours: { type: 'number', description: 'hours past the deadline' },
    reviewCompletedAt: { ...nullableString, description: 'null while the case review is under way' },
    lastReviewedAt: nullableString,
  },
  required: ['id', 'at', 'unitCode', 'officers', 'reason'],
} as const;

const page = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
} as const;

export function coverageRules(s: Services): CoverageRules {
  return { deadlineHours: s.config.INVENTORY_DEADLINE_HOURS, gapToleranceSec: s.config.RECORDING_GAP_TOLERANCE_SEC };
}

/** Per-rate group rows folded into one row per group with every rate (absent: 0/0). */
export function foldGroups(summaries: RateSummary[]): Array<{ key: string | null; name: string | null; unitCode: string | null; rates: Record<CoverageRate, RateValue> }> {
  const empty = sumRates([]);
  const byKey = new Map<string, { key: string | null; name: string | null; unitCode: string | null; rates: Record<CoverageRate, RateValue> }>();
  for (const s of summaries) {
    for (const g of s.groups) {
      const k = g.key ?? '\0';
      let row = byKey.get(k);
      if (!row) {
        row = { key: g.key, name: g.name, unitCode: g.unitCode, rates: Object.fromEntries(COVERAGE_RATES.map((r) => [r, empty])) as Record<CoverageRate, RateValue> };
        byKey.set(k, row);
      }
      row.rates[s.rate] = g.value;
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key.localeCompare(b.key)));
}

/**
 * Coverage rates (执法记录仪使用率, 音视频资料储存率, 讯问全程录音录像率, upload timeliness, interrogation review), by
 * unit, officer and period, each with a drill-down of exactly what is missing; and the dock files nearing or past
 * the upload deadline. Counted in PostgreSQL (src/db/coverage-queries.ts). Admins and auditors see every unit,
 * unit heads their own; officers and reviewers are refused.
 */
export async function coveragePlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const rules = coverageRules(opts.services);
  const allowed = app.requireRole('admin', 'unit_head', 'auditor');
  // Files uploaded after the dock's last report are matched on read, as the docks plugin does.
  const matchInventory = () => new InventoryRepository(db).matchUnstored();

  app.get<{ Querystring: { from?: string; to?: string; unit?: string; officer?: string; groupBy?: CoverageGrouping } }>(
    '/api/v1/coverage',
    {
      onRequest: allowed,
      schema: {
        summary: 'The five coverage rates over a period (target 100%), optionally per unit or officer',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...rangeQueryProperties,
            officer: { type: 'string', minLength: 6, maxLength: 6, description: 'officer number (6): only items of this officer' },
            groupBy: { type: 'string', enum: [...COVERAGE_GROUPINGS] },
          },
        },
        response: { 200: coverageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const range = queryRange(req.query);
      const scope = await coverageUnits(db, req, req.query.unit);
      await matchInventory();
      const summaries = await allRateSummaries(db, { ...range, unitCodes: scope.unitCodes, officer: req.query.officer ?? null }, rules, req.query.groupBy ?? null);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        unit: scope.unitCode,
        officer: req.query.officer ?? null,
        groupBy: req.query.groupBy ?? null,
        rates: Object.fromEntries(summaries.map((s) => [s.rate, s.total])),
        groups: foldGroups(summaries),
      };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; unit?: string; officer?: string; interval: 'week' | 'month' } }>(
    '/api/v1/coverage/trend',
    {
      onRequest: allowed,
      schema: {
        summary: 'The five rates per week or month over a range (buckets aligned to Asia/Shanghai weeks and months, clipped to the range)',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...rangeQueryProperties, officer: { type: 'string', minLength: 6, maxLength: 6 }, interval: { type: 'string', enum: ['week', 'month'], default: 'month' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              interval: { type: 'string' },
              unit: nullableString,
              buckets: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { label: { type: 'string', description: '2026-W47 or 2026-11' }, from: { type: 'string' }, to: { type: 'string' }, rates: ratesObject },
                  required: ['label', 'from', 'to', 'rates'],
                },
              },
            },
            required: ['from', 'to', 'interval', 'buckets'],
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const range = queryRange(req.query);
      const scope = await coverageUnits(db, req, req.query.unit);
      const list = buckets(range, req.query.interval);
      const filter = { ...range, unitCodes: scope.unitCodes, officer: req.query.officer ?? null };
      const perRate: Partial<Record<CoverageRate, RateValue[]>> = {};
      for (const rate of COVERAGE_RATES) perRate[rate] = await rateTrend(db, rate, filter, rules, list.map((b) => b.from));
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        interval: req.query.interval,
        unit: scope.unitCode,
        buckets: list.map((b, i) => ({
          label: b.label,
          from: b.from.toISOString(),
          to: b.to.toISOString(),
          rates: Object.fromEntries(COVERAGE_RATES.map((r) => [r, perRate[r]![i]])),
        })),
      };
    },
  );

  app.get<{ Params: { rate: CoverageRate }; Querystring: { from?: string; to?: string; unit?: string; officer?: string; limit: number; offset: number } }>(
    '/api/v1/coverage/:rate/missing',
    {
      onRequest: allowed,
      schema: {
        summary: "Exactly the items a rate's numerator lacks (oldest first, paged): incidents without footage, dock files not stored, sessions not recorded in full, late uploads, unreviewed recordings",
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { rate: { type: 'string', enum: [...COVERAGE_RATES] } }, required: ['rate'] },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...rangeQueryProperties, officer: { type: 'string', minLength: 6, maxLength: 6 }, ...page },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              rate: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              total: { type: 'integer', description: 'missing items in all (equals the rate\'s "missing")' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
              items: { type: 'array', items: missingItemSchema },
            },
            required: ['rate', 'total', 'limit', 'offset', 'items'],
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const range = queryRange(req.query);
      const scope = await coverageUnits(db, req, req.query.unit);
      if (req.params.rate === 'storage') await matchInventory();
      const { limit, offset } = req.query;
      const r = await missingItems(db, req.params.rate, { ...range, unitCodes: scope.unitCodes, officer: req.query.officer ?? null }, rules, { limit, offset });
      return { rate: req.params.rate, from: range.from.toISOString(), to: range.to.toISOString(), total: r.total, limit, offset, items: r.items };
    },
  );

  app.get<{ Querystring: { unit?: string; status?: 'due' | 'overdue'; limit: number; offset: number } }>(
    '/api/v1/uploads/deadlines',
    {
      onRequest: allowed,
      schema: {
        summary: `Files seen on docks and not stored, near (due: ${config.INVENTORY_WARNING_HOURS} h) or past (overdue: ${config.INVENTORY_DEADLINE_HOURS} h) the upload deadline after the end of recording, every dock, most urgent first`,
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { unit: rangeQueryProperties.unit, status: { type: 'string', enum: ['due', 'overdue'] }, ...page },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              overdue: { type: 'integer' },
              due: { type: 'integer' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    inventoryFileId: { type: 'integer' },
                    dockSerial: { type: 'string' },
                    origin: { type: 'string', description: 'camera serial, or the dock serial for a pull listing' },
                    name: { type: 'string' },
                    sizeBytes: { type: 'integer' },
                    officer: nullableString,
                    unitCode: nullableString,
                    reference: { type: 'string', description: 'end of recording (else start, else first seen): the deadline counts from here' },
                    dueAt: { type: 'string' },
                    status: { type: 'string', enum: ['due', 'overdue'] },
                    onDock: { type: 'boolean' },
                  },
                  required: ['inventoryFileId', 'dockSerial', 'name', 'dueAt', 'status'],
                },
              },
            },
            required: ['total', 'overdue', 'due', 'items'],
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const scope = await coverageUnits(db, req, req.query.unit);
      await matchInventory();
      return pendingDeadlines(db, {
        now: new Date(),
        deadlineHours: config.INVENTORY_DEADLINE_HOURS,
        warningHours: config.INVENTORY_WARNING_HOURS,
        unitCodes: scope.unitCodes,
        status: req.query.status ?? null,
        limit: req.query.limit,
        offset: req.query.offset,
      });
    },
  );
}
