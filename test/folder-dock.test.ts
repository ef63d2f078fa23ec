import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { writeDockClip } from '../devices/simulators/ftp-dock-simulator.js';
import { createDockPoller, type DockPoller } from '../devices/dock-poller.js';
import { api, countRows, filesUnder, waitFor } from './helpers/docks.js';
import { startHarness, type Harness } from './helpers/harness.js';

let h: Harness;
let work: string;
let share: string;
let baseClip: string;
let poller: DockPoller;
let dock: { id: string; token: string; serial: string };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'evm-folder-test-'));
  share = path.join(work, 'share');
  baseClip = path.join(work, 'base.mp4');
  const [harness] = await Promise.all([startHarness({ db: 'postgres' }), generateClip({ path: baseClip, seconds: 2, width: 320, height: 240, fps: 15 })]);
  h = harness;
  await writeFile(path.join(work, 'outside-secret.mp4'), 'not footage the dock exported');
  await mkdir(share);
  dock = await h.registerDevice('dock');
  const res = await api(h, 'POST', `/api/v1/docks/${dock.id}/pull-source`, h.adminToken, { protocol: 'folder', path: share, pollIntervalSec: 0.2, stableSec: 2 });
  expect(res.status, res.text).toBe(201);
  poller = createDockPoller(h.services, { tickMs: 100, matchEveryMs: 0 }).start();
});
afterAll(async () => {
  await poller?.stop();
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const ledger = async () => (await api<Array<{ name: string; status: string; mediaId: string | null }>>(h, 'GET', `/api/v1/docks/${dock.id}/pull-source/files`, h.adminToken)).body;

describe('shared-folder dock', () => {
  it('ingests a file only once it is complete (size stable), then moves it to done after the receipt', async () => {
    const bytes = Buffer.concat([await readFile(baseClip), randomBytes(16)]);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const name = 'BWC-3301-0012_024680_20261123090000_0001.mp4';
    const file = path.join(share, name);
    const half = Math.floor(bytes.length / 2);

    // The dock (or an SMB client) is still writing: half the file, a pause shorter than the stable period, the rest.
    await writeFile(file, bytes.subarray(0, half));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await ledger()).toEqual([]);
    expect(await countRows(h, 'select count(*)::int as n from media where uploaded_by = $1', [dock.id])).toBe(0);
    await appendFile(file, bytes.subarray(half));

    await waitFor(async () => (await ledger()).find((r) => r.name === name && r.status === 'released'), 30_000, 'released');
    const media = await h.services.db.query<{ sha256: string; size_bytes: number; device_serial: string; recorded_at: Date; verified_at: Date }>('select * from media where uploaded_by = $1', [dock.id]);
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ sha256: sha, size_bytes: bytes.length, device_serial: 'BWC-3301-0012' });
    expect(media[0]!.recorded_at.toISOString()).toBe('2026-11-23T01:00:00.000Z'); // from the name, at +08:00
    expect(existsSync(file)).toBe(false);
    expect(createHash('sha256').update(await readFile(path.join(share, 'done', name))).digest('hex')).toBe(sha);
    expect(await filesUnder(h.services.config.paths.dockSpool)).toEqual([]);
  });

  it('moves the sidecar with its clip, and never follows a symbolic link planted in the share', async () => {
    await symlink(path.join(work, 'outside-secret.mp4'), path.join(share, 'planted-link.mp4'));
    const c = await writeDockClip(share, { camera: 'BWC-3301-0031', officer: '011223', start: new Date(), seconds: 2, from: baseClip, salt: 'sidecar', sidecar: { caseNumber: 'A-2026-77' } });
    await waitFor(async () => (await ledger()).find((r) => r.name === c.name && r.status === 'released'), 30_000, 'released');
    expect(existsSync(path.join(share, 'done', c.name))).toBe(true);
    expect(existsSync(path.join(share, 'done', `${c.name}.json`))).toBe(true);
    const [m] = await h.services.db.query<{ case_number: string }>('select case_number from media where sha256 = $1', [c.sha256]);
    expect(m!.case_number).toBe('A-2026-77');

    expect((await ledger()).some((r) => r.name === 'planted-link.mp4')).toBe(false);
    expect(existsSync(path.join(share, 'planted-link.mp4'))).toBe(true);
    const secret = createHash('sha256').update('not footage the dock exported').digest('hex');
    expect(await countRows(h, 'select count(*)::int as n from media where sha256 = $1', [secret])).toBe(0);
  });

  it("reports the folder's disk use and the dock as seen", async () => {
    const docks = await api<Array<{ id: string; diskTotalBytes: number; diskUsedBytes: number; lastSeenAt: string; inventory: { stored: number } }>>(h, 'GET', '/api/v1/docks', h.adminToken);
    const me = docks.body.find((d) => d.id === dock.id)!;
    expect(me.diskTotalBytes).toBeGreaterThan(0);
    expect(me.diskUsedBytes).toBeGreaterThan(0);
    expect(me.lastSeenAt).not.toBeNull();
    expect(me.inventory.stored).toBe(2);
  });
});
