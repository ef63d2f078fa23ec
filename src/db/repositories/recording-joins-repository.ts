import type { ExcludedSegment, JoinedSegment, OffsetEntry } from '../../domain/recording-join.js';
import type { Sql } from '../db.js';

/** One camera's segments of a session joined into one recording (its own media), with how and from what. */
export interface RecordingJoin {
  id: string;
  sessionId: string;
  deviceId: string;
  role: string;
  mediaId: string;
  sha256: string;
  segmentsFingerprint: string;
  recordingFinalizedAt: string;
  segments: JoinedSegment[];
  excluded: ExcludedSegment[];
  offsets: OffsetEntry[];
  wallStart: string;
  wallEnd: string;
  durationSec: number;
  operation: Record<string, unknown>;
  createdAt: string;
  supersededAt: string | null;
  supersededBy: string | null;
}

interface Row {
  id: string;
  session_id: string;
  device_id: string;
  role: string;
  media_id: string;
  sha256: string;
  segments_fingerprint: string;
  recording_finalized_at: Date;
  segments: JoinedSegment[] | string;
  excluded: ExcludedSegment[] | string;
  offsets: OffsetEntry[] | string;
  wall_start: Date;
  wall_end: Date;
  duration_sec: number;
  operation: Record<string, unknown> | string;
  created_at: Date;
  superseded_at: Date | null;
  superseded_by: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const toJoin = (r: Row): RecordingJoin => ({
  id: r.id,
  sessionId: r.session_id,
  deviceId: r.device_id,
  role: r.role,
  mediaId: r.media_id,
  sha256: r.sha256,
  segmentsFingerprint: r.segments_fingerprint,
  recordingFinalizedAt: r.recording_finalized_at.toISOString(),
  segments: json(r.segments),
  excluded: json(r.excluded),
  offsets: json(r.offsets),
  wallStart: r.wall_start.toISOString(),
  wallEnd: r.wall_end.toISOString(),
  durationSec: Number(r.duration_sec),
  operation: json(r.operation),
  createdAt: r.created_at.toISOString(),
  supersededAt: r.superseded_at?.toISOString() ?? null,
  supersededBy: r.superseded_by,
});

export class RecordingJoinsRepository {
  constructor(private readonly sql: Sql) {}

  /** The current (not superseded) joins of a session, one per camera at most. */
  async current(sessionId: string): Promise<RecordingJoin[]> {
    const rows = await this.sql.query<Row>('select * from recording_joins where session_id = $1 and superseded_at is null order by role, device_id', [sessionId]);
    return rows.map(toJoin);
  }

  async currentFor(sessionId: string, deviceId: string): Promise<RecordingJoin | null> {
    const rows = await this.sql.query<Row>('select * from recording_joins where session_id = $1 and device_id = $2 and superseded_at is null', [sessionId, deviceId]);
    return rows[0] ? toJoin(rows[0]) : null;
  }

  async byFingerprint(sessionId: string, deviceId: string, fingerprint: string): Promise<RecordingJoin | null> {
    const rows = await this.sql.query<Row>('select * from recording_joins where session_id = $1 and device_id = $2 and segments_fingerprint = $3', [sessionId, deviceId, fingerprint]);
    return rows[0] ? toJoin(rows[0]) : null;
  }

  /** Every join of these sessions, current and superseded (the review page tells them apart). */
  async forSessions(sessionIds: string[]): Promise<RecordingJoin[]> {
    if (!sessionIds.length) return [];
    const rows = await this.sql.query<Row>('select * from recording_joins where session_id = any($1::uuid[]) order by created_at', [sessionIds]);
    return rows.map(toJoin);
  }

  async findByMedia(mediaId: string): Promise<RecordingJoin | null> {
    const rows = await this.sql.query<Row>('select * from recording_joins where media_id = $1 order by created_at desc limit 1', [mediaId]);
    return rows[0] ? toJoin(rows[0]) : null;
  }

  /**
   * Inserts a join as the camera's current one, superseding the previous current join (a resumed recording).
   * Null when a join of the same segments exists already (a retry or a duplicate job): the unique indexes decide,
   * so two workers racing can never both succeed.
   */
  async insertCurrent(j: Omit<RecordingJoin, 'createdAt' | 'supersededAt' | 'supersededBy'>): Promise<RecordingJoin | null> {
    await this.sql.query(
      `update recording_joins set superseded_at = now(), superseded_by = $3
        where session_id = $1 and device_id = $2 and superseded_at is null and segments_fingerprint <> $4`,
      [j.sessionId, j.deviceId, j.id, j.segmentsFingerprint],
    );
    const rows = await this.sql.query<Row>(
      `insert into recording_joins (id, session_id, device_id, role, media_id, sha256, segments_fingerprint, recording_finalized_at, segments, excluded, offsets, wall_start, wall_end, duration_sec, operation)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       on conflict do nothing returning *`,
      [
        j.id, j.sessionId, j.deviceId, j.role, j.mediaId, j.sha256, j.segmentsFingerprint, j.recordingFinalizedAt,
        JSON.stringify(j.segments), JSON.stringify(j.excluded), JSON.stringify(j.offsets), j.wallStart, j.wallEnd, j.durationSec, JSON.stringify(j.operation),
      ],
    );
    return rows[0] ? toJoin(rows[0]) : null;
  }

