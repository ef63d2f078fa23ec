import { decideMediaAccess, type AccessBasis } from '../../domain/access.js';
import type { Db } from '../../db/db.js';
import { AccessRepository } from '../../db/repositories/access-repository.js';
import { appendCustody } from '../../db/repositories/custody-repository.js';
import type { Media } from '../../db/repositories/media-repository.js';
import { Errors } from '../../errors.js';
import { actorOf, type Principal } from './principal.js';

export type MediaAction = 'view' | 'download' | 'export' | 'read-record';

/**
 * Decides whether `principal` may act on `media`; a refused person is told why and the refusal is written to the
 * custody chain (the 2016 rules want attempts logged, not only successes). Devices see only what they uploaded,
 * and another device's media is reported as absent. Returns on what basis it is allowed.
 */
export async function authorizeMedia(db: Db, principal: Principal, media: Media, action: MediaAction): Promise<AccessBasis | 'device'> {
  if (principal.kind === 'admin') return 'admin';
  if (principal.kind === 'device') {
    if (media.uploadedBy === principal.device.id) return 'device';
    throw new Errors.NOT_FOUND(`media ${media.id}`);
  }
  const access = new AccessRepository(db);
  const [scope, ctx] = await Promise.all([access.mediaScope(media.id, media.officerId), access.context(principal.user.id)]);
  const decision = decideMediaAccess(principal.user, scope, ctx);
  if (decision.allowed) return decision.basis;
  await appendCustody(db, { mediaId: media.id, uploadId: null, type: 'access.refused', actor: actorOf(principal), details: { action, reason: decision.reason } });
  throw new Errors.FORBIDDEN(decision.reason);
}

/** The purpose a person states for viewing or downloading (query `purpose`), recorded with the custody event. */
export function purposeOf(query: unknown): string | null {
  const p = (query as { purpose?: unknown } | null)?.purpose;
  return typeof p === 'string' && p.trim() ? p.trim().slice(0, 500) : null;
}
