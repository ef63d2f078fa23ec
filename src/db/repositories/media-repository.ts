import type { MediaState } from '../../domain/media-state.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import type { DeclaredMedia } from '../../domain/upload-metadata.js';
import type { Sql } from '../db.js';

export interface Media {
  id: string;
  state: MediaState;
  sha256: string;
  sha256Declared: string;
  sm3: string | null;
  sm3Declared: string | null;
  sizeBytes: number;
  objectKey: string;
  filename: string;
  originalFilename: string | null;
  uploadedBy: string;
  deviceSerial: string | null;
  officerId: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  flags: string[];
  caseNumber: string | null;
  vendor: Record<string, string>;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  probe: ProbeResult | null;
  durationSec: number | null;
}

interface Row {
  id: string;
  state: MediaState;
  sha256: string;
  sha256_declared: string;
  sm3: string | null;
  sm3_declared: string | null;
  size_bytes: number;
  object_key: string;
  filename: string;
  original_filename: string | null;
  uploaded_by: string;
  device_serial: string | null;
  officer_id: string | null;
  recorded_at: Date | null;
  recorded_end: Date | null;
  flags: string[];
  case_number: string | null;
  vendor: Record<string, string>;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  verified_at: Date | null;
  probe: ProbeResult | null;
  duration_sec: number | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toMedia = (r: Row): Media => ({
  id: r.id,
  state: r.state,
  sha256: r.sha256,
  sha256Declared: r.sha256_declared,
  sm3: r.sm3,
  sm3Declared: r.sm3_declared,
  sizeBytes: r.size_bytes,
  objectKey: r.object_key,
  filename: r.filename,
  originalFilename: r.original_filename,
  uploadedBy: r.uploaded_by,
  deviceSerial: r.device_serial,
  officerId: r.officer_id,
  recordedAt: iso(r.recorded_at),
  recordedEnd: iso(r.recorded_end),
  flags: r.flags,
  caseNumber: r.case_number,
  vendor: r.vendor,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  verifiedAt: iso(r.verified_at),
  probe: r.probe,
  durationSec: r.duration_sec,
});

export interface NewMedia {
  id: string;
  sha256: string;
  sizeBytes: number;
  objectKey: string;
  uploadedBy: string;
  declared: DeclaredMedia;
  /** Set when the bytes already failed the receive-time hash check: the row starts as rejected. */
  rejected: { code: string; message: string } | null;
}

export class MediaRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Inserts a stored original, unless live media with the same content exists: then returns that one with
   * `created: false`. The partial unique index makes this race-free between concurrent docks.
   */
  async insertOrGetExisting(m: NewMedia): Promise<{ media: Media; created: boolean }> {
    const d = m.declared;
    const inserted = await this.sql.query<Row>(
      `insert into media (id, sha256, sha256_declared, sm3_declared, size_bytes, object_key, filename,
                          original_filename, uploaded_by, device_serial, officer_id, recorded_at, recorded_end, flags,
                          case_number, vendor, state, error_code, error_message)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       on conflict (sha256) where state <> 'rejected' do nothing
       returning *`,
      [m.id, m.sha256, d.sha256, d.sm3, m.sizeBytes, m.objectKey, d.filename, d.originalFilename, m.uploadedBy,
        d.deviceSerial, d.officerId, d.recordedAt, d.recordedEnd, d.flags, d.caseNumber, JSON.stringify(d.vendor),
        m.rejected ? 'rejected' : 'stored', m.rejected?.code ?? null, m.rejected?.message ?? null],
    );
    if (inserted[0]) return { media: toMedia(inserted[0]), created: true };
    const existing = await this.findLiveBySha256(m.sha256);
    if (!existing) throw new Error(`media with sha256 ${m.sha256} conflicted but cannot be found`);
    return { media: existing, created: false };
  }

  async findById(id: string): Promise<Media | null> {
    const rows = await this.sql.query<Row>('select * from media where id = $1', [id]);
    return rows[0] ? toMedia(rows[0]) : null;
  }

  /** Locks the row for the rest of the transaction, so two workers cannot both move it on. */
  async findByIdForUpdate(id: string): Promise<Media | null> {
    const rows = await this.sql.query<Row>('select * from media where id = $1 for update', [id]);
    return rows[0] ? toMedia(rows[0]) : null;
  }

