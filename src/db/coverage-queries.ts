import { COVERAGE_RATES, rateOf, type CoverageGrouping, type CoverageRate, type RateValue } from '../domain/coverage.js';
import type { Sql } from './db.js';

/**
 * The coverage rates, counted by PostgreSQL (and PGlite): one query per rate for the figures, one per rate for its
 * drill-down. Every rate is written once as a "base" relation of the items it counts:
 *
 *   item (id) · ts (the time that puts it in a period) · unit_code · officers (text[]) · ok (counts in the numerator)
 *
 * and the summary, per-group and trend queries only aggregate that relation, so the figures, the groups and the
 * drill-down can never disagree on what an item is. Periods are half-open [from, to).
 */

export interface CoverageFilter {
  from: Date;
  to: Date;
  /** The unit and all its sub-units (resolve with unitWithDescendants); null: every unit. */
  unitCodes: string[] | null;
  officer: string | null;
}

export interface CoverageRules {
  /** Upload deadline after the end of recording (INVENTORY_DEADLINE_HOURS). */
  deadlineHours: number;
  /** A recording that starts or ends this close to the declared span still covers it (RECORDING_GAP_TOLERANCE_SEC). */
  gapToleranceSec: number;
}

/** Positional parameters by name, so each query sends exactly the ones it references (PostgreSQL refuses unused ones it cannot type). */
class Params {
  readonly values: unknown[] = [];
  private readonly names = new Map<string, string>();
  ref(name: string, value: unknown, type: string): string {
    let r = this.names.get(name);
    if (!r) {
      this.values.push(value);
      r = `$${this.values.length}::${type}`;
      this.names.set(name, r);
    }
    return r;
  }
}

/** The time an inventory file's deadline counts from; indexed as inventory_files_reference (011). */
const INVENTORY_REF = 'coalesce(f.recorded_end, f.recorded_at, f.first_seen_at)';
/** The same for stored media; indexed as media_recording_reference (011). */
const MEDIA_REF = 'coalesce(m.recorded_end, m.recorded_at, m.created_at)';

function periodAndScope(p: Params, f: CoverageFilter, ts: string, unit: string, officers: string): string {
  const parts = [`${ts} >= ${p.ref('from', f.from, 'timestamptz')}`, `${ts} < ${p.ref('to', f.to, 'timestamptz')}`];
  if (f.unitCodes) parts.push(`${unit} = any(${p.ref('units', f.unitCodes, 'bpchar[]')})`);
  if (f.officer) parts.push(`${p.ref('officer', f.officer, 'text')} = any(${officers})`);
  return parts.join(' and ');
}

/**
 * The base relation of a rate. `detail` adds the columns the drill-down shows (joins the figures do not need).
 */
