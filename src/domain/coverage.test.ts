import { describe, expect, it } from 'vitest';
import { decideCoverageScope, formatRate, rateOf, sumRates } from './coverage.js';

describe('coverage rate arithmetic', () => {
  it('divides numerator by denominator against the 100% target', () => {
    expect(rateOf(3, 4)).toEqual({ numerator: 3, denominator: 4, rate: 0.75, target: 1, missing: 1, met: false });
    expect(rateOf(4, 4)).toMatchObject({ rate: 1, met: true, missing: 0 });
  });

  it('an empty denominator is "n/a" (null), not 0% and not a 100% that hides missing data; nothing is missing', () => {
    expect(rateOf(0, 0)).toEqual({ numerator: 0, denominator: 0, rate: null, target: 1, missing: 0, met: true });
    expect(formatRate(null)).toBe('n/a');
  });

  it('refuses impossible counts', () => {
    expect(() => rateOf(5, 4)).toThrow(RangeError);
    expect(() => rateOf(-1, 4)).toThrow(RangeError);
    expect(() => rateOf(1.5, 4)).toThrow(RangeError);
  });

  it('truncates when formatting so a shortfall never shows as 100%', () => {
    expect(formatRate(9999 / 10000)).toBe('99.9%');
    expect(formatRate(1)).toBe('100.0%');
    expect(formatRate(2 / 3, 2)).toBe('66.66%');
  });

  it('sums disjoint parts', () => {
    expect(sumRates([rateOf(1, 2), rateOf(0, 0), rateOf(3, 3)])).toMatchObject({ numerator: 4, denominator: 5, rate: 0.8 });
  });
});

describe('who sees coverage', () => {
  it('admins and auditors see every unit or the one they ask for', () => {
    expect(decideCoverageScope({ role: 'admin', unitCode: null }, null)).toEqual({ allowed: true, unitCode: null, within: null });
    expect(decideCoverageScope({ role: 'auditor', unitCode: null }, 'U1')).toEqual({ allowed: true, unitCode: 'U1', within: null });
  });
  it('a unit head sees their unit by default and may narrow to a sub-unit (checked against the unit tree)', () => {
    expect(decideCoverageScope({ role: 'unit_head', unitCode: 'U1' }, null)).toEqual({ allowed: true, unitCode: 'U1', within: 'U1' });
    expect(decideCoverageScope({ role: 'unit_head', unitCode: 'U1' }, 'U2')).toEqual({ allowed: true, unitCode: 'U2', within: 'U1' });
    expect(decideCoverageScope({ role: 'unit_head', unitCode: null }, null).allowed).toBe(false);
  });
  it('officers and reviewers are refused', () => {
    expect(decideCoverageScope({ role: 'officer', unitCode: 'U1' }, null).allowed).toBe(false);
    expect(decideCoverageScope({ role: 'reviewer', unitCode: 'U1' }, 'U1').allowed).toBe(false);
  });
});
