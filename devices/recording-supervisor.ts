/**
 * Runs the platform's recording of interrogation sessions. People switch recording on and off through the API,
 * which only writes the wish into PostgreSQL (session_recordings.desired); every process running a supervisor
 * looks for recordings that need a recorder, takes each one's lease, and records every camera of the room with a
 * CameraRecorder. So the API never spawns ffmpeg, several replicas never record one session twice, and when a
 * recorder dies another takes the session over once its lease runs out (the gap is recorded as recorder-restart).
 *
 * Each closed segment is hashed, probed and handed to the one ingest path (IngestService) as its own media, with
 * its real wall-clock start and end (server time, and the camera's time from its ONVIF clock offset), then linked to
 * the session. When recording is switched off, the recorders close their open segments, everything left in the
 * spool is ingested, and the gaps are computed and stored for people to explain.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { deviceTime, findTimestampHoles, holeBetweenSegments, parsePacketTimes, parseSegmentList } from '../src/domain/recorder-policy.js';
import { computeRecordingGaps } from '../src/domain/recording-gaps.js';
import type { DeclaredMedia } from '../src/domain/upload-metadata.js';
import type { Db } from '../src/db/db.js';
import { gapInputOf } from '../src/db/recording-report.js';
import { CasesRepository, type InterrogationSession } from '../src/db/repositories/cases-repository.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DevicesRepository, type Device } from '../src/db/repositories/devices-repository.js';
import { LinksRepository } from '../src/db/repositories/links-repository.js';
import { RecordingsRepository, type RecordingCamera, type RecordingEventKind, type SessionRecording } from '../src/db/repositories/recordings-repository.js';
import { RoomsRepository, type Room, type RoomCamera } from '../src/db/repositories/rooms-repository.js';
import { openSecret } from '../src/db/secret-box.js';
import { isEvmError } from '../src/errors.js';
import { ContentHasher } from '../src/ingest/content-hasher.js';
import type { IngestService } from '../src/ingest/ingest-service.js';
import type { JobQueues } from '../src/queue/queues.js';
import { addLink } from '../src/ingest/link-writer.js';
import { runCapture } from '../src/media/ffmpeg-process.js';
import { probeMedia } from '../src/media/probe.js';
import type { Services } from '../src/runtime/services.js';
import { readOnvifCamera, redactUri, withCredentials } from './onvif-camera.js';
import { ANCHOR_FILE, CameraRecorder, closedSegment, SEGMENT_LIST, zeroFallback, type ClosedSegment, type RecorderEvent, type StreamTarget } from './rtsp-recorder.js';

export const RECORDER_ACTOR = 'system:recorder';

export interface RecordingSupervisorOptions {
  /** Identifies this supervisor in leases; unique per process. */
  owner?: string;
  /** How often it looks for recordings to run, renews its leases and notices "switched off". */
  tickMs?: number;
  leaseSec?: number;
  segmentSec?: number;
  stallSec?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  toleranceSec?: number;
  spoolDir?: string;
  ffmpegBin?: string;
  onvifTimeoutMs?: number;
}

interface Deps {
  db: Db;
  ingest: IngestService;
  /** To enqueue each camera's join once the recording is finalized (the reconciler re-derives a lost one). */
  queues?: Pick<JobQueues, 'enqueue'>;
  log: Logger;
  sm3: boolean;
  credentialsKey: string | undefined;
}

export class RecordingSupervisor {
  readonly owner: string;
  private readonly o: Required<Omit<RecordingSupervisorOptions, 'owner' | 'ffmpegBin'>> & { ffmpegBin?: string };
  private readonly active = new Map<string, SessionRun>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = true;

