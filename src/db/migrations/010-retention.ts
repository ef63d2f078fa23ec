import type { Migration } from './index.js';

/**
 * Retention (how long each original is kept, and why), legal holds, and disposal batches (dry run → two approvals →
 * recycle bin → deletion with a tombstone). Triggers mark a media's decision stale whenever a fact it depends on
 * changes, whoever changes it (a link, a case closed or reopened, an import, a hold), so the sweep recomputes it.
 */
export const m010Retention: Migration = {
  id: '010-retention',
  sql: /* sql */ `
-- A person's classification of field footage, the important mark, and the last computed decision with its reasons.
create table media_retention (
  media_id uuid primary key references media(id),
  classification text check (classification in ('routine', 'evidence')),
  -- permanent incident categories of the 2016 rules (obstruction, major_emergency, mass_incident, major_complex)
  categories text[] not null default '{}',
  classified_by text,
  classified_at timestamptz,
  important boolean not null default false,
  important_by text,
  important_at timestamptz,
  important_reason text,
  -- the decision (src/domain/retention.ts) as last computed
  decision text check (decision in ('permanent', 'until', 'no')),
  keep_until timestamptz,
  eligible_since timestamptz,
  reasons jsonb not null default '[]',
  computed_at timestamptz,
  -- S3 Object Lock as last applied: 'applied', 'unsupported' (store or bucket has none), 'failed', 'off'
  lock_status text,
  lock_until timestamptz,
  lock_legal_hold boolean not null default false,
  lock_detail text,
  lock_checked_at timestamptz
);
create index media_retention_due on media_retention (keep_until) where decision = 'until';
create index media_retention_eligible on media_retention (eligible_since) where decision = 'no';

-- Media whose decision must be recomputed (since: when last marked, so a recompute never drops a newer mark).
create table retention_stale (
  media_id uuid primary key,
  since timestamptz not null default clock_timestamp()
);

-- Legal holds on a case (all its media, present and future) or on one media: who, why, until when; released with a reason.
create table legal_holds (
  id uuid primary key,
  case_id uuid references cases(id),
  media_id uuid references media(id),
  reason text not null,
  placed_by text not null,
  placed_at timestamptz not null default now(),
  until timestamptz,
  released_at timestamptz,
  released_by text,
  release_reason text,
  check (num_nonnulls(case_id, media_id) = 1)
);
create index legal_holds_case on legal_holds (case_id) where released_at is null;
create index legal_holds_media on legal_holds (media_id) where released_at is null;

create table disposal_batches (
  id uuid primary key,
  status text not null check (status in ('pending_approval', 'recycling', 'completed', 'cancelled')),
  created_by text not null,
  created_at timestamptz not null default now(),
  note text not null default '',
  -- the rules in force when the report was made (periods from configuration)
  policy jsonb not null,
  approved_at timestamptz,
  recycle_until timestamptz,
  derivatives_after timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by text,
  cancel_reason text
);
create index disposal_batches_status on disposal_batches (status, created_at);

create table disposal_approvals (
  batch_id uuid not null references disposal_batches(id),
  approver text not null,
  approver_user_id uuid references users(id),
  approved_at timestamptz not null default now(),
  note text not null default '',
  -- the same person never counts twice (EVM_DISPOSAL_SAME_APPROVER)
  primary key (batch_id, approver)
);

create table disposal_items (
  batch_id uuid not null references disposal_batches(id),
  media_id uuid not null references media(id),
  sha256 text not null,
  object_key text not null,
  size_bytes bigint not null,
  status text not null check (status in ('pending', 'recycled', 'purging', 'purged', 'restored', 'blocked')),
  -- why it may go, as the dry run showed it
  reasons jsonb not null,
  eligible_since timestamptz,
  blocked_reasons jsonb,
  derivatives_purged_at timestamptz,
  purged_at timestamptz,
  restored_at timestamptz,
  restored_by text,
  restore_reason text,
  error text,
  primary key (batch_id, media_id)
);
-- A media is in at most one live disposal at a time.
create unique index disposal_items_live on disposal_items (media_id) where status in ('pending', 'recycled', 'purging');
create index disposal_items_open on disposal_items (batch_id) where status in ('pending', 'recycled', 'purging');

create function retention_mark(m uuid) returns void language sql as $$
  insert into retention_stale (media_id) values (m)
  on conflict (media_id) do update set since = clock_timestamp();
$$;

-- Every media of a case: linked directly, through its incidents or interrogation sessions, or recorded in a session.
create function retention_mark_case(c uuid) returns void language sql as $$
  insert into retention_stale (media_id)
  select distinct media_id from (
    select l.media_id from media_links l where l.case_id = c
    union all select l.media_id from media_links l join incidents i on i.id = l.incident_id where i.case_id = c
    union all select l.media_id from media_links l join interrogation_sessions s on s.id = l.session_id where s.case_id = c
    union all select r.media_id from recording_segments r join interrogation_sessions s on s.id = r.session_id where s.case_id = c
  ) x
  on conflict (media_id) do update set since = clock_timestamp();
$$;

create function retention_links_changed() returns trigger language plpgsql as $$
begin
  perform retention_mark(new.media_id);
  return null;
end
$$;
create trigger retention_links after insert or update on media_links
  for each row execute function retention_links_changed();
create trigger retention_segments after insert on recording_segments
  for each row execute function retention_links_changed();

create function retention_case_changed() returns trigger language plpgsql as $$
begin
  if (old.status, old.closed_at, old.kind) is distinct from (new.status, new.closed_at, new.kind) then
    perform retention_mark_case(new.id);
  end if;
  return null;
end
$$;
create trigger retention_cases after update on cases
  for each row execute function retention_case_changed();

create function retention_incident_changed() returns trigger language plpgsql as $$
begin
  if old.case_id is distinct from new.case_id then
    perform retention_mark(l.media_id) from media_links l where l.incident_id = new.id;
  end if;
  return null;
end
$$;
create trigger retention_incidents after update on incidents
  for each row execute function retention_incident_changed();

-- The recording time, the dock's flags or case number feed the decision too.
create function retention_media_changed() returns trigger language plpgsql as $$
begin
  if (old.recorded_at, old.recorded_end, old.flags, old.case_number) is distinct from (new.recorded_at, new.recorded_end, new.flags, new.case_number) then
    perform retention_mark(new.id);
  end if;
  return null;
end
$$;
create trigger retention_media after update of recorded_at, recorded_end, flags, case_number on media
  for each row execute function retention_media_changed();

create function retention_holds_changed() returns trigger language plpgsql as $$
begin
  if new.media_id is not null then
    perform retention_mark(new.media_id);
  else
    perform retention_mark_case(new.case_id);
  end if;
  return null;
end
$$;
create trigger retention_holds after insert or update on legal_holds
  for each row execute function retention_holds_changed();
`,
};
