import { describe, expect, it } from 'vitest';
import { decideRetention, type RetentionFacts, type RetentionPolicy } from './retention.js';

/**
 * Combinations of the retention rules as they meet in practice: each test states the situation a disposal must
 * get right, and the decision the rules give.
 */
const now = new Date('2026-11-23T00:00:00Z');
const policy: RetentionPolicy = { fieldMinimum: { months: 6 }, caseFile: { criminal: 'permanent', administrative: { months: 24 } } };
const old = new Date('2025-01-10T08:00:00Z');

const field = (o: Partial<RetentionFacts> = {}): RetentionFacts => ({
  kind: 'field',
  recordedEnd: old,
  flags: [],
  classification: 'routine',
  cases: [],
  incidentCategories: [],
  legalHolds: [],
  ...o,
});
type CaseFact = RetentionFacts['cases'][number];
const kase = (o: Partial<CaseFact> = {}): CaseFact => ({ caseNumber: 'A-1', kind: 'administrative', status: 'closed', closedAt: new Date('2025-06-01T00:00:00Z'), evidence: true, ...o });
const rules = (f: RetentionFacts) => decideRetention(f, now, policy).reasons.map((r) => r.rule);

describe('retention rule combinations', () => {
  it('an evidence link added late turns eligible footage into kept footage, as long as its case file', () => {
    expect(decideRetention(field(), now, policy).keep).toBe('no');
    const linked = decideRetention(field({ cases: [kase()] }), now, policy);
    expect(linked).toMatchObject({ keep: 'until', until: new Date('2027-06-01T00:00:00Z') });
    expect(decideRetention(field({ cases: [kase({ kind: 'criminal' })] }), now, policy).keep).toBe('permanent');
  });

  it('while the case is open (or under review) nothing in it expires; closing it starts the case-file clock; reopening stops it again', () => {
    for (const status of ['open', 'under_review', 'review_completed'] as const) {
      expect(decideRetention(field({ cases: [kase({ status, closedAt: null })] }), now, policy)).toMatchObject({
        keep: 'permanent',
        reasons: expect.arrayContaining([{ rule: 'case-file', caseNumber: 'A-1', until: 'while-open' }]),
      });
    }
    const closedLongAgo = kase({ closedAt: new Date('2024-01-01T00:00:00Z') });
    expect(decideRetention(field({ cases: [closedLongAgo] }), now, policy).keep).toBe('no');
    expect(decideRetention(field({ cases: [{ ...closedLongAgo, status: 'open', closedAt: null }] }), now, policy).keep).toBe('permanent');
  });

  it('the longest rule wins: a short case file does not cut the 6-month field minimum', () => {
    const short: RetentionPolicy = { ...policy, caseFile: { criminal: 'permanent', administrative: { months: 1 } } };
    const recent = new Date('2026-10-01T00:00:00Z');
    const d = decideRetention(field({ recordedEnd: recent, cases: [kase({ closedAt: recent })] }), now, short);
    expect(d).toMatchObject({ keep: 'until', until: new Date('2027-04-01T00:00:00Z') });
  });

  it('a legal hold keeps eligible footage, until it lapses; an open-ended hold keeps it for good', () => {
    expect(decideRetention(field({ legalHolds: [{ id: 'h', until: null }] }), now, policy).keep).toBe('permanent');
    expect(decideRetention(field({ legalHolds: [{ id: 'h', until: new Date('2027-02-01T00:00:00Z') }] }), now, policy)).toMatchObject({ keep: 'until', until: new Date('2027-02-01T00:00:00Z') });
    // a hold shorter than the case file changes nothing; both are listed
    const both = decideRetention(field({ cases: [kase()], legalHolds: [{ id: 'h', until: new Date('2027-01-01T00:00:00Z') }] }), now, policy);
    expect(both).toMatchObject({ keep: 'until', until: new Date('2027-06-01T00:00:00Z') });
    expect(both.reasons.map((r) => r.rule)).toEqual(['field-minimum', 'case-file', 'legal-hold']);
  });

  it('the important flag keeps footage permanently, whatever else applies, and the other reasons are still listed', () => {
    const d = decideRetention(field({ flags: ['important'], legalHolds: [{ id: 'h', until: null }], cases: [kase()] }), now, policy);
    expect(d.keep).toBe('permanent');
    expect(d.reasons.map((r) => r.rule)).toEqual(['important-flag', 'field-minimum', 'case-file', 'legal-hold']);
  });

  it('unknown keeps: never classified, classified as evidence without a case, or facts still missing', () => {
    expect(rules(field({ classification: null }))).toContain('unclassified');
    expect(decideRetention(field({ classification: null }), now, policy).keep).toBe('permanent');
    expect(decideRetention(field({ classification: 'evidence' }), now, policy)).toMatchObject({ keep: 'permanent', reasons: expect.arrayContaining([{ rule: 'evidence-unlinked' }]) });
    expect(decideRetention(field({ incomplete: ['case number X-9 from the dock is not in the case system'] }), now, policy)).toMatchObject({
      keep: 'permanent',
      reasons: expect.arrayContaining([{ rule: 'facts-incomplete', what: 'case number X-9 from the dock is not in the case system' }]),
    });
  });

  it('unclassified footage linked to a closed case follows the case file (the link classifies it)', () => {
    const d = decideRetention(field({ classification: null, cases: [kase({ closedAt: new Date('2024-01-01T00:00:00Z') })] }), now, policy);
    expect(d.keep).toBe('no');
  });

  it('interrogation recordings follow their case file: open → kept; closed criminal → permanent; closed administrative → its period', () => {
    const interrogation = (c: CaseFact) => field({ kind: 'interrogation', classification: null, cases: [c] });
    expect(decideRetention(interrogation(kase({ status: 'open', closedAt: null })), now, policy).keep).toBe('permanent');
    expect(decideRetention(interrogation(kase({ kind: 'criminal' })), now, policy).keep).toBe('permanent');
    expect(decideRetention(interrogation(kase()), now, policy)).toMatchObject({ keep: 'until', until: new Date('2027-06-01T00:00:00Z') });
    // the field minimum is a field-footage rule only
    expect(rules(interrogation(kase()))).not.toContain('field-minimum');
  });

  it('a permanent incident category beats an eligible date', () => {
    expect(decideRetention(field({ incidentCategories: ['mass_incident'] }), now, policy).keep).toBe('permanent');
  });
});