  constructor(
    readonly deps: Deps,
    o: RecordingSupervisorOptions = {},
  ) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.o = {
      tickMs: o.tickMs ?? 1000,
      leaseSec: o.leaseSec ?? 20,
      segmentSec: o.segmentSec ?? 4,
      stallSec: o.stallSec ?? 15,
      retryMinMs: o.retryMinMs ?? 250,
      retryMaxMs: o.retryMaxMs ?? 2000,
      toleranceSec: o.toleranceSec ?? 2,
      spoolDir: o.spoolDir ?? path.resolve('data/recording-spool'),
      onvifTimeoutMs: o.onvifTimeoutMs ?? 3000,
      ffmpegBin: o.ffmpegBin,
    };
  }

  get options() {
    return this.o;
  }

  start(): this {
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.o.tickMs);
    this.timer.unref();
    void this.tick();
    return this;
  }

  /**
   * Stops this supervisor (service shutdown): recorders close their open segments, which are ingested; the
   * sessions stay switched on and their leases are released so another recorder (or this service restarted)
   * carries on at once. The interruption is recorded as a recorder restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => undefined);
    await Promise.allSettled([...this.active.values()].map((r) => r.release('shutdown')));
    this.active.clear();
  }

  /** Recorders running here (for diagnostics, the metrics and tests). */
  recorders(): Array<{ sessionId: string; deviceId: string; serial: string; pid: number | null; stats: CameraRecorder['stats'] }> {
    return [...this.active.values()].flatMap((r) => r.describe());
  }

  /** Runs one tick now and waits for it. */
  async tickNow(): Promise<void> {
    await this.tick();
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      const repo = new RecordingsRepository(this.deps.db);
      try {
        const unfinished = await repo.listUnfinished();
        const seen = new Set<string>();
        let interrupted = false;
        for (const rec of unfinished) {
          if (this.stopped) {
            interrupted = true;
            break;
          }
          seen.add(rec.sessionId);
          const run = this.active.get(rec.sessionId);
          const lease = await repo.tryLease(rec.sessionId, this.owner, this.o.leaseSec);
          if (run) {
            if (!lease) {
              this.deps.log.warn({ sessionId: rec.sessionId }, 'recording lease lost to another recorder; stopping here');
              this.active.delete(rec.sessionId);
              void run.release('lease-lost');
            } else if (rec.desired === 'stopped') run.finish();
            continue;
          }
          if (!lease) continue;
          const created = await this.open(rec, lease.previousOwner);
          if (created) this.active.set(rec.sessionId, created);
        }
        // Finalized (or removed) elsewhere: stop recording it here. (A loop cut short by stop() saw only some sessions.)
        if (!interrupted) {
          for (const [id, run] of this.active) {
            if (seen.has(id) || run.finishing) continue;
            this.active.delete(id);
            void run.release('lease-lost').catch((err) => this.deps.log.error({ err, sessionId: id }, 'stopping a recording finished elsewhere failed'));
          }
        }
      } catch (err) {
        this.deps.log.error({ err }, 'recording supervisor tick failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  private async open(rec: SessionRecording, previousOwner: string | null): Promise<SessionRun | null> {
    const { db } = this.deps;
    const session = await new CasesRepository(db).findSession(rec.sessionId);
    const rooms = new RoomsRepository(db);
    const room = await rooms.findRoom(rec.roomId);
    if (!session || !room) {
      this.deps.log.error({ sessionId: rec.sessionId }, 'recording of an unknown session or room');
      return null;
    }
    const run = new SessionRun(this, session, room, rec);
    run.onDone = () => this.active.delete(rec.sessionId);
    if (previousOwner && rec.desired === 'recording') {
      // The recorder that held this session stopped renewing its lease (crashed, killed, cut off).
      await run.event(null, 'takeover', null, { previousOwner });
      await run.event(null, 'outage', 'recorder-restart', { reason: 'the previous recorder stopped renewing its lease', previousOwner });
    }
    if (rec.desired === 'recording') {
      // Recording resumes first; what an earlier recorder left in the spool (possibly much, after a storage outage)
      // is ingested beside it, so neither this session's recording nor the tick that renews every lease waits for it.
      const earlier = await run.spooledRuns();
      await run.begin();
      run.recoverInBackground(earlier);
    } else run.finish();
    return run;
  }
}

/** One session being recorded (or finished) by this supervisor. */
class SessionRun {
  private readonly recorders = new Map<string, { camera: RecordingCamera; recorder: CameraRecorder }>();
  private readonly clock = new Map<string, number>();
  /** Per camera, the run and timeline end of the segment handed on last: a pause can fall between two segments. */
  private readonly lastSegment = new Map<string, { runId: string; timelineEnd: number }>();
  private readonly uris = new Map<string, StreamTarget>();
  private readonly deviceCache = new Map<string, Device>();
  finishing: Promise<void> | null = null;
  private recovering: Promise<unknown> = Promise.resolve();
  onDone: () => void = () => undefined;
  private readonly dir: string;

  constructor(
    private readonly sup: RecordingSupervisor,
    private readonly session: InterrogationSession,
    private readonly room: Room,
    private rec: SessionRecording,
  ) {
    this.dir = path.join(sup.options.spoolDir, session.id);
  }

  private get db() {
    return this.sup.deps.db;
  }
  private get log() {
    return this.sup.deps.log;
  }

  describe() {
    return [...this.recorders.values()].map(({ camera, recorder }) => ({ sessionId: this.session.id, deviceId: camera.deviceId, serial: camera.serial, pid: recorder.pid, stats: recorder.stats }));
  }

  async begin(): Promise<void> {
    const rooms = new RoomsRepository(this.db);
    const o = this.sup.options;
    // Every camera's configuration first: a read failing half-way must not leave recorders running that no run holds.
    const configs = await Promise.all(this.rec.cameras.map((camera) => rooms.cameraByDevice(camera.deviceId)));
    for (const [i, camera] of this.rec.cameras.entries()) {
      const config = configs[i] ?? null;
      const recorder = new CameraRecorder({
        label: `${this.room.name}/${camera.role}/${camera.serial}`,
        dir: path.join(this.dir, camera.deviceId),
        resolve: () => this.resolve(camera, config),
        segmentSec: o.segmentSec,
        stallMs: o.stallSec * 1000,
        backoff: { minMs: o.retryMinMs, maxMs: o.retryMaxMs, factor: 1.5 },
        onSegment: (s) => this.ingestSegment(camera, s),
        onEvent: (e) => this.recorderEvent(camera, e),
        log: this.log,
        ffmpegBin: o.ffmpegBin,
      });
      this.recorders.set(camera.deviceId, { camera, recorder });
      recorder.start();
    }
    this.log.info({ sessionId: this.session.id, room: this.room.name, cameras: this.rec.cameras.length }, 'recording session');
  }

  /** Switched off: stop the recorders, ingest what is left, compute and store the gaps, finalize. */
  finish(): void {
    if (this.finishing) return;
    this.finishing = (async () => {
      try {
        await Promise.all([...this.recorders.values()].map(({ recorder }) => recorder.stop()));
        await this.recovering;
        // Finalizing without a segment still in the spool would report its seconds as a gap and forget the file.
        const pending = await this.recoverLeftovers();
        if (pending > 0) throw new Error(`${pending} recorded segment(s) not ingested yet (kept in the spool)`);
        if ((await this.finalize()) === 'switched-on') {
          // Switched on again while stopping: this run is done; the next tick opens a fresh one that records.
          this.log.info({ sessionId: this.session.id }, 'recording switched on again while stopping; resuming');
        }
      } catch (err) {
        this.log.error({ err, sessionId: this.session.id }, 'finalizing the recording failed; retried on the next tick');
        this.finishing = null;
        return;
      }
      this.onDone();
    })();
  }

  /** Stops recording here without finalizing: shutdown (lease released, recorded as a restart) or lease lost. */
  async release(why: 'shutdown' | 'lease-lost'): Promise<void> {
    if (this.finishing) {
      await this.finishing;
      return;
    }
    await Promise.all([...this.recorders.values()].map(({ recorder }) => recorder.stop()));
    await this.recovering;
    if (why === 'shutdown') {
      await this.event(null, 'outage', 'recorder-restart', { reason: 'the recorder was shut down' }).catch(() => undefined);
      await new RecordingsRepository(this.db).releaseLease(this.session.id, this.sup.owner).catch(() => undefined);
    }
  }

  private async finalize(): Promise<'finalized' | 'switched-on'> {
    const repo = new RecordingsRepository(this.db);
    const rec = (await repo.find(this.session.id))!;
    if (rec.desired !== 'stopped') return 'switched-on';
    this.rec = rec;
    // The declared start and end as they are now: the case system may have sent the end after recording began.
    const session = (await new CasesRepository(this.db).findSession(this.session.id)) ?? this.session;
    const [segments, events] = await Promise.all([repo.segments(this.session.id), repo.events(this.session.id)]);
    const report = computeRecordingGaps(gapInputOf(session, rec, segments, events, this.sup.options.toleranceSec));
    const done = await this.db.transaction(async (tx) => {
      const r = new RecordingsRepository(tx);
      // Switched on again since it was read: nothing is written, the recording goes on.
      const current = await r.findForUpdate(this.session.id);
      if (current?.desired !== 'stopped') return 'switched-on' as const;
      const added = await r.storeGaps(
        this.session.id,
        report.gaps.map((g) => ({ id: randomUUID(), deviceId: g.cameraId, startedAt: new Date(g.start), endedAt: new Date(g.end), durationSec: g.durationSec, cause: g.cause })),
      );
      const custody = new CustodyRepository(tx);
      for (const g of added) {
        await custody.append({
          mediaId: null,
          uploadId: null,
          type: 'recording.gap_detected',
          actor: RECORDER_ACTOR,
          details: { gapId: g.id, sessionId: this.session.id, caseId: this.session.caseId, deviceId: g.deviceId, startedAt: g.startedAt, endedAt: g.endedAt, durationSec: g.durationSec, cause: g.cause },
        });
      }
      return r.finalize(this.session.id, this.sup.owner, { coverage: report.coverage, fullRecording: report.fullRecording });
    });
    if (done === 'switched-on') return done;
    if (!done) throw new Error('recording was not finalized (lease lost)');
    // Each camera's segments are joined into one recording by a job; a failed enqueue is re-derived by the reconciler.
    for (const deviceId of new Set(segments.map((s) => s.deviceId))) {
      await this.sup.deps.queues?.enqueue('join-recording', { sessionId: this.session.id, deviceId }, { replaceFailed: true }).catch((err) => this.log.warn({ err, sessionId: this.session.id, deviceId }, 'join not enqueued; the reconciler will'));
    }
    await this.cleanSpool();
    this.log.info({ sessionId: this.session.id, coverage: report.coverage, gaps: report.gaps.length, full: report.fullRecording }, 'recording finalized');
    return 'finalized';
  }

  private async resolve(camera: RecordingCamera, config: RoomCamera | null): Promise<StreamTarget> {
    if (!config) throw new Error(`camera ${camera.serial} is no longer attached to room ${this.room.name}`);
    const password = config.onvifPasswordSealed ? openSecret(config.onvifPasswordSealed, this.sup.deps.credentialsKey) : null;
    if (config.streamUri) return { uri: withCredentials(config.streamUri, config.onvifUsername, password), display: redactUri(config.streamUri) };
    try {
      const info = await readOnvifCamera({ url: config.onvifUrl!, username: config.onvifUsername, password, timeoutMs: this.sup.options.onvifTimeoutMs }, { profileToken: config.profileToken });
      const before = this.clock.get(camera.deviceId);
      this.clock.set(camera.deviceId, info.clockOffsetMs);
      if (before === undefined || Math.abs(before - info.clockOffsetMs) > 1500) {
        await new RoomsRepository(this.db).recordProbe(camera.deviceId, { ...info.deviceInfo, profileToken: info.profileToken, streamUri: redactUri(info.streamUri), snapshotUri: info.snapshotUri }, info.clockOffsetMs);
        await this.event(camera.deviceId, 'clock', null, { deviceTime: info.deviceTime, serverTime: info.readAt, clockOffsetMs: info.clockOffsetMs });
      }
      const target = { uri: withCredentials(info.streamUri, config.onvifUsername, password), display: redactUri(info.streamUri) };
      this.uris.set(camera.deviceId, target);
      return target;
    } catch (err) {
      // The camera's web service may be down while its stream is up: try the last URI it gave.
      const known = this.uris.get(camera.deviceId);
      if (known) return known;
      throw err;
    }
  }

  private async recorderEvent(camera: RecordingCamera, e: RecorderEvent): Promise<void> {
    const cause = e.kind === 'outage' ? e.cause : null;
    await this.event(camera.deviceId, e.kind, cause, { ...e.details, runId: e.runId }, new Date(e.at));
  }

  async event(deviceId: string | null, kind: RecordingEventKind, cause: 'camera-offline' | 'stream-stalled' | 'recorder-restart' | null, details: Record<string, unknown>, at = new Date()): Promise<void> {
    await new RecordingsRepository(this.db).insertEvent({ id: randomUUID(), sessionId: this.session.id, deviceId, at, kind, cause, details });
  }

  private async device(deviceId: string): Promise<Device> {
    let d = this.deviceCache.get(deviceId);
    if (!d) {
      d = (await new DevicesRepository(this.db).findById(deviceId))!;
      this.deviceCache.set(deviceId, d);
    }
    return d;
  }

  /** Hash, probe, ingest through the one ingest path, link to the session; the spool copy goes once it is stored. */
  private async ingestSegment(camera: RecordingCamera, s: ClosedSegment): Promise<void> {
    const { db, ingest, sm3 } = this.sup.deps;
    const repo = new RecordingsRepository(db);
    const previous = this.lastSegment.get(camera.deviceId);
    this.lastSegment.set(camera.deviceId, { runId: s.runId, timelineEnd: s.timelineEnd });
    if (await repo.hasSegment(this.session.id, camera.deviceId, s.runId, s.file)) {
      await rm(s.path, { force: true });
      return;
    }
    const between = holeBetweenSegments(previous?.runId === s.runId ? previous.timelineEnd : undefined, s.timelineStart, 1);
    if (between) {
      const zero = s.startMs - s.timelineStart * 1000;
      const from = new Date(Math.round(zero + between.start * 1000)).toISOString();
      await this.event(camera.deviceId, 'outage', 'stream-stalled', { beforeSegment: s.file, runId: s.runId, from, to: new Date(s.startMs).toISOString() }, new Date(from));
    }
    const digests = (await ContentHasher.ofFile(s.path, sm3)).digest();
    let probe: { durationSec: number | null; error: string | null } = { durationSec: null, error: null };
    try {
      const p = await probeMedia(s.path);
      probe = { durationSec: p.durationSec, error: null };
    } catch (err) {
      // A damaged segment is still footage: it is ingested all the same and the pipeline records what is wrong.
      probe = { durationSec: null, error: isEvmError(err) ? err.code : (err as Error).message };
      await this.event(camera.deviceId, 'error', null, { stage: 'probe', file: s.file, runId: s.runId, error: probe.error });
    }
    // The camera may have paused and resumed inside this segment (a jump in its timestamps): those stretches are
    // no footage, whatever the segment's start and end say.
    const holes = (await this.timestampHoles(s.path)).map((h) => ({ start: new Date(s.startMs + h.start * 1000).toISOString(), end: new Date(s.startMs + h.end * 1000).toISOString() }));
    for (const h of holes) {
      await this.event(camera.deviceId, 'outage', 'stream-stalled', { inSegment: s.file, runId: s.runId, from: h.start, to: h.end }, new Date(h.start));
    }
    const offset = this.clock.get(camera.deviceId) ?? null;
    const startedAt = new Date(s.startMs);
    const endedAt = new Date(Math.max(s.endMs, s.startMs));
    const deviceStart = deviceTime(startedAt.getTime(), offset);
    const deviceEnd = deviceTime(endedAt.getTime(), offset);
    const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const vendor: Record<string, string> = {
      source: 'rtsp-recorder',
      sessionId: this.session.id,
      room: this.room.name,
      role: camera.role,
      runId: s.runId,
      segmentFile: s.file,
      timelineStart: String(s.timelineStart),
      timelineEnd: String(s.timelineEnd),
    };
    if (offset !== null) vendor.clockOffsetMs = String(offset);
    if (deviceStart !== null) vendor.deviceRecordedAt = new Date(deviceStart).toISOString();
    if (deviceEnd !== null) vendor.deviceRecordedEnd = new Date(deviceEnd).toISOString();
    if (probe.durationSec !== null) vendor.probedDurationSec = String(probe.durationSec);
    if (probe.error) vendor.probeError = probe.error;
    const declared: DeclaredMedia = {
      sha256: digests.sha256,
      sm3: digests.sm3,
      filename: `${camera.serial}-${camera.role}-${stamp}.mp4`,
      originalFilename: s.file,
      deviceSerial: camera.serial,
      officerId: null,
      recordedAt: startedAt.toISOString(),
      recordedEnd: endedAt.toISOString(),
      flags: [],
      caseNumber: null,
      vendor,
    };
    const result = await ingest.ingest({ path: s.path, digests, declared, device: await this.device(camera.deviceId), uploadId: null });
    const media = result.media;
    await db.transaction(async (tx) => {
      const links = new LinksRepository(tx);
      await links.lockMedia(media.id);
      await new RecordingsRepository(tx).insertSegment({
        id: randomUUID(),
        sessionId: this.session.id,
        deviceId: camera.deviceId,
        mediaId: media.id,
        runId: s.runId,
        file: s.file,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        deviceStartedAt: deviceStart !== null ? new Date(deviceStart).toISOString() : null,
        deviceEndedAt: deviceEnd !== null ? new Date(deviceEnd).toISOString() : null,
        durationSec: Math.round(endedAt.getTime() - startedAt.getTime()) / 1000,
        holes,
        sha256: digests.sha256,
        sizeBytes: digests.sizeBytes,
      });
      const target = { sessionId: this.session.id };
      if (result.outcome !== 'rejected' && !(await links.findLive(media.id, target)) && !(await links.wasRemoved(media.id, target))) {
        await addLink(tx, {
          mediaId: media.id,
          target,
          source: 'auto',
          reason: `recorded by the platform in room ${this.room.name} (${camera.role} camera ${camera.serial})`,
          actor: RECORDER_ACTOR,
          details: { recordedAt: declared.recordedAt, recordedEnd: declared.recordedEnd },
        });
      }
    });
    await rm(s.path, { force: true });
  }

  /** Jumps of more than a second in the video timestamps of a segment file (seconds from its start). */
  private async timestampHoles(file: string): Promise<Array<{ start: number; end: number }>> {
    try {
      const out = await runCapture({
        bin: 'ffprobe',
        args: ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file],
        timeoutMs: 30_000,
      });
      return out.code === 0 ? findTimestampHoles(parsePacketTimes(out.stdout), 1) : [];
    } catch {
      return [];
    }
  }

  /** The run folders in the spool now, as `deviceId/runId`. */
  async spooledRuns(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const camera of this.rec.cameras) {
      for (const runId of await readdir(path.join(this.dir, camera.deviceId)).catch(() => [] as string[])) out.add(`${camera.deviceId}/${runId}`);
    }
    return out;
  }

  /** Ingests those runs' segments while the recorders run (only those: the recorders hand on their own runs). */
  recoverInBackground(runs: Set<string>): void {
    if (runs.size === 0) return;
    this.recovering = this.recoverLeftovers(runs).catch((err) => this.log.error({ err, sessionId: this.session.id }, 'recovering left-over segments failed; retried when the recording stops'));
  }

  /**
   * Segments closed but not ingested (a recorder that crashed, an ingest that failed): the session's run folders
   * (`only` those, or all) are read again; what is recorded already is skipped, the rest is ingested like a fresh
   * segment. Returns how many could not be ingested (they stay in the spool for the next try).
   */
  async recoverLeftovers(only?: Set<string>): Promise<number> {
    let failed = 0;
    for (const camera of this.rec.cameras) {
      const camDir = path.join(this.dir, camera.deviceId);
      const runs = await readdir(camDir).catch(() => [] as string[]);
      for (const runId of runs) {
        if (only && !only.has(`${camera.deviceId}/${runId}`)) continue;
        const runDir = path.join(camDir, runId);
        const list = await readFile(path.join(runDir, SEGMENT_LIST), 'utf8').catch(() => '');
        if (!list) continue;
        const anchor = await readFile(path.join(runDir, ANCHOR_FILE), 'utf8')
          .then((t) => (JSON.parse(t) as { zeroMs: number }).zeroMs)
          .catch(() => null);
        const files = new Set(await readdir(runDir).catch(() => [] as string[]));
        for (const e of parseSegmentList(`${list}\n`).entries) {
          if (!files.has(e.file)) continue;
          const zero = anchor ?? zeroFallback(runId, e) ?? 0;
          try {
            await this.ingestSegment(camera, closedSegment(runId, runDir, e, zero));
          } catch (err) {
            failed++;
            this.log.error({ err, sessionId: this.session.id, file: e.file }, 'left-over segment not ingested; kept in the spool');
          }
        }
      }
    }
    return failed;
  }

  /** Run folders whose segments are all ingested are removed; anything else (incomplete files) stays for inspection. */
  private async cleanSpool(): Promise<void> {
    for (const camera of this.rec.cameras) {
      const camDir = path.join(this.dir, camera.deviceId);
      for (const runId of await readdir(camDir).catch(() => [] as string[])) {
        const runDir = path.join(camDir, runId);
        const files = await readdir(runDir).catch(() => [] as string[]);
        if (files.every((f) => f === SEGMENT_LIST || f === ANCHOR_FILE)) await rm(runDir, { recursive: true, force: true });
      }
    }
  }
}

/** The supervisor with the service's configuration. */
export function createRecordingSupervisor(services: Services, o: RecordingSupervisorOptions = {}): RecordingSupervisor {
  const { config } = services;
  return new RecordingSupervisor(
    { db: services.db, ingest: services.ingest, queues: services.queues, log: services.log, sm3: config.SM3_MODE === 'always', credentialsKey: config.DOCK_CREDENTIALS_KEY },
    {
      leaseSec: config.RECORDING_LEASE_SEC,
      segmentSec: config.RECORDING_SEGMENT_SEC,
      stallSec: config.RECORDING_STALL_SEC,
      retryMinMs: config.RECORDING_RETRY_MIN_MS,
      retryMaxMs: config.RECORDING_RETRY_MAX_MS,
      toleranceSec: config.RECORDING_GAP_TOLERANCE_SEC,
      spoolDir: config.paths.recordingSpool,
      tickMs: Math.min(1000, Math.max(200, (config.RECORDING_LEASE_SEC * 1000) / 10)),
      ...o,
    },
  );
}
