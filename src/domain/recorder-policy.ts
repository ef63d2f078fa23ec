/**
 * The RTSP recorder's decisions, pure: why an ffmpeg run ended (and so what a gap it leaves is called), how long to
 * wait before the next attempt, when a stream counts as stalled, and how a segment's place in ffmpeg's timeline
 * becomes wall-clock time.
 */
import type { GapCause } from './recording-gaps.js';

export type OutageCause = Exclude<GapCause, 'not-recording' | 'unknown'>;

export interface RunExit {
  code: number | null;
  signal: string | null;
  /** Why the recorder itself stopped the run, if it did. */
  stoppedFor: 'stall' | 'stop' | null;
  stderrTail: string;
  /** Did this run close at least one segment (the camera was streaming)? */
  producedSegments: boolean;
}

const CAMERA_GONE = [
  /connection refused/i,
  /no route to host/i,
  /network is unreachable/i,
  /connection reset/i,
  /broken pipe/i,
  /end of file/i,
  /server returned [45]\d\d/i,
  /method (describe|setup|play) failed/i,
  /404 not found/i,
  /name or service not known/i,
  /invalid data found when processing input/i,
];

/**
 * What an ended run means. null: the recorder stopped it on purpose (recording switched off). ffmpeg exits 0 when
 * the camera ends the stream (TCP closed): that is the camera going away, not the recorder.
 */
export function classifyRunExit(x: RunExit): OutageCause | null {
  if (x.stoppedFor === 'stop') return null;
  if (x.stoppedFor === 'stall') return 'stream-stalled';
  if (x.signal) return 'recorder-restart'; // killed by someone else: OOM killer, an operator, a crash
  if (/timed out|timeout/i.test(x.stderrTail)) return x.producedSegments ? 'stream-stalled' : 'camera-offline';
  if (CAMERA_GONE.some((re) => re.test(x.stderrTail))) return 'camera-offline';
  if (x.code === 0) return 'camera-offline';
  return 'recorder-restart';
}

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  factor: number;
}

/**
 * Paced retries keyed on the last valid segment: the delay grows with each attempt that closed no segment since
 * the last one that did, and falls back to the minimum as soon as footage flows again. `failures` counts those
 * attempts (1 for the first retry).
 */
export function retryDelayMs(failures: number, o: BackoffOptions): number {
  if (failures <= 1) return o.minMs;
  return Math.min(o.maxMs, Math.round(o.minMs * o.factor ** (failures - 1)));
}

/**
 * Stalled, keyed on the last valid segment: no segment closed for longer than `stallMs` since the last one (or
 * since the run began) while no data arrives either; or data arrives but no segment closes for `stallMs` plus two
 * segment lengths (a stream without keyframes cannot be cut: it is as good as no picture).
 */
export function isStalled(s: { now: number; runStartedAt: number; lastSegmentAt: number | null; lastDataAt: number | null; stallMs: number; segmentMs: number }): boolean {
  const sinceSegment = Math.max(s.runStartedAt, s.lastSegmentAt ?? -Infinity);
  if (s.now - sinceSegment <= s.stallMs) return false;
  const sinceData = Math.max(sinceSegment, s.lastDataAt ?? -Infinity);
  return s.now - sinceData > s.stallMs || s.now - sinceSegment > s.stallMs + 2 * s.segmentMs;
}

export interface SegmentListEntry {
  file: string;
  /** Seconds in the run's timeline (ffmpeg's output time, before -reset_timestamps). */
  start: number;
  end: number;
}

/** Parses complete lines of ffmpeg's `-segment_list_type csv` (file,start,end); returns entries and the unparsed rest. */
export function parseSegmentList(text: string): { entries: SegmentListEntry[]; rest: string } {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  const entries: SegmentListEntry[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    // ffmpeg quotes a name containing a comma or quote (CSV rules); our names never do, but parse it anyway.
    const m = /^(?:"((?:[^"]|"")*)"|([^,]*)),([-0-9.e+]+),([-0-9.e+]+)$/.exec(line);
    if (!m) continue;
    const start = Number(m[3]);
    const end = Number(m[4]);
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    entries.push({ file: m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!, start, end });
  }
  return { entries, rest };
}

/**
 * Maps a run's timeline to wall-clock time. Packets of a live stream are written as they arrive, so at every
 * `-progress` report `now - out_time` is the wall-clock time of the timeline's zero plus the delivery delay of that
 * moment; the smallest value seen is the best estimate (ffmpeg's start-up buffering only makes early values larger).
 */
