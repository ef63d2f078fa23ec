import { decideCaseAccess, type AccessContext, type AccessDecision } from './access.js';
import type { UserIdentity } from './roles.js';

/**
 * The set of cases a person may list, in a form SQL can filter by. It mirrors decideCaseAccess exactly (the
 * tests check both agree), so a search never shows a case that opening it would refuse.
 */
export type CaseListScope = { all: true } | { all: false; unitCode: string | null; caseIds: string[] };

export function caseListScope(user: UserIdentity, ctx: AccessContext): CaseListScope {
  if (user.role === 'admin') return { all: true };
  const caseIds = new Set(ctx.grantedCaseIds);
  if (user.role === 'reviewer') for (const id of ctx.assignedCaseIds) caseIds.add(id);
  const unitCode = user.role === 'reviewer' || user.role === 'unit_head' ? user.unitCode : null;
  return { all: false, unitCode, caseIds: [...caseIds] };
}

export function inListScope(scope: CaseListScope, c: { caseId: string; unitCode: string }): boolean {
  return scope.all || (scope.unitCode !== null && scope.unitCode === c.unitCode) || scope.caseIds.includes(c.caseId);
}

export type LinkDecision = { allowed: true } | { allowed: false; reason: string };

/** Where a link points: the case it puts the media in (null for an incident not yet in a case) and the owning unit. */
export interface LinkTargetScope {
  caseId: string | null;
  unitCode: string;
}

/**
 * May this person link a media to (or unlink it from) a case, incident or interrogation session by hand?
 * - admins: always;
 * - reviewers and unit heads: the target must be in their scope (their unit's or an assigned case), and they must
 *   already be allowed to see the media; a unit head may also file unlinked footage of their own unit's officers
 *   (they approve access within the unit anyway);
 * - officers and auditors: never (officers' footage is filed by the automatic matcher or their unit).
 * Every change is a custody event with the person and the reason, so filing footage into one's own case is visible.
 */
export function decideLinkChange(
  user: UserIdentity,
  input: { target: LinkTargetScope; media: AccessDecision; mediaOfficerUnit: string | null },
  ctx: AccessContext,
): LinkDecision {
  if (user.role === 'admin') return { allowed: true };
  if (user.role !== 'reviewer' && user.role !== 'unit_head') {
    return { allowed: false, reason: 'only reviewers, unit heads and admins link footage to cases' };
  }
  const { target } = input;
  const targetAllowed = target.caseId
    ? decideCaseAccess(user, { caseId: target.caseId, unitCode: target.unitCode }, ctx).allowed
    : user.unitCode !== null && user.unitCode === target.unitCode;
  if (!targetAllowed) return { allowed: false, reason: 'the target case or incident is outside your scope' };
  if (input.media.allowed) return { allowed: true };
  if (user.role === 'unit_head' && user.unitCode && input.mediaOfficerUnit === user.unitCode) return { allowed: true };
  return { allowed: false, reason: 'the footage is outside your scope: request access (a unit head approves)' };
}
