import { describe, expect, it } from 'vitest';
import { safeFilename } from './filename.js';

describe('safeFilename', () => {
  it.each([
    ['BWC-1_013579_20261123.mp4', 'BWC-1_013579_20261123.mp4'],
    ['../../../etc/passwd', 'passwd'],
    ['C:\\evil\\a.mp4', 'a.mp4'],
    ['..', 'unnamed'],
    ['', 'unnamed'],
    [null, 'unnamed'],
    ['a\u0000b\u001fc.mp4', 'abc.mp4'],
    ['执法记录仪 视频.mp4', '执法记录仪 视频.mp4'],
    ['<x>:"|?*.mp4', '_x______.mp4'],
    ['.hidden', 'hidden'],
  ])('%j → %j', (raw, safe) => expect(safeFilename(raw)).toBe(safe));

  it('bounds the length in bytes and keeps the extension', () => {
    const name = safeFilename(`${'录'.repeat(300)}.mp4`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name.endsWith('.mp4')).toBe(true);
  });
});
