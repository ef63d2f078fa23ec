import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { startFtpDockSimulator, writeDockClip, type VendorNameStyle } from './ftp-dock-simulator.js';

export interface DemoFtpDockOptions {
  baseUrl: string;
  adminToken: string;
  /** Where the simulated dock keeps its FTP folder and its registration. */
  dir: string;
  log: Logger;
  initialClips?: number;
  /** One more clip "recorded" every `intervalMs` (0: none). */
  intervalMs?: number;
}

const CAMERAS = [
  { serial: 'BWC-3302-0101', officer: '035791', style: 'officer-at-start-at-serial' as VendorNameStyle },
  { serial: 'BWC-3302-0102', officer: '046802', style: 'serial-officer-start-seq' as VendorNameStyle },
];

/**
 * A second demo dock that speaks FTP instead of tus: a simulated dock station's FTP server on 127.0.0.1 whose
 * folder fills with vendor-named clips and sidecar JSON. It registers itself like an installer would (device, then
 * the pull source the service polls), so the demo shows footage arriving by the pull path too: each clip is fetched,
 * verified, and only then moved into done/ on the dock.
 */
export async function startDemoFtpDock(o: DemoFtpDockOptions): Promise<() => Promise<void>> {
  const root = path.join(o.dir, 'ftp-root');
  await mkdir(root, { recursive: true });
  const state = await registration(o);
  const sim = await startFtpDockSimulator({ root, username: 'dock', password: state.ftpPassword, log: o.log });
  // The port is new on every start: (re)register the pull source, which keeps its id and history.
  const res = await fetch(`${o.baseUrl}/api/v1/docks/${state.deviceId}/pull-source`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${o.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ protocol: 'ftp', url: sim.url, username: sim.username, password: sim.password, pollIntervalSec: 5, stableSec: 2, ackMode: 'rename', doneDir: 'done' }),
  });
  if (!res.ok) throw new Error(`demo FTP dock: pull-source registration failed: ${res.status} ${await res.text()}`);
  o.log.info({ url: sim.url, deviceId: state.deviceId }, 'demo FTP dock serving clips');

  let n = 0;
  let stopped = false;
  const record = async () => {
    const cam = CAMERAS[n % CAMERAS.length]!;
    n++;
    const seconds = 5 + (n % 4);
    const start = new Date(Date.now() - seconds * 1000);
    const clip = await writeDockClip(root, { camera: cam.serial, officer: cam.officer, start, seconds, style: cam.style, seq: n, sidecar: { flags: n % 3 === 0 ? ['important'] : ['normal'] } });
    o.log.info({ file: clip.name }, 'demo FTP dock: clip recorded, waiting on the dock for the service to fetch it');
  };
  const run = async (count: number) => {
    for (let i = 0; i < count && !stopped; i++) await record().catch((err) => o.log.error({ err }, 'demo FTP dock clip failed'));
  };
  void run(o.initialClips ?? 2);
  const timer = o.intervalMs ? setInterval(() => void run(1), o.intervalMs) : null;
  timer?.unref();
  return async () => {
    stopped = true;
    if (timer) clearInterval(timer);
    await sim.stop();
  };
}

async function registration(o: DemoFtpDockOptions): Promise<{ deviceId: string; ftpPassword: string }> {
  const file = path.join(o.dir, 'ftp-dock.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { deviceId: string; ftpPassword: string };
  } catch {
    const res = await fetch(`${o.baseUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${o.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'dock', serial: `DEMO-FTP-DOCK-${Date.now().toString(36).toUpperCase()}`, name: '演示采集站 (FTP) Demo FTP dock' }),
    });
    if (!res.ok) throw new Error(`demo FTP dock registration failed: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const state = { deviceId: id, ftpPassword: randomBytes(12).toString('base64url') };
    await writeFile(file, JSON.stringify(state), { mode: 0o600 });
    return state;
  }
}
