/**
 * Every route the README marks "(admin)" answers a person with the admin role exactly as it answers the bootstrap
 * token; other roles are refused. (The guard used to accept the token only: a logged-in admin saw no cameras.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, createPeople } from './helpers/case-fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';

describe('admin routes for admin accounts', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ workers: false });
    api = apiOf(h);
    ({ tokens } = await createPeople(h, [
      { username: 'admin1', role: 'admin' },
      { username: 'reviewer1', role: 'reviewer' },
    ]));
  }, 60_000);
  afterAll(async () => h?.stop());

  it('lets an admin person list and register devices, list media and set up rooms', async () => {
    const camera = await h.registerDevice('camera', 'IRC-ADMIN-ROLE');
    const devices = await api(tokens.admin1!, '/api/v1/devices');
    expect(devices.status, JSON.stringify(devices.body)).toBe(200);
    expect(devices.body.map((d: { serial: string }) => d.serial)).toContain('IRC-ADMIN-ROLE');
    const media = await api(tokens.admin1!, '/api/v1/media');
    expect(media.status, JSON.stringify(media.body)).toBe(200);
    expect(Array.isArray(media.body)).toBe(true);

    const dock = await api(tokens.admin1!, '/api/v1/devices', { body: { kind: 'dock', serial: 'DOCK-BY-PERSON', name: '一号采集站' } });
    expect(dock.status, JSON.stringify(dock.body)).toBe(201);
    const room = await api(tokens.admin1!, '/api/v1/rooms', { body: { name: '第三讯问室' } });
    expect(room.status, JSON.stringify(room.body)).toBe(201);
    const attached = await api(tokens.admin1!, `/api/v1/rooms/${room.body.id}/cameras`, { body: { deviceId: camera.id, role: 'overview', streamUri: 'rtsp://127.0.0.1:1/none' } });
    expect(attached.status, JSON.stringify(attached.body)).toBe(201);
    const detached = await api(tokens.admin1!, `/api/v1/rooms/${room.body.id}/cameras/${camera.id}`, { method: 'DELETE' });
    expect(detached.status, JSON.stringify(detached.body)).toBeLessThan(300);
  });

  it('still serves the bootstrap token and still refuses other roles', async () => {
    expect((await api(h.adminToken, '/api/v1/devices')).status).toBe(200);
    for (const url of ['/api/v1/devices', '/api/v1/media']) {
      const refused = await api(tokens.reviewer1!, url);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('EVM_FORBIDDEN');
    }
    expect((await api(tokens.reviewer1!, '/api/v1/devices', { body: { kind: 'dock', serial: 'DOCK-NOT-MINE', name: 'x' } })).status).toBe(403);
  });
});
