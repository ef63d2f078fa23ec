import type { MediaState } from '../../domain/media-state.js';
import type { DerivativeKind } from '../../domain/object-keys.js';
import type { Sql } from '../db.js';
import type { LinkSource } from './links-repository.js';

export type ReviewMarkKind = 'bookmark' | 'note';

export interface ReviewMark {
  id: string;
  mediaId: string;
  caseId: string | null;
  kind: ReviewMarkKind;
  offsetSec: number;
  text: string;
  author: string;
  /** The author's display name, for people to read (the `author` actor string is for the record). */
  authorName: string | null;
  userId: string | null;
  createdAt: string;
}

interface MarkRow {
  id: string;
  media_id: string;
  case_id: string | null;
  kind: ReviewMarkKind;
  offset_sec: number;
  text: string;
  author: string;
  author_name?: string | null;
  user_id: string | null;
  created_at: Date;
}
const toMark = (r: MarkRow): ReviewMark => ({
  id: r.id,
  mediaId: r.media_id,
  caseId: r.case_id,
  kind: r.kind,
  offsetSec: r.offset_sec,
  text: r.text,
  author: r.author,
  authorName: r.author_name ?? null,
  userId: r.user_id,
  createdAt: r.created_at.toISOString(),
});

export interface RecordingReview {
  id: string;
  sessionId: string;
  mediaId: string;
  reviewer: string;
  userId: string | null;
  finding: string;
  reviewedAt: string;
  /** Share played at ≤ 1× when marked (null for reviews made before watched coverage was recorded). */
  watchedShare: number | null;
  belowShareReason: string | null;
}
interface RecordingReviewRow {
  id: string;
  session_id: string;
  media_id: string;
  reviewer: string;
  user_id: string | null;
  finding: string;
  reviewed_at: Date;
  watched_share: number | null;
  below_share_reason: string | null;
}
const toRecordingReview = (r: RecordingReviewRow): RecordingReview => ({
  id: r.id,
  sessionId: r.session_id,
  mediaId: r.media_id,
  reviewer: r.reviewer,
  userId: r.user_id,
  finding: r.finding,
  reviewedAt: r.reviewed_at.toISOString(),
  watchedShare: r.watched_share,
  belowShareReason: r.below_share_reason,
});

/** A media belonging to a case, with how: directly, through one of its incidents, or as an interrogation recording. */
export interface CaseMediaLink {
  linkId: string;
  mediaId: string;
  via: 'case' | 'incident' | 'session';
  targetId: string;
  source: LinkSource;
  linkedAt: string;
}

export interface CaseMediaSummary {
  id: string;
  state: MediaState;
  filename: string;
  sha256: string;
  officerId: string | null;
  deviceSerial: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  durationSec: number | null;
  flags: string[];
}

/** Review marks, the per-recording review step, what a case's review shows, and completing it. */
export class ReviewRepository {
  constructor(private readonly sql: Sql) {}

  async insertMark(m: Omit<ReviewMark, 'createdAt' | 'authorName'>): Promise<ReviewMark> {
    const rows = await this.sql.query<MarkRow>(
      `insert into review_marks (id, media_id, case_id, kind, offset_sec, text, author, user_id) values ($1, $2, $3, $4, $5, $6, $7, $8)
       returning *, (select display_name from users where id = $8) as author_name`,
      [m.id, m.mediaId, m.caseId, m.kind, m.offsetSec, m.text, m.author, m.userId],
    );
    return toMark(rows[0]!);
  }

  async marksFor(mediaId: string): Promise<ReviewMark[]> {
    return (
      await this.sql.query<MarkRow>(
        `select m.*, u.display_name as author_name from review_marks m left join users u on u.id = m.user_id
          where m.media_id = $1 order by m.offset_sec, m.created_at, m.id`,
        [mediaId],
      )
    ).map(toMark);
  }

  async markCounts(mediaIds: string[]): Promise<Map<string, number>> {
    if (!mediaIds.length) return new Map();
    const rows = await this.sql.query<{ media_id: string; n: number }>(
      'select media_id, count(*)::int as n from review_marks where media_id = any($1::uuid[]) group by media_id',
      [mediaIds],
    );
    return new Map(rows.map((r) => [r.media_id, r.n]));
  }

