import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { openDb } from '../src/db/open.js';
import { appendCustody, CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DevicesRepository } from '../src/db/repositories/devices-repository.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import { newCursor, verifyEvents } from '../src/domain/custody-chain.js';
import { parseUploadMetadata, type DeclaredMedia } from '../src/domain/upload-metadata.js';
import { createTempDatabase, type TempDatabase } from './helpers/postgres.js';

const declared = (sha256: string) => parseUploadMetadata({ sha256, filename: 'a.mp4', officerId: '013579' }) as DeclaredMedia;

/** The same repository tests on both engines: what passes on PGlite must pass on a PostgreSQL server. */
for (const engine of ['pglite', 'postgres'] as const) {
  describe(`repositories on ${engine}`, () => {
    let db: Db;
    let temp: TempDatabase | null = null;
    let dir: string;
    let deviceId: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'evm-db-'));
      if (engine === 'postgres') temp = await createTempDatabase();
      db = await openDb({ databaseUrl: temp?.url, pgliteDir: path.join(dir, 'pglite') });
      deviceId = randomUUID();
      await new DevicesRepository(db).insert({ id: deviceId, kind: 'dock', serial: `D-${engine}`, name: 'dock', tokenHash: `h-${engine}` });
    });
    afterAll(async () => {
      await db?.close();
      await temp?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('migrates once: running again applies nothing', async () => {
      expect(await migrate(db)).toEqual([]);
    });

    it('keeps one live media per content, even when inserts race', async () => {
      const sha = 'e'.repeat(64);
      const repo = new MediaRepository(db);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => repo.insertOrGetExisting({ id: randomUUID(), sha256: sha, sizeBytes: 5, objectKey: 'k', uploadedBy: deviceId, declared: declared(sha), rejected: null })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.media.id)).size).toBe(1);
      // A rejected upload of the same bytes is a separate record and does not block the live one.
      const rejected = await repo.insertOrGetExisting({ id: randomUUID(), sha256: sha, sizeBytes: 5, objectKey: 'k', uploadedBy: deviceId, declared: declared('f'.repeat(64)), rejected: { code: 'EVM_HASH_MISMATCH', message: 'x' } });
      expect(rejected).toMatchObject({ created: true, media: { state: 'rejected', errorCode: 'EVM_HASH_MISMATCH' } });
    });

    it('appends a hash chain that verifies, with concurrent writers', async () => {
      const mediaIds = [randomUUID(), randomUUID()];
      const repo = new MediaRepository(db);
      for (const [i, id] of mediaIds.entries()) {
        const sha = String(i).repeat(64);
        await repo.insertOrGetExisting({ id, sha256: sha, sizeBytes: 1, objectKey: `k${i}`, uploadedBy: deviceId, declared: declared(sha), rejected: null });
      }
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          appendCustody(db, { mediaId: mediaIds[i % 2]!, uploadId: null, type: 'media.viewed', actor: `user:${i}`, details: { i } }),
        ),
      );
      const events = await new CustodyRepository(db).page(0, 1000);
      expect(events).toHaveLength(30);
      expect(verifyEvents(events, newCursor())).toBeNull();
    });

    it('refuses UPDATE, DELETE and TRUNCATE on the custody log', async () => {
      await expect(db.query(`update custody_events set actor = 'x' where seq = 1`)).rejects.toThrow(/append-only/);
      await expect(db.query('delete from custody_events where seq = 1')).rejects.toThrow(/append-only/);
      await expect(db.query('truncate custody_events')).rejects.toThrow(/append-only/);
    });

    it('names the exact event a hand edit broke, even with the trigger disabled by a superuser', async () => {
      await db.transaction(async (tx) => {
        await tx.query('alter table custody_events disable trigger custody_events_no_update_delete');
        await tx.query(`update custody_events set details = '{"i": 999}' where seq = 7`);
        await tx.query('alter table custody_events enable trigger custody_events_no_update_delete');
      });
      const events = await new CustodyRepository(db).page(0, 1000);
      expect(verifyEvents(events, newCursor())).toMatchObject({ seq: 7, reason: 'hash-mismatch' });
    });
  });
}
