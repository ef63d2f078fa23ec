import type { Migration } from './index.js';

export const m006Docks: Migration = {
  id: '006-docks',
  sql: /* sql */ `
-- Docks the service pulls from (FTP server on the dock, or a shared/exported folder), one per dock device.
create table dock_pull_sources (
  id uuid primary key,
  device_id uuid not null unique references devices(id),
  protocol text not null check (protocol in ('ftp', 'folder')),
  -- ftp://host:port (never with credentials) or an absolute folder path
  location text not null,
  username text,
  -- sealed with DOCK_CREDENTIALS_KEY when configured ("gcm1:..."), else "plain:..."; never returned by the API
  password_sealed text,
  remote_dir text not null,
  done_dir text not null,
  ack_mode text not null check (ack_mode in ('rename', 'ack-file', 'delete')),
  patterns text[] not null default '{}',
  extensions text[] not null,
  poll_interval_sec double precision not null,
  stable_sec double precision not null,
  require_sidecar boolean not null default false,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- one poller at a time per source, whatever the number of replicas
  lease_owner text,
  lease_until timestamptz,
  last_poll_at timestamptz,
  last_ok_at timestamptz,
  last_error_code text,
  last_error text
);

-- What happened to each file a pull source listed: remembered so a file is fetched and released once.
create table dock_remote_files (
  source_id uuid not null references dock_pull_sources(id),
  name text not null,
  size_bytes bigint not null,
  status text not null check (status in ('pending', 'ingested', 'released', 'rejected', 'error')),
  media_id uuid references media(id),
  sha256 text,
  outcome text,
  error_code text,
  error_message text,
  attempts integer not null default 0,
  first_seen_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  ingested_at timestamptz,
  released_at timestamptz,
  primary key (source_id, name, size_bytes)
);
create index dock_remote_files_open on dock_remote_files (source_id) where status in ('pending', 'ingested', 'error');

-- A dock's health as it last reported it (push inventory, or a folder dock's file system).
create table dock_health (
  device_id uuid primary key references devices(id),
  disk_used_bytes bigint,
  disk_total_bytes bigint,
  camera_count integer,
  last_inventory_at timestamptz
);

-- Every file a dock or camera reported holding: the denominator of the audio/video storage rate.
-- A file is identified by its origin (the camera's serial, or the dock's for a pull listing), name and size.
create table inventory_files (
  id bigint generated always as identity primary key,
  origin_serial text not null,
  name text not null,
  size_bytes bigint not null,
  dock_id uuid not null references devices(id),
  camera_serial text,
  file_id text,
  sha256 text,
  md5 text,
  recorded_at timestamptz,
  recorded_end timestamptz,
  flags text[] not null default '{}',
  via text not null check (via in ('push', 'ftp', 'folder')),
  -- in the dock's latest report for that camera (false: the dock no longer lists it)
  on_dock boolean not null default true,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  -- the live media holding this file, once it is stored (matched by sha256, else by origin, name and size)
  media_id uuid references media(id),
  stored_at timestamptz,
  unique (origin_serial, name, size_bytes)
);
create index inventory_files_dock on inventory_files (dock_id, first_seen_at);
create index inventory_files_unstored on inventory_files (dock_id) where media_id is null;
create index inventory_files_sha256 on inventory_files (sha256) where sha256 is not null;
create index inventory_files_media on inventory_files (media_id) where media_id is not null;
-- Matching inventory files that carry no hash against media by size (then name and origin).
create index media_size_bytes on media (size_bytes);
`,
};
