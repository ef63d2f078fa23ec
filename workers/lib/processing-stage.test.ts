import { randomBytes, randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.js';
import { openDb } from '../../src/db/open.js';
import { Errors } from '../../src/errors.js';
import { createTempDatabase, type TempDatabase } from '../../test/helpers/postgres.js';
import { processingStage } from './processing-stage.js';

/** What a killed ffprobe looks like to the probe stage (src/media/probe.ts). */
const killedProbe = () => new Errors.MEDIA_TRUNCATED('read-through exit null');

describe('a processing stage whose tools die', () => {
  let temp: TempDatabase;
  let db: Db;
  let dock: string;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    temp = await createTempDatabase();
    db = await openDb({ databaseUrl: temp.url });
    dock = randomUUID();
    await db.query(`insert into devices (id, kind, serial, name, token_hash) values ($1, 'dock', 'D1', 'dock', 'h')`, [dock]);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  const verifiedMedia = async () => {
    const id = randomUUID();
    const sha = randomBytes(32).toString('hex');
    await db.query(
      `insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by) values ($1, 'verified', $2, $2, 1000, $3, 'a.mp4', $4)`,
      [id, sha, `originals/${sha}`, dock],
    );
    return id;
  };
  const outcome = async (id: string) => ({
    state: (await db.query<{ state: string }>('select state from media where id = $1', [id]))[0]!.state,
    failedEvents: (await db.query(`select 1 from custody_events where media_id = $1 and type = 'media.failed'`, [id])).length,
  });
  const probeJob = (id: string) => ({ name: 'probe', data: { mediaId: id }, attemptsMade: 0, opts: { attempts: 5 } }) as unknown as Job<{ mediaId: string }>;

  it('marks the media failed when the footage is bad (the tools ran to the end)', async () => {
    const id = await verifiedMedia();
    await expect(processingStage({ db, log }, probeJob(id), async () => Promise.reject(killedProbe()))).rejects.toThrow(/EVM_MEDIA_TRUNCATED/);
    expect(await outcome(id)).toEqual({ state: 'failed', failedEvents: 1 });
  });

  it('passes no verdict when the worker is shutting down and killed them: the job is left to run again', async () => {
    const id = await verifiedMedia();
    const stopping = new AbortController();
    const work = async () => {
      stopping.abort(); // the worker's stop: abort first, then its ffmpeg/ffprobe are killed
      throw killedProbe();
    };
    await expect(processingStage({ db, log, stopping: stopping.signal }, probeJob(id), work)).rejects.toMatchObject({ code: 'EVM_MEDIA_TRUNCATED' });
    expect(await outcome(id)).toEqual({ state: 'processing', failedEvents: 0 });
  });
});
