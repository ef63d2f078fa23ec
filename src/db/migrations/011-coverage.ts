import type { Migration } from './index.js';

/**
 * Coverage rates, supervisory samples, and the indexes the coverage queries need at a city's scale
 * (src/db/coverage-queries.ts; measured by bench/coverage.ts). Each index says which query it serves: every
 * dashboard query selects one period (a week to a quarter) of a year's data, optionally one unit or officer.
 */
export const m011Coverage: Migration = {
  id: '011-coverage',
  sql: /* sql */ `
-- Which officer a body-worn camera belongs to, as its stored footage last declared it (the ministry's camera
-- interface carries device serial and officer number together). A file a dock saw but never delivered has no
-- media row to name its officer: this is how the storage rate still charges it to an officer and a unit.
create table camera_officers (
  camera_serial text primary key,
  officer_number text not null,
  -- recording time of the footage that last declared this pairing: an older upload never overrides a newer one
  declared_at timestamptz not null
);

create function camera_officers_from_media() returns trigger language plpgsql as $$
begin
  if new.device_serial is not null and new.officer_id is not null and new.state <> 'rejected' then
    insert into camera_officers (camera_serial, officer_number, declared_at)
    values (new.device_serial, new.officer_id, coalesce(new.recorded_at, new.created_at))
    on conflict (camera_serial) do update set officer_number = excluded.officer_number, declared_at = excluded.declared_at
      where camera_officers.declared_at <= excluded.declared_at;
  end if;
  return null;
end
$$;
create trigger camera_officers_on_media after insert on media
  for each row execute function camera_officers_from_media();

insert into camera_officers (camera_serial, officer_number, declared_at)
select distinct on (device_serial) device_serial, officer_id, coalesce(recorded_at, created_at)
  from media
 where device_serial is not null and officer_id is not null and state <> 'rejected'
 order by device_serial, coalesce(recorded_at, created_at) desc;

-- Body-cam usage: incidents of a period that require recording. Partial (only those count) and keyed by start so a
-- month is a range scan; the unit-first variant serves a unit head's dashboard without reading other units.
create index incidents_requiring_start on incidents (started_at) where requires_recording;
create index incidents_requiring_unit_start on incidents (unit_code, started_at) where requires_recording;

-- Body-cam usage asks, for every incident of the period, "is a live link to non-rejected footage there?". These two
-- partial indexes answer it with index-only probes (no heap visits): live incident links by incident with their
-- media, and the ids of media that are not rejected.
create index media_links_incident_live on media_links (incident_id, media_id) where removed_at is null and incident_id is not null;
create index media_not_rejected on media (id) where state <> 'rejected';

-- Storage rate: inventory files by the time the deadline counts from (end of recording, else start, else first
-- seen), the same expression the queries filter on, so a period is a range scan instead of a sequential scan.
create index inventory_files_reference on inventory_files ((coalesce(recorded_end, recorded_at, first_seen_at)));

-- Upload timeliness: stored field files by end of recording (same expression as the query). Rejected uploads
-- are never "stored", so they are left out of the index.
create index media_recording_reference on media ((coalesce(recorded_end, recorded_at, created_at))) where state <> 'rejected';

-- Full recording: sessions by declared start.
create index sessions_declared_start on interrogation_sessions (declared_start);

-- Interrogation review: cases by the moment their review was completed (most cases have none yet: partial).
create index cases_review_completed on cases (review_completed_at) where review_completed_at is not null;

-- Interrogation review: a session's 4-second segments are linked to it but never reviewed one by one; the review
-- rate leaves them out by media id, which 008 does not index.
create index recording_segments_media on recording_segments (media_id);

-- Supervision: the period's cases by opening time (cases_unit of 003 leads with the unit).
create index cases_opened on cases (opened_at);

-- Supervisory samples (at least 20% of a period's cases, 10% for some units), reproducible from the recorded seed:
-- the same seed over the same case set (case_set_hash) picks the same cases.
create table supervision_samples (
  id uuid primary key,
  period text not null,
  period_from timestamptz not null,
  period_to timestamptz not null,
  -- null: every unit
  unit_code char(12) references units(code),
  seed text not null,
  requested_fraction double precision,
  -- the fraction each unit was sampled at, and how many cases it had: {"<unit>": 0.2}
  fractions jsonb not null,
  population jsonb not null,
  case_count integer not null,
  case_set_hash text not null,
  created_by text not null,
  created_at timestamptz not null default now()
);
create index supervision_samples_period on supervision_samples (period_from, created_at);

create table supervision_sample_cases (
  sample_id uuid not null references supervision_samples(id),
  case_id uuid not null references cases(id),
  unit_code char(12) not null,
  -- SHA-256(seed, case id): the order the cases were picked in
  sample_key text not null,
  primary key (sample_id, case_id)
);
`,
};
