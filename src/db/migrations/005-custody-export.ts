import type { Migration } from './index.js';

/**
 * Signed checkpoints of the custody chain head, resumable verification runs, and evidence export packages.
 * Checkpoints are append-only like the chain they vouch for.
 */
export const m005CustodyExport: Migration = {
  id: '005-custody-export',
  sql: /* sql */ `
-- The chain head (seq, hash) at a moment, signed with the service's Ed25519 key. A verifier checks the signature
-- and that the chain still holds that exact (seq, hash): a rewrite of the whole chain with every hash recomputed
-- cannot reproduce a signature it has no key for.
create table custody_checkpoints (
  id bigint generated always as identity primary key,
  seq bigint not null,
  hash text not null,
  at timestamptz not null,
  -- 'sha256:' + hex SHA-256 of the public key (SPKI DER)
  key_id text not null,
  -- base64 Ed25519 signature over the canonical checkpoint statement (src/custody/checkpoint-statement.ts)
  signature text not null,
  created_by text not null
);
create index custody_checkpoints_seq on custody_checkpoints (seq);

create function custody_checkpoints_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'custody_checkpoints is append-only: % refused', tg_op;
end
$$;
create trigger custody_checkpoints_no_update_delete before update or delete on custody_checkpoints
  for each row execute function custody_checkpoints_append_only();
create trigger custody_checkpoints_no_truncate before truncate on custody_checkpoints
  for each statement execute function custody_checkpoints_append_only();

-- One verification run of the chain, the checkpoints and every stored original. Worked on in time-boxed slices:
-- each slice persists where it got to, so the next one continues.
create table custody_verifications (
  id uuid primary key,
  status text not null default 'queued' check (status in ('queued', 'running', 'paused', 'completed', 'failed')),
  requested_by text not null,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  -- whoever holds the lease works on the run; a crashed worker's lease runs out and another continues
  lease_owner text,
  lease_until timestamptz,
  slices integer not null default 0,
  elapsed_ms bigint not null default 0,
  -- store-wide chain: verified through chain_last_seq, whose hash is chain_last_hash
  chain_last_seq bigint not null default 0,
  chain_last_hash text not null,
  chain_total bigint not null default 0,
  chain_done boolean not null default false,
  checkpoints_total integer not null default 0,
  checkpoints_verified integer not null default 0,
  checkpoints_done boolean not null default false,
  -- stored originals, in media id order
  media_last_id uuid,
  media_total integer not null default 0,
  media_verified integer not null default 0,
  bytes_total bigint not null default 0,
  bytes_verified bigint not null default 0,
  media_done boolean not null default false,
  findings jsonb not null default '[]',
  findings_count integer not null default 0,
  error text
);
create index custody_verifications_open on custody_verifications (created_at) where status in ('queued', 'running', 'paused');

-- Evidence export packages for prosecutors or court. External ones wait for a unit head's or admin's approval.
create table exports (
  id uuid primary key,
  case_id uuid references cases(id),
  media_ids uuid[] not null,
  include_proxies boolean not null default false,
  formats text[] not null,
  destination text not null check (destination in ('internal', 'external')),
  purpose text not null,
  status text not null check (status in ('pending_approval', 'queued', 'building', 'ready', 'failed', 'rejected')),
  requested_by text not null,
  requested_by_user uuid references users(id),
  requester_unit char(12),
  requested_at timestamptz not null default now(),
  decided_by text,
  decided_at timestamptz,
  decision_note text,
  progress integer not null default 0,
  bytes_total bigint not null default 0,
  bytes_done bigint not null default 0,
  -- set once, in the transaction that appends the media.exported custody events
  custody_recorded_at timestamptz,
  manifest_sha256 text,
  packages jsonb not null default '{}',
  error_code text,
  error_message text,
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index exports_status on exports (status, requested_at);
create index exports_requester on exports (requested_by, requested_at);
`,
};
