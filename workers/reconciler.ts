import type { Logger } from 'pino';
import type { Db } from '../src/db/db.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import { LinksRepository } from '../src/db/repositories/links-repository.js';
import { RecordingJoinsRepository } from '../src/db/repositories/recording-joins-repository.js';
import type { JobQueues } from '../src/queue/queues.js';
import { advance } from './lib/advance.js';

/**
 * PostgreSQL is the truth and Redis only the work list: anything Redis forgot (restart, flush, a crash between
 * commit and enqueue, a worker killed mid-job) is re-derived from media states and existing derivatives. Job ids
 * are deterministic, so re-enqueueing work that is still queued or running is a no-op.
 */
export async function reconcile(deps: { db: Db; queues: JobQueues; log: Logger }): Promise<number> {
  const pending = await new MediaRepository(deps.db).listByState(['stored', 'verified', 'processing'], 10_000);
  for (const m of pending) await advance(deps, m.id);
  // Automatic linking owed by media that already went on to ready or failed (the link job was lost with Redis).
  for (const id of await new LinksRepository(deps.db).owedAutoLinks(1_000)) await deps.queues.enqueue('link', { mediaId: id });
  // Interrogation recordings finalized without their joined recordings (or PiP proxy): the job was lost with Redis.
  const joins = new RecordingJoinsRepository(deps.db);
  for (const j of await joins.owed(1_000)) await deps.queues.enqueue('join-recording', j);
  for (const sessionId of await joins.pipOwed(1_000)) await deps.queues.enqueue('pip-proxy', { sessionId });
  if (pending.length) deps.log.info({ pending: pending.length }, 'reconciler pushed pending media on');
  return pending.length;
}
