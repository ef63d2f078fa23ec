/**
 * Live view of interrogation-room cameras: one ffmpeg per camera, shared by every viewer, stopped when the last
 * viewer leaves.
 *
 * The transcoder is node-rtsp-stream's Mpeg1Muxer (ffmpeg: RTSP in, MPEG-1 video + MP2 audio in MPEG-TS out on
 * stdout), which is what the jsmpeg player decodes in a browser without plugins. node-rtsp-stream's own VideoStream
 * is not used: it opens its own WebSocket server on a port with no authentication at all. Here the bytes are fanned
 * out to viewers the API has authenticated and authorised (src/api/plugins/live-view.ts), each message a whole
 * number of 188-byte TS packets starting at a sync byte (0x47), so a viewer joining late starts on a packet boundary.
 *
 * The camera is asked over TCP (`?tcp` on the RTSP URL: Mpeg1Muxer puts the URL first and takes no input options,
 * and ffmpeg's RTSP demuxer reads the lower transport from the URL), like the recorder, because room cameras and
 * the GStreamer simulator serve RTP interleaved over the RTSP connection.
 */
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Db } from '../src/db/db.js';
import type { RoomCamera } from '../src/db/repositories/rooms-repository.js';
import { openSecret } from '../src/db/secret-box.js';
import { killOnExit } from '../src/media/ffmpeg-process.js';
import { readOnvifCamera, redactUri, withCredentials } from './onvif-camera.js';

const TS_PACKET = 188;
const STARTUP_GRACE_MS = 15_000;
const SYNC = 0x47;
/** A viewer whose socket holds more than this unsent is skipped until it drains (a slow link must not grow memory). */
export const MAX_VIEWER_BACKLOG_BYTES = 2 * 1024 * 1024;

interface Mpeg1MuxerInstance extends EventEmitter {
  stream: ChildProcess;
  spawnOptions: string[];
}
type Mpeg1MuxerCtor = new (o: { url: string; ffmpegPath: string; ffmpegOptions: Record<string, string> }) => Mpeg1MuxerInstance;
const Mpeg1Muxer = createRequire(import.meta.url)('node-rtsp-stream/mpeg1muxer.js') as Mpeg1MuxerCtor;

/** Output options after Mpeg1Muxer's own `-f mpegts -codec:v mpeg1video`: MPEG-1 only allows 24/25/30… fps. */
export const LIVE_FFMPEG_OPTIONS: Record<string, string> = {
  '-b:v': '1000k',
  '-r': '25',
  '-bf': '0',
  '-vf': "scale='min(640,iw)':-2",
  '-codec:a': 'mp2',
  '-b:a': '64k',
  '-ar': '44100',
  '-ac': '1',
  '-loglevel': 'error',
};

export interface LiveViewer {
  /** One or more whole TS packets. */
  send(chunk: Buffer): void;
  /** The stream ended under the viewer (camera gone, ffmpeg died, hub closed). */
  end(reason: string): void;
}

export interface LiveStreamInfo {
  deviceId: string;
  pid: number | null;
  viewers: number;
  bytes: number;
  uri: string;
}

