import type { AccessContext, MediaScope } from '../../domain/access.js';
import type { Sql } from '../db.js';

export interface AccessRequest {
  id: string;
  userId: string;
  mediaId: string | null;
  caseId: string | null;
  purpose: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
}

interface RequestRow {
  id: string;
  user_id: string;
  media_id: string | null;
  case_id: string | null;
  purpose: string;
  status: AccessRequest['status'];
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  expires_at: Date | null;
}

const toRequest = (r: RequestRow): AccessRequest => ({
  id: r.id,
  userId: r.user_id,
  mediaId: r.media_id,
  caseId: r.case_id,
  purpose: r.purpose,
  status: r.status,
  requestedAt: r.requested_at.toISOString(),
  decidedBy: r.decided_by,
  decidedAt: r.decided_at?.toISOString() ?? null,
  expiresAt: r.expires_at?.toISOString() ?? null,
});

/** The facts access decisions need, read from links, assignments and grants. */
export class AccessRepository {
  constructor(private readonly sql: Sql) {}

  /** A media's owner and every case it belongs to, directly or through an incident or interrogation session. */
  async mediaScope(mediaId: string, officerId: string | null): Promise<MediaScope> {
    const cases = await this.sql.query<{ case_id: string; unit_code: string }>(
      `select distinct c.id as case_id, c.unit_code
         from media_links l
         left join incidents i on i.id = l.incident_id
         left join interrogation_sessions s on s.id = l.session_id
         join cases c on c.id = coalesce(l.case_id, i.case_id, s.case_id)
        where l.media_id = $1 and l.removed_at is null`,
      [mediaId],
    );
    return { mediaId, officerId, cases: cases.map((c) => ({ caseId: c.case_id, unitCode: c.unit_code.trim() })) };
  }

  async context(userId: string): Promise<AccessContext> {
    const [assigned, grants] = await Promise.all([
      this.sql.query<{ case_id: string }>('select case_id from case_assignments where user_id = $1', [userId]),
      this.sql.query<{ media_id: string | null; case_id: string | null }>(
        `select media_id, case_id from access_requests where user_id = $1 and status = 'approved' and expires_at > now()`,
        [userId],
      ),
    ]);
    return {
      assignedCaseIds: new Set(assigned.map((r) => r.case_id)),
      grantedMediaIds: new Set(grants.flatMap((g) => (g.media_id ? [g.media_id] : []))),
      grantedCaseIds: new Set(grants.flatMap((g) => (g.case_id ? [g.case_id] : []))),
    };
  }

  async insertRequest(r: { id: string; userId: string; mediaId: string | null; caseId: string | null; purpose: string }): Promise<AccessRequest> {
    const rows = await this.sql.query<RequestRow>(
      'insert into access_requests (id, user_id, media_id, case_id, purpose) values ($1, $2, $3, $4, $5) returning *',
      [r.id, r.userId, r.mediaId, r.caseId, r.purpose],
    );
    return toRequest(rows[0]!);
  }

  async findRequest(id: string): Promise<AccessRequest | null> {
    const rows = await this.sql.query<RequestRow>('select * from access_requests where id = $1', [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** Decides a pending request once; returns null if it was already decided. */
  async decide(id: string, approve: boolean, deciderId: string | null, expiresAt: Date | null): Promise<AccessRequest | null> {
    const rows = await this.sql.query<RequestRow>(
      `update access_requests set status = $2, decided_by = $3, decided_at = now(), expires_at = $4
        where id = $1 and status = 'pending' returning *`,
      [id, approve ? 'approved' : 'rejected', deciderId, approve ? expiresAt : null],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** Requests by a user, or (for a unit head) pending requests from users of their unit. */
  async list(opts: { userId?: string; unitCode?: string; status?: AccessRequest['status'] }): Promise<AccessRequest[]> {
    const rows = await this.sql.query<RequestRow>(
      `select r.* from access_requests r join users u on u.id = r.user_id
        where ($1::uuid is null or r.user_id = $1) and ($2::text is null or u.unit_code = $2) and ($3::text is null or r.status = $3)
        order by r.requested_at desc limit 500`,
      [opts.userId ?? null, opts.unitCode ?? null, opts.status ?? null],
    );
    return rows.map(toRequest);
  }
}