  async insertRecordingReview(r: Omit<RecordingReview, 'reviewedAt'>): Promise<RecordingReview> {
    const rows = await this.sql.query<RecordingReviewRow>(
      `insert into recording_reviews (id, session_id, media_id, reviewer, user_id, finding, watched_share, below_share_reason) values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
      [r.id, r.sessionId, r.mediaId, r.reviewer, r.userId, r.finding, r.watchedShare, r.belowShareReason],
    );
    return toRecordingReview(rows[0]!);
  }

  /** The latest review of each recording of these sessions (earlier ones stay as history). */
  async latestRecordingReviews(sessionIds: string[]): Promise<RecordingReview[]> {
    if (!sessionIds.length) return [];
    const rows = await this.sql.query<RecordingReviewRow>(
      `select distinct on (session_id, media_id) * from recording_reviews
        where session_id = any($1::uuid[]) order by session_id, media_id, reviewed_at desc, id`,
      [sessionIds],
    );
    return rows.map(toRecordingReview);
  }

  /** Every live link that puts a media in this case. */
  async caseLinks(caseId: string): Promise<CaseMediaLink[]> {
    const rows = await this.sql.query<{
      id: string;
      media_id: string;
      case_id: string | null;
      incident_id: string | null;
      session_id: string | null;
      source: LinkSource;
      created_at: Date;
    }>(
      `select l.id, l.media_id, l.case_id, l.incident_id, l.session_id, l.source, l.created_at
         from media_links l
         left join incidents i on i.id = l.incident_id
         left join interrogation_sessions s on s.id = l.session_id
        where l.removed_at is null and (l.case_id = $1 or i.case_id = $1 or s.case_id = $1)
        order by l.created_at, l.id`,
      [caseId],
    );
    return rows.map((r) => ({
      linkId: r.id,
      mediaId: r.media_id,
      via: r.case_id ? 'case' : r.incident_id ? 'incident' : 'session',
      targetId: (r.case_id ?? r.incident_id ?? r.session_id)!,
      source: r.source,
      linkedAt: r.created_at.toISOString(),
    }));
  }

  async mediaSummaries(ids: string[]): Promise<CaseMediaSummary[]> {
    if (!ids.length) return [];
    const rows = await this.sql.query<{
      id: string;
      state: MediaState;
      filename: string;
      sha256: string;
      officer_id: string | null;
      device_serial: string | null;
      recorded_at: Date | null;
      recorded_end: Date | null;
      duration_sec: number | null;
      flags: string[];
    }>(
      `select id, state, filename, sha256, officer_id, device_serial, recorded_at, recorded_end, duration_sec, flags
         from media where id = any($1::uuid[]) order by recorded_at nulls last, created_at, id`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id,
      state: r.state,
      filename: r.filename,
      sha256: r.sha256,
      officerId: r.officer_id,
      deviceSerial: r.device_serial,
      recordedAt: r.recorded_at?.toISOString() ?? null,
      recordedEnd: r.recorded_end?.toISOString() ?? null,
      durationSec: r.duration_sec,
      flags: r.flags,
    }));
  }

  async derivativeKinds(mediaIds: string[]): Promise<Map<string, Set<DerivativeKind>>> {
    const out = new Map<string, Set<DerivativeKind>>();
    if (!mediaIds.length) return out;
    const rows = await this.sql.query<{ media_id: string; kind: DerivativeKind }>('select media_id, kind from derivatives where media_id = any($1::uuid[])', [mediaIds]);
    for (const r of rows) {
      const set = out.get(r.media_id) ?? new Set<DerivativeKind>();
      set.add(r.kind);
      out.set(r.media_id, set);
    }
    return out;
  }

  /** Media live-linked to an interrogation session: its recordings. */
  async sessionRecordingIds(sessionId: string): Promise<string[]> {
    const rows = await this.sql.query<{ media_id: string }>('select media_id from media_links where session_id = $1 and removed_at is null', [sessionId]);
    return rows.map((r) => r.media_id);
  }

  async markUnderReview(caseId: string): Promise<void> {
    await this.sql.query(`update cases set status = 'under_review' where id = $1 and status = 'open'`, [caseId]);
  }

  async completeCase(caseId: string, by: string, finding: string): Promise<void> {
    await this.sql.query(
      `update cases set status = 'review_completed', review_completed_at = now(), review_completed_by = $2, review_finding = $3 where id = $1`,
      [caseId, by, finding],
    );
  }
}
