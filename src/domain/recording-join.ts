/**
 * Joining a session's segments of one camera into one recording, as pure rules: which segments go in (and which
 * are left out, and why), in what order, where each lands in the joined file, the fingerprint that makes a join
 * idempotent, and the ffmpeg concat arguments. No I/O here.
 *
 * How positions map: the concat demuxer lays the segments end to end, so a gap in the recording (camera offline,
 * recorder restart) takes no time in the joined file. The offset table keeps, per segment, where it starts in the
 * joined file (mediaOffsetSec) and the wall-clock time of that instant (wallStart). A player at time t finds the
 * last entry with mediaOffsetSec ≤ t and shows wallStart + (t − mediaOffsetSec); a jump in wall time between two
 * entries is a gap (see wallClockAt and gapsInJoin).
 */
import { createHash } from 'node:crypto';
import type { MediaState } from './media-state.js';
import type { OffsetEntry } from './recorded-time.js';
export type { OffsetEntry } from './recorded-time.js';

export interface JoinSegmentInput {
  mediaId: string;
  sha256: string;
  state: MediaState;
  /** Server wall-clock start and end of the segment (ISO). */
  startedAt: string;
  endedAt: string;
  /** The segment file's own duration as probed (what the concat demuxer advances by); null while unprobed. */
  mediaDurationSec: number | null;
  errorCode?: string | null;
}

export interface JoinedSegment {
  mediaId: string;
  sha256: string;
  startedAt: string;
  endedAt: string;
  mediaDurationSec: number;
}


export interface ExcludedSegment {
  mediaId: string;
  sha256: string;
  state: MediaState;
  reason: string;
}

export type JoinPlan =
  | { status: 'pending'; waitingFor: string[] }
  | { status: 'empty'; excluded: ExcludedSegment[] }
  | {
      status: 'ready';
      segments: JoinedSegment[];
      excluded: ExcludedSegment[];
      offsets: OffsetEntry[];
      fingerprint: string;
      wallStart: string;
      wallEnd: string;
      durationSec: number;
    };

/** States in which the stored bytes were read back and match their hash. */
const VERIFIED: ReadonlySet<MediaState> = new Set(['verified', 'processing', 'ready', 'failed'] as MediaState[]);

/**
 * Decides what a join is made of. Waits (pending) while any segment is not yet verified or probed: the joined
 * recording is derived from verified bytes only, and its offsets from each segment's real duration. A segment
 * rejected on arrival (bytes not matching the hash) or failed in processing (unreadable, truncated) is left out and
 * listed; its time then shows as a jump in wall time, like any gap.
 */
export function planJoin(input: readonly JoinSegmentInput[]): JoinPlan {
  const sorted = [...input].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.mediaId.localeCompare(b.mediaId));
  const waitingFor: string[] = [];
  const excluded: ExcludedSegment[] = [];
  const segments: JoinedSegment[] = [];
  for (const s of sorted) {
    if (s.state === 'rejected') {
      excluded.push({ mediaId: s.mediaId, sha256: s.sha256, state: s.state, reason: 'rejected on arrival: its bytes do not match the hash' });
      continue;
    }
    if (s.state === 'failed' && s.mediaDurationSec === null) {
      excluded.push({ mediaId: s.mediaId, sha256: s.sha256, state: s.state, reason: `unreadable as media (${s.errorCode ?? 'failed'})` });
      continue;
    }
    if (!VERIFIED.has(s.state) || s.mediaDurationSec === null) {
      waitingFor.push(s.mediaId);
      continue;
    }
    segments.push({ mediaId: s.mediaId, sha256: s.sha256, startedAt: s.startedAt, endedAt: s.endedAt, mediaDurationSec: s.mediaDurationSec });
  }
  if (waitingFor.length) return { status: 'pending', waitingFor };
  if (!segments.length) return { status: 'empty', excluded };
  const offsets: OffsetEntry[] = [];
  let at = 0;
  for (const s of segments) {
    offsets.push({ mediaOffsetSec: round3(at), wallStart: s.startedAt, wallEnd: s.endedAt, durationSec: round3(s.mediaDurationSec) });
    at += s.mediaDurationSec;
  }
  return {
    status: 'ready',
    segments,
    excluded,
    offsets,
    fingerprint: joinFingerprint(segments.map((s) => s.sha256)),
    wallStart: segments[0]!.startedAt,
    wallEnd: segments[segments.length - 1]!.endedAt,
    durationSec: round3(at),
  };
}

/** The identity of a join: the ordered hashes of what went in. */
export function joinFingerprint(sha256s: readonly string[]): string {
  return createHash('sha256').update(sha256s.join('\n')).digest('hex');
}

/** Position ↔ wall-time rules live in recorded-time.ts (shared with the web player); kept importable from here. */
export { wallClockAt, jumpsInJoin as gapsInJoin } from './recorded-time.js';

/**
 * The joined recording's file name, as people read it: its start in local time with the zone spelled out
 * (20261206T001310+0800), never a bare UTC stamp that reads eight hours wrong in a Beijing case file.
 */
export function joinedFilename(serial: string, role: string, wallStartIso: string, utcOffsetMinutes: number): string {
  const local = new Date(Date.parse(wallStartIso) + utcOffsetMinutes * 60_000).toISOString();
  const stamp = local.slice(0, 19).replace(/[-:]/g, '');
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${serial}-${role}-${stamp}${zone}-joined.mp4`;
}

/** ffconcat list for the concat demuxer; paths quoted so no name can break out of its line. */
export function concatList(paths: readonly string[]): string {
  const quote = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  return `ffconcat version 1.0\n${paths.map((p) => `file ${quote(p)}`).join('\n')}\n`;
}

/**
 * The join itself: stream copy of every stream, nothing re-encoded, moov at the front for playback while
 * downloading. `+bitexact` keeps the muxer from writing its version or a creation time, so the same segments
 * always give the same bytes (a retried job lands on the same media through the ingest path's content index).
 */
export function joinArgs(listPath: string, output: string): string[] {
  return [
    '-n',
    '-f', 'concat', '-safe', '0', '-i', `file:${listPath}`,
    '-map', '0', '-c', 'copy',
    '-fflags', '+bitexact',
    '-movflags', '+faststart',
    '-f', 'mp4', `file:${output}`,
  ];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
