import { describe, expect, it } from 'vitest';
import { addMonths, decideRetention, type RetentionFacts } from './retention.js';

const now = new Date('2026-11-23T00:00:00Z');
const field = (o: Partial<RetentionFacts> = {}): RetentionFacts => ({
  kind: 'field',
  recordedEnd: new Date('2026-01-10T08:00:00Z'),
  flags: [],
  classification: 'routine',
  cases: [],
  incidentCategories: [],
  legalHolds: [],
  ...o,
});
const closedCase = (kind: 'criminal' | 'administrative', closedAt = '2026-03-01T00:00:00Z') => ({ caseNumber: `C-${kind}`, kind, status: 'closed' as const, closedAt: new Date(closedAt), evidence: true });

describe('retention', () => {
  it('keeps routine field footage 6 months, then lets it go', () => {
    expect(decideRetention(field({ recordedEnd: new Date('2026-10-01T00:00:00Z') }), now)).toMatchObject({ keep: 'until', until: new Date('2027-04-01T00:00:00Z') });
    expect(decideRetention(field(), now)).toMatchObject({ keep: 'no', eligibleSince: new Date('2026-07-10T08:00:00Z') });
  });

  it('adds months on calendar days (31 August + 6 months = 28 February)', () => {
    expect(addMonths(new Date('2026-08-31T00:00:00Z'), 6).toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });

  it('keeps important or locked files permanently', () => {
    expect(decideRetention(field({ flags: ['important'] }), now).keep).toBe('permanent');
    expect(decideRetention(field({ flags: ['locked'] }), now).keep).toBe('permanent');
  });

  it.each(['obstruction', 'major_emergency', 'mass_incident', 'major_complex'] as const)('keeps %s footage permanently', (category) => {
    expect(decideRetention(field({ incidentCategories: [category] }), now).keep).toBe('permanent');
  });

  it('never lets unclassified or undated footage go', () => {
    expect(decideRetention(field({ classification: null }), now)).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'unclassified' }]) });
    expect(decideRetention(field({ recordedEnd: null }), now).keep).toBe('permanent');
  });

  it('never expires media in an open case, whatever its age', () => {
    const open = { caseNumber: 'C1', kind: 'administrative' as const, status: 'open' as const, closedAt: null, evidence: true };
    expect(decideRetention(field({ cases: [open] }), now).keep).toBe('permanent');
  });

  it('keeps evidence of a closed case as long as its case file, the longest rule winning', () => {
    const policy = { fieldMinimum: { months: 6 }, caseFile: { criminal: 'permanent' as const, administrative: { months: 36 } } };
    expect(decideRetention(field({ cases: [closedCase('administrative')] }), now, policy)).toMatchObject({ keep: 'until', until: new Date('2029-03-01T00:00:00Z') });
    expect(decideRetention(field({ cases: [closedCase('administrative'), closedCase('criminal')] }), now, policy).keep).toBe('permanent');
  });

  it('extends retention when an evidence link is added late', () => {
    const before = decideRetention(field(), now);
    const after = decideRetention(field({ cases: [closedCase('criminal')] }), now);
    expect([before.keep, after.keep]).toEqual(['no', 'permanent']);
  });

  it('keeps interrogation recordings with their case file, and without a case keeps them', () => {
    const policy = { fieldMinimum: { months: 6 }, caseFile: { criminal: { months: 12 }, administrative: { months: 12 } } };
    expect(decideRetention(field({ kind: 'interrogation', cases: [closedCase('criminal', '2025-01-01T00:00:00Z')] }), now, policy).keep).toBe('no');
    expect(decideRetention(field({ kind: 'interrogation' }), now, policy).keep).toBe('permanent');
  });

  it('blocks disposal under a legal hold until it lapses', () => {
    expect(decideRetention(field({ legalHolds: [{ id: 'h1', until: null }] }), now).keep).toBe('permanent');
    expect(decideRetention(field({ legalHolds: [{ id: 'h1', until: new Date('2027-01-01T00:00:00Z') }] }), now)).toMatchObject({ keep: 'until', until: new Date('2027-01-01T00:00:00Z') });
    expect(decideRetention(field({ legalHolds: [{ id: 'h1', until: new Date('2026-11-01T00:00:00Z') }] }), now).keep).toBe('no');
  });

  it('ignores a non-evidence link of field footage but lists every reason it applied', () => {
    const d = decideRetention(field({ cases: [{ ...closedCase('criminal'), evidence: false }] }), now);
    expect(d.keep).toBe('no');
    expect(d.reasons).toEqual([{ rule: 'field-minimum', until: new Date('2026-07-10T08:00:00Z') }]);
  });
});
