/**
 * Loads a realistic year of one city into a PostgreSQL database, at the seeds' scale: 5,700 body-worn cameras (one
 * per officer), about 100,000 field videos, 200,000 110 incidents, 12,000 interrogations with the platform's own
 * recordings (segments, joins, gaps), dock inventories, links and reviews. Everything is generated inside
 * PostgreSQL with generate_series (set-based, no row-by-row round trips) from a fixed random seed, so two runs
 * give the same data.
 *
 *   npx tsx scripts/seed-city.ts postgres://postgres@127.0.0.1:5432/evm_city     (the database must exist)
 *
 * The year is 2026 (Asia/Shanghai). Shortfalls are planted at rates like the field reports: ~10% of incidents
 * without footage, ~5% of dock files never stored, ~7% of uploads late, ~8% of interrogations not recorded in full,
 * ~3% of recordings not reviewed before the case review was completed.
 */
import type { Sql } from '../src/db/db.js';

export interface CityScale {
  units: number;
  officers: number;
  docks: number;
  roomCameras: number;
  rooms: number;
  fieldVideos: number;
  missingDockFiles: number;
  incidents: number;
  cases: number;
  sessions: number;
}

export const CITY_SCALE: CityScale = {
  units: 200,
  officers: 5_700,
  docks: 300,
  roomCameras: 3_109,
  rooms: 1_500,
  fieldVideos: 100_000,
  missingDockFiles: 5_000,
  incidents: 200_000,
  cases: 30_000,
  sessions: 12_000,
};

/** Year start (2026-01-01 00:00 +08:00) and its length, as SQL literals. */
const Y0 = `'2026-01-01 00:00:00+08'::timestamptz`;
const YEAR = `interval '365 days'`;

