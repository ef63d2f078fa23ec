import type { KeyObject } from 'node:crypto';
import type { Checkpoint } from '../db/repositories/checkpoints-repository.js';
import type { Finding } from '../db/repositories/verifications-repository.js';
import { GENESIS_HASH } from '../domain/custody-chain.js';
import { checkpointHash, checkpointLinkStatement, checkpointStatement } from './checkpoint-statement.js';
import { parseWitness, witnessDiff, witnessKey, type Witness } from './checkpoint-witness.js';
import { verifyBytes } from './signing-key.js';

/**
 * Checks checkpoints one at a time in the order they were taken, with no I/O of its own (the online verifier and
 * the offline one feed it): each signature, that the chain still holds the signed (seq, hash), that numbered
 * checkpoints follow each other without a gap and each links to the hash of the one before, and that each has a
 * witness object equal to it. A witness whose checkpoint row is gone is reported through `orphanWitness`.
 */
export class CheckpointChainChecker {
  private expectedNumber = 1;
  private prevHash = GENESIS_HASH;
  private started = false;

  constructor(
    private readonly publicKey: KeyObject,
    private readonly keyId: string,
  ) {}

  /** The number the next numbered checkpoint should carry (after the last one seen). */
  get nextNumber(): number {
    return this.expectedNumber;
  }

  /**
   * `chainHash`: the hash the chain holds at c.seq now (null when that event is gone); `witness`: the bytes of the
   * witness object of a numbered checkpoint (null when it is missing; ignored for an unnumbered one).
   * `gapWitness` looks up the witnesses of numbers skipped before this checkpoint, so a deleted row is named.
   */
  check(c: Checkpoint, chainHash: string | null, witness: Buffer | null, gapWitness: (n: number) => Buffer | null = () => null): Finding[] {
    const findings: Finding[] = [];
    const base = { kind: 'checkpoint' as const, seq: c.seq, checkpointId: c.id };
    const what = `checkpoint ${c.id}${c.number !== null ? ` (no. ${c.number})` : ''} (seq ${c.seq}, ${c.at})`;
    if (c.keyId !== this.keyId) {
      findings.push({ ...base, reason: 'checkpoint-unknown-key', message: `${what} claims key ${c.keyId}, not the trusted key ${this.keyId}: it cannot be trusted` });
      return findings;
    }
    if (!verifyBytes(this.publicKey, checkpointStatement(c), c.signature)) {
      findings.push({ ...base, reason: 'checkpoint-signature-invalid', message: `${what} has a signature that does not verify: the checkpoint row was altered` });
      return findings;
    }
    findings.push(...holdsAgainstChain(c, chainHash, base, what));

    if (c.number === null) {
      // Signed before checkpoints were chained: only valid before the chain of checkpoints starts.
      if (this.started) findings.push({ ...base, reason: 'checkpoint-unchained', message: `${what} has no number but comes after numbered checkpoints: it was inserted out of order` });
      return findings;
    }
    this.started = true;
    if (c.prevHash === null || c.linkSignature === null || !verifyBytes(this.publicKey, checkpointLinkStatement({ ...c, number: c.number, prevHash: c.prevHash }), c.linkSignature)) {
      findings.push({ ...base, reason: 'checkpoint-link-signature-invalid', message: `${what} has a link signature that does not verify: its number or predecessor was altered` });
    } else if (c.number > this.expectedNumber) {
      const missing = c.number - this.expectedNumber === 1 ? `checkpoint no. ${this.expectedNumber} is` : `checkpoints no. ${this.expectedNumber}..${c.number - 1} are`;
      findings.push({ ...base, reason: 'checkpoint-missing', message: `${missing} missing before ${what}: checkpoint rows were deleted` });
      for (let n = this.expectedNumber; n < c.number; n++) {
        const w = gapWitness(n);
        if (w) findings.push(...this.orphanWitness(n, w, undefined));
      }
    } else if (c.number < this.expectedNumber) {
      findings.push({ ...base, reason: 'checkpoint-out-of-order', message: `${what} comes after no. ${this.expectedNumber - 1}: checkpoints were reordered or duplicated` });
    } else if (c.prevHash !== this.prevHash) {
      findings.push({ ...base, reason: 'checkpoint-link-broken', message: `${what} links to ${c.prevHash}, but the checkpoint before it hashes to ${this.prevHash}: a checkpoint before it was replaced` });
    }
    if (c.prevHash !== null && c.number >= this.expectedNumber) {
      this.expectedNumber = c.number + 1;
      this.prevHash = checkpointHash({ ...c, number: c.number, prevHash: c.prevHash });
    }

    if (!witness) {
      findings.push({ ...base, reason: 'checkpoint-witness-missing', message: `${what} has no witness object ${witnessKey(c.number)} in the object store: the witness was deleted` });
    } else {
      const w = parseWitness(witness);
      const diff = w ? witnessDiff(w, c) : ['(not a witness)'];
      if (diff.length) findings.push({ ...base, reason: 'checkpoint-witness-mismatch', message: `${what} differs from its witness object ${witnessKey(c.number)} in ${diff.join(', ')}: the row or the witness was altered` });
    }
    return findings;
  }

  /**
   * A witness with no checkpoint row (a row deleted, usually with the chain rewritten after it). Its signatures are
   * checked first, so a planted object cannot raise a false alarm; then what it signed is held against the chain.
   */
  orphanWitness(number: number, bytes: Buffer, chainHash: string | null | undefined): Finding[] {
    const w = parseWitness(bytes);
    const key = witnessKey(number);
    if (!w || w.number !== number || !witnessSigned(w, this.publicKey, this.keyId)) {
      return [{ kind: 'checkpoint', reason: 'checkpoint-witness-forged', message: `object ${key} is not a checkpoint witness signed by the trusted key: it was planted or altered` }];
    }
    const base = { kind: 'checkpoint' as const, seq: w.seq };
    const what = `checkpoint no. ${number} (seq ${w.seq}, ${w.at})`;
    const out: Finding[] = [{ ...base, reason: 'checkpoint-row-missing', message: `${what} has a signed witness ${key} in the object store but no row in the database: checkpoint rows were deleted` }];
    if (chainHash !== undefined) out.push(...holdsAgainstChain({ ...w, id: 0 }, chainHash, base, what));
    return out;
  }
}

function witnessSigned(w: Witness, publicKey: KeyObject, keyId: string): boolean {
  return w.keyId === keyId && verifyBytes(publicKey, checkpointStatement(w), w.signature) && verifyBytes(publicKey, checkpointLinkStatement(w), w.linkSignature);
}

function holdsAgainstChain(c: { seq: number; hash: string; at: string; id: number }, chainHash: string | null, base: Omit<Finding, 'reason' | 'message'>, what: string): Finding[] {
  if (c.seq === 0) {
    // Signed while the chain was still empty: vouches for nothing but the genesis value.
    return c.hash === GENESIS_HASH ? [] : [{ ...base, reason: 'checkpoint-hash-mismatch', message: `${what} signed an empty chain with hash ${c.hash}, not the genesis value` }];
  }
  if (chainHash === null) return [{ ...base, reason: 'checkpoint-event-missing', message: `event ${c.seq}, signed as the chain head by ${what}, is no longer in the chain: events were removed` }];
  if (chainHash !== c.hash) {
    return [{ ...base, reason: 'checkpoint-hash-mismatch', message: `event ${c.seq} now hashes to ${chainHash}, but ${what} signed ${c.hash} for it: the chain up to ${c.seq} was rewritten` }];
  }
  return [];
}
