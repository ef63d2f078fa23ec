import type { UserIdentity } from './roles.js';

/** What is known about a media item when deciding who may see it. */
export interface MediaScope {
  mediaId: string;
  /** The officer the footage belongs to (from the camera/dock metadata). */
  officerId: string | null;
  /** Cases the media is linked to, with their owning unit. */
  cases: Array<{ caseId: string; unitCode: string }>;
}

export interface AccessContext {
  /** Cases the user is assigned to as reviewer. */
  assignedCaseIds: ReadonlySet<string>;
  /** Unexpired approved grants: media ids and case ids. */
  grantedMediaIds: ReadonlySet<string>;
  grantedCaseIds: ReadonlySet<string>;
}

export type AccessBasis = 'admin' | 'own-footage' | 'unit' | 'assigned' | 'grant';

export type AccessDecision =
  | { allowed: true; basis: AccessBasis }
  | { allowed: false; reason: string };

/**
 * May this person view or download this media? Pure, so every rule is unit-tested. Anything not explicitly allowed
 * is refused; access beyond one's own scope goes through an approved, time-limited grant.
 */
export function decideMediaAccess(user: UserIdentity, media: MediaScope, ctx: AccessContext): AccessDecision {
  if (user.role === 'admin') return { allowed: true, basis: 'admin' };
  if (ctx.grantedMediaIds.has(media.mediaId) || media.cases.some((c) => ctx.grantedCaseIds.has(c.caseId))) {
    return { allowed: true, basis: 'grant' };
  }
  switch (user.role) {
    case 'officer':
      if (user.officerNumber && media.officerId === user.officerNumber) return { allowed: true, basis: 'own-footage' };
      break;
    case 'reviewer':
      if (media.cases.some((c) => ctx.assignedCaseIds.has(c.caseId))) return { allowed: true, basis: 'assigned' };
      if (user.unitCode && media.cases.some((c) => c.unitCode === user.unitCode)) return { allowed: true, basis: 'unit' };
      break;
    case 'unit_head':
      if (user.unitCode && media.cases.some((c) => c.unitCode === user.unitCode)) return { allowed: true, basis: 'unit' };
      if (user.officerNumber && media.officerId === user.officerNumber) return { allowed: true, basis: 'own-footage' };
      break;
    case 'auditor':
      return { allowed: false, reason: 'auditors see the custody record, not footage, unless granted' };
  }
  return { allowed: false, reason: 'outside your scope: request access (a unit head approves)' };
}

/** May this person see a case and its listing? Same scope rules as media, at case level. */
export function decideCaseAccess(user: UserIdentity, c: { caseId: string; unitCode: string }, ctx: AccessContext): AccessDecision {
  if (user.role === 'admin') return { allowed: true, basis: 'admin' };
  if (ctx.grantedCaseIds.has(c.caseId)) return { allowed: true, basis: 'grant' };
  if (user.role === 'reviewer' && ctx.assignedCaseIds.has(c.caseId)) return { allowed: true, basis: 'assigned' };
  if ((user.role === 'reviewer' || user.role === 'unit_head') && user.unitCode === c.unitCode) return { allowed: true, basis: 'unit' };
  return { allowed: false, reason: 'outside your scope: request access (a unit head approves)' };
}
