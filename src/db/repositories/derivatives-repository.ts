import type { DerivativeKind } from '../../domain/object-keys.js';
import type { Sql } from '../db.js';

export interface Derivative {
  id: string;
  mediaId: string;
  kind: DerivativeKind;
  objectKey: string;
  contentType: string;
  sha256: string;
  sizeBytes: number;
  parentSha256: string;
  /** Exactly how it was made: tool versions, ffmpeg arguments, remux or transcode and why. */
  operation: Record<string, unknown>;
  details: Record<string, unknown>;
  createdAt: string;
}

interface Row {
  id: string;
  media_id: string;
  kind: DerivativeKind;
  object_key: string;
  content_type: string;
  sha256: string;
  size_bytes: number;
  parent_sha256: string;
  operation: Record<string, unknown>;
  details: Record<string, unknown>;
  created_at: Date;
}

const toDerivative = (r: Row): Derivative => ({
  id: r.id,
  mediaId: r.media_id,
  kind: r.kind,
  objectKey: r.object_key,
  contentType: r.content_type,
  sha256: r.sha256,
  sizeBytes: r.size_bytes,
  parentSha256: r.parent_sha256,
  operation: r.operation,
  details: r.details,
  createdAt: r.created_at.toISOString(),
});

export class DerivativesRepository {
  constructor(private readonly sql: Sql) {}

  /** Inserts unless this media already has one of this kind; returns whether it was new. */
  async insertOnce(d: Omit<Derivative, 'createdAt'>): Promise<boolean> {
    const rows = await this.sql.query(
      `insert into derivatives (id, media_id, kind, object_key, content_type, sha256, size_bytes, parent_sha256, operation, details)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (media_id, kind) do nothing returning id`,
      [d.id, d.mediaId, d.kind, d.objectKey, d.contentType, d.sha256, d.sizeBytes, d.parentSha256, JSON.stringify(d.operation), JSON.stringify(d.details)],
    );
    return rows.length === 1;
  }

  /** Removes a media's derivative rows (one kind, or all); the objects are the caller's to delete. */
  async remove(mediaId: string, kind?: DerivativeKind): Promise<void> {
    if (kind) await this.sql.query('delete from derivatives where media_id = $1 and kind = $2', [mediaId, kind]);
    else await this.sql.query('delete from derivatives where media_id = $1', [mediaId]);
  }

  async forMedia(mediaId: string): Promise<Derivative[]> {
    return (await this.sql.query<Row>('select * from derivatives where media_id = $1 order by created_at', [mediaId])).map(toDerivative);
  }

  async find(mediaId: string, kind: DerivativeKind): Promise<Derivative | null> {
    const rows = await this.sql.query<Row>('select * from derivatives where media_id = $1 and kind = $2', [mediaId, kind]);
    return rows[0] ? toDerivative(rows[0]) : null;
  }
}
