/**
 * 讯问录像审看率 counts recordings still waiting for review. It used to count only cases whose review was completed,
 * so the coverage page said "n/a 0/0" while two recordings of a case under review waited for a reviewer.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingItems, rateSummary, type CoverageFilter } from '../src/db/coverage-queries.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open.js';

const rules = { deadlineHours: 24, gapToleranceSec: 2 };
const UNIT = '330100000031';
const dec: CoverageFilter = { from: new Date('2026-11-30T16:00:00Z'), to: new Date('2026-12-31T16:00:00Z'), unitCodes: null, officer: null };

describe('interrogation-review rate with a case under review', () => {
  let db: Db;
  let dir: string;
  const media: string[] = [];
  let sessionId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'evm-covrev-'));
    db = await openDb({ pgliteDir: path.join(dir, 'pglite') });
    const caseId = randomUUID();
    sessionId = randomUUID();
    const camera = randomUUID();
    await db.query(`insert into units (code, name) values ($1, '刑侦一大队')`, [UNIT]);
    await db.query(`insert into devices (id, kind, serial, name, token_hash) values ($1, 'camera', 'CAM-R', 'room cam', 'h-cam-r')`, [camera]);
    await db.query(`insert into cases (id, case_number, kind, unit_code, opened_at, status) values ($1, 'A-R-1', 'criminal', $2, '2026-12-01T01:00:00Z', 'under_review')`, [caseId, UNIT]);
    await db.query(
      `insert into interrogation_sessions (id, case_id, room, interrogators, kind, declared_start, declared_end) values ($1, $2, '第一讯问室', '{013579}', 'interrogation', '2026-12-02T02:00:00Z', '2026-12-02T03:00:00Z')`,
      [sessionId, caseId],
    );
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      const sha = randomUUID().replace(/-/g, '').padEnd(64, '0');
      await db.query(
        `insert into media (id, sha256, sha256_declared, size_bytes, object_key, uploaded_by, filename, state) values ($1, $2, $2, 1000, $3, $4, $5, 'ready')`,
        [id, sha, `originals/${sha}`, camera, `room-${i}.mp4`],
      );
      await db.query(`insert into media_links (id, media_id, session_id, source, created_by, reason) values ($1, $2, $3, 'manual', 'admin', '讯问录像')`, [randomUUID(), id, sessionId]);
      media.push(id);
    }
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts both waiting recordings in the denominator and lists them as awaiting review', async () => {
    const s = await rateSummary(db, 'interrogation-review', dec, rules, null);
    expect(s.total).toMatchObject({ numerator: 0, denominator: 2, rate: 0 });
    const missing = await missingItems(db, 'interrogation-review', dec, rules, { limit: 10, offset: 0 });
    expect(missing.total).toBe(2);
    expect(missing.items.map((i) => [i.mediaId, i.reason, i.reviewCompletedAt]).sort()).toEqual(media.map((m) => [m, 'awaiting-review', null]).sort());
  });

  it('counts a reviewed one in the numerator before the case review completes', async () => {
    await db.query(`insert into recording_reviews (id, session_id, media_id, reviewer, finding) values ($1, $2, $3, 'user:reviewer1', '全程录制')`, [randomUUID(), sessionId, media[0]]);
    const s = await rateSummary(db, 'interrogation-review', dec, rules, null);
    expect(s.total).toMatchObject({ numerator: 1, denominator: 2, rate: 0.5 });
  });
});
