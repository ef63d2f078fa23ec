import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../../storage/object-store.js';
import { hashToken, newUserToken } from '../../src/api/auth/tokens.js';
import type { Db, Sql } from '../../src/db/db.js';
import { CustodyRepository } from '../../src/db/repositories/custody-repository.js';
import { MediaRepository, type Media } from '../../src/db/repositories/media-repository.js';
import { UsersRepository } from '../../src/db/repositories/users-repository.js';
import { GENESIS_HASH, sealEvent, type CustodyEvent, type CustodyEventInput } from '../../src/domain/custody-chain.js';
import { originalKey } from '../../src/domain/object-keys.js';
import type { Role } from '../../src/domain/roles.js';
import { ContentHasher } from '../../src/ingest/content-hasher.js';

/** Calls the API; JSON in and out. */
export async function call<T = any>(baseUrl: string, token: string | null, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${baseUrl}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: json as T };
}

export async function waitUntil<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A unit (12-character code) and optionally an officer in it. */
export async function ensureUnit(db: Sql, code: string, name = `unit ${code}`): Promise<void> {
  await db.query('insert into units (code, name) values ($1, $2) on conflict do nothing', [code, name]);
}

export async function ensureOfficer(db: Sql, number: string, unitCode: string): Promise<void> {
  await db.query('insert into officers (number, name, unit_code) values ($1, $2, $3) on conflict do nothing', [number, `officer ${number}`, unitCode]);
}

/** A person with a live session token, inserted directly (login itself is tested elsewhere). */
export async function makeUser(db: Db, o: { username?: string; displayName?: string; role: Role; unitCode?: string | null; officerNumber?: string | null }): Promise<{ id: string; username: string; token: string }> {
  const id = randomUUID();
  const username = o.username ?? `${o.role}-${randomBytes(3).toString('hex')}`;
  if (o.unitCode) await ensureUnit(db, o.unitCode);
  if (o.officerNumber && o.unitCode) await ensureOfficer(db, o.officerNumber, o.unitCode);
  const users = new UsersRepository(db);
  await users.insert({ id, username, displayName: o.displayName ?? username, role: o.role, unitCode: o.unitCode ?? null, officerNumber: o.officerNumber ?? null, passwordHash: 'scrypt$x' });
  const token = newUserToken();
  await users.insertToken(hashToken(token), id, new Date(Date.now() + 3600_000));
  return { id, username, token };
}

/**
 * A stored, verified original as ingest would leave it: the object in the store under its content key, the media
 * row, and the custody events received → stored → verified (the verified event binds the hash to the chain).
 */
export async function seedMedia(
  db: Db,
  store: ObjectStore,
  deviceId: string,
  o: { bytes?: Buffer; officerId?: string | null; filename?: string; recordedAt?: string; sm3?: boolean } = {},
): Promise<{ media: Media; bytes: Buffer }> {
  const bytes = o.bytes ?? randomBytes(2000 + Math.floor(Math.random() * 3000));
  const h = new ContentHasher(true);
  h.update(bytes);
  const d = h.digest();
  const key = originalKey(d.sha256);
  await store.put(key, Readable.from([bytes]), { sizeBytes: bytes.length });
  const id = randomUUID();
  const repo = new MediaRepository(db);
  // One transaction, and straight to "ready": the pipeline's reconciler never sees a state it would work on.
  await db.transaction(async (tx) => {
    await new MediaRepository(tx).insertOrGetExisting({
      id,
      sha256: d.sha256,
      sizeBytes: bytes.length,
      objectKey: key,
      uploadedBy: deviceId,
      declared: {
        sha256: d.sha256,
        sm3: o.sm3 ? d.sm3 : null,
        filename: o.filename ?? `BWC-0001_${o.officerId ?? '000000'}_${d.sha256.slice(0, 6)}.mp4`,
        originalFilename: null,
        deviceSerial: 'BWC-0001',
        officerId: o.officerId ?? null,
        recordedAt: o.recordedAt ?? '2026-11-23T00:30:00.000Z',
        recordedEnd: null,
        flags: [],
        caseNumber: null,
        vendor: {},
      },
      rejected: null,
    });
    const custody = new CustodyRepository(tx);
    const base = { mediaId: id, uploadId: null };
    await custody.append({ ...base, type: 'media.received', actor: 'device:DOCK-T', details: { sha256: d.sha256, sizeBytes: bytes.length } });
    await custody.append({ ...base, type: 'media.stored', actor: 'system:ingest', details: { objectKey: key } });
    await new MediaRepository(tx).markVerified(id, o.sm3 ? d.sm3 : null);
    await tx.query(`update media set state = 'ready' where id = $1`, [id]);
    await custody.append({ ...base, type: 'media.verified', actor: 'system:verify', details: { sha256: d.sha256, sm3: o.sm3 ? d.sm3 : null, sizeBytes: bytes.length, objectKey: key } });
  });
  return { media: (await repo.findById(id))!, bytes };
}

/** Runs `fn` as the database superuser with the append-only triggers off, as a tamperer would. */
export async function tamper(db: Db, fn: (tx: Sql) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('alter table custody_events disable trigger custody_events_no_update_delete');
    await tx.query('alter table custody_checkpoints disable trigger custody_checkpoints_no_update_delete');
    await fn(tx);
    await tx.query('alter table custody_events enable trigger custody_events_no_update_delete');
    await tx.query('alter table custody_checkpoints enable trigger custody_checkpoints_no_update_delete');
  });
}

