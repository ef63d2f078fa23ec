import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Db } from '../src/db/db.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DerivativesRepository } from '../src/db/repositories/derivatives-repository.js';
import type { Media } from '../src/db/repositories/media-repository.js';
import { derivativeKey } from '../src/domain/object-keys.js';
import type { ObjectStore } from '../storage/object-store.js';
import { ensureUnit, seedMedia } from './helpers/custody-fixtures.js';

export const UNIT = '110000000001';

/**
 * A stored, verified original (real bytes in the store, custody events received → stored → verified) that ended
 * recording at `recordedEnd`, with automatic linking done, as it would stand long after ingest.
 */
export async function seedFootage(db: Db, store: ObjectStore, deviceId: string, recordedEnd: string): Promise<Media> {
  const { media } = await seedMedia(db, store, deviceId, { officerId: '013579', recordedAt: recordedEnd });
  await db.query('update media set recorded_end = $2, auto_link_checked_at = now() where id = $1', [media.id, recordedEnd]);
  return { ...media, recordedEnd };
}

/** A proxy derivative of `m`, bytes in the store and a row, as the pipeline would have made it. */
export async function seedProxy(db: Db, store: ObjectStore, m: Media): Promise<string> {
  const key = derivativeKey(m.sha256, 'proxy');
  const bytes = randomBytes(500);
  await store.put(key, Readable.from([bytes]), { sizeBytes: bytes.length });
  await db.transaction(async (tx) => {
    await new DerivativesRepository(tx).insertOnce({
      id: randomUUID(),
      mediaId: m.id,
      kind: 'proxy',
      objectKey: key,
      contentType: 'video/mp4',
      sha256: randomBytes(32).toString('hex'),
      sizeBytes: bytes.length,
      parentSha256: m.sha256,
      operation: { test: true },
      details: {},
    });
    await new CustodyRepository(tx).append({ mediaId: m.id, uploadId: null, type: 'derivative.created', actor: 'system:proxy', details: { kind: 'proxy', objectKey: key } });
  });
  return key;
}

/** A case inserted as the case system would have sent it (closed long ago, or open). */
export async function insertCase(db: Db, o: { kind: 'criminal' | 'administrative'; status: 'open' | 'closed'; closedAt?: string }): Promise<{ id: string; caseNumber: string }> {
  await ensureUnit(db, UNIT);
  const id = randomUUID();
  const caseNumber = `A${randomBytes(4).toString('hex')}`;
  await db.query(`insert into cases (id, case_number, kind, status, unit_code, opened_at, closed_at) values ($1, $2, $3, $4, $5, '2023-01-01', $6)`, [
    id,
    caseNumber,
    o.kind,
    o.status,
    UNIT,
    o.status === 'closed' ? (o.closedAt ?? '2023-06-01T00:00:00Z') : null,
  ]);
  return { id, caseNumber };
}
