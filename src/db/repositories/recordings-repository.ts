import type { GapCause } from '../../domain/recording-gaps.js';
import type { CameraRole } from './rooms-repository.js';
import type { Sql } from '../db.js';

export interface RecordingCamera {
  deviceId: string;
  serial: string;
  role: CameraRole;
}

export type RecordingStatus = 'recording' | 'stopping' | 'stopped';

export interface SessionRecording {
  sessionId: string;
  roomId: string;
  cameras: RecordingCamera[];
  desired: 'recording' | 'stopped';
  status: RecordingStatus;
  startedAt: string;
  startedBy: string;
  stopRequestedAt: string | null;
  stoppedBy: string | null;
  finalizedAt: string | null;
  coverage: number | null;
  fullRecording: boolean | null;
  markedFullAt: string | null;
  markedFullBy: string | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
}

interface RecordingRow {
  session_id: string;
  room_id: string;
  cameras: RecordingCamera[];
  desired: 'recording' | 'stopped';
  started_at: Date;
  started_by: string;
  stop_requested_at: Date | null;
  stopped_by: string | null;
  finalized_at: Date | null;
  coverage: number | null;
  full_recording: boolean | null;
  marked_full_at: Date | null;
  marked_full_by: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toRecording = (r: RecordingRow): SessionRecording => ({
  sessionId: r.session_id,
  roomId: r.room_id,
  cameras: typeof r.cameras === 'string' ? (JSON.parse(r.cameras) as RecordingCamera[]) : r.cameras,
  desired: r.desired,
  status: r.desired === 'recording' ? 'recording' : r.finalized_at ? 'stopped' : 'stopping',
  startedAt: r.started_at.toISOString(),
  startedBy: r.started_by,
  stopRequestedAt: iso(r.stop_requested_at),
  stoppedBy: r.stopped_by,
  finalizedAt: iso(r.finalized_at),
  coverage: r.coverage,
  fullRecording: r.full_recording,
  markedFullAt: iso(r.marked_full_at),
  markedFullBy: r.marked_full_by,
  leaseOwner: r.lease_owner,
  leaseUntil: iso(r.lease_until),
});

export interface RecordingSegment {
  id: string;
  sessionId: string;
  deviceId: string;
  mediaId: string;
  runId: string;
  file: string;
  startedAt: string;
  endedAt: string;
  deviceStartedAt: string | null;
  deviceEndedAt: string | null;
  durationSec: number;
  /** Stretches inside the segment with no picture (ISO start/end). */
  holes: Array<{ start: string; end: string }>;
  sha256: string;
  sizeBytes: number;
  ingestedAt: string;
}

interface SegmentRow {
  id: string;
  session_id: string;
  device_id: string;
  media_id: string;
  run_id: string;
  file: string;
  started_at: Date;
  ended_at: Date;
  device_started_at: Date | null;
  device_ended_at: Date | null;
  duration_sec: number;
  holes: Array<{ start: string; end: string }> | string;
  sha256: string;
  size_bytes: string | number;
  ingested_at: Date;
}

const toSegment = (r: SegmentRow): RecordingSegment => ({
  id: r.id,
  sessionId: r.session_id,
  deviceId: r.device_id,
  mediaId: r.media_id,
  runId: r.run_id,
  file: r.file,
  startedAt: r.started_at.toISOString(),
  endedAt: r.ended_at.toISOString(),
  deviceStartedAt: iso(r.device_started_at),
  deviceEndedAt: iso(r.device_ended_at),
  durationSec: Number(r.duration_sec),
  holes: typeof r.holes === 'string' ? (JSON.parse(r.holes) as Array<{ start: string; end: string }>) : (r.holes ?? []),
  sha256: r.sha256,
  sizeBytes: Number(r.size_bytes),
  ingestedAt: r.ingested_at.toISOString(),
});

export type RecordingEventKind = 'recording-started' | 'recording-stopped' | 'run-started' | 'run-ended' | 'outage' | 'segment-lost' | 'clock' | 'takeover' | 'error';
export type OutageCause = 'camera-offline' | 'stream-stalled' | 'recorder-restart';

export interface RecordingEvent {
  id: string;
  sessionId: string;
  deviceId: string | null;
  at: string;
  kind: RecordingEventKind;
  cause: OutageCause | null;
  details: Record<string, unknown>;
}

interface EventRow {
  id: string;
  session_id: string;
  device_id: string | null;
  at: Date;
  kind: RecordingEventKind;
  cause: OutageCause | null;
  details: Record<string, unknown>;
}

const toEvent = (r: EventRow): RecordingEvent => ({ id: r.id, sessionId: r.session_id, deviceId: r.device_id, at: r.at.toISOString(), kind: r.kind, cause: r.cause, details: r.details });

export interface RecordingGap {
  id: string;
  sessionId: string;
  deviceId: string;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  cause: GapCause;
  computedAt: string;
  supersededAt: string | null;
  reason: string | null;
  reasonBy: string | null;
  reasonAt: string | null;
}

interface GapRow {
  id: string;
  session_id: string;
  device_id: string;
  started_at: Date;
  ended_at: Date;
  duration_sec: number;
  cause: GapCause;
  computed_at: Date;
  superseded_at: Date | null;
  reason: string | null;
  reason_by: string | null;
  reason_at: Date | null;
}

const toGap = (r: GapRow): RecordingGap => ({
  id: r.id,
  sessionId: r.session_id,
  deviceId: r.device_id,
  startedAt: r.started_at.toISOString(),
  endedAt: r.ended_at.toISOString(),
  durationSec: Number(r.duration_sec),
  cause: r.cause,
  computedAt: r.computed_at.toISOString(),
  supersededAt: iso(r.superseded_at),
  reason: r.reason,
  reasonBy: r.reason_by,
  reasonAt: iso(r.reason_at),
});

/** The platform's recording of interrogation sessions: desired state and leases, segments, events, gaps. */
export class RecordingsRepository {
  constructor(private readonly sql: Sql) {}