function baseOf(rate: CoverageRate, p: Params, f: CoverageFilter, rules: CoverageRules, detail: boolean): string {
  switch (rate) {
    case 'bodycam-usage':
      // An incident that requires recording counts when a live link ties at least one non-rejected media to it.
      return `select i.id as item, i.started_at as ts, i.unit_code::text as unit_code, i.officer_numbers as officers,
                     exists (select 1 from media_links l join media m on m.id = l.media_id
                              where l.incident_id = i.id and l.removed_at is null and m.state <> 'rejected') as ok
                     ${detail ? `, i.ended_at, i.place, c.case_number, c.id as case_id` : ''}
                from incidents i ${detail ? 'left join cases c on c.id = i.case_id' : ''}
               where i.requires_recording and ${periodAndScope(p, f, 'i.started_at', 'i.unit_code', 'i.officer_numbers')}`;

    case 'storage': {
      // Every file a dock or camera reported; stored when the platform holds it (matched to a live media). The
      // officer is the stored footage's, else the one the camera's footage last declared (camera_officers).
      // The period's files are attributed once in a materialized CTE: one primary-key probe per file for the
      // stored media's officer. A plain join made the planner hash the whole media table, and an inlined subquery
      // was re-run for every officer a join compared it with (both measured by bench/coverage.ts).
      const ref = 'coalesce(f.recorded_end, f.recorded_at, f.first_seen_at)';
      const scope: string[] = [];
      if (f.unitCodes) scope.push(`o.unit_code = any(${p.ref('units', f.unitCodes, 'bpchar[]')})`);
      if (f.officer) scope.push(`fa.officer = ${p.ref('officer', f.officer, 'text')}`);
      return `with fa as materialized (
                select f.id, f.media_id, f.dock_id, f.origin_serial, f.camera_serial, f.name, f.size_bytes, f.recorded_at, f.recorded_end,
                       f.first_seen_at, f.on_dock, ${ref} as ts,
                       coalesce((select m.officer_id from media m where m.id = f.media_id), co.officer_number) as officer
                  from inventory_files f
                  left join camera_officers co on co.camera_serial = f.origin_serial
                 where ${ref} >= ${p.ref('from', f.from, 'timestamptz')} and ${ref} < ${p.ref('to', f.to, 'timestamptz')})
              select fa.id::text as item, fa.ts, o.unit_code::text as unit_code,
                     case when fa.officer is null then '{}'::text[] else array[fa.officer] end as officers,
                     fa.media_id is not null as ok
                     ${detail ? `, fa.origin_serial, fa.camera_serial, fa.name, fa.size_bytes, fa.recorded_at, fa.recorded_end, fa.first_seen_at, fa.on_dock, d.serial as dock_serial` : ''}
                from fa
                left join officers o on o.number::text = fa.officer
                ${detail ? 'join devices d on d.id = fa.dock_id' : ''}
               ${scope.length ? `where ${scope.join(' and ')}` : ''}`;
    }

    case 'full-recording': {
      // The first failing check names the shortfall (see FULL_RECORDING_SHORTFALLS); CASE evaluates its
      // subqueries lazily, so a session stops at its first failure.
      const tol = `make_interval(secs => ${p.ref('tolerance', rules.gapToleranceSec, 'double precision')})`;
      return `select s.id::text as item, s.declared_start as ts, c.unit_code::text as unit_code, s.interrogators as officers,
                     v.shortfall is null as ok, v.shortfall
                     ${detail ? `, s.declared_end, s.room, s.kind, c.case_number, c.id as case_id, r.finalized_at,
                                  (select count(*)::int from recording_gaps g where g.session_id = s.id and g.superseded_at is null
                                      and coalesce(btrim(g.reason), '') = '') as unexplained_gaps` : ''}
                from interrogation_sessions s
                join cases c on c.id = s.case_id
                left join session_recordings r on r.session_id = s.id
                cross join lateral (select case
                  when r.session_id is null then
                    case when exists (select 1 from media_links l where l.session_id = s.id and l.removed_at is null)
                         then 'unverified-recording' else 'not-recorded' end
                  when r.finalized_at is null then 'recording-open'
                  when exists (select 1 from recording_gaps g where g.session_id = s.id and g.superseded_at is null
                                  and coalesce(btrim(g.reason), '') = '') then 'unexplained-gaps'
                  when not coalesce((
                    -- recorded footage and known (explained) gaps together must reach both ends of the declared span
                    select min(x.st) <= s.declared_start + ${tol}
                       and max(x.en) >= coalesce(s.declared_end, r.stop_requested_at, r.finalized_at) - ${tol}
                      from (select started_at as st, ended_at as en from recording_segments where session_id = s.id
                            union all
                            select started_at, ended_at from recording_gaps where session_id = s.id and superseded_at is null) x
                  ), false) then 'span-not-covered'
                  end as shortfall) v
               where ${periodAndScope(p, f, 's.declared_start', 'c.unit_code', 's.interrogators')}`;
    }

    case 'upload-timeliness': {
      // Field footage only: what docks delivered (interrogation rooms record straight into the platform).
      const deadline = `(${p.ref('deadline', rules.deadlineHours, 'double precision')} * interval '1 hour')`;
      return `select m.id::text as item, ${MEDIA_REF} as ts, o.unit_code::text as unit_code,
                     case when m.officer_id is null then '{}'::text[] else array[m.officer_id] end as officers,
                     m.created_at <= ${MEDIA_REF} + ${deadline} as ok
                     ${detail ? `, m.filename, m.device_serial, m.recorded_at, m.recorded_end, m.created_at as stored_at, d.serial as dock_serial` : ''}
                from media m
                join devices d on d.id = m.uploaded_by and d.kind = 'dock'
                left join officers o on o.number = m.officer_id
               where m.state <> 'rejected' and ${periodAndScope(p, f, MEDIA_REF, 'o.unit_code', 'array[m.officer_id]')}`;
    }

    case 'interrogation-review':
      // Every recording a reviewer must watch (src/domain/case-review.ts recordingsToReview: media live-linked to a
      // session, except the platform's short segments and joins replaced by a later one) of every session. Of a case
      // whose review was completed (dated by the completion) it counts when a review of it is dated no later than the
      // completion; a recording linked after the completion was never reviewed before it: it is missing. Of a case
      // still under way (dated by its session's declared start) it counts once reviewed, and until then it is
      // missing as waiting for review: counting completed cases only showed 0/0 while recordings waited.
      return `select l.id::text as item, coalesce(c.review_completed_at, s.declared_start) as ts, c.unit_code::text as unit_code, s.interrogators as officers,
                     rv.reviewed_at is not null as ok
                     ${detail ? `, l.media_id, s.id as session_id, c.case_number, c.id as case_id, c.review_completed_at, m.filename, last.reviewed_at as last_reviewed_at` : ''}
                from cases c
                join interrogation_sessions s on s.case_id = c.id
                join media_links l on l.session_id = s.id and l.removed_at is null
                 and not exists (select 1 from recording_segments g where g.media_id = l.media_id)
                 and not exists (select 1 from recording_joins j where j.media_id = l.media_id and j.superseded_at is not null)
                left join lateral (select rr.reviewed_at from recording_reviews rr
                                    where rr.session_id = l.session_id and rr.media_id = l.media_id
                                      and (c.review_completed_at is null or rr.reviewed_at <= c.review_completed_at)
                                    limit 1) rv on true
                ${detail ? `join media m on m.id = l.media_id
                left join lateral (select max(rr.reviewed_at) as reviewed_at from recording_reviews rr
                                    where rr.session_id = l.session_id and rr.media_id = l.media_id) last on true` : ''}
               where ${periodAndScope(p, f, 'coalesce(c.review_completed_at, s.declared_start)', 'c.unit_code', 's.interrogators')}`;
  }
}

