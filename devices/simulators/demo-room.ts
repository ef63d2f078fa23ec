/**
 * The demo's interrogation room: two simulated cameras (overview with audio, frontal), each a GStreamer RTSP
 * server with an ONVIF simulator in front, registered through the API as cameras of the room "演示讯问室".
 * Nothing is recorded until someone switches recording on for a session held in that room. No discovery
 * multicast: the cameras are attached by their ONVIF URLs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { startOnvifSimulator, type OnvifSimulator } from './onvif-simulator.js';
import { gstreamerRtspAvailable, startRtspCamera, type RtspCamera } from './rtsp-camera.js';

export const DEMO_ROOM = '演示讯问室';

export interface DemoRoomOptions {
  baseUrl: string;
  adminToken: string;
  log: Logger;
  /**
   * Where the cameras' ONVIF ports are kept between runs (in DATA_DIR). The room keeps the URL it was given, and a
   * recording resumed after a restart reaches its cameras only if they come back on the same ports.
   */
  portsFile?: string;
}

export async function startDemoRoom(o: DemoRoomOptions): Promise<() => Promise<void>> {
  if (!(await gstreamerRtspAvailable())) {
    o.log.warn('demo interrogation room not started: GStreamer RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0) is not installed');
    return async () => undefined;
  }
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${o.baseUrl}${url}`, {
      method,
      headers: { Authorization: `Bearer ${o.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  };
  const cameras: RtspCamera[] = [];
  const onvifs: OnvifSimulator[] = [];
  const stop = async () => {
    await Promise.allSettled([...onvifs.map((s) => s.close()), ...cameras.map((c) => c.close())]);
  };
  try {
    let room = await call('POST', '/api/v1/rooms', { name: DEMO_ROOM });
    if (room.status === 409) room = { status: 200, body: (await call('GET', '/api/v1/rooms')).body.find((r: { name: string }) => r.name === DEMO_ROOM) };
    const roomId: string = room.body.id;
    const devices = (await call('GET', '/api/v1/devices')).body as Array<{ id: string; serial: string }>;
    const attachedUrls = new Map(
      ((await call('GET', `/api/v1/rooms/${roomId}`)).body?.cameras ?? []).map((c: { deviceId: string; onvifUrl: string | null }) => [c.deviceId, c.onvifUrl]),
    );
    const ports: Record<string, number> = o.portsFile ? await readFile(o.portsFile, 'utf8').then((t) => JSON.parse(t) as Record<string, number>, () => ({})) : {};
    for (const role of ['overview', 'frontal'] as const) {
      const serial = `DEMO-IR-${role.toUpperCase()}`;
      const rtsp = await startRtspCamera({ label: `${DEMO_ROOM} ${role}`, width: 640, height: 360, fps: 15, audio: role === 'overview' });
      cameras.push(rtsp);
      const simulator = { streamUri: () => rtsp.url, serialNumber: serial, model: 'DEMO-IR-CAM', location: DEMO_ROOM, width: 640, height: 360 };
      // Last run's port when it is free, so the room's ONVIF URL stays right; any port otherwise.
      const onvif = await startOnvifSimulator({ ...simulator, port: ports[serial] }).catch(() => startOnvifSimulator(simulator));
      onvifs.push(onvif);
      ports[serial] = onvif.port;
      let deviceId = devices.find((d) => d.serial === serial)?.id;
      if (!deviceId) deviceId = (await call('POST', '/api/v1/devices', { kind: 'camera', serial, name: `${DEMO_ROOM} ${role}` })).body.id as string;
      if (attachedUrls.get(deviceId) === onvif.url) continue;
      // A new port (first run, or the old one taken): attach again with this run's URL (refused while the room records).
      await call('DELETE', `/api/v1/rooms/${roomId}/cameras/${deviceId}`);
      const attached = await call('POST', `/api/v1/rooms/${roomId}/cameras`, { deviceId, role, onvifUrl: onvif.url });
      if (attached.status !== 201) o.log.warn({ status: attached.status, body: attached.body }, 'demo camera not attached');
    }
    if (o.portsFile) await writeFile(o.portsFile, JSON.stringify(ports));
    o.log.info({ room: DEMO_ROOM, cameras: cameras.map((c) => c.url) }, `demo interrogation room ready: record a session held in room "${DEMO_ROOM}" with POST /api/v1/interrogation-sessions/{id}/recording/start`);
    return stop;
  } catch (err) {
    await stop();
    throw err;
  }
}