  async find(sessionId: string): Promise<SessionRecording | null> {
    const rows = await this.sql.query<RecordingRow>('select * from session_recordings where session_id = $1', [sessionId]);
    return rows[0] ? toRecording(rows[0]) : null;
  }

  async findForUpdate(sessionId: string): Promise<SessionRecording | null> {
    const rows = await this.sql.query<RecordingRow>('select * from session_recordings where session_id = $1 for update', [sessionId]);
    return rows[0] ? toRecording(rows[0]) : null;
  }

  /** Switches recording on: a new row, or a stopped one switched on again (its "marked full" is withdrawn). */
  async switchOn(r: { sessionId: string; roomId: string; cameras: RecordingCamera[]; actor: string }): Promise<SessionRecording> {
    const rows = await this.sql.query<RecordingRow>(
      `insert into session_recordings (session_id, room_id, cameras, desired, started_at, started_by)
       values ($1, $2, $3, 'recording', now(), $4)
       on conflict (session_id) do update set room_id = excluded.room_id, cameras = excluded.cameras, desired = 'recording',
              stop_requested_at = null, stopped_by = null, finalized_at = null, coverage = null, full_recording = null,
              marked_full_at = null, marked_full_by = null
       returning *`,
      [r.sessionId, r.roomId, JSON.stringify(r.cameras), r.actor],
    );
    return toRecording(rows[0]!);
  }

  async switchOff(sessionId: string, actor: string): Promise<SessionRecording | null> {
    const rows = await this.sql.query<RecordingRow>(
      `update session_recordings set desired = 'stopped', stop_requested_at = now(), stopped_by = $2
        where session_id = $1 and desired = 'recording' returning *`,
      [sessionId, actor],
    );
    return rows[0] ? toRecording(rows[0]) : null;
  }

  /** Recordings a recorder must run or finish: switched on, or switched off and not yet finalized. */
  async listUnfinished(): Promise<SessionRecording[]> {
    return (await this.sql.query<RecordingRow>('select * from session_recordings where finalized_at is null order by started_at')).map(toRecording);
  }

  /** Takes or renews the lease; returns the previous holder when it was someone else's (a takeover), or false. */
  async tryLease(sessionId: string, owner: string, leaseSec: number): Promise<{ previousOwner: string | null } | false> {
    const rows = await this.sql.query<{ previous: string | null }>(
      `with p as (select session_id, lease_owner as previous from session_recordings where session_id = $1)
       update session_recordings s set lease_owner = $2, lease_until = now() + make_interval(secs => $3)
         from p
        where s.session_id = p.session_id and s.finalized_at is null
          and (s.lease_owner is null or s.lease_owner = $2 or s.lease_until < now())
        returning p.previous`,
      [sessionId, owner, leaseSec],
    );
    if (!rows[0]) return false;
    const previous = rows[0].previous;
    return { previousOwner: previous && previous !== owner ? previous : null };
  }

  async releaseLease(sessionId: string, owner: string): Promise<void> {
    await this.sql.query('update session_recordings set lease_owner = null, lease_until = null where session_id = $1 and lease_owner = $2', [sessionId, owner]);
  }

  async finalize(sessionId: string, owner: string, r: { coverage: number; fullRecording: boolean }): Promise<boolean> {
    const rows = await this.sql.query(
      `update session_recordings set finalized_at = now(), coverage = $3, full_recording = $4, lease_owner = null, lease_until = null
        where session_id = $1 and desired = 'stopped' and finalized_at is null and lease_owner = $2 returning session_id`,
      [sessionId, owner, r.coverage, r.fullRecording],
    );
    return rows.length === 1;
  }

  async markFull(sessionId: string, actor: string): Promise<SessionRecording> {
    const rows = await this.sql.query<RecordingRow>('update session_recordings set marked_full_at = now(), marked_full_by = $2 where session_id = $1 returning *', [sessionId, actor]);
    return toRecording(rows[0]!);
  }

  // ---- segments ----

