import { describe, expect, it } from 'vitest';
import { decideCaseAccess, decideMediaAccess, type AccessContext, type MediaScope } from './access.js';
import type { Role, UserIdentity } from './roles.js';

const UNIT_A = '330100000001';
const UNIT_B = '330100000002';
const user = (role: Role, extra: Partial<UserIdentity> = {}): UserIdentity => ({ id: `u-${role}`, username: role, displayName: role, role, unitCode: UNIT_A, officerNumber: '013579', ...extra });
const none: AccessContext = { assignedCaseIds: new Set(), grantedMediaIds: new Set(), grantedCaseIds: new Set() };
const media = (officerId: string | null, cases: MediaScope['cases'] = []): MediaScope => ({ mediaId: 'm1', officerId, cases });

describe('media access', () => {
  it('lets an officer see their own footage only', () => {
    expect(decideMediaAccess(user('officer'), media('013579'), none)).toEqual({ allowed: true, basis: 'own-footage' });
    expect(decideMediaAccess(user('officer'), media('024680', [{ caseId: 'c1', unitCode: UNIT_A }]), none).allowed).toBe(false);
  });
  it('lets a reviewer see footage of their unit\'s cases and of cases assigned to them, nothing else', () => {
    const reviewer = user('reviewer', { officerNumber: null });
    expect(decideMediaAccess(reviewer, media('024680', [{ caseId: 'c1', unitCode: UNIT_A }]), none)).toEqual({ allowed: true, basis: 'unit' });
    expect(decideMediaAccess(reviewer, media('024680', [{ caseId: 'c2', unitCode: UNIT_B }]), none).allowed).toBe(false);
    expect(decideMediaAccess(reviewer, media('024680', [{ caseId: 'c2', unitCode: UNIT_B }]), { ...none, assignedCaseIds: new Set(['c2']) })).toEqual({ allowed: true, basis: 'assigned' });
    expect(decideMediaAccess(reviewer, media('024680'), none).allowed).toBe(false); // unlinked footage is the officer's
  });
  it('lets a unit head see their unit\'s cases', () => {
    expect(decideMediaAccess(user('unit_head', { officerNumber: null }), media('024680', [{ caseId: 'c1', unitCode: UNIT_A }]), none).allowed).toBe(true);
    expect(decideMediaAccess(user('unit_head', { officerNumber: null }), media('024680', [{ caseId: 'c2', unitCode: UNIT_B }]), none).allowed).toBe(false);
  });
  it('shows auditors no footage unless granted', () => {
    expect(decideMediaAccess(user('auditor'), media('013579', [{ caseId: 'c1', unitCode: UNIT_A }]), none).allowed).toBe(false);
    expect(decideMediaAccess(user('auditor'), media('013579'), { ...none, grantedMediaIds: new Set(['m1']) })).toEqual({ allowed: true, basis: 'grant' });
  });
  it('honours grants on the media or on one of its cases', () => {
    const officer = user('officer', { officerNumber: '999999' });
    expect(decideMediaAccess(officer, media('013579', [{ caseId: 'c2', unitCode: UNIT_B }]), { ...none, grantedCaseIds: new Set(['c2']) }).allowed).toBe(true);
  });
  it('lets an admin see everything', () => {
    expect(decideMediaAccess(user('admin'), media(null), none)).toEqual({ allowed: true, basis: 'admin' });
  });
});

describe('case access', () => {
  it('follows unit, assignment and grants', () => {
    const c = { caseId: 'c2', unitCode: UNIT_B };
    expect(decideCaseAccess(user('reviewer'), c, none).allowed).toBe(false);
    expect(decideCaseAccess(user('reviewer'), c, { ...none, assignedCaseIds: new Set(['c2']) }).allowed).toBe(true);
    expect(decideCaseAccess(user('unit_head', { unitCode: UNIT_B }), c, none).allowed).toBe(true);
    expect(decideCaseAccess(user('officer', { unitCode: UNIT_B }), c, none).allowed).toBe(false);
    expect(decideCaseAccess(user('officer'), c, { ...none, grantedCaseIds: new Set(['c2']) }).allowed).toBe(true);
  });
});
