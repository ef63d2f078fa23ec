import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import type { JobQueues } from '../queue/queues.js';

/**
 * PostgreSQL is the truth: an export that is queued or building but whose job Redis forgot (flush, restart without
 * persistence) is queued again. Job ids are deterministic, so an export whose job is still waiting or running is
 * left alone.
 */
export async function reconcileExports(deps: { db: Db; queues: JobQueues; log: Logger }): Promise<number> {
  const rows = await deps.db.query<{ id: string }>(`select id from exports where status in ('queued', 'building') order by requested_at limit 1000`);
  for (const r of rows) await deps.queues.enqueue('export', { exportId: r.id });
  return rows.length;
}
