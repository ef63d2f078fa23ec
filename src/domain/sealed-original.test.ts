import { describe, expect, it } from 'vitest';
import { compareWithSealed, sealedDigests } from './sealed-original.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('sealed digests of an original', () => {
  it('takes the latest media.verified event over media.received, and ignores other events', () => {
    const s = sealedDigests([
      { seq: 3, type: 'media.received', details: { sha256: A, sizeBytes: 10, sm3: null } },
      { seq: 4, type: 'media.stored', details: { sha256: B, sizeBytes: 99 } },
      { seq: 7, type: 'media.verified', details: { sha256: A, sizeBytes: 10, sm3: 'c'.repeat(64) } },
    ]);
    expect(s.sealed).toEqual({ sha256: A, sizeBytes: 10, sm3: 'c'.repeat(64), fromType: 'media.verified', fromSeq: 7 });
    expect(s.received?.fromSeq).toBe(3);
  });

  it('finds a row rewritten to another hash or size, and a row SM3 the chain never sealed', () => {
    const seal = sealedDigests([{ seq: 1, type: 'media.received', details: { sha256: A, sizeBytes: 10 } }]);
    expect(compareWithSealed({ sha256: A, sizeBytes: 10, sm3: null }, seal)).toEqual([]);
    expect(compareWithSealed({ sha256: B, sizeBytes: 11, sm3: 'd'.repeat(64) }, seal).map((d) => d.field)).toEqual(['sha256', 'sizeBytes', 'sm3']);
  });

  it('reports a media with no sealing event, and one received as one hash but verified as another', () => {
    expect(compareWithSealed({ sha256: A, sizeBytes: 1, sm3: null }, sealedDigests([]))).toEqual([{ field: 'unsealed', row: A, sealed: null }]);
    const twice = sealedDigests([
      { seq: 1, type: 'media.received', details: { sha256: A, sizeBytes: 10 } },
      { seq: 2, type: 'media.verified', details: { sha256: B, sizeBytes: 10 } },
    ]);
    expect(compareWithSealed({ sha256: B, sizeBytes: 10, sm3: null }, twice).map((d) => d.field)).toEqual(['received-verified']);
  });
});
