import { randomUUID } from 'node:crypto';
import type { Sql } from '../src/db/db.js';

/**
 * A hand-built November 2026 (Asia/Shanghai) whose every coverage figure is known, for the coverage, report and
 * operations tests. Units: CITY (110000000001) > STATION (110000000002); OTHER (110000000003).
 * Officers 000001 and 000002 in STATION, 000003 in OTHER. Expected figures are in EXPECTED below; each row says
 * why it counts or not.
 */
export const CITY = '110000000001';
export const STATION = '110000000002';
export const OTHER = '110000000003';
/** 2026-11-01T00:00+08:00 and 2026-12-01T00:00+08:00 */
export const NOV_FROM = new Date('2026-10-31T16:00:00.000Z');
export const NOV_TO = new Date('2026-11-30T16:00:00.000Z');

export const EXPECTED = {
  'bodycam-usage': { numerator: 2, denominator: 5, missing: ['I2', 'I3', 'I4'], byUnit: { [STATION]: [2, 3], [OTHER]: [0, 2] }, byOfficer: { '000001': [1, 2], '000002': [1, 2], '000003': [0, 2] } },
  storage: { numerator: 2, denominator: 4, missing: ['F2', 'F3'] },
  'full-recording': { numerator: 3, denominator: 8, missing: { S2: 'unexplained-gaps', S4: 'span-not-covered', S5: 'not-recorded', S6: 'recording-open', S7: 'unverified-recording' } },
  'upload-timeliness': { numerator: 4, denominator: 6, missing: ['M3', 'M5'] },
  'interrogation-review': { numerator: 3, denominator: 5, missing: { R2: 'reviewed-after-completion', R3: 'never-reviewed' } },
} as const;

/** Ids of everything built, by the names used above. */
export type Ids = Record<string, string>;

const z = (s: string) => new Date(s).toISOString();

