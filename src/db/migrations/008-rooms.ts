import type { Migration } from './index.js';

/**
 * Interrogation rooms and their fixed cameras, and the platform's own recording of interrogation sessions: the
 * segments it ingested, what the recorder observed (outages, restarts), the gaps those left and the reasons people
 * gave for them.
 */
export const m008Rooms: Migration = {
  id: '008-rooms',
  sql: /* sql */ `
-- A room is named as the case system names it: interrogation_sessions.room refers to rooms.name.
create table rooms (
  id uuid primary key,
  name text not null unique,
  unit_code char(12) references units(code),
  created_at timestamptz not null default now(),
  created_by text not null
);

-- Fixed cameras (devices of kind 'camera'), each in at most one room, with its role in the picture.
create table room_cameras (
  room_id uuid not null references rooms(id),
  device_id uuid not null unique references devices(id),
  role text not null check (role in ('overview', 'frontal')),
  -- ONVIF device service (http://host:port/onvif/device_service): stream URI, device info and clock come from it
  onvif_url text,
  onvif_username text,
  -- sealed like pull-dock passwords (DOCK_CREDENTIALS_KEY); never returned by the API
  onvif_password_sealed text,
  profile_token text,
  -- an RTSP URI used as is, for cameras without ONVIF (never with credentials in it)
  stream_uri text,
  attached_at timestamptz not null default now(),
  attached_by text not null,
  -- what the recorder last learnt from the camera over ONVIF
  device_info jsonb,
  clock_offset_ms integer,
  probed_at timestamptz,
  check (onvif_url is not null or stream_uri is not null),
  primary key (room_id, device_id)
);

-- One recording per interrogation session, switched on and off by people; run by whichever recorder holds the lease.
create table session_recordings (
  session_id uuid primary key references interrogation_sessions(id),
  room_id uuid not null references rooms(id),
  -- the room's cameras when recording was switched on: [{deviceId, serial, role}]
  cameras jsonb not null,
  desired text not null check (desired in ('recording', 'stopped')),
  started_at timestamptz not null,
  started_by text not null,
  stop_requested_at timestamptz,
  stopped_by text,
  -- set once the recorder has stopped, ingested the last segments and computed the gaps
  finalized_at timestamptz,
  coverage double precision,
  full_recording boolean,
  marked_full_at timestamptz,
  marked_full_by text,
  lease_owner text,
  lease_until timestamptz
);
create index session_recordings_active on session_recordings (desired) where finalized_at is null;

-- Each closed segment, ingested through the one ingest path as its own media.
create table recording_segments (
  id uuid primary key,
  session_id uuid not null references interrogation_sessions(id),
  device_id uuid not null references devices(id),
  media_id uuid not null references media(id),
  run_id text not null,
  file text not null,
  -- server (platform) time, from the segment's place in the stream
  started_at timestamptz not null,
  ended_at timestamptz not null,
  -- the camera's own clock for the same instants (server time + the offset ONVIF reported), when known
  device_started_at timestamptz,
  device_ended_at timestamptz,
  duration_sec double precision not null,
  -- stretches inside the segment where the camera sent nothing (a jump in its timestamps): [{start, end}] ISO
  holes jsonb not null default '[]',
  sha256 text not null,
  size_bytes bigint not null,
  ingested_at timestamptz not null default now(),
  unique (session_id, device_id, run_id, file),
  check (ended_at >= started_at)
);
create index recording_segments_session on recording_segments (session_id, device_id, started_at);

-- What the recorder observed: started/stopped, each ffmpeg run, each outage with its cause, takeovers.
create table recording_events (
  id uuid primary key,
  session_id uuid not null references interrogation_sessions(id),
  device_id uuid references devices(id),
  at timestamptz not null,
  kind text not null check (kind in ('recording-started', 'recording-stopped', 'run-started', 'run-ended', 'outage', 'segment-lost', 'clock', 'takeover', 'error')),
  cause text check (cause in ('camera-offline', 'stream-stalled', 'recorder-restart')),
  details jsonb not null default '{}'
);
create index recording_events_session on recording_events (session_id, at);

-- Gaps above the tolerance, computed when a recording stops; each needs a person's reason.
create table recording_gaps (
  id uuid primary key,
  session_id uuid not null references interrogation_sessions(id),
  device_id uuid not null references devices(id),
  started_at timestamptz not null,
  ended_at timestamptz not null,
  duration_sec double precision not null,
  cause text not null check (cause in ('camera-offline', 'stream-stalled', 'recorder-restart', 'not-recording', 'unknown')),
  computed_at timestamptz not null default now(),
  -- a recomputation (recording switched on again) that no longer finds this gap closes it; the row stays
  superseded_at timestamptz,
  reason text,
  reason_by text,
  reason_user_id uuid,
  reason_at timestamptz,
  unique (session_id, device_id, started_at)
);
create index recording_gaps_session on recording_gaps (session_id) where superseded_at is null;
`,
};
