import { describe, expect, it } from 'vitest';
import { buckets, isoWeekLabel, isoWeeksInYear, localDate, parseBound, parsePeriod, periodContaining, previousPeriod } from './report-periods.js';

const utc = (s: string) => new Date(s).toISOString();

describe('reporting periods in Asia/Shanghai (UTC+8, no DST)', () => {
  it('a month starts at local midnight of its first day', () => {
    const p = parsePeriod('2026-11')!;
    expect([utc(p.from.toISOString()), utc(p.to.toISOString())]).toEqual(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']);
    expect(parsePeriod('2026-12')!.to.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('a quarter spans three months', () => {
    const p = parsePeriod('2026-Q4')!;
    expect([p.from.toISOString(), p.to.toISOString()]).toEqual(['2026-09-30T16:00:00.000Z', '2026-12-31T16:00:00.000Z']);
    expect(parsePeriod('2026-Q1')!.from.toISOString()).toBe('2025-12-31T16:00:00.000Z');
  });

  it('an ISO week runs Monday to Monday; week 1 holds 4 January', () => {
    const w47 = parsePeriod('2026-W47')!;
    // Monday 16 November 2026, 00:00 local
    expect([w47.from.toISOString(), w47.to.toISOString()]).toEqual(['2026-11-15T16:00:00.000Z', '2026-11-22T16:00:00.000Z']);
    // 2026-W01 starts Monday 29 December 2025
    expect(parsePeriod('2026-W01')!.from.toISOString()).toBe('2025-12-28T16:00:00.000Z');
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(parsePeriod('2026-W53')).not.toBeNull();
    expect(parsePeriod('2025-W53')).toBeNull();
  });

  it('refuses what is not a period', () => {
    for (const bad of ['2026-13', '2026-00', '2026-Q5', '2026-W00', '2026', 'W47', '2026-11-01']) expect(parsePeriod(bad)).toBeNull();
  });

  it('finds the period holding an instant by its local date (late evening UTC is already tomorrow in Shanghai)', () => {
    expect(periodContaining('month', new Date('2026-10-31T16:00:00Z')).label).toBe('2026-11');
    expect(periodContaining('month', new Date('2026-10-31T15:59:59.999Z')).label).toBe('2026-10');
    expect(periodContaining('quarter', new Date('2026-11-20T00:00:00Z')).label).toBe('2026-Q4');
    expect(isoWeekLabel(new Date('2026-11-15T16:00:00Z'))).toBe('2026-W47');
    expect(isoWeekLabel(new Date('2026-11-15T15:59:59Z'))).toBe('2026-W46');
    expect(isoWeekLabel(new Date('2027-01-01T04:00:00Z'))).toBe('2026-W53');
    expect(previousPeriod(parsePeriod('2026-01')!).label).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026-W01')!).label).toBe('2025-W52');
  });

  it('reads query bounds: a date is local midnight, a date as "to" includes that whole day', () => {
    expect(parseBound('2026-11-01', 'from')!.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(parseBound('2026-11-30', 'to')!.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(parseBound('2026-11-05T10:00:00Z', 'to')!.toISOString()).toBe('2026-11-05T10:00:00.000Z');
    expect(parseBound('2026-11-05T10:00:00+08:00', 'from')!.toISOString()).toBe('2026-11-05T02:00:00.000Z');
    expect(parseBound('2026-02-30', 'from')).toBeNull();
    expect(parseBound('2026-11-05T10:00:00', 'from')).toBeNull(); // no zone: ambiguous
    expect(parseBound('yesterday', 'from')).toBeNull();
  });

  it('splits a range into clipped weekly or monthly buckets', () => {
    const nov = parsePeriod('2026-11')!;
    const weeks = buckets(nov, 'week');
    expect(weeks.map((b) => b.label)).toEqual(['2026-W44', '2026-W45', '2026-W46', '2026-W47', '2026-W48', '2026-W49']);
    expect(weeks[0]!.from).toEqual(nov.from);
    expect(weeks[0]!.to.toISOString()).toBe('2026-11-01T16:00:00.000Z');
    expect(weeks.at(-1)!.to).toEqual(nov.to);
    const q = buckets(parsePeriod('2026-Q4')!, 'month');
    expect(q.map((b) => b.label)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(localDate(q[1]!.from)).toBe('2026-11-01');
  });
});
