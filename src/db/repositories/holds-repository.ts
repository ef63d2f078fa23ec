import type { Sql } from '../db.js';

export interface LegalHold {
  id: string;
  caseId: string | null;
  mediaId: string | null;
  reason: string;
  placedBy: string;
  placedAt: string;
  until: string | null;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
  /** Holding now: not released and not past its end. */
  active: boolean;
}

interface Row {
  id: string;
  case_id: string | null;
  media_id: string | null;
  reason: string;
  placed_by: string;
  placed_at: Date;
  until: Date | null;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toHold = (r: Row, now = new Date()): LegalHold => ({
  id: r.id,
  caseId: r.case_id,
  mediaId: r.media_id,
  reason: r.reason,
  placedBy: r.placed_by,
  placedAt: r.placed_at.toISOString(),
  until: iso(r.until),
  releasedAt: iso(r.released_at),
  releasedBy: r.released_by,
  releaseReason: r.release_reason,
  active: r.released_at === null && (r.until === null || r.until > now),
});

/** legal_holds: placed on a case or a media, never deleted; a release closes the row with who and why. */
export class HoldsRepository {
  constructor(private readonly sql: Sql) {}

  async insert(h: { id: string; caseId: string | null; mediaId: string | null; reason: string; placedBy: string; until: Date | null }): Promise<LegalHold> {
    const rows = await this.sql.query<Row>(
      `insert into legal_holds (id, case_id, media_id, reason, placed_by, until) values ($1, $2, $3, $4, $5, $6) returning *`,
      [h.id, h.caseId, h.mediaId, h.reason, h.placedBy, h.until],
    );
    return toHold(rows[0]!);
  }

  async findForUpdate(id: string): Promise<LegalHold | null> {
    const rows = await this.sql.query<Row>('select * from legal_holds where id = $1 for update', [id]);
    return rows[0] ? toHold(rows[0]) : null;
  }

  async find(id: string): Promise<LegalHold | null> {
    const rows = await this.sql.query<Row>('select * from legal_holds where id = $1', [id]);
    return rows[0] ? toHold(rows[0]) : null;
  }

  async release(id: string, by: string, reason: string): Promise<LegalHold | null> {
    const rows = await this.sql.query<Row>(
      `update legal_holds set released_at = now(), released_by = $2, release_reason = $3 where id = $1 and released_at is null returning *`,
      [id, by, reason],
    );
    return rows[0] ? toHold(rows[0]) : null;
  }

  /** Newest first; `unitCode` keeps holds on that unit's cases and on footage linked to them (what its people may see). */
  async list(q: { caseId?: string; mediaId?: string; active?: boolean; unitCode?: string; limit: number; offset: number }): Promise<LegalHold[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.unitCode) {
      const unit = `$${params.push(q.unitCode)}`;
      where.push(`(case_id in (select id from cases where unit_code = ${unit}) or media_id in (select media_id from media_case_units where unit_code = ${unit}))`);
    }
    if (q.caseId) where.push(`case_id = $${params.push(q.caseId)}`);
    if (q.mediaId) where.push(`media_id = $${params.push(q.mediaId)}`);
    if (q.active === true) where.push('released_at is null and (until is null or until > now())');
    if (q.active === false) where.push('(released_at is not null or until <= now())');
    const rows = await this.sql.query<Row>(
      `select * from legal_holds ${where.length ? `where ${where.join(' and ')}` : ''} order by placed_at desc limit $${params.push(q.limit)} offset $${params.push(q.offset)}`,
      params,
    );
    return rows.map((r) => toHold(r));
  }

  /** Holds that apply to a media now: on it, or on any case it belongs to. */
  async activeForMedia(mediaId: string, caseIds: readonly string[]): Promise<LegalHold[]> {
    const rows = await this.sql.query<Row>(
      `select * from legal_holds where released_at is null and (until is null or until > now())
          and (media_id = $1 or case_id = any($2::uuid[])) order by placed_at`,
      [mediaId, caseIds],
    );
    return rows.map((r) => toHold(r));
  }
}
