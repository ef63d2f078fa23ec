import { describe, expect, it } from 'vitest';
import { decideCaseAccess, decideMediaAccess, type AccessContext } from './access.js';
import { reviewBlockers, summarizeBlockers } from './case-review.js';
import { caseListScope, decideLinkChange, inListScope } from './case-scope.js';
import { ROLES, type Role, type UserIdentity } from './roles.js';

const UNIT = '320100000000';
const OTHER = '320200000000';
const user = (role: Role, over: Partial<UserIdentity> = {}): UserIdentity => ({
  id: `u-${role}`,
  username: role,
  displayName: role,
  role,
  unitCode: UNIT,
  officerNumber: '013579',
  ...over,
});
const ctx = (over: Partial<AccessContext> = {}): AccessContext => ({
  assignedCaseIds: new Set(),
  grantedMediaIds: new Set(),
  grantedCaseIds: new Set(),
  ...over,
});

describe('caseListScope agrees with decideCaseAccess', () => {
  const cases = [
    { caseId: 'own-unit', unitCode: UNIT },
    { caseId: 'other-unit', unitCode: OTHER },
    { caseId: 'assigned', unitCode: OTHER },
    { caseId: 'granted', unitCode: OTHER },
  ];
  const c = ctx({ assignedCaseIds: new Set(['assigned']), grantedCaseIds: new Set(['granted']) });
  for (const role of ROLES) {
    it(`for ${role}`, () => {
      const u = user(role);
      const scope = caseListScope(u, c);
      for (const k of cases) expect(inListScope(scope, k), `${role} / ${k.caseId}`).toBe(decideCaseAccess(u, k, c).allowed);
    });
  }
});

describe('decideLinkChange', () => {
  const allowed = { allowed: true, basis: 'unit' } as const;
  const refused = { allowed: false, reason: 'no' } as const;
  const target = { caseId: 'c1', unitCode: UNIT };

  it('lets admins do anything and never officers or auditors', () => {
    expect(decideLinkChange(user('admin'), { target: { caseId: 'x', unitCode: OTHER }, media: refused, mediaOfficerUnit: null }, ctx())).toEqual({ allowed: true });
    for (const role of ['officer', 'auditor'] as const) {
      expect(decideLinkChange(user(role), { target, media: allowed, mediaOfficerUnit: UNIT }, ctx()).allowed).toBe(false);
    }
  });

  it('needs the target in scope and the footage visible', () => {
    expect(decideLinkChange(user('reviewer'), { target, media: allowed, mediaOfficerUnit: null }, ctx())).toEqual({ allowed: true });
    expect(decideLinkChange(user('reviewer'), { target: { caseId: 'c2', unitCode: OTHER }, media: allowed, mediaOfficerUnit: null }, ctx()).allowed).toBe(false);
    expect(decideLinkChange(user('reviewer'), { target: { caseId: 'c2', unitCode: OTHER }, media: allowed, mediaOfficerUnit: null }, ctx({ assignedCaseIds: new Set(['c2']) })).allowed).toBe(true);
    expect(decideLinkChange(user('reviewer'), { target, media: refused, mediaOfficerUnit: UNIT }, ctx()).allowed).toBe(false);
    // An incident not yet in a case is scoped by its unit.
    expect(decideLinkChange(user('unit_head'), { target: { caseId: null, unitCode: UNIT }, media: allowed, mediaOfficerUnit: null }, ctx()).allowed).toBe(true);
    expect(decideLinkChange(user('unit_head'), { target: { caseId: null, unitCode: OTHER }, media: allowed, mediaOfficerUnit: null }, ctx()).allowed).toBe(false);
  });

  it('lets a unit head file unlinked footage of their own unit officers', () => {
    const unlinked = decideMediaAccess(user('unit_head', { officerNumber: null }), { mediaId: 'm', officerId: '024680', cases: [] }, ctx());
    expect(unlinked.allowed).toBe(false);
    expect(decideLinkChange(user('unit_head'), { target, media: unlinked, mediaOfficerUnit: UNIT }, ctx()).allowed).toBe(true);
    expect(decideLinkChange(user('unit_head'), { target, media: unlinked, mediaOfficerUnit: OTHER }, ctx()).allowed).toBe(false);
  });
});

describe('reviewBlockers', () => {
  it('blocks on unreviewed recordings and unrecorded sessions', () => {
    const blockers = reviewBlockers([
      { sessionId: 's1', recordings: [{ mediaId: 'm1', reviewed: true }, { mediaId: 'm2', reviewed: false }] },
      { sessionId: 's2', recordings: [] },
      { sessionId: 's3', recordings: [{ mediaId: 'm3', reviewed: true }] },
    ]);
    expect(blockers).toEqual([
      { kind: 'recording-not-reviewed', sessionId: 's1', mediaId: 'm2' },
      { kind: 'session-unrecorded', sessionId: 's2' },
    ]);
    expect(summarizeBlockers(blockers)).toBe('1 interrogation recording(s) not reviewed; 1 interrogation session(s) without any linked recording');
    expect(reviewBlockers([{ sessionId: 's1', recordings: [{ mediaId: 'm1', reviewed: true }] }])).toEqual([]);
  });
});