  /** Null when this segment was recorded already (a rerun after a crash). */
  async insertSegment(s: Omit<RecordingSegment, 'ingestedAt'>): Promise<RecordingSegment | null> {
    const rows = await this.sql.query<SegmentRow>(
      `insert into recording_segments (id, session_id, device_id, media_id, run_id, file, started_at, ended_at, device_started_at, device_ended_at, duration_sec, holes, sha256, size_bytes)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       on conflict (session_id, device_id, run_id, file) do nothing returning *`,
      [s.id, s.sessionId, s.deviceId, s.mediaId, s.runId, s.file, s.startedAt, s.endedAt, s.deviceStartedAt, s.deviceEndedAt, s.durationSec, JSON.stringify(s.holes), s.sha256, s.sizeBytes],
    );
    return rows[0] ? toSegment(rows[0]) : null;
  }

  async hasSegment(sessionId: string, deviceId: string, runId: string, file: string): Promise<boolean> {
    const rows = await this.sql.query('select 1 from recording_segments where session_id = $1 and device_id = $2 and run_id = $3 and file = $4', [sessionId, deviceId, runId, file]);
    return rows.length > 0;
  }

  async segments(sessionId: string): Promise<RecordingSegment[]> {
    return (await this.sql.query<SegmentRow>('select * from recording_segments where session_id = $1 order by device_id, started_at', [sessionId])).map(toSegment);
  }

  // ---- events ----

  async insertEvent(e: { id: string; sessionId: string; deviceId: string | null; at: Date; kind: RecordingEventKind; cause: OutageCause | null; details: Record<string, unknown> }): Promise<void> {
    await this.sql.query('insert into recording_events (id, session_id, device_id, at, kind, cause, details) values ($1, $2, $3, $4, $5, $6, $7)', [
      e.id,
      e.sessionId,
      e.deviceId,
      e.at,
      e.kind,
      e.cause,
      JSON.stringify(e.details),
    ]);
  }

  async events(sessionId: string): Promise<RecordingEvent[]> {
    return (await this.sql.query<EventRow>('select * from recording_events where session_id = $1 order by at, id', [sessionId])).map(toEvent);
  }

  // ---- gaps ----

  async gaps(sessionId: string, includeSuperseded = false): Promise<RecordingGap[]> {
    const rows = await this.sql.query<GapRow>(
      'select * from recording_gaps where session_id = $1 and ($2::boolean or superseded_at is null) order by device_id, started_at',
      [sessionId, includeSuperseded],
    );
    return rows.map(toGap);
  }

  async findGapForUpdate(id: string): Promise<RecordingGap | null> {
    const rows = await this.sql.query<GapRow>('select * from recording_gaps where id = $1 for update', [id]);
    return rows[0] ? toGap(rows[0]) : null;
  }

  /**
   * Stores a computation's gaps: a gap found before (same camera, same start) keeps its row (its end, duration and
   * cause follow the new computation) and its reason while that still covers it; a gap that grew or changed cause
   * (recording resumed and stopped again) loses its reason, since the person explained a shorter or other gap. New
   * gaps are added; stored gaps no longer found are closed (superseded), never deleted. Returns the gaps that now need
   * a reason and did not before: added, or reopened.
   */
  async storeGaps(sessionId: string, computed: Array<{ id: string; deviceId: string; startedAt: Date; endedAt: Date; durationSec: number; cause: GapCause }>): Promise<RecordingGap[]> {
    const needReason: RecordingGap[] = [];
    const keep: string[] = [];
    const still = 'excluded.ended_at <= recording_gaps.ended_at and excluded.cause = recording_gaps.cause';
    for (const g of computed) {
      const rows = await this.sql.query<GapRow & { inserted: boolean; old_reason: string | null }>(
        `with old as (select reason from recording_gaps where session_id = $2 and device_id = $3 and started_at = $4)
         insert into recording_gaps (id, session_id, device_id, started_at, ended_at, duration_sec, cause)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (session_id, device_id, started_at) do update
            set ended_at = excluded.ended_at, duration_sec = excluded.duration_sec, cause = excluded.cause, superseded_at = null,
                reason = case when ${still} then recording_gaps.reason end,
                reason_by = case when ${still} then recording_gaps.reason_by end,
                reason_user_id = case when ${still} then recording_gaps.reason_user_id end,
                reason_at = case when ${still} then recording_gaps.reason_at end
         returning *, (xmax = 0) as inserted, (select reason from old) as old_reason`,
        [g.id, sessionId, g.deviceId, g.startedAt, g.endedAt, g.durationSec, g.cause],
      );
      const row = rows[0]!;
      keep.push(row.id);
      if (row.inserted || (row.old_reason !== null && row.reason === null)) needReason.push(toGap(row));
    }
    await this.sql.query(
      'update recording_gaps set superseded_at = now() where session_id = $1 and superseded_at is null and not (id = any($2::uuid[]))',
      [sessionId, keep],
    );
    return needReason;
  }

  async explainGap(id: string, reason: string, by: string, userId: string | null): Promise<RecordingGap> {
    const rows = await this.sql.query<GapRow>(
      'update recording_gaps set reason = $2, reason_by = $3, reason_user_id = $4, reason_at = now() where id = $1 returning *',
      [id, reason, by, userId],
    );
    return toGap(rows[0]!);
  }
}
