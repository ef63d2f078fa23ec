import type { FastifyRequest } from 'fastify';
import { unitWithDescendants } from '../db/coverage-queries.js';
import type { Sql } from '../db/db.js';
import { decideCoverageScope } from '../domain/coverage.js';
import { parseBound, periodContaining, type Range } from '../domain/report-periods.js';
import { Errors } from '../errors.js';
import { roleOf } from './auth/principal.js';

/** Longest range one dashboard request may cover: a year and a bit (a quarter report, a yearly trend). */
const MAX_RANGE_DAYS = 400;

/**
 * The units a caller's coverage request covers: every unit (null), or the requested unit and its sub-units, which
 * for a unit head must lie within their own unit (src/domain/coverage.ts decideCoverageScope).
 */
export async function coverageUnits(sql: Sql, req: FastifyRequest, requestedUnit: string | undefined): Promise<{ unitCode: string | null; unitCodes: string[] | null }> {
  const p = req.principal;
  const role = p ? roleOf(p) : null;
  if (!p || !role) throw new Errors.UNAUTHENTICATED();
  const user = p.kind === 'user' ? p.user : null;
  const d = decideCoverageScope({ role, unitCode: user?.unitCode?.trim() ?? null }, requestedUnit ?? null);
  if (!d.allowed) throw new Errors.FORBIDDEN(d.reason);
  if (!d.unitCode) return { unitCode: null, unitCodes: null };
  const codes = await unitWithDescendants(sql, d.unitCode);
  if (!codes.length) throw new Errors.NOT_FOUND(`unit ${d.unitCode}`);
  if (d.within && d.unitCode !== d.within && !(await unitWithDescendants(sql, d.within)).includes(d.unitCode)) {
    throw new Errors.FORBIDDEN(`unit ${d.unitCode} is not within your unit ${d.within}`);
  }
  return { unitCode: d.unitCode, unitCodes: codes };
}

/** from/to of a query string (dates are local, see parseBound); by default the current month (Asia/Shanghai). */
export function queryRange(q: { from?: string; to?: string }, now = new Date()): Range {
  const month = periodContaining('month', now);
  const from = q.from ? parseBound(q.from, 'from') : month.from;
  const to = q.to ? parseBound(q.to, 'to') : month.to;
  if (!from) throw new Errors.VALIDATION(`from "${q.from}" is not a date (YYYY-MM-DD) or an ISO 8601 instant with a zone`);
  if (!to) throw new Errors.VALIDATION(`to "${q.to}" is not a date (YYYY-MM-DD) or an ISO 8601 instant with a zone`);
  if (!(from < to)) throw new Errors.VALIDATION('from must be before to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw new Errors.VALIDATION(`a range covers at most ${MAX_RANGE_DAYS} days`);
  return { from, to };
}

export const rangeQueryProperties = {
  from: { type: 'string', description: 'Start, inclusive: a local date YYYY-MM-DD (Asia/Shanghai midnight) or an ISO 8601 instant with a zone. Default: start of the current month.' },
  to: { type: 'string', description: 'End: a local date YYYY-MM-DD includes that whole day; an instant is exclusive. Default: end of the current month.' },
  unit: { type: 'string', minLength: 12, maxLength: 12, description: 'Unit code (12): the unit and its sub-units. Unit heads: their own unit by default, never outside it.' },
} as const;
