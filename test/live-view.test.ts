/**
 * Live view of a room camera over WebSocket: a real GStreamer RTSP camera, the real API with its auth, node-rtsp-
 * stream's Mpeg1Muxer (ffmpeg) fanned out to viewers, and the custody chain in PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRtspCamera, type RtspCamera } from '../devices/simulators/rtsp-camera.js';
import { apiOf, createPeople } from './helpers/case-fixtures.js';
import { waitFor } from './helpers/docks.js';
import { startHarness, type Harness } from './helpers/harness.js';

interface WsClient {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'open', fn: () => void): void;
  on(event: 'close', fn: (code: number, reason: string) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'unexpected-response', fn: (req: unknown, res: IncomingMessage) => void): void;
  close(): void;
  readonly protocol: string;
}
type WsCtor = new (url: string, protocols?: string[], opts?: { headers?: Record<string, string> }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsCtor;

const UNIT = '330100000029';
const STALL_SEC = 3;

/** Opens a socket and collects binary frames; resolves with the refusal (status, body) if the handshake is refused. */
function connect(url: string, protocols?: string[], headers?: Record<string, string>) {
  const ws = new WebSocket(url, protocols, { headers });
  const frames: Buffer[] = [];
  ws.on('message', (d) => frames.push(d));
  const opened = new Promise<{ ok: true } | { ok: false; status: number; body: { code: string; message: string } }>((resolve, reject) => {
    ws.on('open', () => resolve({ ok: true }));
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on('error', (err) => reject(err));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return { ws, frames, opened, closed };
}

/** ffmpeg processes reading this camera (the live view asks for ?tcp; the URL carries the camera's own port). */
function ffmpegsFor(cam: RtspCamera): number {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes('ffmpeg') && l.includes(`:${cam.port}/`) && l.includes('mpeg1video')).length;
}

describe('live view of a room camera', () => {
  let h: Harness;
  let cam: RtspCamera;
  let tokens: Record<string, string>;
  let roomId = '';
  let deviceId = '';
  let url = '';

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', workers: false, env: { LIVE_VIEW_STALL_SEC: String(STALL_SEC) } });
    const api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: { units: [{ code: UNIT, name: '刑侦三队' }, { code: '330100000039', name: '治安大队' }], officers: [{ number: '024682', name: '张三', unitCode: UNIT }] },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    cam = await startRtspCamera({ label: 'live', width: 320, height: 240, fps: 10, keyint: 10, audio: true });
    const room = await api(h.adminToken, '/api/v1/rooms', { body: { name: '讯问室L', unitCode: UNIT } });
    roomId = room.body.id;
    const device = await h.registerDevice('camera', `IRL-${randomBytes(3).toString('hex')}`);
    deviceId = device.id;
    const attached = await api(h.adminToken, `/api/v1/rooms/${roomId}/cameras`, { body: { deviceId, role: 'overview', streamUri: cam.url } });
    expect(attached.status, JSON.stringify(attached.body)).toBe(201);
    ({ tokens } = await createPeople(h, [
      { username: 'l-reviewer', role: 'reviewer', unitCode: UNIT },
      { username: 'l-officer', role: 'officer', unitCode: UNIT, officerNumber: '024682' },
      { username: 'l-reviewer-other', role: 'reviewer', unitCode: '330100000039' },
    ]));
    url = `${h.baseUrl.replace('http', 'ws')}/api/v1/rooms/${roomId}/cameras/${deviceId}/live`;
  }, 60_000);

  afterAll(async () => {
    await cam?.close();
    await h?.stop();
  });

  it('refuses a missing token (401) and people without scope (403), with our error codes, logging the refusals', async () => {
    const none = await connect(url).opened;
    expect(none).toEqual({ ok: false, status: 401, body: expect.objectContaining({ code: 'EVM_UNAUTHENTICATED' }) });
    const bad = await connect(`${url}?token=evmu_not-a-token`).opened;
    expect(bad.ok === false && bad.body.code).toBe('EVM_UNAUTHENTICATED');
    const officer = await connect(url, ['evm-live', tokens['l-officer']!]).opened;
    expect(officer).toEqual({ ok: false, status: 403, body: expect.objectContaining({ code: 'EVM_FORBIDDEN' }) });
    const other = await connect(`${url}?token=${tokens['l-reviewer-other']}`).opened;
    expect(other.ok === false && [other.status, other.body.code]).toEqual([403, 'EVM_FORBIDDEN']);
    const refused = await h.services.db.query<{ actor: string }>(`select actor from custody_events where type = 'access.refused' and details->>'action' = 'live-view' order by seq`);
    expect(refused.map((r) => r.actor)).toEqual(['user:l-officer', 'user:l-reviewer-other']);
    const unknown = await connect(`${h.baseUrl.replace('http', 'ws')}/api/v1/rooms/${roomId}/cameras/${randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')}/live`, ['evm-live', tokens['l-reviewer']!]).opened;
    expect(unknown.ok === false && [unknown.status, unknown.body.code]).toEqual([404, 'EVM_NOT_FOUND']);
    expect(ffmpegsFor(cam)).toBe(0);
  });

  it('streams MPEG-TS to an authorised reviewer and a second viewer from one ffmpeg, stopped when the last one leaves; opens and closes are custody events', async () => {
    const a = connect(`${url}?purpose=${encodeURIComponent('值班巡查')}`, ['evm-live', tokens['l-reviewer']!]);
    expect(await a.opened).toEqual({ ok: true });
    expect(a.ws.protocol).toBe('evm-live');
    await waitFor(async () => a.frames.reduce((n, f) => n + f.length, 0) > 20_000, 20_000, 'live bytes');
    // whole TS packets, each frame starting on the 0x47 sync byte
    expect(a.frames[0]![0]).toBe(0x47);
    for (const f of a.frames) {
      expect(f.length % 188).toBe(0);
      expect(f[0]).toBe(0x47);
    }
    // MPEG-1 video inside: a sequence header start code (00 00 01 B3) in the payload
    expect(Buffer.concat(a.frames).includes(Buffer.from([0, 0, 1, 0xb3]))).toBe(true);

    // the admin token as a query parameter: a second viewer of the same camera shares the ffmpeg
    const b = connect(`${url}?token=${h.adminToken}`);
    expect(await b.opened).toEqual({ ok: true });
    await waitFor(async () => b.frames.length > 0, 10_000, 'second viewer bytes');
    expect(b.frames[0]![0]).toBe(0x47);
    expect(ffmpegsFor(cam)).toBe(1);

    a.ws.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 500));
    expect(ffmpegsFor(cam)).toBe(1); // b still watches
    b.ws.close();
    await b.closed;
    await waitFor(async () => ffmpegsFor(cam) === 0, 10_000, 'ffmpeg stopped after the last viewer left');

    const events = await waitFor(async () => {
      const r = await h.services.db.query<{ type: string; actor: string; details: { deviceId: string; purpose: string | null; bytes?: number; seconds?: number } }>(
        `select type, actor, details from custody_events where type like 'live_view.%' order by seq`,
      );
      return r.length === 4 && r;
    }, 10_000, 'four live view custody events');
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['live_view.opened', 'user:l-reviewer'],
      ['live_view.opened', 'admin'],
      ['live_view.closed', 'user:l-reviewer'],
      ['live_view.closed', 'admin'],
    ]);
    expect(events[0]!.details).toEqual(expect.objectContaining({ deviceId, purpose: '值班巡查' }));
    expect(events[2]!.details.bytes).toBeGreaterThan(20_000);
    expect(events[2]!.details.seconds).toBeGreaterThan(0);
  }, 60_000);

  it('ends a stream whose camera stalls (connection open, nothing sent) with 1011, stops its ffmpeg, and serves again once the camera is back', async () => {
    const a = connect(url, ['evm-live', tokens['l-reviewer']!]);
    expect(await a.opened).toEqual({ ok: true });
    await waitFor(async () => a.frames.length > 0, 20_000, 'live bytes before the stall');
    cam.freeze(); // SIGSTOP: the camera's TCP connection stays open and sends nothing
    const frozenAt = Date.now();
    try {
      const closed = await Promise.race([a.closed, new Promise<null>((r) => setTimeout(() => r(null), STALL_SEC * 1000 + 10_000))]);
      expect(closed).toEqual({ code: 1011, reason: expect.stringContaining('stalled') });
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(STALL_SEC * 1000 - 1000);
      await waitFor(async () => ffmpegsFor(cam) === 0, 10_000, 'the stalled stream\'s ffmpeg stopped');
    } finally {
      cam.thaw();
    }
    // the player's reconnect: a fresh stream from the same camera
    const b = connect(url, ['evm-live', tokens['l-reviewer']!]);
    expect(await b.opened).toEqual({ ok: true });
    await waitFor(async () => b.frames.reduce((n, f) => n + f.length, 0) > 10_000, 20_000, 'live bytes after the camera is back');
    expect(ffmpegsFor(cam)).toBe(1);
    b.ws.close();
    await b.closed;
    await waitFor(async () => ffmpegsFor(cam) === 0, 10_000, 'ffmpeg stopped after the viewer left');
  }, 60_000);
});
