/**
 * ONVIF camera discovery through the `onvif` package: its Discovery.probe multicasts a WS-Discovery Probe for
 * NetworkVideoTransmitter to 239.255.255.250:3702 and collects the ProbeMatches cameras send back by unicast.
 *
 * Multicast reaches every camera on the link, so this runs only when an admin asks (POST /api/v1/cameras/discover,
 * ONVIF_DISCOVERY=false turns it off); the tests run it inside a network namespace of their own.
 */
import { randomUUID } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import onvif from 'onvif';
import { Errors } from '../src/errors.js';
import { listOf, parseSoapEnvelope, textOf } from './ws-discovery-xml.js';

export interface DiscoveredCamera {
  /** Endpoint reference (urn:uuid:…), stable per device. */
  endpoint: string;
  /** Device service URLs the camera gives (http://host:port/onvif/device_service). */
  xaddrs: string[];
  scopes: string[];
  /** From the onvif://www.onvif.org/name|location|hardware/… scopes, decoded. */
  name: string | null;
  location: string | null;
  hardware: string | null;
  types: string[];
  /** Where the ProbeMatches came from. */
  from: { address: string; port: number };
}

export interface DiscoverOptions {
  /** How long to collect answers (cameras wait a random 0–500 ms before answering). Default 3000. */
  timeoutMs?: number;
  /** Network interface to probe on (e.g. eth0); default: the one the multicast route names. */
  interface?: string;
}

// The Discovery singleton emits 'error' for every reply that is not a ProbeMatches, and an EventEmitter throws an
// 'error' nobody listens to. A reply parsed just after a probe's timeout would be emitted after that probe's own
// listener is gone and crash the process: keep one listener for the life of the process.
onvif.Discovery.on('error', () => {});

const scopeValue = (scopes: string[], kind: string): string | null => {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
  if (!hit) return null;
  try {
    return decodeURIComponent(hit.slice(prefix.length));
  } catch {
    return hit.slice(prefix.length);
  }
};

/** Multicasts one Probe and returns each camera that answered it within the timeout, once. */
export async function discoverOnvifCameras(o: DiscoverOptions = {}): Promise<DiscoveredCamera[]> {
  const timeoutMs = o.timeoutMs ?? 3000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) throw new Errors.VALIDATION(`discovery timeout must be 100..60000 ms, not ${timeoutMs}`);
  // `onvif` silently falls back to the default interface for a name it does not know: refuse instead.
  if (o.interface !== undefined && !networkInterfaces()[o.interface]?.some((a) => a.family === 'IPv4')) {
    throw new Errors.VALIDATION(`no network interface "${o.interface}" with an IPv4 address`);
  }
  const messageId = randomUUID();
  // `onvif` keeps every reply its socket gets (its RelatesTo check is a TODO): keep only answers to this Probe,
  // and remember who sent each (the 'device' event carries it, the final callback does not).
  const answered = new Map<object, RemoteInfo>();
  const checks: Promise<void>[] = [];
  const onDevice = (data: object, rinfo: RemoteInfo, xml: string) => {
    checks.push(
      parseSoapEnvelope(xml).then(
        (env) => {
          if (textOf(env.header.RelatesTo) === `urn:uuid:${messageId}`) answered.set(data, rinfo);
        },
        () => undefined,
      ),
    );
  };
  onvif.Discovery.on('device', onDevice);
  let replies: object[];
  try {
    replies = await new Promise<object[]>((resolve, reject) => {
      let settled = false;
      onvif.Discovery.probe({ timeout: timeoutMs, resolve: false, messageId, device: o.interface }, (err, devices) => {
        // A socket error answers at once and the timeout answers again: the first one counts.
        if (settled) return;
        settled = true;
        // An array of errors lists replies that were not ProbeMatches: skipped, the others stand.
        if (err && !Array.isArray(err)) reject(new Errors.DISCOVERY_FAILED(err.message));
        else resolve((devices ?? []) as object[]);
      });
    });
  } finally {
    onvif.Discovery.removeListener('device', onDevice);
  }
  await Promise.all(checks);

  const found = new Map<string, DiscoveredCamera>();
  for (const data of replies) {
    const rinfo = answered.get(data);
    if (!rinfo) continue;
    const pm = (data as { probeMatches?: { probeMatch?: unknown } }).probeMatches?.probeMatch;
    // One ProbeMatches may hold several matches (a device with several services); `onvif` expects one.
    for (const m of (Array.isArray(pm) ? pm : [pm]) as Array<Record<string, any> | undefined>) {
      const endpoint = textOf(m?.endpointReference?.address);
      if (!m || !endpoint || found.has(endpoint)) continue;
      const scopes = listOf(m.scopes);
      found.set(endpoint, {
        endpoint,
        xaddrs: listOf(m.XAddrs),
        scopes,
        name: scopeValue(scopes, 'name'),
        location: scopeValue(scopes, 'location'),
        hardware: scopeValue(scopes, 'hardware'),
        types: listOf(m.types),
        from: { address: rinfo.address, port: rinfo.port },
      });
    }
  }
  return [...found.values()];
}

/**
 * The device service URL to use: an http(s) XAddr on the address the answer came from when there is one (a camera
 * with several interfaces lists them all, not all reachable from here), else the first http(s) one.
 */
export function deviceServiceUrl(cam: Pick<DiscoveredCamera, 'xaddrs' | 'from'>): string | null {
  const urls = cam.xaddrs.flatMap((x) => {
    try {
      const u = new URL(x);
      return u.protocol === 'http:' || u.protocol === 'https:' ? [u] : [];
    } catch {
      return [];
    }
  });
  return (urls.find((u) => u.hostname === cam.from.address) ?? urls[0])?.toString() ?? null;
}
