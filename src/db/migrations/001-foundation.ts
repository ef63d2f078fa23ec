import type { Migration } from './index.js';

export const m001Foundation: Migration = {
  id: '001-foundation',
  sql: /* sql */ `
create table devices (
  id uuid primary key,
  kind text not null check (kind in ('dock', 'camera')),
  serial text not null unique,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz
);

create table media (
  id uuid primary key,
  state text not null,
  -- SHA-256 of the bytes actually received; the object key derives from it
  sha256 text not null,
  sha256_declared text not null,
  sm3 text,
  sm3_declared text,
  size_bytes bigint not null,
  object_key text not null,
  filename text not null,
  original_filename text,
  uploaded_by uuid not null references devices(id),
  device_serial text,
  officer_id text,
  recorded_at timestamptz,
  recorded_end timestamptz,
  flags text[] not null default '{}',
  case_number text,
  vendor jsonb not null default '{}',
  error_code text,
  error_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  verified_at timestamptz
);
-- One live record per content: a duplicate upload resolves to the existing media. Rejected uploads stay apart.
create unique index media_sha256_live on media (sha256) where state <> 'rejected';
create index media_state on media (state);
create index media_officer_recorded on media (officer_id, recorded_at);

create table uploads (
  id text primary key,
  device_id uuid not null references devices(id),
  size_bytes bigint not null,
  metadata jsonb not null,
  media_id uuid references media(id),
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  spool_freed_at timestamptz
);
create index uploads_device on uploads (device_id, created_at);
create index uploads_unsettled on uploads (created_at) where spool_freed_at is null;

create table custody_events (
  seq bigint primary key,
  media_id uuid references media(id),
  upload_id text,
  type text not null,
  actor text not null,
  at timestamptz not null,
  details jsonb not null,
  prev_hash text not null,
  media_prev_hash text,
  hash text not null unique
);
create index custody_events_media on custody_events (media_id, seq);
create index custody_events_upload on custody_events (upload_id, seq);

-- The custody log is evidence: the database itself refuses to change or remove a past event.
create function custody_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'custody_events is append-only: % refused', tg_op;
end
$$;
create trigger custody_events_no_update_delete before update or delete on custody_events
  for each row execute function custody_events_append_only();
create trigger custody_events_no_truncate before truncate on custody_events
  for each statement execute function custody_events_append_only();
`,
};