  /** The same segments joined before: this finalization is covered by that join (recording resumed with nothing new). */
  async coverFinalization(id: string, finalizedAt: string): Promise<void> {
    await this.sql.query('update recording_joins set recording_finalized_at = $2 where id = $1', [id, finalizedAt]);
  }

  /**
   * Joins owed: finalized recordings with a camera that has segments but no current join covering that
   * finalization. The reconciler re-enqueues these when Redis forgot the job.
   */
  async owed(limit: number): Promise<Array<{ sessionId: string; deviceId: string }>> {
    const rows = await this.sql.query<{ session_id: string; device_id: string }>(
      `select r.session_id, s.device_id
         from session_recordings r
         join (select distinct session_id, device_id from recording_segments) s on s.session_id = r.session_id
        where r.finalized_at is not null
          and not exists (select 1 from recording_joins j where j.session_id = r.session_id and j.device_id = s.device_id
                             and j.superseded_at is null and j.recording_finalized_at = r.finalized_at)
        limit $1`,
      [limit],
    );
    return rows.map((r) => ({ sessionId: r.session_id, deviceId: r.device_id }));
  }

  /**
   * What case review needs to know about the platform's recordings of these sessions: whether each is finalized,
   * which media are segments (covered by their join, never reviewed one by one) and which cameras have segments.
   */
  async reviewFacts(sessionIds: string[]): Promise<{
    recordings: Map<string, { finalized: boolean }>;
    segmentMedia: Map<string, { sessionId: string; deviceId: string }>;
    camerasWithSegments: Map<string, string[]>;
  }> {
    const recordings = new Map<string, { finalized: boolean }>();
    const segmentMedia = new Map<string, { sessionId: string; deviceId: string }>();
    const camerasWithSegments = new Map<string, string[]>();
    if (!sessionIds.length) return { recordings, segmentMedia, camerasWithSegments };
    // One after the other: on a transaction's client, queries cannot overlap.
    const recs = await this.sql.query<{ session_id: string; finalized_at: Date | null }>('select session_id, finalized_at from session_recordings where session_id = any($1::uuid[])', [sessionIds]);
    const segs = await this.sql.query<{ session_id: string; device_id: string; media_id: string; joinable: boolean }>(
      `select s.session_id, s.device_id, s.media_id,
              not (m.state = 'rejected' or (m.state = 'failed' and m.probe is null)) as joinable
         from recording_segments s join media m on m.id = s.media_id
        where s.session_id = any($1::uuid[])`,
      [sessionIds],
    );
    for (const r of recs) recordings.set(r.session_id, { finalized: r.finalized_at !== null });
    for (const s of segs) {
      segmentMedia.set(`${s.session_id}/${s.media_id}`, { sessionId: s.session_id, deviceId: s.device_id });
      // A camera whose every segment is unusable gets no join (see planJoin): it cannot hold the review up.
      if (!s.joinable) continue;
      const cams = camerasWithSegments.get(s.session_id) ?? [];
      if (!cams.includes(s.device_id)) cams.push(s.device_id);
      camerasWithSegments.set(s.session_id, cams);
    }
    return { recordings, segmentMedia, camerasWithSegments };
  }

  /** Sessions whose current joins include an overview and a frontal camera but have no PiP made from those two joined recordings (and are not being disposed of). */
  async pipOwed(limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ session_id: string }>(
      `select o.session_id
         from recording_joins o
         join recording_joins f on f.session_id = o.session_id and f.role = 'frontal' and f.superseded_at is null
        where o.role = 'overview' and o.superseded_at is null
          -- none yet, or one made from joined recordings since replaced
          and not exists (select 1 from derivatives d where d.media_id = o.media_id and d.kind = 'pip'
                             and d.operation->'inputs' @> jsonb_build_array(jsonb_build_object('role', 'overview', 'mediaId', o.media_id::text),
                                                                            jsonb_build_object('role', 'frontal', 'mediaId', f.media_id::text)))
          -- footage on its way out is not given a new review proxy that its disposal would miss
          and not exists (select 1 from disposal_items i where i.media_id in (o.media_id, f.media_id) and i.status in ('recycled', 'purging', 'purged'))
        group by o.session_id
        limit $1`,
      [limit],
    );
    return rows.map((r) => r.session_id);
  }
}
