import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import { pino, type Logger } from 'pino';
import { generateClip } from './clips.js';

/** One FTP operation the dock saw, in order; tests use it to prove when a file was marked deletable. */
export interface FtpOp {
  op: 'download' | 'rename' | 'delete' | 'upload' | 'mkdir';
  path: string;
  to?: string;
  at: number;
}

export interface FtpDockSimulatorOptions {
  /** Folder the dock serves; a new temporary folder (removed on stop) when omitted. */
  root?: string;
  username?: string;
  password?: string;
  log?: Logger;
  /** Slows every download to about this many bytes per second, like a dock's busy uplink. */
  throttleBytesPerSec?: number;
  /** Names the LIST reply claims besides the real files (a broken or hostile dock); they exist nowhere. */
  fakeEntries?: Array<{ name: string; sizeBytes: number }>;
}

export interface FtpDockSimulator {
  /** ftp://127.0.0.1:<port> */
  url: string;
  port: number;
  root: string;
  username: string;
  password: string;
  ops: FtpOp[];
  stop(): Promise<void>;
}

/**
 * A dock station's FTP server, for tests and the demo: a real FTP server (ftp-srv) on 127.0.0.1 with a port chosen
 * at run time, passive data connections on 127.0.0.1 too, serving a folder of body-cam clips with vendor names and
 * sidecar JSON. Every operation is logged with its time.
 */
export async function startFtpDockSimulator(o: FtpDockSimulatorOptions = {}): Promise<FtpDockSimulator> {
  const root = o.root ?? (await mkdtemp(path.join(tmpdir(), 'evm-ftp-dock-')));
  await mkdir(root, { recursive: true });
  const username = o.username ?? 'dock';
  const password = o.password ?? randomBytes(9).toString('base64url');
  const ops: FtpOp[] = [];
  const log = o.log ?? pino({ level: 'silent' });

  class DockFileSystem extends FileSystem {
    override async list(p?: string) {
      const real = (await super.list(p)) as unknown[];
      const fake = (o.fakeEntries ?? []).map((f) => ({ name: f.name, size: f.sizeBytes, mtime: new Date(), mode: 0o100644, uid: 1, gid: 1, isDirectory: () => false }));
      return [...real, ...fake];
    }
    override async read(fileName: string, opts: { start?: unknown } = {}) {
      ops.push({ op: 'download', path: this.clientPathOf(fileName), at: Date.now() });
      const r = (await super.read(fileName, opts)) as { stream: NodeJS.ReadableStream & { path?: string }; clientPath: string };
      if (!o.throttleBytesPerSec) return r;
      const rate = o.throttleBytesPerSec;
      const slow = new Transform({
        transform(chunk: Buffer, _e, done) {
          setTimeout(() => done(null, chunk), (chunk.length / rate) * 1000);
        },
      });
      r.stream.on('error', (err) => slow.destroy(err));
      return { stream: r.stream.pipe(slow), clientPath: r.clientPath };
    }
    override write(fileName: string, opts?: { append?: boolean; start?: unknown }) {
      ops.push({ op: 'upload', path: this.clientPathOf(fileName), at: Date.now() });
      return super.write(fileName, opts);
    }
    override async rename(from: string, to: string) {
      const r = await super.rename(from, to);
      ops.push({ op: 'rename', path: this.clientPathOf(from), to: this.clientPathOf(to), at: Date.now() });
      return r;
    }
    override async delete(p: string) {
      const r = await super.delete(p);
      ops.push({ op: 'delete', path: this.clientPathOf(p), at: Date.now() });
      return r;
    }
    override async mkdir(p: string) {
      ops.push({ op: 'mkdir', path: this.clientPathOf(p), at: Date.now() });
      return super.mkdir(p);
    }
    private clientPathOf(p: string) {
      return path.posix.resolve(this.currentDirectory(), p);
    }
  }

  // ftp-srv's constructor installs SIGTERM/SIGINT/SIGQUIT handlers that close it and process.exit(0): inside the
  // service (the demo dock) that would cut the service's own graceful shutdown short. The simulator is stopped by
  // whoever started it, so those handlers are taken off again.
  const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
  const before = new Map(signals.map((sig) => [sig, new Set(process.listeners(sig))]));
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    // 0..0: every passive data port is chosen by the OS at run time, on 127.0.0.1 like the control port
    pasv_min: 0,
    pasv_max: 0,
    anonymous: false,
    greeting: 'EVM simulated dock station',
    log: log.child({ component: 'ftp-dock-simulator' }) as never,
  });
  for (const sig of signals) for (const l of process.listeners(sig)) if (!before.get(sig)!.has(l)) process.off(sig, l);
  server.on('login', ({ connection, username: u, password: p }: { connection: FtpConnection; username: string; password: string }, resolve, reject) => {
    if (u === username && p === password) resolve({ fs: new DockFileSystem(connection, { root, cwd: '/' }) });
    else reject(new Error('invalid username or password'));
  });
  server.on('client-error', ({ error }: { error: Error }) => log.debug({ err: error }, 'ftp client error'));
  await server.listen();
  const port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  return {
    url: `ftp://127.0.0.1:${port}`,
    port,
    root,
    username,
    password,
    ops,
    async stop() {
      await server.close();
      if (!o.root) await rm(root, { recursive: true, force: true });
    },
  };
}

