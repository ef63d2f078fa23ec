import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../db/repositories/checkpoints-repository.js';
import { GENESIS_HASH } from '../domain/custody-chain.js';
import { CheckpointChainChecker } from './checkpoint-chain.js';
import { checkpointHash, checkpointLinkStatement, checkpointStatement } from './checkpoint-statement.js';
import { witnessBytes, witnessOf } from './checkpoint-witness.js';
import { keyIdOf, signBytes, type SigningKey } from './signing-key.js';

function key(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, publicKeyPem: '', keyId: keyIdOf(publicKey), source: 'test' };
}

const H = (i: number) => String(i).padStart(64, '0');

/** A legacy checkpoint (before migration 013) and a chain of numbered ones after it. */
function checkpoints(k: SigningKey, n: number): Checkpoint[] {
  const legacyBody = { seq: 1, hash: H(1), at: '2026-01-01T00:00:00.000Z', keyId: k.keyId };
  const out: Checkpoint[] = [{ id: 1, ...legacyBody, signature: signBytes(k, checkpointStatement(legacyBody)), createdBy: 't', number: null, prevHash: null, linkSignature: null }];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const body = { seq: i + 1, hash: H(i + 1), at: `2026-01-01T00:0${i}:00.000Z`, keyId: k.keyId, number: i, prevHash: prev };
    out.push({ id: i + 1, ...body, signature: signBytes(k, checkpointStatement(body)), linkSignature: signBytes(k, checkpointLinkStatement(body)), createdBy: 't' });
    prev = checkpointHash(body);
  }
  return out;
}

function run(k: SigningKey, cps: Checkpoint[], witnesses = new Map(cps.filter((c) => c.number !== null).map((c) => [c.number!, witnessBytes(witnessOf(c))]))) {
  const checker = new CheckpointChainChecker(k.publicKey, k.keyId);
  return cps.flatMap((c) => checker.check(c, c.hash, c.number === null ? null : (witnesses.get(c.number) ?? null), (n) => witnesses.get(n) ?? null)).map((f) => f.reason);
}

describe('the checkpoint chain', () => {
  it('accepts unnumbered checkpoints from before the chain started, then a chain starting at no. 1', () => {
    const k = key();
    expect(run(k, checkpoints(k, 4))).toEqual([]);
  });

  it('names a deleted, reordered or re-linked checkpoint, and an unnumbered one after the start', () => {
    const k = key();
    const cps = checkpoints(k, 4);
    const w = new Map(cps.filter((c) => c.number !== null).map((c) => [c.number!, witnessBytes(witnessOf(c))]));
    expect(run(k, cps.filter((c) => c.number !== 2), w)).toEqual(['checkpoint-missing', 'checkpoint-row-missing']);
    expect(run(k, [cps[0]!, cps[1]!, cps[3]!, cps[2]!, cps[4]!], w)).toEqual(['checkpoint-missing', 'checkpoint-row-missing', 'checkpoint-out-of-order']);
    expect(run(k, [...cps, { ...cps[0]!, id: 99 }])).toEqual(['checkpoint-unchained']);
    const relinked = { ...cps[3]!, prevHash: H(7) };
    expect(run(k, [cps[0]!, cps[1]!, cps[2]!, relinked])).toContain('checkpoint-link-signature-invalid');
  });

  it('holds each numbered checkpoint to its witness object', () => {
    const k = key();
    const cps = checkpoints(k, 2);
    const w = new Map(cps.filter((c) => c.number !== null).map((c) => [c.number!, witnessBytes(witnessOf(c))]));
    w.delete(1);
    w.set(2, Buffer.from('{}'));
    expect(run(k, cps, w)).toEqual(['checkpoint-witness-missing', 'checkpoint-witness-mismatch']);
  });

  it('treats a witness signed by another key as planted, not as a deleted row', () => {
    const k = key();
    const other = checkpoints(key(), 1)[1]!;
    const checker = new CheckpointChainChecker(k.publicKey, k.keyId);
    expect(checker.orphanWitness(1, witnessBytes(witnessOf(other)), undefined).map((f) => f.reason)).toEqual(['checkpoint-witness-forged']);
    const mine = checkpoints(k, 1)[1]!;
    expect(checker.orphanWitness(1, witnessBytes(witnessOf(mine)), 'f'.repeat(64)).map((f) => f.reason)).toEqual(['checkpoint-row-missing', 'checkpoint-hash-mismatch']);
  });
});
