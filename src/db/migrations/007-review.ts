import type { Migration } from './index.js';

/**
 * What linking and case review need beyond the case model of 003: natural keys for imported persons and
 * interrogation sessions, one live link per media and target, the auto-link bookkeeping (when a media was last
 * matched, and the ambiguous matches a person has to decide), review marks and the per-recording review step.
 */
export const m007Review: Migration = {
  id: '007-review',
  sql: /* sql */ `
-- The case system's own ids, so that importing the same person or interrogation again updates instead of doubling.
alter table persons add column external_id text;
create unique index persons_external_id on persons (external_id) where external_id is not null;
alter table interrogation_sessions add column external_id text;
create unique index sessions_external_id on interrogation_sessions (external_id) where external_id is not null;

-- The case review's own finding, beside who completed it and when (003).
alter table cases add column review_finding text;

-- A media is linked to a target at most once at a time; removed links stay as history.
create unique index media_links_live_case on media_links (media_id, case_id) where removed_at is null and case_id is not null;
create unique index media_links_live_incident on media_links (media_id, incident_id) where removed_at is null and incident_id is not null;
create unique index media_links_live_session on media_links (media_id, session_id) where removed_at is null and session_id is not null;
create index media_links_removed on media_links (media_id) where removed_at is not null;

-- When automatic linking last ran for a media (null: owed, the pipeline enqueues it).
alter table media add column auto_link_checked_at timestamptz;
create index media_auto_link_owed on media (created_at) where auto_link_checked_at is null;
create index media_case_number on media (case_number) where case_number is not null;

-- An officer's footage overlapping several incidents: never guessed, listed for a person to decide.
create table link_suggestions (
  id uuid primary key,
  media_id uuid not null references media(id),
  incident_ids text[] not null,
  status text not null default 'open' check (status in ('open', 'resolved', 'superseded')),
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by text,
  chosen_incident_ids text[],
  reason text
);
create unique index link_suggestions_open on link_suggestions (media_id) where status = 'open';
create index link_suggestions_status on link_suggestions (status, created_at);

-- Bookmarks and notes at a time offset in a recording, by the person who made them. Never edited or deleted:
-- each is also a custody event.
create table review_marks (
  id uuid primary key,
  media_id uuid not null references media(id),
  case_id uuid references cases(id),
  kind text not null check (kind in ('bookmark', 'note')),
  offset_sec double precision not null check (offset_sec >= 0),
  text text not null default '',
  author text not null,
  user_id uuid references users(id),
  created_at timestamptz not null default now()
);
create index review_marks_media on review_marks (media_id, offset_sec);

-- The "recording reviewed" step of case review, per interrogation recording (media linked to the session).
create table recording_reviews (
  id uuid primary key,
  session_id uuid not null references interrogation_sessions(id),
  media_id uuid not null references media(id),
  reviewer text not null,
  user_id uuid references users(id),
  finding text not null,
  reviewed_at timestamptz not null default now()
);
create index recording_reviews_session on recording_reviews (session_id, media_id, reviewed_at);
`,
};
