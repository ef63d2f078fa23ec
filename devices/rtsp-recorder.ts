/**
 * Records one RTSP camera into closed MP4 segments, for as long as it is told to, whatever the camera does.
 *
 * Each attempt ("run") is one ffmpeg, started through src/media/ffmpeg-process.ts (own process group, SIGTERM then
 * SIGKILL, killed with its parent), copying the stream as is (`-c copy`, RTSP over TCP) into `-segment_time`
 * segments in a run folder of the spool. ffmpeg appends a line to the run's CSV segment list each time a segment
 * is closed (file, start, end in the run's timeline): that is when a segment is handed on, so a crash loses at most
 * the segment still open. `-progress` reports map the run's timeline to wall-clock time (see TimelineAnchor).
 *
 * A watchdog cuts a run that closes no segment for `stallMs` (connected, but no picture), and a run that ends for
 * any reason but a stop is started again after a paced delay that grows only while attempts bring no footage.
 * Every run start and end, and every outage with its cause, is reported as an event.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  classifyRunExit,
  isStalled,
  parseProgressTimes,
  parseSegmentList,
  retryDelayMs,
  TimelineAnchor,
  type BackoffOptions,
  type OutageCause,
  type SegmentListEntry,
} from '../src/domain/recorder-policy.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';

export const SEGMENT_LIST = 'segments.csv';
export const ANCHOR_FILE = 'anchor.json';
// Numbered, not named by wall-clock time: two cuts within one second (a camera resuming with a timestamp jump
// makes the muxer cut at several keyframes in a row) would otherwise reuse a name and overwrite a closed segment.
const SEGMENT_PATTERN = 'seg-%06d.mp4';
const WATCH_MS = 250;
/** An outage of the same cause is recorded again after this long even if footage has not come back. */
const OUTAGE_REPEAT_MS = 60_000;

export interface ClosedSegment {
  runId: string;
  /** Folder of the run (holds the list, the anchor and the segment files). */
  runDir: string;
  file: string;
  path: string;
  /** Server wall-clock time (ms since the epoch) of the segment's first and last instant. */
  startMs: number;
  endMs: number;
  timelineStart: number;
  timelineEnd: number;
}

export type RecorderEvent =
  | { kind: 'run-started'; at: number; runId: string; details: Record<string, unknown> }
  | { kind: 'run-ended'; at: number; runId: string; details: Record<string, unknown> }
  | { kind: 'outage'; at: number; runId: string | null; cause: OutageCause; details: Record<string, unknown> }
  | { kind: 'segment-lost'; at: number; runId: string; details: Record<string, unknown> };

export interface StreamTarget {
  /** What ffmpeg opens (may carry credentials: never logged). */
  uri: string;
  /** The same without a password, for logs and events. */
  display: string;
}

export interface CameraRecorderOptions {
  /** Names the camera in logs. */
  label: string;
  /** Spool folder of this camera in this session; one subfolder per run. */
  dir: string;
  /** Looked up before every run (a camera's stream URI may change after it reboots). */
  resolve: () => Promise<StreamTarget>;
  segmentSec: number;
  stallMs: number;
  backoff: BackoffOptions;
  /** Called once per closed segment, in order, one at a time; the recorder does not wait for it to record on. */
  onSegment: (s: ClosedSegment) => Promise<void>;
  onEvent: (e: RecorderEvent) => Promise<void> | void;
  log: Logger;
  ffmpegBin?: string;
}

/**
 * The ffmpeg arguments of one run (after the global flags runFfmpeg adds). Audio is kept when the camera sends it;
 * the stream is copied, never re-encoded.
 */
export function recorderArgs(uri: string, runDir: string, segmentSec: number, ioTimeoutSec: number): string[] {
  return [
    '-rtsp_transport', 'tcp',
    '-timeout', String(Math.round(ioTimeoutSec * 1e6)),
    '-analyzeduration', '1000000',
    '-i', uri,
    '-map', '0:v',
    '-map', '0:a?',
    '-c', 'copy',
    '-f', 'segment',
    '-segment_format', 'mp4',
    '-segment_time', String(segmentSec),
    '-reset_timestamps', '1',
    '-segment_list', path.join(runDir, SEGMENT_LIST),
    '-segment_list_type', 'csv',
    path.join(runDir, SEGMENT_PATTERN),
  ];
}

/** Replaces user:password in any URL of a text (ffmpeg messages) with ***. */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

