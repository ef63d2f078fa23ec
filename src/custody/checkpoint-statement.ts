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