export async function buildCoverageFixture(sql: Sql, prefix = ''): Promise<Ids> {
  const ids: Ids = {};
  const id = (name: string) => (ids[name] ??= randomUUID());
  const q = (text: string, params: unknown[] = []) => sql.query(text, params);

  await q(`insert into units (code, name, parent_code) values ($1, '市局', null), ($2, '城关派出所', $1), ($3, '刑侦大队', null)`, [CITY, STATION, OTHER]);
  await q(`insert into officers (number, name, unit_code) values ('000001', '张三', $1), ('000002', '李四', $1), ('000003', '王五', $2)`, [STATION, OTHER]);
  await q(`insert into devices (id, kind, serial, name, token_hash) values ($1, 'dock', $4, 'dock', $5), ($2, 'camera', $6, 'room cam 1', $7), ($3, 'camera', $8, 'room cam 2', $9)`, [
    id('D1'), id('C1'), id('C2'), `${prefix}DOCK-1`, `${prefix}h-d1`, `${prefix}ROOM-CAM-1`, `${prefix}h-c1`, `${prefix}ROOM-CAM-2`, `${prefix}h-c2`,
  ]);

  let shaN = 0;
  const media = async (name: string, o: { by: string; serial?: string | null; officer?: string | null; recordedAt?: string | null; recordedEnd?: string | null; createdAt: string; state?: string }) => {
    const sha = `${prefix}${(++shaN).toString(16)}`.padStart(64, 'a');
    await q(
      `insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by, device_serial, officer_id, recorded_at, recorded_end, created_at)
       values ($1, $2, $3, $3, 1000, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [id(name), o.state ?? 'ready', sha, `originals/${sha}`, `${name}.mp4`, o.by, o.serial ?? null, o.officer ?? null, o.recordedAt ?? null, o.recordedEnd ?? null, o.createdAt],
    );
  };
  const link = async (mediaName: string, target: { incident?: string; session?: string }, removed = false) => {
    await q(
      `insert into media_links (id, media_id, incident_id, session_id, source, created_by, removed_at, removed_by)
       values ($1, $2, $3, $4, 'manual', 'test', $5, $6)`,
      [randomUUID(), ids[mediaName], target.incident ?? null, target.session ? ids[target.session] : null, removed ? z('2026-11-20T00:00:00Z') : null, removed ? 'test' : null],
    );
  };

  // --- field footage from the dock (upload timeliness; deadline 24 h after the end of recording)
  await media('M1', { by: id('D1'), serial: 'CAM-A', officer: '000001', recordedAt: z('2026-11-05T09:00:00Z'), recordedEnd: z('2026-11-05T10:00:00Z'), createdAt: z('2026-11-05T12:00:00Z') }); // on time
  await media('M2', { by: id('D1'), serial: 'CAM-A', officer: '000001', recordedAt: z('2026-11-02T23:00:00Z'), recordedEnd: z('2026-11-03T00:00:00Z'), createdAt: z('2026-11-04T00:00:00Z') }); // exactly 24 h: on time
  await media('M3', { by: id('D1'), serial: 'CAM-A', officer: '000001', recordedAt: z('2026-11-05T23:00:00Z'), recordedEnd: z('2026-11-06T00:00:00Z'), createdAt: z('2026-11-07T00:00:01Z') }); // 1 s late
  await media('M4', { by: id('D1'), serial: 'CAM-C', officer: '000003', recordedEnd: z('2026-11-08T01:00:00Z'), createdAt: z('2026-11-08T02:00:00Z'), state: 'rejected' }); // rejected: never counts
  await media('M5', { by: id('D1'), serial: 'CAM-C', officer: '000003', recordedAt: z('2026-11-09T23:00:00Z'), recordedEnd: z('2026-11-10T00:00:00Z'), createdAt: z('2026-11-12T00:00:00Z') }); // 24 h late
  await media('M7', { by: id('D1'), serial: 'CAM-B', officer: '000002', recordedAt: z('2026-10-31T16:00:00Z'), recordedEnd: z('2026-10-31T16:10:00Z'), createdAt: z('2026-10-31T17:10:00Z') }); // on time
  await media('M8', { by: id('D1'), serial: 'CAM-B', officer: '000002', recordedEnd: z('2026-10-31T15:59:59Z'), createdAt: z('2026-11-05T00:00:00Z') }); // late, but recorded in October

  // --- incidents (body-cam usage)
  const incident = async (name: string, unit: string, officers: string[], startedAt: string, requires = true) => {
    await q(`insert into incidents (id, unit_code, officer_numbers, started_at, ended_at, place, requires_recording) values ($1, $2, $3, $4, $4::timestamptz + interval '30 minutes', $5, $6)`, [
      `${prefix}${name}`, unit, officers, startedAt, `place ${name}`, requires,
    ]);
    ids[name] = `${prefix}${name}`;
  };
  await incident('I1', STATION, ['000001'], z('2026-11-05T09:00:00Z')); // linked: counts
  await incident('I2', STATION, ['000001', '000002'], z('2026-11-06T09:00:00Z')); // no link: missing, for both officers
  await incident('I3', OTHER, ['000003'], z('2026-11-07T09:00:00Z')); // link removed: missing
  await incident('I4', OTHER, ['000003'], z('2026-11-08T01:00:00Z')); // linked to rejected media only: missing
  await incident('I5', STATION, ['000001'], z('2026-11-09T09:00:00Z'), false); // does not require recording
  await incident('I6', STATION, ['000002'], z('2026-10-31T15:30:00Z')); // 23:30 local on 31 October: outside
  await incident('I7', STATION, ['000002'], z('2026-10-31T16:00:00Z')); // exactly 00:00 local on 1 November: inside, linked
  await incident('I8', OTHER, ['000003'], z('2026-11-30T16:00:00Z')); // exactly 00:00 local on 1 December: outside
  await link('M1', { incident: ids.I1 });
  await link('M3', { incident: ids.I3 }, true);
  await link('M4', { incident: ids.I4 });
  await link('M7', { incident: ids.I7 });

  // --- dock inventory (storage rate); CAM-A's officer is known from M1-M3, CAM-C's from M5, CAM-Z never declared one
  const inv = async (name: string, origin: string, ref: { recordedEnd?: string; firstSeenAt: string }, mediaName: string | null) => {
    const rows = await q(
      `insert into inventory_files (origin_serial, name, size_bytes, dock_id, camera_serial, recorded_end, via, first_seen_at, media_id, stored_at)
       values ($1, $2, 1000, $3, $1, $4, 'push', $5, $6, $7) returning id`,
      [origin, `${prefix}${name}.mp4`, ids.D1, ref.recordedEnd ?? null, ref.firstSeenAt, mediaName ? ids[mediaName] : null, mediaName ? ref.firstSeenAt : null],
    );
    ids[name] = String((rows[0] as { id: number }).id);
  };
  await inv('F1', 'CAM-A', { recordedEnd: z('2026-11-03T00:00:00Z'), firstSeenAt: z('2026-11-03T05:00:00Z') }, 'M2'); // stored
  await inv('F2', 'CAM-A', { recordedEnd: z('2026-11-04T00:00:00Z'), firstSeenAt: z('2026-11-04T05:00:00Z') }, null); // missing (000001)
  await inv('F3', 'CAM-Z', { recordedEnd: z('2026-11-04T01:00:00Z'), firstSeenAt: z('2026-11-04T05:00:00Z') }, null); // missing, nobody's
  await inv('F4', 'CAM-A', { firstSeenAt: z('2026-10-20T00:00:00Z') }, null); // seen in October: outside
  await inv('F5', 'CAM-C', { recordedEnd: z('2026-11-10T00:00:00Z'), firstSeenAt: z('2026-11-10T05:00:00Z') }, 'M5'); // stored

  // --- cases, interrogation sessions, the platform's recordings (full recording) and their review
  const kase = async (name: string, unit: string, reviewCompletedAt: string | null) => {
    await q(`insert into cases (id, case_number, kind, unit_code, opened_at, status, review_completed_at) values ($1, $2, 'criminal', $3, $4, $5, $6)`, [
      id(name), `${prefix}${name}`, unit, z('2026-11-01T02:00:00Z'), reviewCompletedAt ? 'review_completed' : 'open', reviewCompletedAt,
    ]);
  };
  await kase('K1', STATION, z('2026-11-20T00:00:00Z'));
  await kase('K2', OTHER, z('2026-11-21T00:00:00Z'));
  await kase('K3', STATION, z('2026-10-15T00:00:00Z'));
  await q(`insert into rooms (id, name, unit_code, created_by) values ($1, $2, $3, 'test')`, [id('ROOM'), `${prefix}讯问室1`, STATION]);

  const session = async (name: string, caseName: string, officers: string[], start: string, end: string | null) => {
    await q(`insert into interrogation_sessions (id, case_id, room, interrogators, declared_start, declared_end) values ($1, $2, $3, $4, $5, $6)`, [
      id(name), ids[caseName], `${prefix}讯问室1`, officers, start, end,
    ]);
  };
  const recording = async (sessionName: string, start: string, stop: string, finalized: boolean) => {
    await q(
      `insert into session_recordings (session_id, room_id, cameras, desired, started_at, started_by, stop_requested_at, finalized_at)
       values ($1, $2, $3, $4, $5, 'test', $6, $7)`,
      [ids[sessionName], ids.ROOM, JSON.stringify([{ deviceId: ids.C1, serial: 'ROOM-CAM-1', role: 'overview' }]), finalized ? 'stopped' : 'recording', start, finalized ? stop : null, finalized ? stop : null],
    );
  };
  let segN = 0;
  const segment = async (sessionName: string, mediaName: string, start: string, end: string) => {
    await media(mediaName, { by: ids.C1!, serial: 'ROOM-CAM-1', recordedAt: start, recordedEnd: end, createdAt: end });
    await q(
      `insert into recording_segments (id, session_id, device_id, media_id, run_id, file, started_at, ended_at, duration_sec, sha256, size_bytes)
       values ($1, $2, $3, $4, 'run', $5, $6, $7, 1, 'x', 1)`,
      [randomUUID(), ids[sessionName], ids.C1, ids[mediaName], `seg${++segN}.mp4`, start, end],
    );
  };
  const gap = async (sessionName: string, start: string, end: string, reason: string | null) => {
    await q(`insert into recording_gaps (id, session_id, device_id, started_at, ended_at, duration_sec, cause, reason) values ($1, $2, $3, $4, $5, 300, 'camera-offline', $6)`, [
      randomUUID(), ids[sessionName], ids.C1, start, end, reason,
    ]);
  };

  await session('S1', 'K1', ['000001'], z('2026-11-02T10:00:00Z'), z('2026-11-02T11:00:00Z')); // full
  await recording('S1', z('2026-11-02T09:59:00Z'), z('2026-11-02T11:00:30Z'), true);
  await segment('S1', 'G1', z('2026-11-02T10:00:00Z'), z('2026-11-02T11:00:00Z'));

  await session('S2', 'K1', ['000001'], z('2026-11-03T10:00:00Z'), z('2026-11-03T11:00:00Z')); // gap without a reason
  await recording('S2', z('2026-11-03T10:00:00Z'), z('2026-11-03T11:00:00Z'), true);
  await segment('S2', 'G2', z('2026-11-03T10:00:00Z'), z('2026-11-03T10:20:00Z'));
  await segment('S2', 'G2b', z('2026-11-03T10:25:00Z'), z('2026-11-03T11:00:00Z'));
  await gap('S2', z('2026-11-03T10:20:00Z'), z('2026-11-03T10:25:00Z'), null);

  await session('S3', 'K1', ['000002'], z('2026-11-04T10:00:00Z'), z('2026-11-04T11:00:00Z')); // gap explained: full
  await recording('S3', z('2026-11-04T10:00:00Z'), z('2026-11-04T11:00:00Z'), true);
  await segment('S3', 'G3', z('2026-11-04T10:00:00Z'), z('2026-11-04T10:20:00Z'));
  await segment('S3', 'G3b', z('2026-11-04T10:25:00Z'), z('2026-11-04T11:00:00Z'));
  await gap('S3', z('2026-11-04T10:20:00Z'), z('2026-11-04T10:25:00Z'), '摄像机故障 camera fault, interrogation paused');

  await session('S4', 'K2', ['000003'], z('2026-11-05T10:00:00Z'), z('2026-11-05T11:00:00Z')); // stops 20 min early, no gap stored
  await recording('S4', z('2026-11-05T10:00:00Z'), z('2026-11-05T10:40:00Z'), true);
  await segment('S4', 'G4', z('2026-11-05T10:00:00Z'), z('2026-11-05T10:40:00Z'));

  await session('S5', 'K2', ['000003'], z('2026-11-06T10:00:00Z'), z('2026-11-06T11:00:00Z')); // never recorded
  await session('S6', 'K2', ['000003'], z('2026-11-07T10:00:00Z'), null); // still recording
  await recording('S6', z('2026-11-07T10:00:00Z'), z('2026-11-07T11:00:00Z'), false);
  await session('S7', 'K2', ['000003'], z('2026-11-08T10:00:00Z'), z('2026-11-08T11:00:00Z')); // a disc copy linked by hand (uploaded by the dock on time: it also counts for timeliness)
  await media('R7', { by: ids.D1!, recordedAt: z('2026-11-08T10:00:00Z'), recordedEnd: z('2026-11-08T11:00:00Z'), createdAt: z('2026-11-08T11:30:00Z') });
  await session('S8', 'K1', ['000001'], z('2026-10-30T10:00:00Z'), z('2026-10-30T11:00:00Z')); // October: outside
  await session('S9', 'K1', ['000002'], z('2026-11-09T10:00:00Z'), z('2026-11-09T11:00:00Z')); // within the 2 s tolerance: full
  await recording('S9', z('2026-11-09T10:00:00Z'), z('2026-11-09T11:00:00Z'), true);
  await segment('S9', 'G9', z('2026-11-09T10:00:01Z'), z('2026-11-09T10:59:59Z'));

  // --- the recordings of reviewed cases (interrogation review): what a reviewer watches is each camera's joined
  // recording (R1, R2, R3, R9) or footage filed by hand (R7); segments and replaced joins are never reviewed
  for (const [name, sessionName] of [['R1', 'S1'], ['R2', 'S2'], ['R3', 'S3'], ['R9', 'S9']] as const) {
    await media(name, { by: ids.C1!, serial: 'ROOM-CAM-1', createdAt: z('2026-11-12T00:00:00Z') });
    await q(
      `insert into recording_joins (id, session_id, device_id, role, media_id, sha256, segments_fingerprint, recording_finalized_at, segments, offsets, wall_start, wall_end, duration_sec, operation)
       values ($1, $2, $3, 'overview', $4, 'x', $5, now(), '[]', '[]', now(), now(), 1, '{}')`,
      [randomUUID(), ids[sessionName], ids.C1, ids[name], `fp-${name}`],
    );
  }
  await media('J1old', { by: ids.C1!, serial: 'ROOM-CAM-1', createdAt: z('2026-11-12T00:00:00Z') });
  await q(
    `insert into recording_joins (id, session_id, device_id, role, media_id, sha256, segments_fingerprint, recording_finalized_at, segments, offsets, wall_start, wall_end, duration_sec, operation, superseded_at)
     values ($1, $2, $3, 'overview', $4, 'x', 'fp-old', now(), '[]', '[]', now(), now(), 1, '{}', now())`,
    [randomUUID(), ids.S1, ids.C1, ids.J1old],
  );
  await link('G1', { session: 'S1' }); // a segment: not reviewed on its own
  await link('J1old', { session: 'S1' }); // a join replaced by a later one
  await link('R1', { session: 'S1' });
  await link('R2', { session: 'S2' });
  await link('R3', { session: 'S3' });
  await link('R9', { session: 'S9' });
  await link('R7', { session: 'S7' });
  const review = async (sessionName: string, mediaName: string, at: string) => {
    await q(`insert into recording_reviews (id, session_id, media_id, reviewer, finding, reviewed_at) values ($1, $2, $3, 'reviewer', 'ok', $4)`, [randomUUID(), ids[sessionName], ids[mediaName], at]);
  };
  await review('S1', 'R1', z('2026-11-19T00:00:00Z')); // before completion
  await review('S2', 'R2', z('2026-11-21T00:00:00Z')); // after completion: does not count
  await review('S9', 'R9', z('2026-11-20T00:00:00Z')); // at the very moment of completion: counts
  await review('S7', 'R7', z('2026-11-10T00:00:00Z'));
  return ids;
}