interface EventRow {
  seq: number;
  media_id: string | null;
  upload_id: string | null;
  type: string;
  actor: string;
  at: Date;
  details: Record<string, unknown>;
  prev_hash: string;
  media_prev_hash: string | null;
  hash: string;
}

export async function eventRows(db: Sql, fromSeq = 1): Promise<EventRow[]> {
  return db.query<EventRow>('select * from custody_events where seq >= $1 order by seq', [fromSeq]);
}

/** Puts rows back exactly as they were (after a tamper test). */
export async function restoreRows(tx: Sql, rows: EventRow[]): Promise<void> {
  for (const r of rows) {
    await tx.query('delete from custody_events where seq = $1', [r.seq]);
  }
  for (const r of rows) {
    await tx.query(
      `insert into custody_events (seq, media_id, upload_id, type, actor, at, details, prev_hash, media_prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.seq, r.media_id, r.upload_id, r.type, r.actor, r.at, JSON.stringify(r.details), r.prev_hash, r.media_prev_hash, r.hash],
    );
  }
}

/** Appends `n` sealed events in bulk (one insert per 5000), continuing the chain from its head. */
export function appendBulk(db: Db, mediaIds: string[], n: number, details: (i: number) => Record<string, unknown> = (i) => ({ i })): Promise<void> {
  // Under the chain's own append lock, so nothing else appends in between.
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [4_711_002]);
    await appendBulkLocked(tx, mediaIds, n, details);
  });
}

async function appendBulkLocked(db: Sql, mediaIds: string[], n: number, details: (i: number) => Record<string, unknown>): Promise<void> {
  const [head] = await db.query<{ seq: number; hash: string }>('select seq, hash from custody_events order by seq desc limit 1');
  const heads = new Map<string, string>();
  for (const id of mediaIds) {
    const [h] = await db.query<{ hash: string }>('select hash from custody_events where media_id = $1 order by seq desc limit 1', [id]);
    if (h) heads.set(id, h.hash);
  }
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const at = Date.now();
  let batch: CustodyEvent[] = [];
  const flush = async () => {
    if (!batch.length) return;
    await db.query(
      `insert into custody_events (seq, media_id, upload_id, type, actor, at, details, prev_hash, media_prev_hash, hash)
       select * from unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[], $8::text[], $9::text[], $10::text[])`,
      [
        batch.map((e) => e.seq),
        batch.map((e) => e.mediaId),
        batch.map((e) => e.uploadId),
        batch.map((e) => e.type),
        batch.map((e) => e.actor),
        batch.map((e) => e.at),
        batch.map((e) => JSON.stringify(e.details)),
        batch.map((e) => e.prevHash),
        batch.map((e) => e.mediaPrevHash),
        batch.map((e) => e.hash),
      ],
    );
    batch = [];
  };
  for (let i = 0; i < n; i++) {
    const mediaId = mediaIds.length ? mediaIds[i % mediaIds.length]! : null;
    const input: CustodyEventInput = { mediaId, uploadId: null, type: 'media.viewed', actor: `user:bulk${i % 7}`, details: details(i) };
    seq++;
    const e = sealEvent(input, { seq, at: new Date(at + i).toISOString(), prevHash: prev, mediaPrevHash: mediaId ? (heads.get(mediaId) ?? null) : null });
    if (mediaId) heads.set(mediaId, e.hash);
    prev = e.hash;
    batch.push(e);
    if (batch.length >= 5000) await flush();
  }
  await flush();
}

/**
 * The wholesale rewrite a tamperer with database access would do: change one event, then recompute every hash
 * and link after it so the chain verifies on its own again. Only a signed checkpoint can tell.
 */
export async function rewriteChainFrom(tx: Sql, seq: number, change: (details: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const before = await tx.query<EventRow>('select * from custody_events where seq < $1 order by seq', [seq]);
  const heads = new Map<string, string>();
  for (const r of before) if (r.media_id) heads.set(r.media_id, r.hash);
  let prev = before.length ? before[before.length - 1]!.hash : GENESIS_HASH;
  const rows = await tx.query<EventRow>('select * from custody_events where seq >= $1 order by seq', [seq]);
  const sealed: CustodyEvent[] = [];
  for (const r of rows) {
    const details = r.seq === seq ? change(r.details) : r.details;
    const e = sealEvent(
      { mediaId: r.media_id, uploadId: r.upload_id, type: r.type as CustodyEventInput['type'], actor: r.actor, details },
      { seq: r.seq, at: r.at.toISOString(), prevHash: prev, mediaPrevHash: r.media_id ? (heads.get(r.media_id) ?? null) : null },
    );
    sealed.push(e);
    if (r.media_id) heads.set(r.media_id, e.hash);
    prev = e.hash;
  }
  for (let i = 0; i < sealed.length; i += 5000) {
    const part = sealed.slice(i, i + 5000);
    await tx.query(
      `update custody_events c set details = u.details, prev_hash = u.prev_hash, media_prev_hash = u.media_prev_hash, hash = u.hash
         from unnest($1::bigint[], $2::jsonb[], $3::text[], $4::text[], $5::text[]) as u(seq, details, prev_hash, media_prev_hash, hash)
        where c.seq = u.seq`,
      [part.map((e) => e.seq), part.map((e) => JSON.stringify(e.details)), part.map((e) => e.prevHash), part.map((e) => e.mediaPrevHash), part.map((e) => e.hash)],
    );
  }
}