/** Run inside one transaction (db.transaction): the steps share temporary tables and one random sequence. */
export async function seedCity(sql: Sql, s: CityScale = CITY_SCALE, log: (msg: string) => void = () => undefined): Promise<Record<string, number>> {
  const step = async (name: string, text: string) => {
    const t0 = performance.now();
    await sql.exec(text);
    log(`${name.padEnd(28)} ${Math.round(performance.now() - t0)} ms`);
  };
  await sql.query('select setseed(0.4711)');

  await step(
    'units, officers',
    `insert into units (code, name, parent_code) values ('330100000000', '市公安局', null);
     insert into units (code, name, parent_code)
       select lpad((330100000000 + g)::text, 12, '0'), '分局/派出所 ' || g, '330100000000' from generate_series(1, ${s.units - 1}) g;
     insert into officers (number, name, unit_code)
       select lpad(g::text, 6, '0'), '民警' || g, lpad((330100000000 + 1 + (g % ${s.units - 1}))::text, 12, '0') from generate_series(1, ${s.officers}) g;`,
  );

  await step(
    'devices, rooms',
    `insert into devices (id, kind, serial, name, token_hash, last_seen_at)
       select gen_random_uuid(), 'dock', 'DOCK-' || g, '采集站 ' || g, 'seed-dock-' || g, now() - random() * interval '2 hours' from generate_series(1, ${s.docks}) g;
     insert into devices (id, kind, serial, name, token_hash, last_seen_at)
       select gen_random_uuid(), 'camera', 'ROOMCAM-' || g, '讯问室摄像机 ' || g, 'seed-cam-' || g, now() - random() * interval '1 hour' from generate_series(1, ${s.roomCameras}) g;
     insert into rooms (id, name, unit_code, created_by)
       select gen_random_uuid(), '讯问室-' || g, lpad((330100000000 + 1 + (g % ${s.units - 1}))::text, 12, '0'), 'seed' from generate_series(1, ${s.rooms}) g;`,
  );

  // Field footage: officer g's camera is BWC-g; uploaded by a dock; 93% within 24 h of the end, 7% late.
  await step(
    'field videos',
    `create temp table seed_docks on commit drop as select row_number() over (order by serial) as n, id from devices where kind = 'dock';
     insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by, device_serial, officer_id,
                        recorded_at, recorded_end, created_at, verified_at, duration_sec)
       select gen_random_uuid(), 'ready', h, h, 300000000 + (random() * 2e9)::bigint, 'originals/' || h, 'BWC' || o || '_' || g || '.mp4',
              d.id, 'BWC-' || o, o, t - interval '20 minutes', t,
              t + case when random() < 0.93 then random() * interval '23 hours' else interval '24 hours' + random() * interval '72 hours' end,
              t + interval '25 hours', 1200
         from (select g, lpad((1 + (g * 7919) % ${s.officers})::text, 6, '0') as o, ${Y0} + random() * ${YEAR} as t,
                      md5('field' || g) || md5('f' || g) as h, 1 + (g % ${s.docks}) as dn
                 from generate_series(1, ${s.fieldVideos}) g) x
         join seed_docks d on d.n = x.dn;`,
  );

  // Dock inventories: every stored video was seen on its dock, plus files seen and never stored.
  await step(
    'dock inventory',
    `insert into inventory_files (origin_serial, name, size_bytes, dock_id, camera_serial, sha256, recorded_at, recorded_end, via, on_dock, first_seen_at, last_seen_at, media_id, stored_at)
       select m.device_serial, m.filename, m.size_bytes, m.uploaded_by, m.device_serial, m.sha256, m.recorded_at, m.recorded_end, 'push', false,
              m.created_at - interval '5 minutes', m.created_at, m.id, m.created_at
         from media m where m.device_serial like 'BWC-%';
     insert into inventory_files (origin_serial, name, size_bytes, dock_id, camera_serial, recorded_at, recorded_end, via, first_seen_at, last_seen_at)
       select 'BWC-' || o, 'BWC' || o || '_missing_' || g || '.mp4', 500000000 + g, d.id, 'BWC-' || o, t - interval '20 minutes', t, 'push', t + interval '3 hours', t + interval '3 hours'
         from (select g, lpad((1 + (g * 104729) % ${s.officers})::text, 6, '0') as o, ${Y0} + random() * ${YEAR} as t, 1 + (g % ${s.docks}) as dn
                 from generate_series(1, ${s.missingDockFiles}) g) x
         join seed_docks d on d.n = x.dn;`,
  );

  await step(
    'cases',
    `insert into cases (id, case_number, kind, title, status, unit_code, opened_at, review_completed_at, review_completed_by)
       select gen_random_uuid(), 'A3301' || lpad(g::text, 8, '0'), case when g % 3 = 0 then 'criminal' else 'administrative' end, '案件 ' || g,
              case when rc then 'review_completed' else 'open' end,
              lpad((330100000000 + 1 + (g % ${s.units - 1}))::text, 12, '0'), t,
              case when rc then t + interval '3 days' + random() * interval '40 days' end, case when rc then 'user:reviewer' end
         from (select g, ${Y0} + random() * ${YEAR} as t, random() < 0.6 as rc from generate_series(1, ${s.cases}) g) x;
     create temp table seed_cases on commit drop as select row_number() over (order by case_number) as n, id, unit_code, opened_at, review_completed_at from cases;`,
  );

  // 110 incidents: the officer's unit; one or two officers; 92% require recording; a third belong to a case.
  await step(
    'incidents',
    `insert into incidents (id, case_id, unit_code, officer_numbers, started_at, ended_at, place, requires_recording)
       select 'JQ2026' || lpad(g::text, 8, '0'), case when g % 3 = 0 then c.id end, o.unit_code,
              case when g % 4 = 0 then array[o.number::text, lpad((1 + (g * 31 + 1) % ${s.officers})::text, 6, '0')] else array[o.number::text] end,
              t, t + interval '40 minutes', '地点 ' || g, random() < 0.92
         from (select g, lpad((1 + (g * 7919) % ${s.officers})::text, 6, '0') as o_no, ${Y0} + random() * ${YEAR} as t, 1 + (g % ${s.cases}) as cn
                 from generate_series(1, ${s.incidents}) g) x
         join officers o on o.number = x.o_no
         left join seed_cases c on c.n = x.cn;`,
  );

  // ~90% of incidents get footage linked (a field video of the year, as the auto-linker would file it).
  await step(
    'incident links',
    `create temp table seed_field on commit drop as select row_number() over (order by id) as n, id from media where device_serial like 'BWC-%';
     insert into media_links (id, media_id, incident_id, source, created_by, created_at)
       select gen_random_uuid(), f.id, i.id, 'auto', 'auto-linker', i.ended_at + interval '1 day'
         from (select id, ended_at, row_number() over (order by id) as n from incidents) i
         join seed_field f on f.n = 1 + (i.n * 7) % ${s.fieldVideos}
        where random() < 0.9;`,
  );

  // Interrogations: 96% recorded by the platform (two cameras, two segments each, a join per camera); 4% of those
  // stop early or have an unexplained gap; 4% never recorded. Reviews of joins before completion, 97%.
  await step(
    'interrogation sessions',
    `create temp table seed_rooms on commit drop as select row_number() over (order by name) as n, id, name from rooms;
     create temp table seed_cams on commit drop as select row_number() over (order by serial) as n, id, serial from devices where kind = 'camera';
     create temp table seed_sessions on commit drop as
       select gen_random_uuid() as id, g, c.id as case_id, r.id as room_id, r.name as room,
              greatest(c.opened_at, ${Y0}) + random() * interval '2 days' as t0, random() as fate,
              (1 + (2 * g) % ${s.roomCameras}) as cam1, (1 + (2 * g + 1) % ${s.roomCameras}) as cam2
         from generate_series(1, ${s.sessions}) g
         join seed_cases c on c.n = 1 + (g * 13) % ${s.cases}
         join seed_rooms r on r.n = 1 + g % ${s.rooms};
     insert into interrogation_sessions (id, case_id, room, interrogators, kind, declared_start, declared_end)
       select id, case_id, room, array[lpad((1 + (g * 17) % ${s.officers})::text, 6, '0'), lpad((1 + (g * 17 + 1) % ${s.officers})::text, 6, '0')],
              case when g % 5 = 0 then 'questioning' else 'interrogation' end, t0, t0 + interval '1 hour'
         from seed_sessions;`,
  );
  await step(
    'recordings, segments, joins',
    `insert into session_recordings (session_id, room_id, cameras, desired, started_at, started_by, stop_requested_at, stopped_by, finalized_at, full_recording)
       select s.id, s.room_id, jsonb_build_array(jsonb_build_object('deviceId', c1.id, 'serial', c1.serial, 'role', 'overview'), jsonb_build_object('deviceId', c2.id, 'serial', c2.serial, 'role', 'frontal')),
              'stopped', s.t0 - interval '1 minute', 'seed',
              case when s.fate < 0.02 then s.t0 + interval '40 minutes' else s.t0 + interval '61 minutes' end, 'seed',
              case when s.fate < 0.02 then s.t0 + interval '41 minutes' else s.t0 + interval '62 minutes' end, s.fate >= 0.04
         from seed_sessions s join seed_cams c1 on c1.n = s.cam1 join seed_cams c2 on c2.n = s.cam2
        where s.fate < 0.96;
     create temp table seed_segments on commit drop as
       select gen_random_uuid() as id, gen_random_uuid() as media_id, s.id as session_id, c.id as device_id, k,
              s.t0 + (k - 1) * interval '30 minutes' as st,
              case when s.fate < 0.02 and k = 2 then s.t0 + interval '40 minutes' else s.t0 + k * interval '30 minutes' end as en,
              md5('seg' || s.g || '-' || c.n || '-' || k) || md5('s' || s.g || '-' || c.n || '-' || k) as h
         from seed_sessions s
         cross join generate_series(1, 2) k
         join seed_cams c on c.n in (s.cam1, s.cam2)
        where s.fate < 0.96;
     insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by, device_serial, recorded_at, recorded_end, created_at, verified_at)
       select media_id, 'ready', h, h, 100000000, 'originals/' || h, 'seg' || k || '.mp4', device_id, null, st, en, en + interval '5 seconds', en + interval '10 seconds' from seed_segments;
     insert into recording_segments (id, session_id, device_id, media_id, run_id, file, started_at, ended_at, duration_sec, sha256, size_bytes)
       select id, session_id, device_id, media_id, 'run1', 'seg' || k || '.mp4', st, en, extract(epoch from en - st), h, 100000000 from seed_segments;
     insert into media_links (id, media_id, session_id, source, created_by)
       select gen_random_uuid(), media_id, session_id, 'auto', 'recorder' from seed_segments;
     create temp table seed_joins on commit drop as
       select gen_random_uuid() as id, gen_random_uuid() as media_id, session_id, device_id, min(st) as st, max(en) as en,
              md5('join' || session_id || device_id) || md5('j' || session_id || device_id) as h
         from seed_segments group by session_id, device_id;
     insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by, recorded_at, recorded_end, created_at, verified_at)
       select media_id, 'ready', h, h, 200000000, 'originals/' || h, 'joined.mp4', device_id, st, en, en + interval '10 minutes', en + interval '11 minutes' from seed_joins;
     insert into recording_joins (id, session_id, device_id, role, media_id, sha256, segments_fingerprint, recording_finalized_at, segments, offsets, wall_start, wall_end, duration_sec, operation)
       select id, session_id, device_id, 'overview', media_id, h, h, en, '[]', '[]', st, en, extract(epoch from en - st), '{}' from seed_joins;
     insert into media_links (id, media_id, session_id, source, created_by)
       select gen_random_uuid(), media_id, session_id, 'auto', 'recorder' from seed_joins;
     insert into recording_gaps (id, session_id, device_id, started_at, ended_at, duration_sec, cause, reason, reason_by, reason_at)
       select gen_random_uuid(), s.id, c.id, s.t0 + interval '30 minutes', s.t0 + interval '32 minutes', 120, 'camera-offline',
              case when s.fate >= 0.03 then '设备故障，已暂停讯问 camera fault, interrogation paused' end,
              case when s.fate >= 0.03 then 'user:seed' end, case when s.fate >= 0.03 then s.t0 + interval '2 hours' end
         from seed_sessions s join seed_cams c on c.n = s.cam1
        where s.fate >= 0.02 and s.fate < 0.06;`,
  );
  await step(
    'recording reviews',
    `insert into recording_reviews (id, session_id, media_id, reviewer, finding, reviewed_at)
       select gen_random_uuid(), j.session_id, j.media_id, 'user:reviewer', '已审看 reviewed',
              case when random() < 0.97 then c.review_completed_at - interval '1 hour' else c.review_completed_at + interval '1 day' end
         from seed_joins j join interrogation_sessions s on s.id = j.session_id join cases c on c.id = s.case_id
        where c.review_completed_at is not null;`,
  );
  const counts: Record<string, number> = {};
  for (const t of ['units', 'officers', 'devices', 'media', 'incidents', 'media_links', 'inventory_files', 'cases', 'interrogation_sessions', 'recording_segments', 'recording_gaps', 'recording_reviews', 'camera_officers']) {
    const [r] = await sql.query<{ n: number }>(`select count(*)::int as n from ${t}`);
    counts[t] = Number(r!.n);
  }
  return counts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url?.startsWith('postgres')) {
    console.error('usage: npx tsx scripts/seed-city.ts postgres://… (an existing, empty database; migrations are applied first)');
    process.exit(2);
  }
  const { openDb } = await import('../src/db/open.js');
  const db = await openDb({ databaseUrl: url });
  const t0 = performance.now();
  const counts = await db.transaction((tx) => seedCity(tx, CITY_SCALE, (m) => console.log(m)));
  await db.exec('analyze');
  console.log(counts, `${Math.round(performance.now() - t0)} ms`);
  await db.close();
}
