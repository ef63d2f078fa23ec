/**
 * An interrogation-room camera for tests and the demo: GStreamer's RTSP server (rtsp-camera-server.py beside this
 * file) serving a generated H.264 picture with the wall-clock time burned in, over RTSP/TCP on 127.0.0.1.
 *
 * The server runs as the leader of its own process group (and, where util-linux `setpriv` exists, dies with the
 * Node process that started it), so stopping it leaves nothing behind. `stop()` then `start()` is a camera outage:
 * the port refuses connections meanwhile and the same URL serves again after. `freeze()`/`thaw()` (SIGSTOP/SIGCONT)
 * keep the connection open with no picture: a hung camera. `picture(false)`/`picture(true)` (SIGUSR1) drop frames
 * while the stream stays up, so the timestamps jump: a picture that stalls and comes back within one segment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cameraTz } from './camera-clock.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const SETPRIV = '/usr/bin/setpriv';
const SCRIPT = 'rtsp-camera-server.py';

export interface RtspCameraOptions {
  /** 0 (default): a free port chosen by the server; kept for restarts. */
  port?: number;
  path?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Frames between keyframes: segments can only be cut at keyframes. Default = fps (one a second). */
  keyint?: number;
  bitrateKbps?: number;
  label?: string;
  audio?: boolean;
  /** The zone of the clock burned into the picture, minutes east of UTC (default 480: Beijing time, as room cameras show). */
  utcOffsetMinutes?: number;
  /** The burned-in clock runs this far ahead of real time (negative: behind), whole seconds: a drifting camera clock. */
  clockSkewMs?: number;
  /** Python with GStreamer's introspection bindings (default Debian's /usr/bin/python3). */
  python?: string;
  startTimeoutMs?: number;
}

export interface RtspCamera {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** Process group id of the running server, or null. */
  readonly pid: number | null;
  /** Stops serving (the port refuses connections): a camera outage. */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  start(): Promise<void>;
  /** The server stops sending (connections stay open, the process hangs): a camera that hangs. */
  freeze(): void;
  thaw(): void;
  /** The picture stops while the stream stays up (frames dropped, timestamps run on); `true` resumes it. */
  picture(on: boolean): void;
  close(): Promise<void>;
}

/** Where the Python script is, from the sources (tsx, vitest) or from the build (dist/devices/simulators). */
export function rtspServerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, SCRIPT), path.resolve(here, '../../../devices/simulators', SCRIPT)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${SCRIPT} not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Is GStreamer's RTSP server usable here (Debian python3-gi, gir1.2-gst-rtsp-server-1.0)? */
export async function gstreamerRtspAvailable(python = SYSTEM_PYTHON): Promise<boolean> {
  if (!existsSync(python)) return false;
  return new Promise((resolve) => {
    const p = spawn(python, ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
  });
}

export async function startRtspCamera(o: RtspCameraOptions = {}): Promise<RtspCamera> {
  const script = rtspServerScript();
  const python = o.python ?? SYSTEM_PYTHON;
  const mount = o.path ?? '/stream';
  const fps = o.fps ?? 15;
  let port = o.port ?? 0;
  let child: ChildProcess | null = null;
  let pictureOn = true;
  let exited: Promise<void> = Promise.resolve();

  const args = () => [
    script,
    '--port', String(port),
    '--path', mount,
    '--width', String(o.width ?? 320),
    '--height', String(o.height ?? 240),
    '--fps', String(fps),
    '--keyint', String(o.keyint ?? fps),
    '--bitrate', String(o.bitrateKbps ?? 300),
    '--label', o.label ?? 'ROOM CAMERA',
    ...(o.audio ? ['--audio'] : []),
  ];

  const launch = async () => {
    const argv = args();
    const [cmd, full] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', python, ...argv]] : [python, argv];
    // clockoverlay draws local time: the camera's zone and drift go in through TZ (camera-clock.ts).
    const env = { ...process.env, TZ: cameraTz(o.utcOffsetMinutes, o.clockSkewMs) };
    const proc = spawn(cmd, full, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    child = proc;
    pictureOn = true;
    exited = new Promise((resolve) => proc.once('close', () => resolve()));
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const ready = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`RTSP camera did not start in time: ${stderr.trim()}`)), o.startTimeoutMs ?? 15_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      proc.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP camera exited (${code}) before serving: ${stderr.trim()}`));
      });
    }).catch(async (err) => {
      signal(proc.pid, 'SIGKILL');
      await exited;
      child = null;
      throw err;
    });
    port = ready;
    await waitUntilServing(port, mount, 5000);
  };

  const stopServer = async () => {
    const c = child;
    if (!c) return;
    signal(c.pid, 'SIGCONT');
    signal(c.pid, 'SIGTERM');
    const kill = setTimeout(() => signal(c.pid, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(kill);
    signal(c.pid, 'SIGKILL'); // anything left in its group
    child = null;
  };

  // A restart on the same port can race the old socket's teardown: retry briefly.
  const launchRetrying = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await launch();
      } catch (err) {
        if (attempt >= 5 || port === 0) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  await launchRetrying();
  return {
    get port() {
      return port;
    },
    get url() {
      return `rtsp://127.0.0.1:${port}${mount}`;
    },
    get running() {
      return child !== null;
    },
    get pid() {
      return child?.pid ?? null;
    },
    stop: stopServer,
    start: async () => {
      if (!child) await launchRetrying();
    },
    freeze: () => signal(child?.pid, 'SIGSTOP'),
    picture: (on: boolean) => {
      if (on === pictureOn || !child) return;
      pictureOn = on;
      signal(child.pid, 'SIGUSR1');
    },
    thaw: () => signal(child?.pid, 'SIGCONT'),
    close: stopServer,
  };
}

function signal(pid: number | undefined, sig: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/** Sends RTSP OPTIONS until the server answers 200 (it accepts connections once attached to its main loop). */
export async function waitUntilServing(port: number, mount: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port });
      let data = '';
      const done = (v: boolean) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.on('error', () => done(false));
      sock.on('connect', () => sock.write(`OPTIONS rtsp://127.0.0.1:${port}${mount} RTSP/1.0\r\nCSeq: 1\r\n\r\n`));
      sock.on('data', (d) => {
        data += d.toString();
        if (data.includes('\r\n\r\n')) done(/^RTSP\/1\.0 200/.test(data));
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`RTSP server on 127.0.0.1:${port} does not answer OPTIONS`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
