import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isoFromTimestamptz } from './custody-repository.js';

// The driver's own timestamptz parser (postgres-date), which toEvent's `at.toISOString()` starts from.
const standard = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;
const viaDate = (text: string) => (standard(text) as Date).toISOString();

describe('isoFromTimestamptz', () => {
  it('gives exactly what the driver Date + toISOString gives, for every form PostgreSQL prints', () => {
    const texts = [
      '2026-01-01 00:00:00+00',
      '2026-01-01 00:00:00.037+00',
      '2026-11-23 23:59:59.999999+00',
      '2026-11-23 08:00:00.5+00',
      '2026-11-23 08:00:00.0005+00',
      '2024-02-29 12:00:00.29+00',
      '2026-04-30 12:00:00.001+00',
      '2026-12-31 23:59:59.123456+00',
      '0050-06-15 10:00:00.25+00',
      '0001-01-01 00:00:00+00',
      '1969-12-31 23:59:59.999+00',
      '9999-12-31 23:59:59.999999+00',
      '2026-01-01 08:00:00.037+08',
      '2026-01-01 00:00:00-05:30',
      '0010-03-01 00:00:00+00 BC',
    ];
    // Every millisecond and a spread of microsecond fractions: the float path of postgres-date is reproduced.
    for (let ms = 0; ms < 1000; ms++) texts.push(`2026-05-17 13:45:12.${String(ms).padStart(3, '0')}+00`);
    for (let us = 0; us < 1_000_000; us += 997) texts.push(`2026-05-17 13:45:12.${String(us).padStart(6, '0').replace(/0+$/, '') || '0'}+00`);
    for (let i = 0; i < 2000; i++) {
      const t = Math.floor(Math.random() * 4e12) - 1e12;
      const d = new Date(t).toISOString();
      texts.push(`${d.slice(0, 10)} ${d.slice(11, 19)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}+00`);
    }
    for (const text of texts) expect([text, isoFromTimestamptz(text, standard)]).toEqual([text, viaDate(text)]);
  });

  it('fails where the driver Date fails (infinity)', () => {
    expect(() => viaDate('infinity')).toThrow();
    expect(() => isoFromTimestamptz('infinity', standard)).toThrow();
  });
});
