import type { Migration } from './index.js';

/**
 * Watched coverage: the stretches of a recording each person actually played, as their player reported them, and
 * what the "recording reviewed" step knew of it. Ranges are never edited or deleted: each report is also a custody
 * event (media.watched).
 */
export const m015WatchedCoverage: Migration = {
  id: '015-watched-coverage',
  sql: /* sql */ `
create table watched_ranges (
  id bigserial primary key,
  media_id uuid not null references media(id),
  user_id uuid references users(id),
  actor text not null,
  case_id uuid references cases(id),
  start_sec double precision not null check (start_sec >= 0),
  end_sec double precision not null check (end_sec > start_sec),
  rate double precision not null check (rate > 0),
  reported_at timestamptz not null default now()
);
create index watched_ranges_media_actor on watched_ranges (media_id, actor);

-- What the reviewer had watched when marking a recording reviewed, and the written reason for reviewing less.
alter table recording_reviews add column watched_share double precision;
alter table recording_reviews add column below_share_reason text;
`,
};
