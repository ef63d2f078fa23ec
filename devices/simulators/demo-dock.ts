import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { sha256OfFile, uploadFile, waitForReceipt } from '../tus-dock-client.js';
import { generateClip } from './clips.js';

export interface DemoDockOptions {
  baseUrl: string;
  adminToken: string;
  /** Where the simulated cameras keep their files and the dock its token. */
  dir: string;
  log: Logger;
  /** Clips uploaded at start, then one more every `intervalMs` (0: none). */
  initialClips?: number;
  intervalMs?: number;
}

const CAMERAS = [
  { serial: 'BWC-3301-0007', officer: '013579' },
  { serial: 'BWC-3301-0012', officer: '024680' },
  { serial: 'BWC-3301-0031', officer: '011223' },
];

/**
 * A simulated dock station: registers itself like an installer would, "records" clips on its cameras with
 * ffmpeg, uploads them over tus, and frees a camera's copy only after the receipt says verified.
 */
export async function startDemoDock(o: DemoDockOptions): Promise<() => void> {
  await mkdir(o.dir, { recursive: true });
  const token = await dockToken(o);
  let n = 0;
  let stopped = false;

  const once = async () => {
    const cam = CAMERAS[n % CAMERAS.length]!;
    n++;
    const end = new Date();
    const seconds = 6 + (n % 5);
    const start = new Date(end.getTime() - seconds * 1000);
    const stamp = start.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    // Vendor-style name: serial_officer_start_seq
    const file = path.join(o.dir, `${cam.serial}_${cam.officer}_${stamp}_${String(n).padStart(4, '0')}.mp4`);
    await generateClip({ path: file, seconds, width: 640, height: 360, label: `${cam.serial} ${cam.officer}` });
    const sha256 = await sha256OfFile(file);
    // Like a real dock, tell the service what the camera holds before handing it over: the storage-rate denominator.
    await reportInventory(o.baseUrl, token, cam.serial, [{ name: path.basename(file), sizeBytes: (await stat(file)).size, sha256, recordedAt: start.toISOString(), recordedEnd: end.toISOString() }]);
    const url = await uploadFile({
      baseUrl: o.baseUrl,
      token,
      path: file,
      metadata: {
        filename: path.basename(file),
        deviceSerial: cam.serial,
        officerId: cam.officer,
        recordedAt: start.toISOString(),
        recordedEnd: end.toISOString(),
        flags: n % 4 === 0 ? 'important' : 'normal',
        sha256,
      },
    });
    const receipt = await waitForReceipt(o.baseUrl, token, url);
    if (receipt.verified) {
      await rm(file); // the camera's copy may go only now
      o.log.info({ mediaId: receipt.mediaId, file: path.basename(file) }, 'demo dock: verified, camera space freed');
    } else {
      o.log.warn({ receipt, file }, 'demo dock: not verified; keeping the camera copy');
    }
  };

  const run = async (count: number) => {
    for (let i = 0; i < count && !stopped; i++) await once().catch((err) => o.log.error({ err }, 'demo dock upload failed'));
  };
  void run(o.initialClips ?? 3);
  const timer = o.intervalMs ? setInterval(() => void run(1), o.intervalMs) : null;
  timer?.unref();
  return () => {
    stopped = true;
    if (timer) clearInterval(timer);
  };
}

async function reportInventory(baseUrl: string, token: string, camera: string, files: Array<Record<string, unknown>>): Promise<void> {
  const headers = { Authorization: `Bearer ${token}` };
  const me = (await (await fetch(`${baseUrl}/api/v1/me`, { headers })).json()) as { id: string };
  const res = await fetch(`${baseUrl}/api/v1/docks/${me.id}/inventory`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ cameras: [{ serial: camera, files }] }),
  });
  if (!res.ok) throw new Error(`inventory report failed: ${res.status} ${await res.text()}`);
}

async function dockToken(o: DemoDockOptions): Promise<string> {
  const file = path.join(o.dir, 'dock.json');
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { token: string }).token;
  } catch {
    const res = await fetch(`${o.baseUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${o.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'dock', serial: `DEMO-DOCK-${Date.now().toString(36).toUpperCase()}`, name: '演示采集站 Demo dock' }),
    });
    if (!res.ok) throw new Error(`demo dock registration failed: ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    await writeFile(file, JSON.stringify({ token }), { mode: 0o600 });
    return token;
  }
}
