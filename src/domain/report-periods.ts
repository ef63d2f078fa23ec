/**
 * Reporting periods (周统计、月巡查、季通报: weekly statistics, monthly inspection, quarterly report) and the
 * date ranges the coverage dashboard asks for. Boundaries are local midnights in Asia/Shanghai: China has kept
 * UTC+8 without daylight saving since 1991, so a fixed offset is exact and needs no time-zone database. Every
 * range is half-open [from, to): an event exactly at `to` belongs to the next period. Pure: no I/O.
 */

/** Asia/Shanghai: UTC+8, no DST. */
export const SHANGHAI_OFFSET_MINUTES = 480;

const DAY = 86_400_000;

export type PeriodKind = 'week' | 'month' | 'quarter';

export interface Period {
  kind: PeriodKind;
  /** Canonical label: 2026-W47, 2026-11, 2026-Q4. */
  label: string;
  from: Date;
  to: Date;
}

export interface Range {
  from: Date;
  to: Date;
}

/** The instant of local midnight y-m-d (month 1-based; overflowing days and months roll over like Date.UTC). */
export function localMidnight(year: number, month: number, day: number, offsetMinutes = SHANGHAI_OFFSET_MINUTES): Date {
  return new Date(Date.UTC(year, month - 1, day) - offsetMinutes * 60_000);
}

/** Local calendar fields of an instant. */
export function localParts(d: Date, offsetMinutes = SHANGHAI_OFFSET_MINUTES): { year: number; month: number; day: number; weekday: number } {
  const l = new Date(d.getTime() + offsetMinutes * 60_000);
  // ISO weekday: Monday 1 … Sunday 7
  return { year: l.getUTCFullYear(), month: l.getUTCMonth() + 1, day: l.getUTCDate(), weekday: l.getUTCDay() || 7 };
}

/** Monday 00:00 local of ISO week 1 of an ISO year (the week holding 4 January). */
function isoWeekOneMonday(isoYear: number, offsetMinutes: number): Date {
  const jan4 = Date.UTC(isoYear, 0, 4);
  const weekday = new Date(jan4).getUTCDay() || 7;
  return new Date(jan4 - (weekday - 1) * DAY - offsetMinutes * 60_000);
}

/** ISO weeks in an ISO year (52 or 53), counted between the two week-1 Mondays rather than by a calendar rule. */
export function isoWeeksInYear(isoYear: number): number {
  return Math.round((isoWeekOneMonday(isoYear + 1, 0).getTime() - isoWeekOneMonday(isoYear, 0).getTime()) / (7 * DAY));
}

/** Parses 2026-W47, 2026-11 or 2026-Q4 into its local range; null when the text is none of these or out of range. */
export function parsePeriod(text: string, offsetMinutes = SHANGHAI_OFFSET_MINUTES): Period | null {
  let m = /^(\d{4})-W(\d{2})$/.exec(text);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week < 1 || week > isoWeeksInYear(year)) return null;
    const from = new Date(isoWeekOneMonday(year, offsetMinutes).getTime() + (week - 1) * 7 * DAY);
    return { kind: 'week', label: text, from, to: new Date(from.getTime() + 7 * DAY) };
  }
  m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (month < 1 || month > 12) return null;
    return { kind: 'month', label: text, from: localMidnight(year, month, 1, offsetMinutes), to: localMidnight(year, month + 1, 1, offsetMinutes) };
  }
  m = /^(\d{4})-Q([1-4])$/.exec(text);
  if (m) {
    const year = Number(m[1]);
    const q = Number(m[2]);
    return { kind: 'quarter', label: text, from: localMidnight(year, 3 * q - 2, 1, offsetMinutes), to: localMidnight(year, 3 * q + 1, 1, offsetMinutes) };
  }
  return null;
}

/** The ISO week label (2026-W47) of the local date of an instant. */
export function isoWeekLabel(d: Date, offsetMinutes = SHANGHAI_OFFSET_MINUTES): string {
  const p = localParts(d, offsetMinutes);
  // The ISO year is the year of the Thursday of the same week.
  const thursday = Date.UTC(p.year, p.month - 1, p.day) + (4 - p.weekday) * DAY;
  const isoYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(isoYear, 0, 1)) / (7 * DAY)) + 1;
  return `${isoYear}-W${String(week).padStart(2, '0')}`;
}

/** The period of a kind holding an instant (the current week, month or quarter). */
export function periodContaining(kind: PeriodKind, d: Date, offsetMinutes = SHANGHAI_OFFSET_MINUTES): Period {
  const p = localParts(d, offsetMinutes);
  const label =
    kind === 'week' ? isoWeekLabel(d, offsetMinutes) : kind === 'month' ? `${p.year}-${String(p.month).padStart(2, '0')}` : `${p.year}-Q${Math.ceil(p.month / 3)}`;
  return parsePeriod(label, offsetMinutes)!;
}

/** The period just before this one (last week's statistics, last month's inspection). */
export function previousPeriod(period: Period, offsetMinutes = SHANGHAI_OFFSET_MINUTES): Period {
  return periodContaining(period.kind, new Date(period.from.getTime() - 1), offsetMinutes);
}

/**
 * A bound given in a query string: a calendar date (YYYY-MM-DD, local) or an instant (ISO 8601 with a zone).
 * A date as `to` means the whole of that day is included (to = the next local midnight), so from=2026-11-01 and
 * to=2026-11-30 is exactly November. Returns null when unparseable.
 */
export function parseBound(text: string, side: 'from' | 'to', offsetMinutes = SHANGHAI_OFFSET_MINUTES): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
    const day = localMidnight(y, mo, d, offsetMinutes);
    if (localParts(day, offsetMinutes).day !== d) return null; // 2026-02-30
    return side === 'to' ? new Date(day.getTime() + DAY) : day;
  }
  if (!/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t);
}

/** Consecutive buckets of a kind covering [from, to), the first and last clipped to the range. */
export function buckets(range: Range, kind: 'week' | 'month', offsetMinutes = SHANGHAI_OFFSET_MINUTES): Array<Range & { label: string }> {
  const out: Array<Range & { label: string }> = [];
  let cursor = range.from;
  while (cursor < range.to) {
    const p = periodContaining(kind, cursor, offsetMinutes);
    const to = p.to < range.to ? p.to : range.to;
    out.push({ label: p.label, from: cursor, to });
    cursor = to;
  }
  return out;
}

/** Local date (YYYY-MM-DD) of an instant, for report headings. */
export function localDate(d: Date, offsetMinutes = SHANGHAI_OFFSET_MINUTES): string {
  const p = localParts(d, offsetMinutes);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
