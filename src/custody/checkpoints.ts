import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db, Sql } from '../db/db.js';
import { CheckpointsRepository, type Checkpoint } from '../db/repositories/checkpoints-repository.js';
import { GENESIS_HASH } from '../domain/custody-chain.js';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../../storage/object-store.js';
import { checkpointHash, checkpointLinkStatement, checkpointStatement } from './checkpoint-statement.js';
import { witnessBytes, witnessKey, witnessOf } from './checkpoint-witness.js';
import { loadSigningKey, signBytes, verifyBytes, type SigningKey } from './signing-key.js';

// Taken while deciding whether a periodic checkpoint is due, so replicas do not sign the same moment twice.
const CHECKPOINT_LOCK = 4_711_005;

async function chainHead(sql: Sql): Promise<{ seq: number; hash: string }> {
  const [head] = await sql.query<{ seq: number; hash: string }>('select seq, hash from custody_events order by seq desc limit 1');
  return head ?? { seq: 0, hash: GENESIS_HASH };
}

async function signHead(sql: Sql, store: ObjectStore, key: SigningKey, createdBy: string): Promise<Checkpoint> {
  // Numbers are handed out one at a time, so the checkpoint chain has no forks.
  await sql.query('select pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK]);
  const repo = new CheckpointsRepository(sql);
  const head = await chainHead(sql);
  const last = await repo.lastLinked();
  const body = { seq: head.seq, hash: head.hash, at: new Date().toISOString(), keyId: key.keyId };
  const link = last ? { number: last.number! + 1, prevHash: checkpointHash({ ...last, number: last.number!, prevHash: last.prevHash! }) } : { number: 1, prevHash: GENESIS_HASH };
  const signature = signBytes(key, checkpointStatement(body));
  const linkSignature = signBytes(key, checkpointLinkStatement({ ...body, ...link }));
  const c = await repo.insert({ ...body, ...link, signature, linkSignature, createdBy });
  // Written before the row commits: a checkpoint whose witness could not be stored is not taken at all.
  await writeWitness(store, c);
  return c;
}

async function writeWitness(store: ObjectStore, c: Checkpoint): Promise<void> {
  const key = witnessKey(c.number!);
  const bytes = witnessBytes(witnessOf(c));
  await store.put(key, Readable.from([bytes]), { sizeBytes: bytes.length, contentType: 'application/json' });
  // A legal hold has no end date: the witness is kept as long as the chain it vouches for.
  const lock = store.objectLock;
  if (lock && (await lock.probe()).supported) await lock.setLegalHold(key, true);
}

/** Signs the current chain head now (on demand, or for an export's manifest). */
export function createCheckpoint(db: Db, store: ObjectStore, key: SigningKey, createdBy: string): Promise<Checkpoint> {
  return db.transaction((tx) => signHead(tx, store, key, createdBy));
}

/** Signs the head when the latest checkpoint is older than `intervalMs`; returns null when none was due. */
export function createCheckpointIfDue(db: Db, store: ObjectStore, key: SigningKey, intervalMs: number, createdBy = 'system:checkpoint'): Promise<Checkpoint | null> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK]);
    const latest = await new CheckpointsRepository(tx).latest();
    if (latest && Date.now() - Date.parse(latest.at) < intervalMs) return null;
    return signHead(tx, store, key, createdBy);
  });
}

/** True when the link signature is the trusted key's, over this checkpoint's body, number and predecessor. */
export function checkpointLinkValid(c: Checkpoint, publicKey: KeyObject): boolean {
  if (c.number === null || c.prevHash === null || c.linkSignature === null) return false;
  return verifyBytes(publicKey, checkpointLinkStatement({ ...c, number: c.number, prevHash: c.prevHash }), c.linkSignature);
}

/** True when the signature is the trusted key's, over exactly this checkpoint's seq, hash, time and key id. */
export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  return verifyBytes(publicKey, checkpointStatement(c), c.signature);
}

/**
 * Signs the chain head every CHECKPOINT_INTERVAL_MINUTES (checked once a minute, or more often for short
 * intervals); PostgreSQL decides whether one is due, so restarts and several replicas keep the cadence.
 */
export function startCheckpointTimer(deps: { db: Db; store: ObjectStore; config: Config; log: Logger }): () => void {
  const intervalMs = deps.config.CHECKPOINT_INTERVAL_MINUTES * 60_000;
  if (intervalMs <= 0) return () => undefined;
  const tick = async () => {
    try {
      const key = await loadSigningKey(deps.config);
      const c = await createCheckpointIfDue(deps.db, deps.store, key, intervalMs);
      if (c) deps.log.info({ seq: c.seq, hash: c.hash, keyId: c.keyId }, 'custody checkpoint signed');
    } catch (err) {
      deps.log.error({ err }, 'custody checkpoint failed');
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), Math.max(1_000, Math.min(intervalMs, 60_000)));
  timer.unref();
  return () => clearInterval(timer);
}
