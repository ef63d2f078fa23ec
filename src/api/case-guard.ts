import { decideCaseAccess, decideMediaAccess, type AccessContext, type AccessDecision } from '../domain/access.js';
import type { UserIdentity } from '../domain/roles.js';
import type { Db } from '../db/db.js';
import { AccessRepository } from '../db/repositories/access-repository.js';
import type { Case } from '../db/repositories/cases-repository.js';
import { appendCustody } from '../db/repositories/custody-repository.js';
import type { Media } from '../db/repositories/media-repository.js';
import { Errors } from '../errors.js';
import { actorOf, type Principal } from './auth/principal.js';

/** The bootstrap admin token acts as an administrator without a user row. */
const TOKEN_ADMIN: UserIdentity = { id: 'admin', username: 'admin', displayName: 'Administrator (token)', role: 'admin', unitCode: null, officerNumber: null };

const EMPTY_CONTEXT: AccessContext = { assignedCaseIds: new Set(), grantedMediaIds: new Set(), grantedCaseIds: new Set() };

/** The person behind a principal (devices are not people: null). */
export function personOf(p: Principal): UserIdentity | null {
  if (p.kind === 'admin') return TOKEN_ADMIN;
  if (p.kind === 'user') return p.user;
  return null;
}

/** The users.id to record beside an actor, or null for the admin token. */
export function userIdOf(p: Principal): string | null {
  return p.kind === 'user' ? p.user.id : null;
}

export async function accessContextOf(db: Db, p: Principal): Promise<AccessContext> {
  return p.kind === 'user' ? new AccessRepository(db).context(p.user.id) : EMPTY_CONTEXT;
}

/**
 * May this principal see this case (and act on it)? Refusals are written to the custody chain like media refusals
 * (the 2016 rules want attempts logged), then answered 403 with the reason.
 */
export async function authorizeCase(db: Db, p: Principal, c: Pick<Case, 'id' | 'unitCode' | 'caseNumber'>, action: string): Promise<void> {
  const user = personOf(p);
  if (!user) throw new Errors.NOT_FOUND(`case ${c.id}`);
  if (user.role === 'admin') return;
  const decision = decideCaseAccess(user, { caseId: c.id, unitCode: c.unitCode }, await accessContextOf(db, p));
  if (decision.allowed) return;
  await appendCustody(db, { mediaId: null, uploadId: null, type: 'access.refused', actor: actorOf(p), details: { action, caseId: c.id, caseNumber: c.caseNumber, reason: decision.reason } });
  throw new Errors.FORBIDDEN(decision.reason);
}

/** The media access decision without logging (for combined decisions such as linking). */
export async function mediaDecision(db: Db, p: Principal, media: Media): Promise<AccessDecision> {
  const user = personOf(p);
  if (!user) return { allowed: false, reason: 'devices do not file footage' };
  if (user.role === 'admin') return { allowed: true, basis: 'admin' };
  const access = new AccessRepository(db);
  const [scope, ctx] = await Promise.all([access.mediaScope(media.id, media.officerId), access.context(user.id)]);
  return decideMediaAccess(user, scope, ctx);
}