  async findLiveBySha256(sha256: string): Promise<Media | null> {
    const rows = await this.sql.query<Row>(`select * from media where sha256 = $1 and state <> 'rejected'`, [sha256]);
    return rows[0] ? toMedia(rows[0]) : null;
  }

  async markVerified(id: string, sm3: string | null): Promise<void> {
    await this.sql.query(
      `update media set state = 'verified', sm3 = $2, verified_at = now(), updated_at = now(), error_code = null, error_message = null
        where id = $1`,
      [id, sm3],
    );
  }

  async markRejected(id: string, errorCode: string, errorMessage: string, sm3: string | null): Promise<void> {
    await this.sql.query(
      `update media set state = 'rejected', sm3 = coalesce($4, sm3), error_code = $2, error_message = $3, updated_at = now() where id = $1`,
      [id, errorCode, errorMessage, sm3],
    );
  }

  /** verified → processing; a no-op when already processing. */
  async markProcessing(id: string): Promise<void> {
    await this.sql.query(`update media set state = 'processing', updated_at = now() where id = $1 and state = 'verified'`, [id]);
  }

  async saveProbe(id: string, probe: ProbeResult): Promise<void> {
    await this.sql.query('update media set probe = $2, duration_sec = $3, updated_at = now() where id = $1', [id, JSON.stringify(probe), probe.durationSec]);
  }

  async markReady(id: string): Promise<boolean> {
    const rows = await this.sql.query(`update media set state = 'ready', updated_at = now() where id = $1 and state = 'processing' returning id`, [id]);
    return rows.length === 1;
  }

  /** Processing gave up: the original stays stored and verified; only its review derivatives are missing. */
  async markFailed(id: string, errorCode: string, errorMessage: string): Promise<boolean> {
    const rows = await this.sql.query(
      `update media set state = 'failed', error_code = $2, error_message = $3, updated_at = now()
        where id = $1 and state in ('verified', 'processing') returning id`,
      [id, errorCode, errorMessage],
    );
    return rows.length === 1;
  }

  async listByState(states: MediaState[], limit: number): Promise<Media[]> {
    const rows = await this.sql.query<Row>('select * from media where state = any($1) order by created_at limit $2', [states, limit]);
    return rows.map(toMedia);
  }

  async list(opts: { limit: number; offset: number; state?: MediaState }): Promise<Media[]> {
    const rows = opts.state
      ? await this.sql.query<Row>('select * from media where state = $1 order by created_at desc limit $2 offset $3', [opts.state, opts.limit, opts.offset])
      : await this.sql.query<Row>('select * from media order by created_at desc limit $1 offset $2', [opts.limit, opts.offset]);
    return rows.map(toMedia);
  }

  /**
   * An officer's own footage (media whose officer number is theirs), newest first, with what each is linked to
   * (live links: case by number, 110 incident, interrogation session) so the officer sees where it went.
   */
  async listOwn(officerNumber: string, opts: { limit: number; offset: number }): Promise<Array<Media & { links: OwnMediaLink[] }>> {
    const rows = await this.sql.query<Row & { links: OwnMediaLink[] | null }>(
      `select m.*,
              (select json_agg(json_build_object('caseId', coalesce(l.case_id, s.case_id), 'caseNumber', c.case_number, 'incidentId', l.incident_id,
                                                 'sessionId', l.session_id, 'source', l.source) order by l.created_at)
                 from media_links l
                 left join interrogation_sessions s on s.id = l.session_id
                 left join incidents i on i.id = l.incident_id
                 left join cases c on c.id = coalesce(l.case_id, s.case_id, i.case_id)
                where l.media_id = m.id and l.removed_at is null) as links
         from media m
        where m.officer_id = $1
        order by coalesce(m.recorded_at, m.created_at) desc, m.id
        limit $2 offset $3`,
      [officerNumber, opts.limit, opts.offset],
    );
    return rows.map((r) => ({ ...toMedia(r), links: r.links ?? [] }));
  }
}

export interface OwnMediaLink {
  caseId: string | null;
  caseNumber: string | null;
  incidentId: string | null;
  sessionId: string | null;
  source: string;
}