export class TimelineAnchor {
  private best: number | null = null;

  /** Feeds one progress report: the server's clock when it arrived and ffmpeg's out_time in microseconds. */
  observe(nowMs: number, outTimeUs: number): void {
    if (!Number.isFinite(outTimeUs) || outTimeUs <= 0) return;
    const candidate = nowMs - outTimeUs / 1000;
    if (this.best === null || candidate < this.best) this.best = candidate;
  }

  /** Wall-clock ms of timeline zero, or null before the first report. */
  get zero(): number | null {
    return this.best;
  }

  set zero(v: number | null) {
    this.best = v;
  }

  at(timelineSec: number): number | null {
    return this.best === null ? null : Math.round(this.best + timelineSec * 1000);
  }
}

/** Reads `out_time_us` values out of ffmpeg's `-progress` text; returns them and the unparsed rest. */
export function parseProgressTimes(text: string): { outTimesUs: number[]; rest: string } {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  const outTimesUs: number[] = [];
  for (const l of lines) {
    const m = /^out_time_us=(\d+)\s*$/.exec(l.trim());
    if (m) outTimesUs.push(Number(m[1]));
  }
  return { outTimesUs, rest };
}

/** A segment's camera (device) time from its server time and the camera clock's offset measured over ONVIF. */
export function deviceTime(serverMs: number, clockOffsetMs: number | null): number | null {
  return clockOffsetMs === null ? null : serverMs + clockOffsetMs;
}

/**
 * Camera clock offset (device − server) from one GetSystemDateAndTime exchange: the device's answer is compared
 * with the midpoint of the request. ONVIF carries whole seconds, so the offset is exact to about ±0.5 s plus
 * half the round trip.
 */
export function clockOffsetMs(sentAt: number, receivedAt: number, deviceMs: number): number {
  return Math.round(deviceMs - (sentAt + receivedAt) / 2);
}

/**
 * Holes inside a segment: the camera stopped sending for a while and resumed before the watchdog cut the run, so
 * ffmpeg copied a jump in the timestamps into the file. `packets` are the video packets' pts and duration in
 * seconds (ffprobe). MP4 stretches the frame before a jump over the whole jump (its sample duration), so a
 * packet's own duration cannot tell: the typical frame interval (median spacing) is the measure, and a jump longer
 * than `minSec` beyond it is a hole. Returned in seconds from the segment's start.
 */
export function findTimestampHoles(packets: ReadonlyArray<{ pts: number; duration: number }>, minSec: number): Array<{ start: number; end: number }> {
  const pts = packets.map((p) => p.pts).filter((p) => Number.isFinite(p)).sort((a, b) => a - b);
  if (pts.length < 2) return [];
  const deltas = pts.slice(1).map((p, i) => p - pts[i]!).sort((a, b) => a - b);
  const frame = deltas[Math.floor(deltas.length / 2)]!;
  const holes: Array<{ start: number; end: number }> = [];
  for (let i = 1; i < pts.length; i++) {
    const start = pts[i - 1]! + frame;
    if (pts[i]! - start > minSec) holes.push({ start: Math.round(start * 1e6) / 1e6, end: pts[i]! });
  }
  return holes;
}

/**
 * A hole between two consecutive segments of one run: the camera paused just as a segment was due to close, so the
 * segment muxer cut at the first frame after the pause and the jump lies between the files, not inside either.
 * Timeline seconds in, the hole (timeline seconds) out, or null when the next segment follows on.
 */
export function holeBetweenSegments(previousEnd: number | undefined, nextStart: number, minSec: number): { start: number; end: number } | null {
  if (previousEnd === undefined || !Number.isFinite(previousEnd) || !Number.isFinite(nextStart)) return null;
  return nextStart - previousEnd > minSec ? { start: previousEnd, end: nextStart } : null;
}

/** Parses `ffprobe -show_entries packet=pts_time,duration_time -of csv=p=0` output. */
export function parsePacketTimes(csv: string): Array<{ pts: number; duration: number }> {
  const out: Array<{ pts: number; duration: number }> = [];
  for (const line of csv.split('\n')) {
    const [pts, duration] = line.trim().split(',');
    if (!pts || pts === 'N/A') continue;
    out.push({ pts: Number(pts), duration: duration && duration !== 'N/A' ? Number(duration) : 0 });
  }
  return out;
}
