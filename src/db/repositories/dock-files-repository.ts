import type { Sql } from '../db.js';

/**
 * pending  → seen, being fetched (or fetch interrupted: fetched again);
 * ingested → handed to the ingest path, waiting for the original to be verified;
 * released → verified, and marked deletable on the dock (renamed, acknowledged or deleted);
 * rejected → the ingest path refused it (hash mismatch): it stays on the dock for a person to look at;
 * error    → could not be fetched this time (sidecar unusable, file changed, dock unreachable): retried.
 */
export const REMOTE_FILE_STATUSES = ['pending', 'ingested', 'released', 'rejected', 'error'] as const;
export type RemoteFileStatus = (typeof REMOTE_FILE_STATUSES)[number];

export interface RemoteFile {
  sourceId: string;
  name: string;
  sizeBytes: number;
  status: RemoteFileStatus;
  mediaId: string | null;
  sha256: string | null;
  outcome: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  firstSeenAt: string;
  updatedAt: string;
  ingestedAt: string | null;
  releasedAt: string | null;
}

interface Row {
  source_id: string;
  name: string;
  size_bytes: number;
  status: RemoteFileStatus;
  media_id: string | null;
  sha256: string | null;
  outcome: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  first_seen_at: Date;
  updated_at: Date;
  ingested_at: Date | null;
  released_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const toRemoteFile = (r: Row): RemoteFile => ({
  sourceId: r.source_id,
  name: r.name,
  sizeBytes: Number(r.size_bytes),
  status: r.status,
  mediaId: r.media_id,
  sha256: r.sha256,
  outcome: r.outcome,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  attempts: r.attempts,
  firstSeenAt: r.first_seen_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  ingestedAt: iso(r.ingested_at),
  releasedAt: iso(r.released_at),
});

export const remoteFileKey = (name: string, sizeBytes: number) => `${sizeBytes}:${name}`;

export class DockFilesRepository {
  constructor(private readonly sql: Sql) {}

  /** Every file this source has a record of, keyed by remoteFileKey. */
  async mapForSource(sourceId: string): Promise<Map<string, RemoteFile>> {
    const rows = await this.sql.query<Row>('select * from dock_remote_files where source_id = $1', [sourceId]);
    return new Map(rows.map((r) => [remoteFileKey(r.name, Number(r.size_bytes)), toRemoteFile(r)]));
  }

  async list(sourceId: string, opts: { status?: RemoteFileStatus; limit: number; offset: number }): Promise<RemoteFile[]> {
    const rows = await this.sql.query<Row>(
      `select * from dock_remote_files where source_id = $1 and ($2::text is null or status = $2)
        order by first_seen_at, name limit $3 offset $4`,
      [sourceId, opts.status ?? null, opts.limit, opts.offset],
    );
    return rows.map(toRemoteFile);
  }

  async listByStatus(sourceId: string, status: RemoteFileStatus): Promise<RemoteFile[]> {
    const rows = await this.sql.query<Row>('select * from dock_remote_files where source_id = $1 and status = $2 order by first_seen_at', [sourceId, status]);
    return rows.map(toRemoteFile);
  }

  /** Records an attempt to fetch the file (creating its record the first time). */
  async beginAttempt(sourceId: string, name: string, sizeBytes: number): Promise<void> {
    await this.sql.query(
      `insert into dock_remote_files (source_id, name, size_bytes, status, attempts) values ($1, $2, $3, 'pending', 1)
       on conflict (source_id, name, size_bytes) do update set attempts = dock_remote_files.attempts + 1, status = 'pending', updated_at = now()
         where dock_remote_files.status in ('pending', 'error')`,
      [sourceId, name, sizeBytes],
    );
  }

  async markIngested(sourceId: string, name: string, sizeBytes: number, r: { mediaId: string; sha256: string; outcome: string }): Promise<void> {
    await this.sql.query(
      `update dock_remote_files set status = 'ingested', media_id = $4, sha256 = $5, outcome = $6, ingested_at = now(), updated_at = now(),
              error_code = null, error_message = null
        where source_id = $1 and name = $2 and size_bytes = $3 and status in ('pending', 'error')`,
      [sourceId, name, sizeBytes, r.mediaId, r.sha256, r.outcome],
    );
  }

  async markRejected(sourceId: string, name: string, sizeBytes: number, r: { mediaId: string | null; sha256: string | null; code: string; message: string }): Promise<void> {
    await this.sql.query(
      `update dock_remote_files set status = 'rejected', media_id = coalesce($4, media_id), sha256 = coalesce($5, sha256), outcome = 'rejected',
              error_code = $6, error_message = $7, updated_at = now()
        where source_id = $1 and name = $2 and size_bytes = $3 and status <> 'released'`,
      [sourceId, name, sizeBytes, r.mediaId, r.sha256, r.code, r.message.slice(0, 1000)],
    );
  }

  async markError(sourceId: string, name: string, sizeBytes: number, code: string, message: string): Promise<void> {
    await this.sql.query(
      `update dock_remote_files set status = 'error', error_code = $4, error_message = $5, updated_at = now()
        where source_id = $1 and name = $2 and size_bytes = $3 and status in ('pending', 'error')`,
      [sourceId, name, sizeBytes, code, message.slice(0, 1000)],
    );
  }

  /** Only an ingested file can become released; returns false when it already was (a rerun after a crash). */
  async markReleased(sourceId: string, name: string, sizeBytes: number): Promise<boolean> {
    const rows = await this.sql.query(
      `update dock_remote_files set status = 'released', released_at = now(), updated_at = now(), error_code = null, error_message = null
        where source_id = $1 and name = $2 and size_bytes = $3 and status = 'ingested' returning name`,
      [sourceId, name, sizeBytes],
    );
    return rows.length === 1;
  }

  /** A release that failed on the dock side is retried; the reason is kept meanwhile. */
  async noteReleaseError(sourceId: string, name: string, sizeBytes: number, code: string, message: string): Promise<void> {
    await this.sql.query(
      `update dock_remote_files set error_code = $4, error_message = $5, updated_at = now()
        where source_id = $1 and name = $2 and size_bytes = $3 and status = 'ingested'`,
      [sourceId, name, sizeBytes, code, message.slice(0, 1000)],
    );
  }

  async countByStatus(sourceId: string): Promise<Record<RemoteFileStatus, number>> {
    const rows = await this.sql.query<{ status: RemoteFileStatus; n: number }>(
      'select status, count(*)::int as n from dock_remote_files where source_id = $1 group by status',
      [sourceId],
    );
    const out = { pending: 0, ingested: 0, released: 0, rejected: 0, error: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