export interface CoverageGroupRow {
  key: string | null;
  name: string | null;
  unitCode: string | null;
  value: RateValue;
}

export interface RateSummary {
  rate: CoverageRate;
  total: RateValue;
  groups: CoverageGroupRow[];
}

/**
 * One rate's figures over the filter, the total and (optionally) per unit or per officer. An item with several
 * officers (an incident attended by two) counts once in the total and once for each officer. Items that cannot be
 * charged to anyone (a file from a camera whose officer was never declared) fall in a group with a null key.
 */
export async function rateSummary(sql: Sql, rate: CoverageRate, f: CoverageFilter, rules: CoverageRules, groupBy: CoverageGrouping | null): Promise<RateSummary> {
  const p = new Params();
  const base = baseOf(rate, p, f, rules, false);
  // Aggregate first, then name the (at most a few thousand) groups: joining names before grouping made the planner
  // carry every item through the join.
  const grouped =
    groupBy === 'unit'
      ? `select g.key, u.name, g.key as unit_code, g.d, g.n
           from (select b.unit_code as key, count(*)::int as d, (count(*) filter (where b.ok))::int as n from base b group by b.unit_code) g
           left join units u on u.code::text = g.key`
      : groupBy === 'officer'
        ? `select g.key, o.name, o.unit_code::text as unit_code, g.d, g.n
             from (select x.officer as key, count(*)::int as d, (count(*) filter (where b.ok))::int as n
                     from base b
                     cross join lateral unnest(case when cardinality(b.officers) = 0 then array[null::text] else b.officers end) as x(officer)
                    group by x.officer) g
             left join officers o on o.number::text = g.key`
        : null;
  const rows = await sql.query<{ total: boolean; key: string | null; name: string | null; unit_code: string | null; d: number; n: number }>(
    `with base as materialized (${base})
     select true as total, null::text as key, null::text as name, null::text as unit_code, count(*)::int as d, (count(*) filter (where ok))::int as n from base
     ${grouped ? `union all select false, gg.key, gg.name, gg.unit_code, gg.d, gg.n from (${grouped}) gg` : ''}`,
    p.values,
  );
  const totalRow = rows.find((r) => r.total)!;
  const groups = rows
    .filter((r) => !r.total)
    .map((r) => ({ key: r.key?.trim() ?? null, name: r.name, unitCode: r.unit_code?.trim() ?? null, value: rateOf(Number(r.n), Number(r.d)) }))
    .sort((a, b) => (a.value.rate ?? 1) - (b.value.rate ?? 1) || (a.key ?? '~').localeCompare(b.key ?? '~'));
  return { rate, total: rateOf(Number(totalRow.n), Number(totalRow.d)), groups };
}

