import { describe, expect, it } from 'vitest';
import { WEBP_MAX_DIMENSION, spriteFrameCount, spriteGrid } from './sprite-grid.js';

describe('spriteFrameCount', () => {
  it('is ceil(duration / interval), at least 1', () => {
    expect(spriteFrameCount(60, 10)).toBe(6);
    expect(spriteFrameCount(60.0000001, 10)).toBe(6);
    expect(spriteFrameCount(61, 10)).toBe(7);
    expect(spriteFrameCount(12, 5)).toBe(3);
    expect(spriteFrameCount(0.4, 10)).toBe(1);
  });
});

describe('spriteGrid', () => {
  it('fills rows of up to maxColumns', () => {
    expect(spriteGrid(6, 160, 90)).toEqual({ columns: 6, rows: 1 });
    expect(spriteGrid(25, 160, 90)).toEqual({ columns: 10, rows: 3 });
  });
  it('widens long recordings to stay within the WebP size limit', () => {
    const g = spriteGrid(3600, 160, 90); // 10 h at 10 s
    expect(g.rows * 90).toBeLessThanOrEqual(WEBP_MAX_DIMENSION);
    expect(g.columns * 160).toBeLessThanOrEqual(WEBP_MAX_DIMENSION);
    expect(g.columns * g.rows).toBeGreaterThanOrEqual(3600);
  });
  it('refuses what cannot fit', () => {
    expect(() => spriteGrid(100_000, 160, 90)).toThrow(/longer interval/);
  });
});
