import type { Migration } from './index.js';

/** The case system's model (imported by API or CSV) and how media belong to it. */
export const m003Cases: Migration = {
  id: '003-cases',
  sql: /* sql */ `
create table units (
  code char(12) primary key,
  name text not null,
  parent_code char(12) references units(code)
);

create table officers (
  number char(6) primary key,
  name text not null,
  unit_code char(12) not null references units(code)
);
create index officers_unit on officers (unit_code);

create table cases (
  id uuid primary key,
  case_number text not null unique,
  kind text not null check (kind in ('administrative', 'criminal')),
  title text not null default '',
  status text not null default 'open' check (status in ('open', 'under_review', 'review_completed', 'closed')),
  unit_code char(12) not null references units(code),
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  review_completed_at timestamptz,
  review_completed_by text
);
create index cases_unit on cases (unit_code, opened_at);

-- 110 dispatch incidents (警情); a case may have many.
create table incidents (
  id text primary key,
  case_id uuid references cases(id),
  unit_code char(12) not null references units(code),
  officer_numbers text[] not null,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  place text not null default '',
  requires_recording boolean not null default true,
  check (ended_at >= started_at)
);
create index incidents_case on incidents (case_id);
create index incidents_time on incidents (started_at, ended_at);
create index incidents_officers on incidents using gin (officer_numbers);

create table persons (
  id uuid primary key,
  case_id uuid not null references cases(id),
  name text not null,
  role text not null default 'suspect' check (role in ('suspect', 'witness', 'victim', 'other'))
);
create index persons_case on persons (case_id);

create table interrogation_sessions (
  id uuid primary key,
  case_id uuid not null references cases(id),
  person_id uuid references persons(id),
  room text not null,
  interrogators text[] not null default '{}',
  kind text not null default 'interrogation' check (kind in ('interrogation', 'questioning')),
  declared_start timestamptz not null,
  declared_end timestamptz,
  check (declared_end is null or declared_end >= declared_start)
);
create index sessions_case on interrogation_sessions (case_id);

-- Reviewers assigned to a case outside their own unit.
create table case_assignments (
  case_id uuid not null references cases(id),
  user_id uuid not null,
  assigned_at timestamptz not null default now(),
  primary key (case_id, user_id)
);

-- Which case, incident or interrogation a media belongs to. Links are never deleted: an unlink closes the row
-- (removed_*) so the history stays; every change is also a custody event.
create table media_links (
  id uuid primary key,
  media_id uuid not null references media(id),
  case_id uuid references cases(id),
  incident_id text references incidents(id),
  session_id uuid references interrogation_sessions(id),
  source text not null check (source in ('manual', 'auto', 'dock')),
  reason text not null default '',
  created_by text not null,
  created_at timestamptz not null default now(),
  removed_at timestamptz,
  removed_by text,
  removed_reason text,
  check (num_nonnulls(case_id, incident_id, session_id) = 1)
);
create index media_links_media on media_links (media_id) where removed_at is null;
create index media_links_case on media_links (case_id) where removed_at is null;
create index media_links_incident on media_links (incident_id) where removed_at is null;
create index media_links_session on media_links (session_id) where removed_at is null;
`,
};
