import { describe, expect, it } from 'vitest';
import { isProblem, parseUploadMetadata, storableMetadata } from './upload-metadata.js';

const sha = 'AB'.repeat(32);

describe('upload metadata', () => {
  it('parses a complete declaration, normalising hashes and times', () => {
    const r = parseUploadMetadata({
      filename: 'BWC-1_013579_20261123083000.mp4',
      sha256: sha,
      sm3: 'cd'.repeat(32),
      deviceSerial: 'BWC-1',
      officerId: '013579',
      recordedAt: '2026-11-23T08:30:00+08:00',
      recordedEnd: '2026-11-23T08:40:00+08:00',
      flags: 'important, event',
      caseNumber: 'A3301002026110001',
      md5: '0123',
    });
    expect(r).toEqual({
      sha256: 'ab'.repeat(32),
      sm3: 'cd'.repeat(32),
      filename: 'BWC-1_013579_20261123083000.mp4',
      originalFilename: 'BWC-1_013579_20261123083000.mp4',
      deviceSerial: 'BWC-1',
      officerId: '013579',
      recordedAt: '2026-11-23T00:30:00.000Z',
      recordedEnd: '2026-11-23T00:40:00.000Z',
      flags: ['important', 'event'],
      caseNumber: 'A3301002026110001',
      vendor: { md5: '0123' },
    });
  });

  it.each([
    [{}, { kind: 'missing-sha256' }],
    [{ sha256: '' }, { kind: 'missing-sha256' }],
    [{ sha256: 'abc' }, { kind: 'invalid', field: 'sha256' }],
    [{ sha256: sha, sm3: 'x' }, { kind: 'invalid', field: 'sm3' }],
    [{ sha256: sha, recordedAt: '2026-11-23 08:30' }, { kind: 'invalid', field: 'recordedAt' }],
    [{ sha256: sha, recordedAt: '2026-11-23T08:30:00Z', recordedEnd: '2026-11-23T08:00:00Z' }, { kind: 'invalid', field: 'recordedEnd' }],
    [{ sha256: sha, flags: 'important,delete-me' }, { kind: 'invalid', field: 'flags' }],
    [{ sha256: sha, officerId: '../../x' }, { kind: 'invalid', field: 'officerId' }],
    [{ sha256: sha, caseNumber: 'x'.repeat(65) }, { kind: 'invalid', field: 'caseNumber' }],
  ])('refuses %j', (meta, problem) => {
    const r = parseUploadMetadata(meta);
    expect(isProblem(r)).toBe(true);
    expect(r).toMatchObject(problem);
  });

  it('keeps NUL visible but storable', () => {
    expect(storableMetadata({ filename: 'a\u0000b' })).toEqual({ filename: 'a\uFFFDb' });
  });
});