/** Wall-clock time from a segment's strftime name (whole seconds, local time), as earlier versions named them. */
export function timeFromSegmentName(file: string): number | null {
  const m = /seg-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(file);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/** When a run started, from its id (the ISO time it was made with, without separators). */
export function runStartFromId(runId: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(runId);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Wall-clock time of timeline 0 when the run's anchor (from ffmpeg's progress) is not known: the segment's name in
 * an earlier version's spool, else the run's start (ffmpeg starts its timeline as it connects, within a second or two).
 */
export function zeroFallback(runId: string, e: SegmentListEntry): number | null {
  const named = timeFromSegmentName(e.file);
  if (named !== null) return named - e.start * 1000;
  return runStartFromId(runId);
}

/** A closed segment placed on the wall clock: `zeroMs` is the wall-clock time of stream timeline 0 in this run. */
export function closedSegment(runId: string, runDir: string, e: SegmentListEntry, zeroMs: number): ClosedSegment {
  return {
    runId,
    runDir,
    file: e.file,
    path: path.join(runDir, e.file),
    startMs: Math.round(zeroMs + e.start * 1000),
    endMs: Math.round(zeroMs + e.end * 1000),
    timelineStart: e.start,
    timelineEnd: e.end,
  };
}

export class CameraRecorder {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private currentAbort: AbortController | null = null;
  private stopFor: 'stall' | 'stop' | null = null;
  private queue: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private _pid: number | null = null;
  /** Server time of the last closed segment, across runs: the watchdog and the backoff are keyed on it. */
  private lastSegmentAt: number | null = null;
  private failures = 0;
  private lastOutage: { cause: OutageCause; at: number } | null = null;
  readonly stats = { runs: 0, segments: 0, outages: 0 };

  constructor(private readonly o: CameraRecorderOptions) {}

  /** The running ffmpeg's pid (= its process group), or null between runs. */
  get pid(): number | null {
    return this._pid;
  }

  start(): this {
    // A loop that fails outright (its spool folder cannot be made) is logged, not left as an unhandled rejection that
    // would end the whole service; the supervisor sees no segments and the gap is reported when the session stops.
    if (!this.loop) this.loop = this.runLoop().catch((err) => this.o.log.error({ err, camera: this.o.label }, 'recorder stopped: it could not run'));
    return this;
  }

  /**
   * Stops recording: the running ffmpeg gets SIGTERM, closes its open segment (which is handed on like the others),
   * and no new run starts. Resolves once every segment has been handled.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopFor = 'stop';
    this.currentAbort?.abort(new Error('recording stopped'));
    this.wake?.();
    await this.loop;
    await this.queue;
  }

  private async runLoop(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true });
    while (!this.stopping) {
      const producedSegments = await this.runOnce().catch((err) => {
        this.o.log.error({ err, camera: this.o.label }, 'recorder run failed unexpectedly');
        return false;
      });
      if (this.stopping) break;
      this.failures = producedSegments ? 1 : this.failures + 1;
      await this.sleep(retryDelayMs(this.failures, this.o.backoff));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One ffmpeg run; returns whether it closed at least one segment. */
  private async runOnce(): Promise<boolean> {
    const runId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const runDir = path.join(this.o.dir, runId);
    this.stopFor = this.stopping ? 'stop' : null;
    const runStartedAt = Date.now();
    let target: StreamTarget;
    try {
      target = await this.o.resolve();
    } catch (err) {
      await this.outage(Date.now(), null, 'camera-offline', { stage: 'resolve', message: (err as Error).message });
      return false;
    }
    if (this.stopping) return false;
    await mkdir(runDir, { recursive: true });
    this.stats.runs++;
    // While a camera stays away, attempts repeat every few seconds: their starts and ends are not each recorded.
    const quiet = this.failures >= 2;
    if (!quiet) await this.event({ kind: 'run-started', at: runStartedAt, runId, details: { uri: target.display } });

    const anchor = new TimelineAnchor();
    let progressRest = '';
    let lastOutTimeUs = 0;
    let lastDataAt: number | null = null;
    let savedAnchor: number | null = null;
    let listOffset = 0;
    let listRest = '';
    let produced = 0;
    const handed = new Set<string>();
    const listPath = path.join(runDir, SEGMENT_LIST);

    const hand = (e: SegmentListEntry) => {
      if (handed.has(e.file)) return;
      handed.add(e.file);
      const zero = anchor.zero ?? zeroFallback(runId, e) ?? runStartedAt;
      const seg = closedSegment(runId, runDir, e, zero);
      produced++;
      this.stats.segments++;
      this.lastSegmentAt = Date.now();
      this.queue = this.queue.then(() => this.o.onSegment(seg)).catch((err) => this.o.log.error({ err, camera: this.o.label, file: seg.file }, 'segment hand-over failed'));
    };

    const readList = async () => {
      let fh;
      try {
        fh = await open(listPath, 'r');
      } catch {
        return; // not created yet
      }
      try {
        const { size } = await fh.stat();
        if (size <= listOffset) return;
        const buf = Buffer.alloc(size - listOffset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, listOffset);
        listOffset += bytesRead;
        const parsed = parseSegmentList(listRest + buf.subarray(0, bytesRead).toString('utf8'));
        listRest = parsed.rest;
        for (const e of parsed.entries) hand(e);
      } finally {
        await fh.close();
      }
    };

    const saveAnchor = async () => {
      if (anchor.zero === null || anchor.zero === savedAnchor) return;
      savedAnchor = anchor.zero;
      await writeFile(path.join(runDir, ANCHOR_FILE), JSON.stringify({ zeroMs: anchor.zero, runStartedAt, uri: target.display }));
    };

    const abort = new AbortController();
    this.currentAbort = abort;
    // stop() may have come while the camera was being resolved: it found no run to abort, so this one must not start.
    if (this.stopping) abort.abort(new Error('recording stopped'));
    let watching = false;
    const watch = setInterval(() => {
      if (watching) return;
      watching = true;
      void (async () => {
        try {
          await saveAnchor();
          await readList();
          if (!abort.signal.aborted && isStalled({ now: Date.now(), runStartedAt, lastSegmentAt: this.lastSegmentAt, lastDataAt, stallMs: this.o.stallMs, segmentMs: this.o.segmentSec * 1000 })) {
            this.stopFor = 'stall';
            abort.abort(new Error('stream stalled'));
          }
        } catch (err) {
          this.o.log.warn({ err, camera: this.o.label }, 'recorder watch failed');
        } finally {
          watching = false;
        }
      })();
    }, WATCH_MS);

    let code: number | null = 0;
    let signal: string | null = null;
    let stderrTail = '';
    try {
      const out = await runFfmpeg({
        bin: this.o.ffmpegBin,
        args: recorderArgs(target.uri, runDir, this.o.segmentSec, Math.min(10, this.o.stallMs / 1000)),
        timeoutMs: Infinity,
        signal: abort.signal,
        killGraceMs: 3000,
        onSpawn: (pid) => (this._pid = pid),
        onProgressText: (text) => {
          const now = Date.now();
          const parsed = parseProgressTimes(progressRest + text);
          progressRest = parsed.rest;
          for (const us of parsed.outTimesUs) {
            anchor.observe(now, us);
            if (us > lastOutTimeUs) {
              lastOutTimeUs = us;
              lastDataAt = now;
            }
          }
        },
      });
      stderrTail = out.stderrTail;
    } catch (err) {
      const e = err as { exitCode?: number | null; exitSignal?: string | null; stderrTail?: string };
      if (abort.signal.aborted) code = null;
      else {
        code = e.exitCode ?? null;
        signal = e.exitSignal ?? null;
        stderrTail = e.stderrTail ?? (err as Error).message;
      }
    } finally {
      clearInterval(watch);
      this._pid = null;
      this.currentAbort = null;
    }
    while (watching) await new Promise((r) => setTimeout(r, 10));
    await saveAnchor().catch(() => undefined);
    const listRead = await readList().then(
      () => true,
      (err) => {
        this.o.log.warn({ err, camera: this.o.label }, 'could not read the segment list; the spool recovery reads it later');
        return false;
      },
    );
    const endedAt = Date.now();

    // A segment file the list does not name was still open when ffmpeg died: it is not whole. Kept for
    // inspection (renamed so nothing takes it for a segment), never ingested. Only judged against a list that was
    // read: otherwise whole segments would be taken for open ones, and the spool recovery decides from the list.
    for (const f of listRead ? await readdir(runDir).catch(() => [] as string[]) : []) {
      if (!f.endsWith('.mp4') || handed.has(f)) continue;
      await rename(path.join(runDir, f), path.join(runDir, `${f}.incomplete`)).catch(() => undefined);
      await this.event({ kind: 'segment-lost', at: endedAt, runId, details: { file: f } });
    }

    const stoppedFor = this.stopping ? 'stop' : this.stopFor;
    // ffmpeg names the input in its messages: never let the camera password reach events or logs.
    stderrTail = redactCredentials(stderrTail.split(target.uri).join(target.display));
    const lastLine = stderrTail.trim().split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 500);
    if (!quiet || produced > 0) await this.event({ kind: 'run-ended', at: endedAt, runId, details: { code, signal, stoppedFor, segments: produced, stderr: lastLine } });
    const cause = classifyRunExit({ code, signal, stoppedFor, stderrTail, producedSegments: produced > 0 });
    if (cause) await this.outage(endedAt, runId, cause, { code, signal, stderr: lastLine });
    return produced > 0;
  }

  /** Records an outage; the same cause again within a minute of the last one is the same outage, counted only. */
  private async outage(at: number, runId: string | null, cause: OutageCause, details: Record<string, unknown>): Promise<void> {
    this.stats.outages++;
    const last = this.lastOutage;
    if (last && last.cause === cause && at - last.at < OUTAGE_REPEAT_MS && (this.lastSegmentAt === null || this.lastSegmentAt < last.at)) return;
    this.lastOutage = { cause, at };
    this.o.log.warn({ camera: this.o.label, cause, ...details }, 'camera recording interrupted; reconnecting');
    await this.event({ kind: 'outage', at, runId, cause, details });
  }

  private async event(e: RecorderEvent): Promise<void> {
    try {
      await this.o.onEvent(e);
    } catch (err) {
      this.o.log.error({ err, camera: this.o.label, event: e.kind }, 'recorder event not recorded');
    }
  }
}