export async function allRateSummaries(sql: Sql, f: CoverageFilter, rules: CoverageRules, groupBy: CoverageGrouping | null): Promise<RateSummary[]> {
  // Sequential, not Promise.all: a PostgreSQL pool would run them at once, but PGlite has one connection anyway,
  // and five concurrent scans of a year's data would starve the API's other requests on a small server.
  const out: RateSummary[] = [];
  for (const rate of COVERAGE_RATES) out.push(await rateSummary(sql, rate, f, rules, groupBy));
  return out;
}

/** One rate per bucket; `bounds` are the buckets' lower bounds, ascending, the first equal to f.from. */
export async function rateTrend(sql: Sql, rate: CoverageRate, f: CoverageFilter, rules: CoverageRules, bounds: Date[]): Promise<RateValue[]> {
  const p = new Params();
  const base = baseOf(rate, p, f, rules, false);
  const rows = await sql.query<{ b: number; d: number; n: number }>(
    `with base as (${base})
     select width_bucket(ts, ${p.ref('bounds', bounds, 'timestamptz[]')}) as b, count(*)::int as d, (count(*) filter (where ok))::int as n
       from base group by 1`,
    p.values,
  );
  const byBucket = new Map(rows.map((r) => [Number(r.b), r]));
  return bounds.map((_, i) => {
    const r = byBucket.get(i + 1);
    return rateOf(Number(r?.n ?? 0), Number(r?.d ?? 0));
  });
}

export interface MissingItem {
  id: string;
  /** The time that puts the item in the period (see RATE_INFO.periodBy). */
  at: string;
  unitCode: string | null;
  officers: string[];
  /** Why it is missing: a shortfall code (full-recording), else a fixed code per rate. */
  reason: string;
  caseId?: string | null;
  caseNumber?: string | null;
  incidentId?: string;
  endedAt?: string;
  place?: string;
  inventoryFileId?: number;
  dockSerial?: string;
  origin?: string;
  cameraSerial?: string | null;
  name?: string;
  sizeBytes?: number;
  recordedAt?: string | null;
  recordedEnd?: string | null;
  firstSeenAt?: string;
  onDock?: boolean;
  sessionId?: string;
  room?: string;
  kind?: string;
  declaredEnd?: string | null;
  finalizedAt?: string | null;
  unexplainedGaps?: number;
  mediaId?: string;
  filename?: string;
  deviceSerial?: string | null;
  storedAt?: string;
  lateHours?: number;
  reviewCompletedAt?: string | null;
  lastReviewedAt?: string | null;
}

const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());
const trimmed = (s: string | null | undefined) => (s == null ? null : s.trim());

/**
 * Exactly the items of a rate's denominator that are not in its numerator, oldest first, paged by limit/offset,
 * with how many there are in all. Ordered by (ts, item) so pages are stable while the data stand still.
 */