/** Adds `?tcp` (or `&tcp`) so ffmpeg asks the camera for RTP over the RTSP TCP connection. */
export function tcpRtspUrl(uri: string): string {
  if (/[?&]tcp(&|$)/.test(uri)) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}tcp`;
}

/**
 * Cuts a byte stream into whole TS packets: returns the packets ready to send and keeps the remainder. A stream that
 * lost alignment (should not happen with ffmpeg's muxer) is resynchronised on the next sync byte.
 */
export class TsPacketizer {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer | null {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    if (buf.length && buf[0] !== SYNC) {
      const at = buf.indexOf(SYNC);
      if (at < 0) {
        this.rest = Buffer.alloc(0);
        return null;
      }
      buf = buf.subarray(at);
    }
    const whole = buf.length - (buf.length % TS_PACKET);
    this.rest = Buffer.from(buf.subarray(whole));
    return whole ? buf.subarray(0, whole) : null;
  }
}

class CameraStream {
  readonly viewers = new Set<LiveViewer>();
  muxer: Mpeg1MuxerInstance | null = null;
  bytes = 0;
  uri = '';
  private stopped = false;
  private lastDataAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  get ended(): boolean {
    return this.stopped;
  }
  private readonly packets = new TsPacketizer();

  constructor(
    readonly deviceId: string,
    private readonly log: Logger,
    private readonly onGone: () => void,
    private readonly stallMs: number,
  ) {}

  start(url: string, display: string, ffmpegPath: string): void {
    this.uri = display;
    const muxer = new Mpeg1Muxer({ url: tcpRtspUrl(url), ffmpegPath, ffmpegOptions: LIVE_FFMPEG_OPTIONS });
    this.muxer = muxer;
    // Its own 'exit' listener only console.error()s past our structured log; the 'close' handler below logs instead.
    muxer.stream.removeAllListeners('exit');
    // Killed on exit like every ffmpeg of ours (its stdout pipe alone ends it only once it writes).
    killOnExit(muxer.stream);
    let stderr = '';
    this.lastDataAt = Date.now();
    muxer.on('mpeg1data', (data: Buffer) => {
      this.lastDataAt = Date.now();
      this.bytes += data.length;
      const out = this.packets.push(data);
      if (out) for (const v of this.viewers) v.send(out);
    });
    muxer.on('ffmpegStderr', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-2000);
    });
    // A camera that keeps the connection open but sends nothing would leave ffmpeg (which Mpeg1Muxer starts without
    // an input timeout) waiting for ever and viewers on a frozen picture: end the stream, the player reconnects.
    this.watchdog = setInterval(() => {
      // ffmpeg probes the input (up to its 5 s analyzeduration) before it writes anything: a longer wait at first.
      const allowed = this.bytes === 0 ? this.stallMs + STARTUP_GRACE_MS : this.stallMs;
      if (Date.now() - this.lastDataAt < allowed) return;
      this.log.warn({ deviceId: this.deviceId, stalledMs: Date.now() - this.lastDataAt }, 'live view stream stalled');
      this.finish(`camera stream stalled (nothing for ${Math.round(this.stallMs / 1000)} s)`);
      this.stop();
    }, Math.min(1000, this.stallMs / 4));
    this.watchdog.unref();
    // A binary that cannot start would otherwise be an unhandled 'error' event.
    muxer.stream.on('error', (err) => this.log.error({ err, deviceId: this.deviceId }, 'live view ffmpeg did not start'));
    muxer.stream.on('close', (code, signal) => {
      clearInterval(this.watchdog);
      if (this.stopped) return;
      this.stopped = true;
      const why = stderr.split(url).join(display).trim().split('\n').slice(-2).join(' | ');
      this.log.warn({ deviceId: this.deviceId, code, signal, stderr: why }, 'live view stream ended');
      this.finish(`camera stream ended (ffmpeg exit ${code ?? signal})`);
    });
  }

  /** Ends every viewer's socket and gives the camera's slot up, so the next viewer starts a fresh stream. */
  private finish(reason: string): void {
    for (const v of this.viewers) v.end(reason);
    this.viewers.clear();
    this.onGone();
  }

  /** SIGTERM, then SIGKILL if ffmpeg has not gone after a grace period. */
  stop(): void {
    clearInterval(this.watchdog);
    if (this.stopped) return;
    this.stopped = true;
    const child = this.muxer?.stream;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 3000);
    t.unref();
    child.once('close', () => clearTimeout(t));
  }
}

export interface LiveViewHubOptions {
  db: Db;
  log: Logger;
  credentialsKey: string | undefined;
  ffmpegPath?: string;
  onvifTimeoutMs?: number;
  /** A stream that delivers nothing this long is ended (the player reconnects). Default 10 s. */
  stallMs?: number;
}

/** The live streams of this process, one per camera being watched. */
export class LiveViewHub {
  private readonly streams = new Map<string, { stream: CameraStream; ready: Promise<void> }>();

  constructor(private readonly o: LiveViewHubOptions) {}

  /**
   * Adds a viewer to the camera's stream, starting ffmpeg when it is the first. Resolves once the stream is
   * running (rejects when the camera cannot be reached); returns the function that removes the viewer again.
   */
  async join(camera: RoomCamera, viewer: LiveViewer): Promise<() => void> {
    let entry = this.streams.get(camera.deviceId);
    if (!entry) {
      const stream = new CameraStream(camera.deviceId, this.o.log, () => {
        if (this.streams.get(camera.deviceId)?.stream === stream) this.streams.delete(camera.deviceId);
      }, this.o.stallMs ?? 10_000);
      const ready = this.resolve(camera).then(({ uri, display }) => stream.start(uri, display, this.o.ffmpegPath ?? 'ffmpeg'));
      entry = { stream, ready };
      this.streams.set(camera.deviceId, entry);
      ready.catch(() => {
        if (this.streams.get(camera.deviceId)?.stream === stream) this.streams.delete(camera.deviceId);
      });
    }
    await entry.ready;
    const { stream } = entry;
    if (stream.ended) throw new Error('the camera stream ended before it could be watched');
    stream.viewers.add(viewer);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      stream.viewers.delete(viewer);
      // The last viewer gone: nobody needs the camera's picture, so ffmpeg stops at once.
      if (stream.viewers.size === 0) {
        if (this.streams.get(camera.deviceId)?.stream === stream) this.streams.delete(camera.deviceId);
        stream.stop();
      }
    };
  }

  describe(): LiveStreamInfo[] {
    return [...this.streams.values()].map(({ stream }) => ({
      deviceId: stream.deviceId,
      pid: stream.muxer?.stream.pid ?? null,
      viewers: stream.viewers.size,
      bytes: stream.bytes,
      uri: stream.uri,
    }));
  }

  /** Ends every stream (service shutdown). */
  close(): void {
    for (const { stream } of this.streams.values()) {
      for (const v of stream.viewers) v.end('server shutting down');
      stream.viewers.clear();
      stream.stop();
    }
    this.streams.clear();
  }

  /** The camera's RTSP URI with credentials: given as is, or asked from its ONVIF service. */
  private async resolve(camera: RoomCamera): Promise<{ uri: string; display: string }> {
    const password = camera.onvifPasswordSealed ? openSecret(camera.onvifPasswordSealed, this.o.credentialsKey) : null;
    if (camera.streamUri) return { uri: withCredentials(camera.streamUri, camera.onvifUsername, password), display: redactUri(camera.streamUri) };
    const info = await readOnvifCamera({ url: camera.onvifUrl!, username: camera.onvifUsername, password, timeoutMs: this.o.onvifTimeoutMs ?? 3000 }, { profileToken: camera.profileToken });
    return { uri: withCredentials(info.streamUri, camera.onvifUsername, password), display: redactUri(info.streamUri) };
  }
}
