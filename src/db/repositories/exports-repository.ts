import type { Sql } from '../db.js';
import { toMedia, type Media } from './media-repository.js';

export const EXPORT_STATUSES = ['pending_approval', 'queued', 'building', 'ready', 'failed', 'rejected'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export const EXPORT_FORMATS = ['zip', 'iso'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface BuiltPackage {
  key: string;
  sizeBytes: number;
  sha256: string;
}

export interface ExportRecord {
  id: string;
  caseId: string | null;
  mediaIds: string[];
  includeProxies: boolean;
  formats: ExportFormat[];
  destination: 'internal' | 'external';
  purpose: string;
  status: ExportStatus;
  requestedBy: string;
  requestedByUser: string | null;
  requesterUnit: string | null;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  progress: number;
  bytesTotal: number;
  bytesDone: number;
  custodyRecordedAt: string | null;
  manifestSha256: string | null;
  packages: Partial<Record<ExportFormat, BuiltPackage>>;
  errorCode: string | null;
  errorMessage: string | null;
  updatedAt: string;
  finishedAt: string | null;
}

interface Row {
  id: string;
  case_id: string | null;
  media_ids: string[];
  include_proxies: boolean;
  formats: ExportFormat[];
  destination: 'internal' | 'external';
  purpose: string;
  status: ExportStatus;
  requested_by: string;
  requested_by_user: string | null;
  requester_unit: string | null;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  progress: number;
  bytes_total: number;
  bytes_done: number;
  custody_recorded_at: Date | null;
  manifest_sha256: string | null;
  packages: Partial<Record<ExportFormat, BuiltPackage>>;
  error_code: string | null;
  error_message: string | null;
  updated_at: Date;
  finished_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toExport = (r: Row): ExportRecord => ({
  id: r.id,
  caseId: r.case_id,
  mediaIds: r.media_ids,
  includeProxies: r.include_proxies,
  formats: r.formats,
  destination: r.destination,
  purpose: r.purpose,
  status: r.status,
  requestedBy: r.requested_by,
  requestedByUser: r.requested_by_user,
  requesterUnit: r.requester_unit?.trim() ?? null,
  requestedAt: r.requested_at.toISOString(),
  decidedBy: r.decided_by,
  decidedAt: iso(r.decided_at),
  decisionNote: r.decision_note,
  progress: r.progress,
  bytesTotal: r.bytes_total,
  bytesDone: r.bytes_done,
  custodyRecordedAt: iso(r.custody_recorded_at),
  manifestSha256: r.manifest_sha256,
  packages: r.packages,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  updatedAt: r.updated_at.toISOString(),
  finishedAt: iso(r.finished_at),
});

export interface NewExport {
  id: string;
  caseId: string | null;
  mediaIds: string[];
  includeProxies: boolean;
  formats: ExportFormat[];
  destination: 'internal' | 'external';
  purpose: string;
  status: 'pending_approval' | 'queued';
  requestedBy: string;
  requestedByUser: string | null;
  requesterUnit: string | null;
}

export interface CaseSummary {
  id: string;
  caseNumber: string;
  title: string;
  kind: string;
  unitCode: string;
}

export class ExportsRepository {
  constructor(private readonly sql: Sql) {}

  async insert(e: NewExport): Promise<ExportRecord> {
    const [row] = await this.sql.query<Row>(
      `insert into exports (id, case_id, media_ids, include_proxies, formats, destination, purpose, status, requested_by, requested_by_user, requester_unit)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning *`,
      [e.id, e.caseId, e.mediaIds, e.includeProxies, e.formats, e.destination, e.purpose, e.status, e.requestedBy, e.requestedByUser, e.requesterUnit],
    );
    return toExport(row!);
  }

  async findById(id: string): Promise<ExportRecord | null> {
    const [row] = await this.sql.query<Row>('select * from exports where id = $1', [id]);
    return row ? toExport(row) : null;
  }

  async list(o: { status?: ExportStatus; requestedBy?: string; limit: number; offset: number }): Promise<ExportRecord[]> {
    const rows = await this.sql.query<Row>(
      `select * from exports where ($1::text is null or status = $1) and ($2::text is null or requested_by = $2)
        order by requested_at desc limit $3 offset $4`,
      [o.status ?? null, o.requestedBy ?? null, o.limit, o.offset],
    );
    return rows.map(toExport);
  }

  /** Approves or rejects a pending export; null when it was no longer pending (someone decided first). */
  async decide(id: string, approve: boolean, decidedBy: string, note: string | null): Promise<ExportRecord | null> {
    const [row] = await this.sql.query<Row>(
      `update exports set status = $2, decided_by = $3, decided_at = now(), decision_note = $4, updated_at = now(),
              finished_at = case when $2 = 'rejected' then now() else null end
        where id = $1 and status = 'pending_approval' returning *`,
      [id, approve ? 'queued' : 'rejected', decidedBy, note],
    );
    return row ? toExport(row) : null;
  }

  /** queued → building (also building → building for a retried job); null when there is nothing to build. */
  async markBuilding(id: string, bytesTotal: number): Promise<ExportRecord | null> {
    const [row] = await this.sql.query<Row>(
      `update exports set status = 'building', bytes_total = $2, bytes_done = 0, progress = 0, error_code = null, error_message = null, updated_at = now()
        where id = $1 and status in ('queued', 'building') returning *`,
      [id, bytesTotal],
    );
    return row ? toExport(row) : null;
  }

  async saveProgress(id: string, bytesDone: number, progress: number): Promise<void> {
    await this.sql.query(`update exports set bytes_done = $2, progress = $3, updated_at = now() where id = $1 and status = 'building'`, [id, bytesDone, progress]);
  }

  /** Claims the right to record the export in the custody chain: true exactly once per export. */
  async claimCustodyRecord(id: string): Promise<boolean> {
    const rows = await this.sql.query(`update exports set custody_recorded_at = now() where id = $1 and custody_recorded_at is null returning id`, [id]);
    return rows.length === 1;
  }

  async markReady(id: string, packages: Partial<Record<ExportFormat, BuiltPackage>>, manifestSha256: string): Promise<ExportRecord | null> {
    const [row] = await this.sql.query<Row>(
      `update exports set status = 'ready', packages = $2, manifest_sha256 = $3, progress = 100, bytes_done = bytes_total,
              finished_at = now(), updated_at = now()
        where id = $1 and status = 'building' returning *`,
      [id, JSON.stringify(packages), manifestSha256],
    );
    return row ? toExport(row) : null;
  }

  async markFailed(id: string, code: string, message: string): Promise<void> {
    await this.sql.query(
      `update exports set status = 'failed', error_code = $2, error_message = $3, finished_at = now(), updated_at = now()
        where id = $1 and status in ('queued', 'building')`,
      [id, code, message],
    );
  }

  /** Live (unremoved) media of a case: linked directly, or through its incidents or interrogation sessions. */
  async caseMediaIds(caseId: string): Promise<string[]> {
    const rows = await this.sql.query<{ media_id: string }>(
      `select l.media_id
         from media_links l
         join media m on m.id = l.media_id
         left join incidents i on i.id = l.incident_id
         left join interrogation_sessions s on s.id = l.session_id
        where l.removed_at is null and coalesce(l.case_id, i.case_id, s.case_id) = $1
        group by l.media_id, m.recorded_at, m.created_at
        order by m.recorded_at nulls last, m.created_at, l.media_id`,
      [caseId],
    );
    return rows.map((r) => r.media_id);
  }

  async caseSummary(caseId: string): Promise<CaseSummary | null> {
    const [row] = await this.sql.query<{ id: string; case_number: string; title: string; kind: string; unit_code: string }>(
      'select id, case_number, title, kind, unit_code from cases where id = $1',
      [caseId],
    );
    return row ? { id: row.id, caseNumber: row.case_number, title: row.title, kind: row.kind, unitCode: row.unit_code.trim() } : null;
  }

  /** The media rows, in the order asked for; missing ids are left out. */
  async media(ids: string[]): Promise<Media[]> {
    const rows = await this.sql.query<Parameters<typeof toMedia>[0]>('select * from media where id = any($1::uuid[])', [ids]);
    const byId = new Map(rows.map((r) => [r.id, toMedia(r)]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  /** Which of these media the room recorder made: its segments, and the joined recordings of one camera. */
  async recordedKinds(ids: string[]): Promise<Map<string, { segment: boolean; joined: boolean }>> {
    const rows = await this.sql.query<{ id: string; segment: boolean; joined: boolean }>(
      `select m.id,
              exists (select 1 from recording_segments s where s.media_id = m.id) as segment,
              exists (select 1 from recording_joins j where j.media_id = m.id) as joined
         from unnest($1::uuid[]) as m(id)`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { segment: r.segment, joined: r.joined }]));
  }
}
