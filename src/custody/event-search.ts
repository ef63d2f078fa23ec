import type { Sql } from '../db/db.js';
import type { CustodyEvent, CustodyEventType } from '../domain/custody-chain.js';
import { toEvent, type CustodyRow } from '../db/repositories/custody-repository.js';

export interface EventSearch {
  mediaId?: string;
  type?: CustodyEventType;
  actor?: string;
  from?: string;
  to?: string;
  afterSeq?: number;
  /** With order desc: continue below this seq (nextBeforeSeq of the previous page). */
  beforeSeq?: number;
  /** asc (default) replays the chain in order; desc puts the newest first, as an auditor reads it. */
  order?: 'asc' | 'desc';
  limit: number;
}


/**
 * Audit search over the custody log, in seq order, paged by seq (`afterSeq`). A media's events include those of
 * the uploads that delivered it, as the media view shows them.
 */
export async function searchEvents(sql: Sql, q: EventSearch): Promise<{ items: CustodyEvent[]; nextAfterSeq: number | null; nextBeforeSeq: number | null }> {
  const desc = q.order === 'desc';
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.mediaId) add((p) => `(media_id = ${p} or upload_id in (select id from uploads where media_id = ${p}))`, q.mediaId);
  if (q.type) add((p) => `type = ${p}`, q.type);
  if (q.actor) add((p) => `actor = ${p}`, q.actor);
  if (q.from) add((p) => `at >= ${p}`, q.from);
  if (q.to) add((p) => `at < ${p}`, q.to);
  if (q.afterSeq) add((p) => `seq > ${p}`, q.afterSeq);
  if (q.beforeSeq) add((p) => `seq < ${p}`, q.beforeSeq);
  params.push(q.limit + 1);
  const rows = await sql.query<CustodyRow>(
    `select * from custody_events ${where.length ? `where ${where.join(' and ')}` : ''} order by seq ${desc ? 'desc' : ''} limit $${params.length}`,
    params,
  );
  const items = rows.slice(0, q.limit).map(toEvent);
  const next = rows.length > q.limit ? items[items.length - 1]!.seq : null;
  return { items, nextAfterSeq: desc ? null : next, nextBeforeSeq: desc ? next : null };
}
