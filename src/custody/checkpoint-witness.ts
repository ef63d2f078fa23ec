import { canonicalize } from 'json-canonicalize';
import type { Checkpoint } from '../db/repositories/checkpoints-repository.js';

/**
 * Every numbered checkpoint is also written to the object store as a small signed object: a witness outside the
 * database, so an insider who rewrites the chain and deletes the checkpoints after the rewrite still leaves
 * witnesses behind that have no row. Where the store has Object Lock, the witness is put under a legal hold.
 */
export const WITNESS_FORMAT = 'evidence-media/custody-checkpoint-witness/1';

export interface Witness {
  format: typeof WITNESS_FORMAT;
  number: number;
  prevHash: string;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
  linkSignature: string;
}

/** Zero-padded so a listing of the prefix sorts in checkpoint order. */
export function witnessKey(number: number): string {
  return `custody/checkpoints/${String(number).padStart(12, '0')}.json`;
}

export function witnessOf(c: Checkpoint): Witness {
  if (c.number === null || c.prevHash === null || c.linkSignature === null) throw new Error(`checkpoint ${c.id} is not numbered: it has no witness`);
  return { format: WITNESS_FORMAT, number: c.number, prevHash: c.prevHash, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId, signature: c.signature, linkSignature: c.linkSignature };
}

export function witnessBytes(w: Witness): Buffer {
  return Buffer.from(`${canonicalize(w)}\n`, 'utf8');
}

/** The witness in `bytes`, or null when it is not one (unparseable or missing fields). */
export function parseWitness(bytes: Buffer | string): Witness | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(bytes.toString()) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || v.format !== WITNESS_FORMAT) return null;
  const s = (k: string) => typeof v[k] === 'string';
  const n = (k: string) => typeof v[k] === 'number' && Number.isSafeInteger(v[k]);
  if (!(n('number') && n('seq') && s('prevHash') && s('hash') && s('at') && s('keyId') && s('signature') && s('linkSignature'))) return null;
  return v as unknown as Witness;
}

/** The fields in which a witness and its checkpoint row disagree (empty when they agree). */
export function witnessDiff(w: Witness, c: Checkpoint): string[] {
  const row = witnessOf(c);
  return (Object.keys(row) as Array<keyof Witness>).filter((k) => row[k] !== w[k]);
}
