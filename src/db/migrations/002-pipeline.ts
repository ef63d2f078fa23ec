import type { Migration } from './index.js';

export const m002Pipeline: Migration = {
  id: '002-pipeline',
  sql: /* sql */ `
alter table media add column probe jsonb;
alter table media add column duration_sec double precision;

-- Review derivatives: new objects, never the original. Each records its parent's hash and the exact operation.
create table derivatives (
  id uuid primary key,
  media_id uuid not null references media(id),
  kind text not null check (kind in ('proxy', 'poster', 'sprite')),
  object_key text not null,
  content_type text not null,
  sha256 text not null,
  size_bytes bigint not null,
  parent_sha256 text not null,
  operation jsonb not null,
  details jsonb not null default '{}',
  created_at timestamptz not null default now(),
  unique (media_id, kind)
);
`,
};
