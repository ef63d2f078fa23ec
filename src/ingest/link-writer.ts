import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/db.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import { LinksRepository, type LinkSource, type LinkTarget, type MediaLink } from '../db/repositories/links-repository.js';

/**
 * The one place a link between a media and a case, incident or interrogation session is made or removed: the row
 * change and its custody event are written together on the caller's transaction, whoever asks (a person, the
 * automatic matcher, an import, a dock's case number). Callers hold LinksRepository.lockMedia for the media.
 */
export async function addLink(
  tx: Sql,
  l: { mediaId: string; target: LinkTarget; source: LinkSource; reason: string; actor: string; details?: Record<string, unknown> },
): Promise<MediaLink> {
  const link = await new LinksRepository(tx).insert({ id: randomUUID(), mediaId: l.mediaId, target: l.target, source: l.source, reason: l.reason, createdBy: l.actor });
  await new CustodyRepository(tx).append({
    mediaId: l.mediaId,
    uploadId: null,
    type: 'link.added',
    actor: l.actor,
    details: { linkId: link.id, ...l.target, source: l.source, reason: l.reason, ...l.details },
  });
  return link;
}

/** Closes a live link (the row stays as history); null when it was already removed. */
export async function removeLink(tx: Sql, link: MediaLink, actor: string, reason: string): Promise<MediaLink | null> {
  const closed = await new LinksRepository(tx).close(link.id, actor, reason);
  if (!closed) return null;
  await new CustodyRepository(tx).append({
    mediaId: link.mediaId,
    uploadId: null,
    type: 'link.removed',
    actor,
    details: { linkId: link.id, ...targetOf(link), source: link.source, reason },
  });
  return closed;
}

export function targetOf(l: Pick<MediaLink, 'caseId' | 'incidentId' | 'sessionId'>): LinkTarget {
  if (l.caseId) return { caseId: l.caseId };
  if (l.incidentId) return { incidentId: l.incidentId };
  return { sessionId: l.sessionId! };
}
