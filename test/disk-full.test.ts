import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import { openDb } from '../src/db/open.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';
import { storageFullError } from '../src/runtime/no-space.js';
import { processingStage } from '../workers/lib/processing-stage.js';
import { createTempDatabase } from './helpers/postgres.js';
import { S3Store } from '../storage/s3-store.js';
import { withLocalCopy, withScratch } from '../workers/lib/local-copy.js';
import { startS3Server, type S3TestServer } from './helpers/s3-server.js';

const run = promisify(execFile);

/**
 * A really full disk: a 1 MiB tmpfs as the workers' scratch (root only: mount). Every write path of the workers
 * (local copies of originals, ffmpeg outputs, anything a job writes) must fail as EVM_STORAGE_FULL (507), the one
 * code operators alert on, and leave nothing behind.
 */
describe('workers on a full scratch disk', () => {
  let scratch: string;
  let s3: S3TestServer;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'evm-full-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', scratch]);
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await run('umount', [scratch]).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    await s3?.stop();
  });

  const full = { code: 'EVM_STORAGE_FULL', statusCode: 507, message: expect.stringMatching(/^Storage is full \(\d+ bytes free/) };

  it('a job writing more than fits fails with EVM_STORAGE_FULL, and its folder is gone', async () => {
    await expect(withScratch(scratch, (dir) => writeFile(path.join(dir, 'big'), randomBytes(2 * 1024 * 1024)))).rejects.toMatchObject(full);
    expect(await readdir(scratch)).toEqual([]);
  });

  it('the local copy of an S3 original that does not fit fails with EVM_STORAGE_FULL', async () => {
    const store = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    try {
      await store.put('originals/big', Readable.from([randomBytes(2 * 1024 * 1024)]), { sizeBytes: 2 * 1024 * 1024 });
      await expect(withLocalCopy(store, 'originals/big', scratch, async () => 'never')).rejects.toMatchObject(full);
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      store.destroy();
    }
  });

  it('an ffmpeg output that does not fit (ffmpeg reports "No space left on device") fails with EVM_STORAGE_FULL', async () => {
    const attempt = withScratch(scratch, (dir) =>
      runFfmpeg({
        args: ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=10', '-c:v', 'mpeg2video', '-q:v', '2', '-y', path.join(dir, 'proxy.ts')],
        timeoutMs: 60_000,
      }),
    );
    await expect(attempt).rejects.toMatchObject(full);
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('a processing stage on a full disk', () => {
  it('fails the job with EVM_STORAGE_FULL but never marks the media failed, even on the last try', async () => {
    const temp = await createTempDatabase();
    const db = await openDb({ databaseUrl: temp.url });
    try {
      const id = randomUUID();
      const dock = randomUUID();
      const sha = randomBytes(32).toString('hex');
      await db.query(`insert into devices (id, kind, serial, name, token_hash) values ($1, 'dock', 'D1', 'dock', 'h')`, [dock]);
      await db.query(
        `insert into media (id, state, sha256, sha256_declared, size_bytes, object_key, filename, uploaded_by) values ($1, 'verified', $2, $2, 1000, $3, 'a.mp4', $4)`,
        [id, sha, `originals/${sha}`, dock],
      );
      const lastTry = { name: 'proxy', data: { mediaId: id }, attemptsMade: 4, opts: { attempts: 5 } } as unknown as Job<{ mediaId: string }>;
      const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await expect(
        processingStage({ db, log: pino({ level: 'silent' }) }, lastTry, async () => {
          throw await storageFullError(enospc, tmpdir());
        }),
      ).rejects.toMatchObject({ code: 'EVM_STORAGE_FULL' });
      const [row] = await db.query<{ state: string; error_code: string | null }>('select state, error_code from media where id = $1', [id]);
      expect(row).toEqual({ state: 'processing', error_code: null });
      const failed = await db.query(`select 1 from custody_events where media_id = $1 and type = 'media.failed'`, [id]);
      expect(failed).toEqual([]);
    } finally {
      await db.close();
      await temp.drop();
    }
  });
});
