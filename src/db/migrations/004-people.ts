import type { Migration } from './index.js';

/** People who log in, their sessions, and time-limited access grants (2016 rules: access beyond one's own footage needs approval). */
export const m004People: Migration = {
  id: '004-people',
  sql: /* sql */ `
create table users (
  id uuid primary key,
  username text not null unique,
  display_name text not null,
  password_hash text not null,
  role text not null check (role in ('officer', 'reviewer', 'unit_head', 'admin', 'auditor')),
  unit_code char(12) references units(code),
  officer_number char(6) references officers(number),
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

create table user_tokens (
  token_hash text primary key,
  user_id uuid not null references users(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index user_tokens_user on user_tokens (user_id);

create table access_requests (
  id uuid primary key,
  user_id uuid not null references users(id),
  media_id uuid references media(id),
  case_id uuid references cases(id),
  purpose text not null,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  requested_at timestamptz not null default now(),
  decided_by uuid references users(id),
  decided_at timestamptz,
  expires_at timestamptz,
  check (num_nonnulls(media_id, case_id) = 1)
);
create index access_requests_user on access_requests (user_id, status);
`,
};
