/**
 * Where a position in a joined recording sits in recorded wall time, and back. Pure and import-free so the web
 * player uses the very same rules as the server (web/src imports this file).
 *
 * A joined recording lays its segments end to end: a gap in the recording takes no time in the file. The offsets
 * table keeps, per segment, where it starts in the file (mediaOffsetSec) and the wall-clock time of that instant
 * (wallStart). Adding the file position to the recording's start would be wrong by the length of every gap before
 * it: exactly on the recordings the rules care about.
 */
export interface OffsetEntry {
  /** Seconds from the start of the joined file where this segment begins. */
  mediaOffsetSec: number;
  /** Wall-clock time (ISO, server clock) of that instant, and of the end of the segment. */
  wallStart: string;
  wallEnd: string;
  durationSec: number;
}

export interface Jump {
  /** Player position where the file skips unrecorded time. */
  mediaOffsetSec: number;
  /** The wall-clock stretch skipped (ISO) and its length. */
  wallStart: string;
  wallEnd: string;
  durationSec: number;
}

/** Wall-clock time (ms since the epoch) shown at player position `t` seconds: last entry with mediaOffsetSec ≤ t. */
export function wallClockAt(offsets: readonly OffsetEntry[], t: number): number | null {
  if (!offsets.length || !Number.isFinite(t) || t < 0) return null;
  let entry = offsets[0]!;
  for (const o of offsets) {
    if (o.mediaOffsetSec <= t) entry = o;
    else break;
  }
  return Date.parse(entry.wallStart) + (t - entry.mediaOffsetSec) * 1000;
}

/**
 * The player position showing wall-clock time `wallMs`, or where the recording is at that instant: `inGap` when
 * nothing was recorded then (the position is where recording resumes, or the end), `before`/`after` outside it.
 * This is how a second camera follows the first: by recorded time, never by file position.
 */
export function positionAtWall(
  offsets: readonly OffsetEntry[],
  wallMs: number,
): { position: number; where: 'recorded' | 'in-gap' | 'before' | 'after' } | null {
  if (!offsets.length || !Number.isFinite(wallMs)) return null;
  const first = offsets[0]!;
  if (wallMs < Date.parse(first.wallStart)) return { position: 0, where: 'before' };
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    const start = Date.parse(o.wallStart);
    const end = start + o.durationSec * 1000;
    if (wallMs >= start && wallMs < end) return { position: o.mediaOffsetSec + (wallMs - start) / 1000, where: 'recorded' };
    const next = offsets[i + 1];
    if (next && wallMs >= end && wallMs < Date.parse(next.wallStart)) return { position: next.mediaOffsetSec, where: 'in-gap' };
  }
  const last = offsets[offsets.length - 1]!;
  return { position: last.mediaOffsetSec + last.durationSec, where: 'after' };
}

/**
 * Where the joined file jumps over time that was not recorded: between consecutive segments whose wall-clock
 * times do not touch (more than `minSec` apart). Player position of the jump, and the wall-clock stretch skipped.
 */
export function jumpsInJoin(offsets: readonly OffsetEntry[], minSec = 0.5): Jump[] {
  const out: Jump[] = [];
  for (let i = 1; i < offsets.length; i++) {
    const prev = offsets[i - 1]!;
    const cur = offsets[i]!;
    const skipped = (Date.parse(cur.wallStart) - Date.parse(prev.wallEnd)) / 1000;
    if (skipped > minSec) out.push({ mediaOffsetSec: cur.mediaOffsetSec, wallStart: prev.wallEnd, wallEnd: cur.wallStart, durationSec: Math.round(skipped * 1000) / 1000 });
  }
  return out;
}

/** The jumps passed when the position moves from `from` to `to` (either direction), in file order. */
export function jumpsCrossed(jumps: readonly Jump[], from: number, to: number): Jump[] {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  return jumps.filter((j) => j.mediaOffsetSec > lo && j.mediaOffsetSec <= hi);
}

/**
 * Camera clock minus server clock (ms) as the recorder read it (ONVIF GetSystemDateAndTime) when a segment began,
 * from the first segment that carries the camera's time; null when the camera's clock was never read.
 */
export function cameraClockDriftMs(segments: ReadonlyArray<{ startedAt: string; deviceStartedAt: string | null }>): number | null {
  const s = segments.find((x) => x.deviceStartedAt);
  return s ? Date.parse(s.deviceStartedAt!) - Date.parse(s.startedAt) : null;
}
