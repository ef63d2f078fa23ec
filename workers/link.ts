import type { Logger } from 'pino';
import type { Db } from '../src/db/db.js';
import { AutoLinker } from '../src/ingest/auto-linker.js';
import type { JobHandler } from '../src/queue/registry.js';

/**
 * Links verified footage where it belongs (src/ingest/auto-linker.ts). Enqueued by advance() while PostgreSQL says
 * it is owed (media.auto_link_checked_at is null), so a lost job is enqueued again by the next advance.
 */
export function linkHandler(deps: { db: Db; log: Logger; bufferMinutes: number }): JobHandler<'link'> {
  const linker = new AutoLinker({ db: deps.db, bufferMinutes: deps.bufferMinutes, log: deps.log });
  return async (job) => {
    const r = await linker.linkMedia(job.data.mediaId);
    return r ? { dock: r.dock, decision: r.decision.kind, linked: r.linkedIncidentIds } : { skipped: true };
  };
}
