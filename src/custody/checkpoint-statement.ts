import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';

/** What a checkpoint vouches for: the chain head at a moment. */
export interface CheckpointBody {
  seq: number;
  hash: string;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  /** 'sha256:' + hex SHA-256 of the signing public key (SPKI DER). */
  keyId: string;
}

export const CHECKPOINT_STATEMENT_KIND = 'evidence-media/custody-checkpoint/1';

/**
 * The exact bytes an Ed25519 checkpoint signature covers: RFC 8785 canonical JSON of the body plus a fixed kind,
 * so a signature made for one purpose (a checkpoint) can never be replayed as another (a manifest). The offline
 * verifier (src/export/offline-verifier/verify.mjs) rebuilds the same bytes.
 */
export function checkpointStatement(c: CheckpointBody): Buffer {
  return Buffer.from(canonicalize({ kind: CHECKPOINT_STATEMENT_KIND, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }), 'utf8');
}

/** Where a checkpoint stands in the chain of checkpoints (absent on checkpoints signed before the chain started). */
export interface CheckpointLink {
  /** 1, 2, 3 ... without gaps; 1 marks the start of the checkpoint chain. */
  number: number;
  /** checkpointHash of checkpoint number - 1; GENESIS_HASH for number 1. */
  prevHash: string;
}

export const CHECKPOINT_LINK_KIND = 'evidence-media/custody-checkpoint-link/1';

/**
 * The bytes the second (link) signature covers: the whole checkpoint body plus its number and the previous
 * checkpoint's hash, so a checkpoint deleted, reordered or re-numbered breaks the link of the one after it. The first
 * signature (checkpointStatement) stays as it was, so export packages and their offline verifier are unchanged.
 */
export function checkpointLinkStatement(c: CheckpointBody & CheckpointLink): Buffer {
  return Buffer.from(
    canonicalize({ kind: CHECKPOINT_LINK_KIND, number: c.number, prevHash: c.prevHash, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }),
    'utf8',
  );
}

/** What the next checkpoint links to: hex SHA-256 of this one's link statement. */
export function checkpointHash(c: CheckpointBody & CheckpointLink): string {
  return createHash('sha256').update(checkpointLinkStatement(c)).digest('hex');
}
