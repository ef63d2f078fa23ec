import { PERMANENT_CATEGORIES, type PermanentCategory, type RetentionFacts } from '../../domain/retention.js';
import type { MediaState } from '../../domain/media-state.js';
import type { Sql } from '../db.js';

/** One original with everything PostgreSQL knows that its retention depends on. */
export interface MediaRetentionInput {
  mediaId: string;
  state: MediaState;
  sha256: string;
  sm3: string | null;
  objectKey: string;
  sizeBytes: number;
  filename: string;
  recordedEnd: string | null;
  /** Cases the media belongs to (directly, through an incident or an interrogation session): holds on them apply. */
  caseIds: string[];
  facts: RetentionFacts;
}

interface MediaRow {
  id: string;
  state: MediaState;
  sha256: string;
  sm3: string | null;
  object_key: string;
  size_bytes: number;
  filename: string;
  recorded_at: Date | null;
  recorded_end: Date | null;
  created_at: Date;
  flags: string[];
  case_number: string | null;
  case_known: boolean;
  auto_link_checked_at: Date | null;
  classification: 'routine' | 'evidence' | null;
  categories: string[] | null;
  important: boolean | null;
}

interface CaseRow {
  media_id: string;
  case_id: string;
  case_number: string;
  kind: 'criminal' | 'administrative';
  status: 'open' | 'under_review' | 'review_completed' | 'closed';
  closed_at: Date | null;
  interrogation: boolean;
}

/**
 * Gathers the retention facts of media from PostgreSQL in a few set queries (never one query per media), so the
 * sweep, the dry run and every re-check before deletion read the same facts the same way. Pass a transaction to
 * read them consistently with a change made in it.
 */
export class RetentionFactsRepository {
  constructor(private readonly sql: Sql) {}

  async forMedia(ids: readonly string[]): Promise<Map<string, MediaRetentionInput>> {
    const out = new Map<string, MediaRetentionInput>();
    if (ids.length === 0) return out;
    const media = await this.sql.query<MediaRow>(
      `select m.id, m.state, m.sha256, m.sm3, m.object_key, m.size_bytes, m.filename, m.recorded_at, m.recorded_end, m.created_at,
              m.flags, m.case_number, m.auto_link_checked_at,
              (m.case_number is null or exists (select 1 from cases c where c.case_number = m.case_number)) as case_known,
              r.classification, r.categories, r.important
         from media m left join media_retention r on r.media_id = m.id
        where m.id = any($1::uuid[])`,
      [ids],
    );
    // Live links only: an unlink closes the row, and a removed link no longer keeps anything.
    const cases = await this.sql.query<CaseRow>(
      `select x.media_id, c.id as case_id, c.case_number, c.kind, c.status, c.closed_at, bool_or(x.interrogation) as interrogation
         from (
           select l.media_id, coalesce(l.case_id, i.case_id, s.case_id) as case_id, (l.session_id is not null) as interrogation
             from media_links l
             left join incidents i on i.id = l.incident_id
             left join interrogation_sessions s on s.id = l.session_id
            where l.removed_at is null and l.media_id = any($1::uuid[])
           union all
           select r.media_id, s.case_id, true from recording_segments r join interrogation_sessions s on s.id = r.session_id
            where r.media_id = any($1::uuid[])
         ) x join cases c on c.id = x.case_id
        group by x.media_id, c.id`,
      [ids],
    );
    const interrogations = await this.sql.query<{ media_id: string }>(
      `select media_id from media_links where session_id is not null and removed_at is null and media_id = any($1::uuid[])
       union select media_id from recording_segments where media_id = any($1::uuid[])`,
      [ids],
    );
    const caseIds = [...new Set(cases.map((c) => c.case_id))];
    const holds = await this.sql.query<{ id: string; media_id: string | null; case_id: string | null; until: Date | null }>(
      `select id, media_id, case_id, until from legal_holds
        where released_at is null and (media_id = any($1::uuid[]) or case_id = any($2::uuid[]))`,
      [ids, caseIds],
    );
    const interrogationIds = new Set(interrogations.map((r) => r.media_id));

    for (const m of media) {
      const own = cases.filter((c) => c.media_id === m.id);
      const ownCaseIds = own.map((c) => c.case_id);
      const incomplete: string[] = [];
      if (!m.case_known) incomplete.push(`the dock named case ${m.case_number}, which the case system has not sent yet`);
      // Until automatic linking has run, the incident (and so the case) this footage belongs to is not known.
      if (!m.auto_link_checked_at && (m.state === 'verified' || m.state === 'processing' || m.state === 'ready' || m.state === 'failed')) {
        incomplete.push('automatic linking to 110 incidents has not run yet');
      }
      const flags = [...m.flags, ...(m.important ? ['important'] : [])];
      out.set(m.id, {
        mediaId: m.id,
        state: m.state,
        sha256: m.sha256,
        sm3: m.sm3,
        objectKey: m.object_key,
        sizeBytes: Number(m.size_bytes),
        filename: m.filename,
        recordedEnd: m.recorded_end?.toISOString() ?? null,
        caseIds: ownCaseIds,
        facts: {
          kind: interrogationIds.has(m.id) ? 'interrogation' : 'field',
          // The clock starts when recording ended; without an end time, the moment it was stored is a safe stand-in
          // (never earlier than the true end). The start time is not: it would start the clock too early.
          recordedEnd: m.recorded_end ?? m.created_at,
          flags,
          classification: m.classification,
          // A link to a case is the claim that the footage belongs to its file; it is not second-guessed here (fail safe).
          cases: own.map((c) => ({ caseNumber: c.case_number, kind: c.kind, status: c.status, closedAt: c.closed_at, evidence: true })),
          incidentCategories: (m.categories ?? []).filter((c): c is PermanentCategory => (PERMANENT_CATEGORIES as readonly string[]).includes(c)),
          legalHolds: holds.filter((h) => h.media_id === m.id || (h.case_id !== null && ownCaseIds.includes(h.case_id))).map((h) => ({ id: h.id, until: h.until })),
          incomplete,
        },
      });
    }
    return out;
  }
}
