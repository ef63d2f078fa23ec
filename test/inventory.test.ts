import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { sha256OfFile, uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { api, countRows } from './helpers/docks.js';
import { startHarness, type Harness } from './helpers/harness.js';

const HOUR = 3_600_000;
let h: Harness;
let work: string;
let dock: { id: string; token: string; serial: string };
const clips: Array<{ path: string; name: string; sha256: string; sizeBytes: number }> = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'evm-inventory-test-'));
  const base = path.join(work, 'base.mp4');
  const [harness] = await Promise.all([startHarness({ db: 'postgres' }), generateClip({ path: base, seconds: 2, width: 320, height: 240, fps: 15 })]);
  h = harness;
  for (let i = 0; i < 5; i++) {
    const name = `BWC-7_000777_2026112${i}083000_000${i}.mp4`;
    const p = path.join(work, name);
    await copyFile(base, p);
    await appendFile(p, randomBytes(16));
    clips.push({ path: p, name, sha256: await sha256OfFile(p), sizeBytes: (await stat(p)).size });
  }
  dock = await h.registerDevice('dock');
});
afterAll(async () => {
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();
const report = (token: string | null, id = dock.id, body: unknown = { cameras: [] }) => api(h, 'POST', `/api/v1/docks/${id}/inventory`, token, body);
const inventory = async (status?: string) =>
  (await api<Array<{ name: string; status: string; mediaId: string | null; onDock: boolean }>>(h, 'GET', `/api/v1/docks/${dock.id}/inventory${status ? `?status=${status}` : ''}`, h.adminToken)).body;
const names = (files: Array<{ name: string }>) => files.map((f) => f.name).sort();

describe('dock inventory', () => {
  it('only the dock itself reports its inventory', async () => {
    const other = await h.registerDevice('dock');
    const camera = await h.registerDevice('camera');
    expect((await report(null)).status).toBe(401);
    expect((await report('evd_not-a-token')).status).toBe(401);
    expect((await report(h.adminToken)).status).toBe(403);
    const foreign = await report(other.token);
    expect([foreign.status, foreign.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    const unknown = await report(other.token, '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'EVM_NOT_FOUND']);
    const cam = await report(camera.token, camera.id);
    expect([cam.status, cam.body.code]).toEqual([409, 'EVM_NOT_A_DOCK']);
    const bad = await report(dock.token, dock.id, { cameras: [{ serial: 'BWC-7', files: [{ name: 'x.mp4', sizeBytes: -1 }] }] });
    expect([bad.status, bad.body.code]).toEqual([400, 'EVM_VALIDATION']);
    expect((await api(h, 'GET', `/api/v1/docks/${dock.id}/inventory`, dock.token)).status).toBe(403);
    expect((await api(h, 'GET', '/api/v1/docks', dock.token)).status).toBe(403);
    expect((await api(h, 'GET', '/api/v1/docks', null)).status).toBe(401);
  });

  it('counts files never delivered as missing, flags them from 20 h and overdue after 24 h, and matches files stored later', async () => {
    const [bySha, byName, fresh, due, overdue] = clips as [typeof clips[0], typeof clips[0], typeof clips[0], typeof clips[0], typeof clips[0]];
    const file = (c: (typeof clips)[0], endHoursAgo: number, extra: Record<string, unknown> = {}) => ({ name: c.name, sizeBytes: c.sizeBytes, recordedEnd: ago(endHoursAgo), recordedAt: ago(endHoursAgo + 0.01), ...extra });
    const body = {
      cameras: [
        {
          serial: 'BWC-7',
          files: [file(bySha, 2, { sha256: bySha.sha256, fileId: 'F-1', flags: ['important'] }), file(byName, 3), file(fresh, 1), file(due, 21), file(overdue, 25)],
        },
      ],
      diskUsedBytes: 123_456_789,
      diskTotalBytes: 1_000_000_000,
    };
    const first = await report(dock.token, dock.id, body);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ files: 5, stored: 0, missing: 5 });

    expect(names(await inventory('missing'))).toEqual(names(clips));
    expect(names(await inventory('due'))).toEqual([due.name]);
    expect(names(await inventory('overdue'))).toEqual([overdue.name]);
    expect((await inventory('due'))[0]!.status).toBe('due');

    // Two of them arrive later over tus: one matched by its hash, one by camera serial, name and size.
    for (const c of [bySha, byName]) {
      const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: c.path, metadata: { filename: c.name, deviceSerial: 'BWC-7', officerId: '000777' } });
      expect((await waitForReceipt(h.baseUrl, dock.token, url)).verified).toBe(true);
    }
    const stored = await inventory('stored');
    expect(names(stored)).toEqual(names([bySha, byName]));
    expect(stored.every((f) => f.mediaId && f.status === 'stored')).toBe(true);
    expect(names(await inventory('missing'))).toEqual(names([fresh, due, overdue]));

    // The same report again (plus the dock no longer holding the fresh one): no new rows, the gone file still counts.
    const again = await report(dock.token, dock.id, { cameras: [{ serial: 'BWC-7', files: body.cameras[0]!.files.filter((f) => f.name !== fresh.name) }] });
    expect(again.body).toEqual({ files: 5, stored: 2, missing: 3 });
    expect(await countRows(h, 'select count(*)::int as n from inventory_files where dock_id = $1', [dock.id])).toBe(5);
    const gone = (await inventory('missing')).find((f) => f.name === fresh.name)!;
    expect(gone).toMatchObject({ status: 'pending', onDock: false });

    const docks = await api<Array<Record<string, any>>>(h, 'GET', '/api/v1/docks', h.adminToken);
    expect(docks.status).toBe(200);
    const me = docks.body.find((d) => d.id === dock.id)!;
    expect(me).toMatchObject({
      serial: dock.serial,
      diskUsedBytes: 123_456_789,
      diskTotalBytes: 1_000_000_000,
      cameraCount: 1,
      backlog: 3,
      inventory: { total: 5, stored: 2, missing: 3, pending: 1, due: 1, overdue: 1, storageRate: 0.4 },
      pullSource: null,
    });
    expect(me.lastSeenAt).not.toBeNull();
    expect(me.lastInventoryAt).not.toBeNull();
  });

  it('describes the dock routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/docks', '/api/v1/docks/{deviceId}/inventory', '/api/v1/docks/{deviceId}/pull-source', '/api/v1/docks/{deviceId}/pull-source/files']),
    );
  });
});
