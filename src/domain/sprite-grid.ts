/**
 * Layout of a thumbnail sprite: which frames, where. Pure. Tile i shows the picture at i × intervalSec and sits at
 * column i % columns, row ⌊i / columns⌋: a player's scrub preview (or a WebVTT thumbnails track) derives from that.
 */

/** WebP cannot be larger than this in either dimension. */
export const WEBP_MAX_DIMENSION = 16_383;

/** Number of sprite frames: one per started interval, at least one (a 0.5 s clip still gets a tile). */
export function spriteFrameCount(durationSec: number, intervalSec: number): number {
  if (!(intervalSec > 0)) throw new RangeError(`intervalSec must be positive, got ${intervalSec}`);
  if (!(durationSec > 0) || !Number.isFinite(durationSec)) return 1;
  // Round away float noise first so 60 / 10 is 6 frames, not 7 because duration was 60.0000001.
  return Math.max(1, Math.ceil(Math.round((durationSec / intervalSec) * 1e6) / 1e6));
}

export interface SpriteGrid {
  columns: number;
  rows: number;
}

/**
 * Up to `maxColumns` tiles a row (a strip that fits a review screen); long recordings grow more columns once the
 * rows would exceed WebP's height limit. Throws if even that cannot fit: the caller must raise intervalSec.
 */
export function spriteGrid(frames: number, tileWidth: number, tileHeight: number, maxColumns = 10): SpriteGrid {
  if (!(frames >= 1) || !(tileWidth >= 1) || !(tileHeight >= 1)) {
    throw new RangeError(`bad sprite request: ${frames} frames of ${tileWidth}x${tileHeight}`);
  }
  let columns = Math.min(frames, maxColumns);
  const maxRows = Math.floor(WEBP_MAX_DIMENSION / tileHeight);
  if (Math.ceil(frames / columns) > maxRows) columns = Math.ceil(frames / maxRows);
  if (columns * tileWidth > WEBP_MAX_DIMENSION) {
    throw new RangeError(`${frames} tiles of ${tileWidth}x${tileHeight} do not fit one WebP sprite; use a longer interval`);
  }
  return { columns, rows: Math.ceil(frames / columns) };
}
