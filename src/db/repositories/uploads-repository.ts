import type { Sql } from '../db.js';

export interface UploadRecord {
  id: string;
  deviceId: string;
  sizeBytes: number;
  metadata: Record<string, string>;
  mediaId: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface Row {
  id: string;
  device_id: string;
  size_bytes: number;
  metadata: Record<string, string>;
  media_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const toUpload = (r: Row): UploadRecord => ({
  id: r.id,
  deviceId: r.device_id,
  sizeBytes: r.size_bytes,
  metadata: r.metadata,
  mediaId: r.media_id,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export class UploadsRepository {
  constructor(private readonly sql: Sql) {}

  async insert(u: { id: string; deviceId: string; sizeBytes: number; metadata: Record<string, string> }): Promise<void> {
    await this.sql.query('insert into uploads (id, device_id, size_bytes, metadata) values ($1, $2, $3, $4)', [
      u.id,
      u.deviceId,
      u.sizeBytes,
      JSON.stringify(u.metadata),
    ]);
  }

  async findById(id: string): Promise<UploadRecord | null> {
    const rows = await this.sql.query<Row>('select * from uploads where id = $1', [id]);
    return rows[0] ? toUpload(rows[0]) : null;
  }

  /** Uploads whose spool file may still need finishing or removing. */
  async listUnsettled(limit: number): Promise<UploadRecord[]> {
    const rows = await this.sql.query<Row>('select * from uploads where spool_freed_at is null order by created_at limit $1', [limit]);
    return rows.map(toUpload);
  }

  async markSpoolFreed(id: string): Promise<void> {
    await this.sql.query('update uploads set spool_freed_at = now() where id = $1', [id]);
  }

  async finish(id: string, mediaId: string): Promise<void> {
    await this.sql.query('update uploads set media_id = $2, finished_at = coalesce(finished_at, now()) where id = $1', [id, mediaId]);
  }
}
