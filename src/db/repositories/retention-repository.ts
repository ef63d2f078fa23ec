import type { Reason, RetentionDecision } from '../../domain/retention.js';
import type { Sql } from '../db.js';

export type LockStatus = 'applied' | 'unsupported' | 'failed' | 'off';

export interface MediaRetentionRecord {
  mediaId: string;
  classification: 'routine' | 'evidence' | null;
  categories: string[];
  classifiedBy: string | null;
  classifiedAt: string | null;
  important: boolean;
  importantBy: string | null;
  importantAt: string | null;
  importantReason: string | null;
  decision: RetentionDecision['keep'] | null;
  keepUntil: string | null;
  eligibleSince: string | null;
  reasons: Reason[];
  computedAt: string | null;
  lock: { status: LockStatus | null; until: string | null; legalHold: boolean; detail: string | null; checkedAt: string | null };
}

interface Row {
  media_id: string;
  classification: 'routine' | 'evidence' | null;
  categories: string[];
  classified_by: string | null;
  classified_at: Date | null;
  important: boolean;
  important_by: string | null;
  important_at: Date | null;
  important_reason: string | null;
  decision: RetentionDecision['keep'] | null;
  keep_until: Date | null;
  eligible_since: Date | null;
  reasons: Reason[];
  computed_at: Date | null;
  lock_status: LockStatus | null;
  lock_until: Date | null;
  lock_legal_hold: boolean;
  lock_detail: string | null;
  lock_checked_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toRecord = (r: Row): MediaRetentionRecord => ({
  mediaId: r.media_id,
  classification: r.classification,
  categories: r.categories,
  classifiedBy: r.classified_by,
  classifiedAt: iso(r.classified_at),
  important: r.important,
  importantBy: r.important_by,
  importantAt: iso(r.important_at),
  importantReason: r.important_reason,
  decision: r.decision,
  keepUntil: iso(r.keep_until),
  eligibleSince: iso(r.eligible_since),
  reasons: r.reasons,
  computedAt: iso(r.computed_at),
  lock: { status: r.lock_status, until: iso(r.lock_until), legalHold: r.lock_legal_hold, detail: r.lock_detail, checkedAt: iso(r.lock_checked_at) },
});

// Serialises every change that can lengthen or shorten retention (holds, classification, marks) with the
// re-check a purge makes before it deletes: a hold placed at the same moment is either seen or waits.
const RETENTION_LOCK = 4_711_010;

/** media_retention (classification, important mark, computed decision, Object Lock state) and the stale queue. */
export class RetentionRepository {
  constructor(private readonly sql: Sql) {}

  /** Takes the retention lock for the rest of the transaction. */
  async lock(): Promise<void> {
    await this.sql.query('select pg_advisory_xact_lock($1)', [RETENTION_LOCK]);
  }

  async find(mediaId: string): Promise<MediaRetentionRecord | null> {
    const rows = await this.sql.query<Row>('select * from media_retention where media_id = $1', [mediaId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async classify(mediaId: string, c: { classification: 'routine' | 'evidence'; categories: string[]; by: string }): Promise<void> {
    await this.sql.query(
      `insert into media_retention (media_id, classification, categories, classified_by, classified_at) values ($1, $2, $3, $4, now())
       on conflict (media_id) do update set classification = $2, categories = $3, classified_by = $4, classified_at = now()`,
      [mediaId, c.classification, c.categories, c.by],
    );
    await this.markStale([mediaId]);
  }

  async setImportant(mediaId: string, m: { important: boolean; by: string; reason: string }): Promise<void> {
    await this.sql.query(
      `insert into media_retention (media_id, important, important_by, important_at, important_reason) values ($1, $2, $3, now(), $4)
       on conflict (media_id) do update set important = $2, important_by = $3, important_at = now(), important_reason = $4`,
      [mediaId, m.important, m.by, m.reason],
    );
    await this.markStale([mediaId]);
  }

  async markStale(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.sql.query('select retention_mark(id) from unnest($1::uuid[]) as id', [ids]);
  }

  /**
   * Media whose stored decision may be out of date: marked stale, never computed, or kept until a date that has
   * passed (the decision turns into "may go" with time alone). Disposed media are done with.
   */
  async owed(limit: number): Promise<Array<{ mediaId: string; since: Date | null }>> {
    const rows = await this.sql.query<{ media_id: string; since: Date | null }>(
      `(select s.media_id, s.since from retention_stale s join media m on m.id = s.media_id where m.state <> 'disposed' order by s.since limit $1)
       union all
       (select m.id, null from media m left join media_retention r on r.media_id = m.id
         where m.state <> 'disposed' and r.computed_at is null and not exists (select 1 from retention_stale s where s.media_id = m.id) limit $1)
       union all
       (select r.media_id, null from media_retention r join media m on m.id = r.media_id
         where m.state <> 'disposed' and r.decision = 'until' and r.keep_until <= now()
           and not exists (select 1 from retention_stale s where s.media_id = r.media_id) limit $1)`,
      [limit],
    );
    const seen = new Set<string>();
    return rows.filter((r) => (seen.has(r.media_id) ? false : (seen.add(r.media_id), true))).slice(0, limit).map((r) => ({ mediaId: r.media_id, since: r.since }));
  }

  async saveDecision(mediaId: string, d: RetentionDecision, computedSince: Date | null): Promise<void> {
    await this.sql.query(
      `insert into media_retention (media_id, decision, keep_until, eligible_since, reasons, computed_at) values ($1, $2, $3, $4, $5, now())
       on conflict (media_id) do update set decision = $2, keep_until = $3, eligible_since = $4, reasons = $5, computed_at = now()`,
      [mediaId, d.keep, d.keep === 'until' ? d.until : null, d.keep === 'no' ? d.eligibleSince : null, JSON.stringify(d.reasons)],
    );
    // Only the mark this computation answered: a fact that changed meanwhile has re-marked it with a later time.
    if (computedSince) await this.sql.query('delete from retention_stale where media_id = $1 and since <= $2', [mediaId, computedSince]);
    else await this.sql.query('delete from retention_stale where media_id = $1 and since <= now()', [mediaId]);
  }

  async saveLock(mediaId: string, l: { status: LockStatus; until: Date | null; legalHold: boolean; detail: string | null }): Promise<void> {
    await this.sql.query(
      `insert into media_retention (media_id, lock_status, lock_until, lock_legal_hold, lock_detail, lock_checked_at) values ($1, $2, $3, $4, $5, now())
       on conflict (media_id) do update set lock_status = $2, lock_until = $3, lock_legal_hold = $4, lock_detail = $5, lock_checked_at = now()`,
      [mediaId, l.status, l.until, l.legalHold, l.detail],
    );
  }

  /** Live media of a case, through every path a media belongs to it (for per-media custody events of a case hold). */
  async mediaOfCase(caseId: string): Promise<string[]> {
    const rows = await this.sql.query<{ media_id: string }>(
      `select distinct media_id from (
         select l.media_id from media_links l where l.case_id = $1 and l.removed_at is null
         union all select l.media_id from media_links l join incidents i on i.id = l.incident_id where i.case_id = $1 and l.removed_at is null
         union all select l.media_id from media_links l join interrogation_sessions s on s.id = l.session_id where s.case_id = $1 and l.removed_at is null
         union all select r.media_id from recording_segments r join interrogation_sessions s on s.id = r.session_id where s.case_id = $1
       ) x`,
      [caseId],
    );
    return rows.map((r) => r.media_id);
  }
}