export async function missingItems(
  sql: Sql,
  rate: CoverageRate,
  f: CoverageFilter,
  rules: CoverageRules,
  page: { limit: number; offset: number },
): Promise<{ total: number; items: MissingItem[] }> {
  const p = new Params();
  const base = baseOf(rate, p, f, rules, true);
  const rows = await sql.query<Record<string, unknown> & { item: string; ts: Date; unit_code: string | null; officers: string[]; total: number }>(
    `select b.*, count(*) over ()::int as total from (${base}) b where not b.ok
      order by b.ts, b.item limit ${p.ref('limit', page.limit, 'int')} offset ${p.ref('offset', page.offset, 'int')}`,
    p.values,
  );
  let total = rows.length ? Number(rows[0]!.total) : 0;
  if (!rows.length && page.offset > 0) {
    // Past the last page: the window count is not there to tell the total, so ask for it.
    const c = new Params();
    const counted = await sql.query<{ n: number }>(`select count(*)::int as n from (${baseOf(rate, c, f, rules, false)}) b where not b.ok`, c.values);
    total = Number(counted[0]!.n);
  }
  return { total, items: rows.map((r) => toMissing(rate, r, rules)) };
}

function toMissing(rate: CoverageRate, r: Record<string, unknown>, rules: CoverageRules): MissingItem {
  const common = { id: String(r.item), at: iso(r.ts as Date)!, unitCode: trimmed(r.unit_code as string | null), officers: ((r.officers as string[]) ?? []).filter(Boolean) };
  switch (rate) {
    case 'bodycam-usage':
      return { ...common, reason: 'no-linked-recording', incidentId: String(r.item), endedAt: iso(r.ended_at as Date)!, place: String(r.place ?? ''), caseId: (r.case_id as string) ?? null, caseNumber: (r.case_number as string) ?? null };
    case 'storage':
      return {
        ...common,
        reason: r.on_dock ? 'not-stored' : 'not-stored-gone-from-dock',
        inventoryFileId: Number(r.item),
        dockSerial: String(r.dock_serial),
        origin: String(r.origin_serial),
        cameraSerial: (r.camera_serial as string) ?? null,
        name: String(r.name),
        sizeBytes: Number(r.size_bytes),
        recordedAt: iso(r.recorded_at as Date),
        recordedEnd: iso(r.recorded_end as Date),
        firstSeenAt: iso(r.first_seen_at as Date)!,
        onDock: Boolean(r.on_dock),
      };
    case 'full-recording':
      return {
        ...common,
        reason: String(r.shortfall),
        sessionId: String(r.item),
        caseId: String(r.case_id),
        caseNumber: String(r.case_number),
        room: String(r.room),
        kind: String(r.kind),
        declaredEnd: iso(r.declared_end as Date),
        finalizedAt: iso(r.finalized_at as Date),
        unexplainedGaps: Number(r.unexplained_gaps ?? 0),
      };
    case 'upload-timeliness': {
      const storedAt = iso(r.stored_at as Date)!;
      return {
        ...common,
        reason: 'stored-after-deadline',
        mediaId: String(r.item),
        filename: String(r.filename),
        deviceSerial: (r.device_serial as string) ?? null,
        dockSerial: String(r.dock_serial),
        recordedAt: iso(r.recorded_at as Date),
        recordedEnd: iso(r.recorded_end as Date),
        storedAt,
        lateHours: Math.round(((Date.parse(storedAt) - Date.parse(common.at)) / 3_600_000 - rules.deadlineHours) * 100) / 100,
      };
    }
    case 'interrogation-review':
      return {
        ...common,
        reason: !r.review_completed_at ? 'awaiting-review' : r.last_reviewed_at ? 'reviewed-after-completion' : 'never-reviewed',
        mediaId: String(r.media_id),
        sessionId: String(r.session_id),
        caseId: String(r.case_id),
        caseNumber: String(r.case_number),
        filename: String(r.filename),
        reviewCompletedAt: iso(r.review_completed_at as Date | null),
        lastReviewedAt: iso(r.last_reviewed_at as Date),
      };
  }
}