export type VendorNameStyle = 'serial-officer-start-seq' | 'officer-at-start-at-serial';

export interface DockClipSpec {
  camera: string;
  officer: string;
  start: Date;
  seconds: number;
  style?: VendorNameStyle;
  seq?: number;
  /** Vendor metadata written beside the clip as <name>.json (md5 added unless given); false: no sidecar. */
  sidecar?: Record<string, unknown> | false;
  /** Copy this clip instead of running ffmpeg (plus `salt`, so the content is unique). */
  from?: string;
  salt?: string;
  /** Subfolder of the dock root. */
  dir?: string;
}

export interface DockClip {
  name: string;
  path: string;
  sha256: string;
  md5: string;
  sizeBytes: number;
}

/** How a camera at +08:00 writes its start time into a name: YYYYMMDDhhmmss. */
export function cameraStamp(d: Date, offsetMinutes = 480): string {
  return new Date(d.getTime() + offsetMinutes * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function vendorName(spec: Pick<DockClipSpec, 'camera' | 'officer' | 'start' | 'style' | 'seq'>): string {
  const stamp = cameraStamp(spec.start);
  if (spec.style === 'officer-at-start-at-serial') return `${spec.officer}@${stamp}@${spec.camera.replace(/-/g, '')}.MP4`;
  return `${spec.camera}_${spec.officer}_${stamp}_${String(spec.seq ?? 1).padStart(4, '0')}.mp4`;
}

async function digestsOf(file: string): Promise<{ sha256: string; md5: string; sizeBytes: number }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), sizeBytes: (await stat(file)).size };
}

/**
 * "Records" a clip on a docked camera: the dock writes the sidecar first, then the clip (whole, by rename), as
 * docks that copy from cameras do. Returns the clip's name and digests.
 */
export async function writeDockClip(root: string, spec: DockClipSpec, name = vendorName(spec)): Promise<DockClip> {
  const dir = path.join(root, spec.dir ?? '');
  await mkdir(dir, { recursive: true });
  const staging = path.join(root, `.staging-${randomBytes(6).toString('hex')}.mp4`);
  try {
    if (spec.from) await copyFile(spec.from, staging);
    else await generateClip({ path: staging, seconds: spec.seconds, width: 320, height: 240, fps: 15, label: `${spec.camera} ${spec.officer}` });
    if (spec.salt) await appendFile(staging, spec.salt);
    const d = await digestsOf(staging);
    if (spec.sidecar !== false) {
      const end = new Date(spec.start.getTime() + spec.seconds * 1000);
      const sidecar = {
        fileId: `F-${randomBytes(4).toString('hex')}`,
        deviceSerial: spec.camera,
        officerId: spec.officer,
        recordedAt: spec.start.toISOString(),
        recordedEnd: end.toISOString(),
        md5: d.md5,
        flags: ['normal'],
        ...(spec.sidecar ?? {}),
      };
      await writeFile(path.join(dir, `${name}.json`), JSON.stringify(sidecar, null, 2));
    }
    const final = path.join(dir, name);
    await rename(staging, final);
    return { name, path: final, ...d };
  } finally {
    await rm(staging, { force: true });
  }
}
