/**
 * Runs inside a network namespace of its own (test/onvif-discovery.test.ts starts it with `ip netns exec`), where
 * multicast stays on that namespace's loopback: starts ONVIF simulators with `multicast: true`, discovers them
 * by WS-Discovery and prints one JSON object on stdout for the test to check.
 *
 *   discover: the `onvif` probe itself, two probes at once, and a device read through each XAddr.
 *   api:      the real service (PGlite, embedded Redis) and POST /api/v1/cameras/discover through fastify.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readOnvifCamera } from '../../devices/onvif-camera.js';
import { deviceServiceUrl, discoverOnvifCameras } from '../../devices/onvif-discovery.js';
import { startOnvifSimulator, type OnvifSimulator, type OnvifSimulatorOptions } from '../../devices/simulators/onvif-simulator.js';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { boot } from '../../src/runtime/boot.js';

const mode = process.argv[2];

async function sims(specs: Array<Omit<OnvifSimulatorOptions, 'streamUri'>>): Promise<OnvifSimulator[]> {
  const out: OnvifSimulator[] = [];
  // No RTSP server is needed: reading a camera asks for its stream URI, it does not open it.
  for (const [i, s] of specs.entries()) out.push(await startOnvifSimulator({ streamUri: `rtsp://127.0.0.1:8554/cam${i}`, ...s }));
  return out;
}
const describeSim = (s: OnvifSimulator) => ({ endpoint: s.endpoint, url: s.url, discoveryPort: s.discoveryPort });

const ROGUE_ENDPOINT = 'urn:uuid:00000000-0000-4000-8000-00000000dead';

/** Answers every multicast Probe with a ProbeMatches that relates to some other message: must be ignored. */
async function rogueResponder(): Promise<Socket> {
  const udp = createSocket({ type: 'udp4', reuseAddr: true });
  udp.on('message', (_msg, rinfo) => {
    const reply =
      '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
      'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">' +
      `<s:Header><a:RelatesTo>urn:uuid:${randomUUID()}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>` +
      `<a:EndpointReference><a:Address>${ROGUE_ENDPOINT}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>` +
      '<d:Scopes></d:Scopes><d:XAddrs>http://127.0.0.1:9/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>' +
      '</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>';
    udp.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(3702, () => resolve()));
  udp.addMembership('239.255.255.250');
  return udp;
}

async function discoverMode() {
  const started = await sims([
    { multicast: true, model: 'IR-CAM-A', serialNumber: 'WSD-A', hardwareId: 'hw-a', location: '讯问室1' },
    { multicast: true, model: 'IR-CAM-B', serialNumber: 'WSD-B', location: '讯问室2', username: 'admin', password: 'pa55' },
    // Never joins the group: must not be found.
    { model: 'IR-CAM-C', serialNumber: 'WSD-C' },
  ]);
  const rogue = await rogueResponder();
  try {
    const found = await discoverOnvifCameras({ timeoutMs: 1000 });
    const infos = await Promise.all(
      found.map(async (f) => ({ endpoint: f.endpoint, info: await readOnvifCamera({ url: deviceServiceUrl(f)!, username: 'admin', password: 'pa55' }) })),
    );
    // Two probes at once on the one Discovery singleton: each gets every camera once, and only its own answers.
    const concurrent = await Promise.all([discoverOnvifCameras({ timeoutMs: 800 }), discoverOnvifCameras({ timeoutMs: 800 })]);
    return { sims: started.map(describeSim), rogueEndpoint: ROGUE_ENDPOINT, found, infos, concurrent: concurrent.map((c) => c.map((f) => f.endpoint).sort()) };
  } finally {
    rogue.close();
    await Promise.all(started.map((s) => s.close()));
  }
}

async function apiMode() {
  const started = await sims([
    { multicast: true, model: 'IR-CAM-A', serialNumber: 'WSD-A', location: '讯问室1' },
    { multicast: true, model: 'IR-CAM-B', serialNumber: 'WSD-B', location: '讯问室2', username: 'admin', password: 'pa55' },
    { multicast: true, model: 'IR-CAM-C', serialNumber: 'WSD-C', username: 'other', password: 'secret' },
  ]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'evm-wsd-'));
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ADMIN_TOKEN: adminToken, STORAGE_MIN_FREE_BYTES: '0' });
  const booted = await boot(config);
  const app = await buildApp(booted.services);
  const off = await buildApp({ ...booted.services, config: { ...config, ONVIF_DISCOVERY: false } });
  const auth = { authorization: `Bearer ${adminToken}` };
  try {
    const post = async (url: string, payload: object) => {
      const res = await app.inject({ method: 'POST', url, headers: auth, payload });
      if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json() as { id: string };
    };
    // A registered and attached to a room, B registered only, C unknown (and not readable with these credentials).
    const devA = await post('/api/v1/devices', { kind: 'camera', serial: 'WSD-A', name: 'room 1 overview' });
    const devB = await post('/api/v1/devices', { kind: 'camera', serial: 'WSD-B', name: 'spare' });
    const room = await post('/api/v1/rooms', { name: '讯问室1' });
    await post(`/api/v1/rooms/${room.id}/cameras`, { deviceId: devA.id, role: 'overview', onvifUrl: started[0]!.url });

    await post('/api/v1/users', { username: 'auditor1', displayName: 'Auditor', password: 'a long enough password 1', role: 'auditor' });
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'auditor1', password: 'a long enough password 1' } });
    const auditor = { authorization: `Bearer ${(login.json() as { token: string }).token}` };

    const discover = await app.inject({ method: 'POST', url: '/api/v1/cameras/discover', headers: auth, payload: { timeoutMs: 1000, username: 'admin', password: 'pa55' } });
    const unauthenticated = await app.inject({ method: 'POST', url: '/api/v1/cameras/discover', payload: {} });
    const tooShort = await app.inject({ method: 'POST', url: '/api/v1/cameras/discover', headers: auth, payload: { timeoutMs: 100 } });
    const notAdmin = await app.inject({ method: 'POST', url: '/api/v1/cameras/discover', headers: auditor, payload: {} });
    const disabled = await off.inject({ method: 'POST', url: '/api/v1/cameras/discover', headers: auth });
    const reply = (r: { statusCode: number; body: string }) => ({ status: r.statusCode, body: JSON.parse(r.body) as unknown });
    return {
      sims: started.map(describeSim),
      ids: { deviceA: devA.id, deviceB: devB.id, room: room.id },
      discover: reply(discover),
      unauthenticated: reply(unauthenticated),
      notAdmin: reply(notAdmin),
      tooShort: reply(tooShort),
      disabled: reply(disabled),
    };
  } finally {
    await off.close();
    await app.close();
    await booted.shutdown();
    await Promise.all(started.map((s) => s.close()));
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

const run = mode === 'discover' ? discoverMode : mode === 'api' ? apiMode : null;
if (!run) {
  process.stderr.write('usage: onvif-discovery-netns.ts discover|api\n');
  process.exit(2);
}
run().then(
  (out) => {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
