import type { Migration } from './index.js';

/**
 * One joined recording per camera per interrogation session: the session's segments of that camera concatenated
 * losslessly (ffmpeg concat, stream copy) into one MP4 that entered through the ingest path as its own media. The
 * row keeps what it was made from (segment media ids and hashes, in order), how (exact ffmpeg arguments, tool
 * versions) and where each segment landed in the joined file, so a player can show wall-clock time across gaps.
 * Also lets the derivatives table hold the session's picture-in-picture review proxy ('pip').
 */
export const m009RecordingJoins: Migration = {
  id: '009-recording-joins',
  sql: /* sql */ `
create table recording_joins (
  id uuid primary key,
  session_id uuid not null references interrogation_sessions(id),
  device_id uuid not null references devices(id),
  role text not null,
  media_id uuid not null references media(id),
  sha256 text not null,
  -- sha256 over the ordered segment hashes: the same segments always give the same fingerprint
  segments_fingerprint text not null,
  -- the finalization of the session's recording this join covers (switched on again → joined again)
  recording_finalized_at timestamptz not null,
  -- [{mediaId, sha256, startedAt, endedAt, mediaDurationSec}] in the order they were joined
  segments jsonb not null,
  -- segments left out (rejected on arrival, failed processing): [{mediaId, sha256, state, reason}]
  excluded jsonb not null default '[]',
  -- where each segment starts in the joined file: [{mediaOffsetSec, wallStart, wallEnd, durationSec}]
  offsets jsonb not null,
  -- wall-clock (server) time of the first frame and of the end of the last segment
  wall_start timestamptz not null,
  wall_end timestamptz not null,
  duration_sec double precision not null,
  -- {tool, tools, args, concatList}: exactly how the file was made
  operation jsonb not null,
  created_at timestamptz not null default now(),
  -- a later join of the same camera (recording resumed after a stop) replaces this one; the row stays
  superseded_at timestamptz,
  superseded_by uuid
);
-- A retry or a crash can never leave two current joins of one camera, nor two joins of the same segments.
create unique index recording_joins_current on recording_joins (session_id, device_id) where superseded_at is null;
create unique index recording_joins_fingerprint on recording_joins (session_id, device_id, segments_fingerprint);
create index recording_joins_media on recording_joins (media_id);

alter table derivatives drop constraint derivatives_kind_check;
alter table derivatives add constraint derivatives_kind_check check (kind in ('proxy', 'poster', 'sprite', 'pip'));
`,
};