/** A unit and every unit below it (units.parent_code), so a unit head's figures include their stations. */
export async function unitWithDescendants(sql: Sql, unitCode: string): Promise<string[]> {
  const rows = await sql.query<{ code: string }>(
    `with recursive tree as (select code from units where code = $1::bpchar
                             union select u.code from units u join tree t on u.parent_code = t.code)
     select code::text from tree`,
    [unitCode],
  );
  return rows.map((r) => r.code.trim());
}

export interface DeadlineItem {
  inventoryFileId: number;
  dockSerial: string;
  origin: string;
  name: string;
  sizeBytes: number;
  officer: string | null;
  unitCode: string | null;
  reference: string;
  dueAt: string;
  /** overdue: deadline passed; due: past the warning mark, deadline still ahead. */
  status: 'due' | 'overdue';
  onDock: boolean;
}

/**
 * Files seen on docks and not stored, past the warning mark (due) or the deadline (overdue), most urgent first:
 * what to fetch before an inspection finds it. Uses inventory_files_unstored (006) and the reference index (011).
 */
export async function pendingDeadlines(
  sql: Sql,
  o: { now: Date; deadlineHours: number; warningHours: number; unitCodes: string[] | null; status: 'due' | 'overdue' | null; limit: number; offset: number },
): Promise<{ total: number; overdue: number; due: number; items: DeadlineItem[] }> {
  const p = new Params();
  const warnBefore = p.ref('warn', new Date(o.now.getTime() - o.warningHours * 3_600_000), 'timestamptz');
  const overdueBefore = p.ref('overdue', new Date(o.now.getTime() - o.deadlineHours * 3_600_000), 'timestamptz');
  const unitClause = o.unitCodes ? `and u.unit_code = any(${p.ref('units', o.unitCodes, 'bpchar[]')})` : '';
  const statusClause = o.status === 'overdue' ? `and ${INVENTORY_REF} < ${overdueBefore}` : o.status === 'due' ? `and ${INVENTORY_REF} >= ${overdueBefore}` : '';
  const rows = await sql.query<{
    id: number; dock_serial: string; origin_serial: string; name: string; size_bytes: number; officer: string | null; unit_code: string | null;
    ref: Date; on_dock: boolean; total: number; overdue_n: number;
  }>(
    `select f.id, d.serial as dock_serial, f.origin_serial, f.name, f.size_bytes, co.officer_number as officer, u.unit_code::text as unit_code,
            ${INVENTORY_REF} as ref, f.on_dock,
            count(*) over ()::int as total, (count(*) filter (where ${INVENTORY_REF} < ${overdueBefore}) over ())::int as overdue_n
       from inventory_files f
       join devices d on d.id = f.dock_id
       left join camera_officers co on co.camera_serial = f.origin_serial
       left join officers u on u.number = co.officer_number
      where f.media_id is null and ${INVENTORY_REF} <= ${warnBefore} ${unitClause} ${statusClause}
      order by ${INVENTORY_REF}, f.id
      limit ${p.ref('limit', o.limit, 'int')} offset ${p.ref('offset', o.offset, 'int')}`,
    p.values,
  );
  const total = rows.length ? Number(rows[0]!.total) : 0;
  const overdue = rows.length ? Number(rows[0]!.overdue_n) : 0;
  return {
    total,
    overdue,
    due: total - overdue,
    items: rows.map((r) => {
      const dueAt = new Date(r.ref.getTime() + o.deadlineHours * 3_600_000);
      return {
        inventoryFileId: Number(r.id),
        dockSerial: r.dock_serial,
        origin: r.origin_serial,
        name: r.name,
        sizeBytes: Number(r.size_bytes),
        officer: r.officer,
        unitCode: trimmed(r.unit_code),
        reference: r.ref.toISOString(),
        dueAt: dueAt.toISOString(),
        status: dueAt < o.now ? 'overdue' : 'due',
        onDock: r.on_dock,
      };
    }),
  };
}
