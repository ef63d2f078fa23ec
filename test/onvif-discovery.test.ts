/**
 * WS-Discovery by real multicast, kept off every shared network: each run makes a network namespace of its own
 * (only a loopback, multicast on, 224.0.0.0/4 routed to it) and runs the simulators, the `onvif` probe and the
 * API inside it (test/helpers/onvif-discovery-netns.ts, which prints JSON). Needs root for `ip netns`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const HELPER = path.join(import.meta.dirname, 'helpers', 'onvif-discovery-netns.ts');
const NS = `evm-wsd-${randomBytes(4).toString('hex')}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why the namespace tests cannot run here, or null. Tries a throwaway namespace: `ip netns list` alone proves little. */
function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (ip netns needs CAP_SYS_ADMIN)';
  const probe = `${NS}-check`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns add failed: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
  }
}

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`onvif-discovery.test.ts skipped: ${unavailable}`);

interface Sim {
  endpoint: string;
  url: string;
  discoveryPort: number | null;
}

async function inNamespace<T>(mode: 'discover' | 'api'): Promise<T> {
  const { stdout } = await run('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', HELPER, mode], { timeout: 90_000, maxBuffer: 8 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

describe.skipIf(unavailable !== null)('ONVIF discovery over multicast, in a network namespace of its own', () => {
  beforeAll(() => {
    ip('netns', 'add', NS);
    ip('-n', NS, 'link', 'set', 'lo', 'up', 'multicast', 'on');
    ip('-n', NS, 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
  });
  afterAll(() => {
    try {
      ip('netns', 'del', NS);
    } catch {
      // never created (beforeAll failed): nothing to delete
    }
  });

  it('finds each simulator that joined the group, with its XAddrs and scopes, and reads it through the XAddr', async () => {
    const out = await inNamespace<{
      sims: Sim[];
      rogueEndpoint: string;
      found: Array<{ endpoint: string; xaddrs: string[]; scopes: string[]; name: string; location: string; hardware: string; types: string[]; from: { address: string } }>;
      infos: Array<{ endpoint: string; info: { deviceInfo: Record<string, string>; streamUri: string; profileToken: string } }>;
      concurrent: string[][];
    }>('discover');
    const [a, b, c] = out.sims as [Sim, Sim, Sim];
    expect([a.discoveryPort, b.discoveryPort, c.discoveryPort]).toEqual([3702, 3702, null]);

    // A and B answered; C never joined the group; the answer relating to another message was dropped.
    const byEndpoint = new Map(out.found.map((f) => [f.endpoint, f]));
    expect([...byEndpoint.keys()].sort()).toEqual([a.endpoint, b.endpoint].sort());
    expect(byEndpoint.has(out.rogueEndpoint)).toBe(false);
    expect(byEndpoint.get(a.endpoint)).toMatchObject({
      xaddrs: [a.url],
      name: 'IR-CAM-A',
      location: '讯问室1',
      hardware: 'hw-a',
      types: ['dn:NetworkVideoTransmitter'],
      from: { address: '127.0.0.1' },
    });
    expect(byEndpoint.get(a.endpoint)!.scopes).toEqual(
      expect.arrayContaining(['onvif://www.onvif.org/name/IR-CAM-A', `onvif://www.onvif.org/location/${encodeURIComponent('讯问室1')}`, 'onvif://www.onvif.org/Profile/Streaming']),
    );
    expect(byEndpoint.get(b.endpoint)).toMatchObject({ xaddrs: [b.url], name: 'IR-CAM-B', location: '讯问室2' });

    // Device information read through the discovered XAddr is the simulator's (B with its WS-Security account).
    const info = new Map(out.infos.map((i) => [i.endpoint, i.info]));
    expect(info.get(a.endpoint)!.deviceInfo).toEqual({ manufacturer: 'EVM Simulated', model: 'IR-CAM-A', firmwareVersion: '1.0.0', serialNumber: 'WSD-A', hardwareId: 'hw-a' });
    expect(info.get(b.endpoint)!.deviceInfo).toMatchObject({ model: 'IR-CAM-B', serialNumber: 'WSD-B' });
    expect(info.get(a.endpoint)!.streamUri).toBe('rtsp://127.0.0.1:8554/cam0');

    // Two probes at once share `onvif`'s Discovery singleton: each still sees both cameras, once.
    expect(out.concurrent).toEqual([[a.endpoint, b.endpoint].sort(), [a.endpoint, b.endpoint].sort()]);
  });

  it('POST /api/v1/cameras/discover: the real service finds, reads and marks the cameras; admin only; can be turned off', async () => {
    type Reply = { status: number; body: any };
    const out = await inNamespace<{ sims: Sim[]; ids: { deviceA: string; deviceB: string; room: string }; discover: Reply; unauthenticated: Reply; notAdmin: Reply; tooShort: Reply; disabled: Reply }>('api');
    const [a, b, c] = out.sims as [Sim, Sim, Sim];
    expect(out.discover.status).toBe(200);
    const cams = new Map((out.discover.body.cameras as Array<{ endpoint: string }>).map((x) => [x.endpoint, x]));
    expect(cams.size).toBe(3);

    // A: registered and attached to room 讯问室1 as its overview camera.
    expect(cams.get(a.endpoint)).toMatchObject({
      xaddrs: [a.url],
      location: '讯问室1',
      onvifUrl: a.url,
      reachable: true,
      error: null,
      deviceInfo: { serialNumber: 'WSD-A', model: 'IR-CAM-A' },
      streamUri: 'rtsp://127.0.0.1:8554/cam0',
      registered: { deviceId: out.ids.deviceA, kind: 'camera' },
      attached: { roomId: out.ids.room, room: '讯问室1', deviceId: out.ids.deviceA, role: 'overview' },
    });
    // B: read with the credentials given, registered, in no room.
    expect(cams.get(b.endpoint)).toMatchObject({ reachable: true, deviceInfo: { serialNumber: 'WSD-B' }, registered: { deviceId: out.ids.deviceB }, attached: null });
    // C: found, but its account differs: listed as unreachable with the camera's reason, matched to nothing.
    expect(cams.get(c.endpoint)).toMatchObject({
      onvifUrl: c.url,
      reachable: false,
      error: { code: 'EVM_CAMERA_UNREACHABLE', message: expect.stringContaining('not Authorized') },
      deviceInfo: null,
      registered: null,
      attached: null,
    });
    // The credentials are used for the read only.
    expect(JSON.stringify(out.discover.body)).not.toContain('pa55');

    expect(out.unauthenticated).toMatchObject({ status: 401, body: { code: 'EVM_UNAUTHENTICATED' } });
    expect(out.notAdmin).toMatchObject({ status: 403, body: { code: 'EVM_FORBIDDEN' } });
    expect(out.tooShort).toMatchObject({ status: 400, body: { code: 'EVM_VALIDATION' } });
    // ONVIF_DISCOVERY=false (asked with no body at all: every field is optional).
    expect(out.disabled).toMatchObject({ status: 409, body: { code: 'EVM_DISCOVERY_DISABLED' } });
  });
});
