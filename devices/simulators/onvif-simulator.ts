/**
 * A minimal ONVIF (Profile S) camera for tests and the demo: SOAP 1.2 over HTTP on 127.0.0.1, answering what the
 * recorder asks — GetSystemDateAndTime, GetCapabilities, GetDeviceInformation, GetProfiles, GetVideoSources,
 * GetStreamUri, GetSnapshotUri — and, with `multicast: true`, WS-Discovery Probes.
 *
 * `multicast` is off by default: then it joins no multicast group, so tests and the demo never answer (or cause)
 * discovery traffic on a shared network. With it on, it joins 239.255.255.250:3702 as a camera does and answers
 * each Probe for NetworkVideoTransmitter (or for any type) with a unicast ProbeMatches whose XAddrs name its device
 * service; the tests do that inside a network namespace of their own. With `username`/`password` set, every call
 * but GetSystemDateAndTime needs a WS-Security UsernameToken (PasswordDigest) as real cameras do. The camera clock
 * can be skewed to show device vs server time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listOf, parseSoapEnvelope, textOf } from '../ws-discovery-xml.js';

export interface OnvifSimulatorOptions {
  /** The RTSP URI GetStreamUri answers (a function: the camera's stream may move, e.g. after a restart). */
  streamUri: string | (() => string);
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  hardwareId?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Camera clock minus real time, in ms (camera clocks drift; the standard allows ~3 s a day). */
  clockSkewMs?: number;
  username?: string;
  password?: string;
  /** Scopes named in discovery replies (location, name). */
  location?: string;
  /** Join the WS-Discovery multicast group and answer Probes (default false: never on a shared network). */
  multicast?: boolean;
  /** TCP port on 127.0.0.1 (default 0: any free one). */
  port?: number;
}

export interface OnvifSimulator {
  /** Device service URL, e.g. http://127.0.0.1:PORT/onvif/device_service */
  readonly url: string;
  readonly port: number;
  /** 3702 when it answers WS-Discovery (`multicast: true`), else null. */
  readonly discoveryPort: number | null;
  readonly endpoint: string;
  /** SOAP actions received, in order (for tests). */
  readonly requests: string[];
  close(): Promise<void>;
}

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ' +
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:ter="http://www.onvif.org/ver10/error"';

const envelope = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope ${NS}><s:Body>${body}</s:Body></s:Envelope>`;

const fault = (subcode: string, reason: string) =>
  envelope(
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${esc(reason)}</s:Text></s:Reason></s:Fault>`,
  );

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const ACTIONS = ['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetDeviceInformation', 'GetProfiles', 'GetVideoSources', 'GetStreamUri', 'GetSnapshotUri'] as const;

/** The action is the first element of the SOAP body. */
function actionOf(xml: string): string | null {
  const body = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(xml);
  return body?.[1] ?? null;
}

/** WS-Security UsernameToken with PasswordDigest = Base64(SHA-1(nonce + created + password)). */
function authorized(xml: string, username: string, password: string): boolean {
  const field = (name: string) => new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)<`).exec(xml)?.[1];
  const user = field('Username');
  const digest = field('Password');
  const nonce = field('Nonce');
  const created = field('Created');
  if (user !== username || !digest || !nonce || !created) return false;
  const expected = createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)])).digest('base64');
  return expected === digest;
}

export async function startOnvifSimulator(o: OnvifSimulatorOptions): Promise<OnvifSimulator> {
  const requests: string[] = [];
  const endpoint = `urn:uuid:${randomUUID()}`;
  const w = o.width ?? 320;
  const h = o.height ?? 240;
  const fps = o.fps ?? 15;
  let base = '';

  const answer = (action: string): string => {
    switch (action) {
      case 'GetSystemDateAndTime': {
        const d = new Date(Date.now() + (o.clockSkewMs ?? 0));
        return (
          `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
          `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime>` +
          `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
          `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
          `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
        );
      }
      case 'GetCapabilities':
        return (
          `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
          `<tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device>` +
          `<tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
          `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`
        );
      case 'GetDeviceInformation':
        return (
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>${esc(o.manufacturer ?? 'EVM Simulated')}</tds:Manufacturer>` +
          `<tds:Model>${esc(o.model ?? 'IR-CAM-1')}</tds:Model><tds:FirmwareVersion>${esc(o.firmwareVersion ?? '1.0.0')}</tds:FirmwareVersion>` +
          `<tds:SerialNumber>${esc(o.serialNumber ?? 'SIM-0001')}</tds:SerialNumber><tds:HardwareId>${esc(o.hardwareId ?? 'sim')}</tds:HardwareId>` +
          `</tds:GetDeviceInformationResponse>`
        );
      case 'GetVideoSources':
        return (
          `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs_1"><tt:Framerate>${fps}</tt:Framerate>` +
          `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`
        );
      case 'GetProfiles':
        return (
          `<trt:GetProfilesResponse><trt:Profiles token="profile_main" fixed="true"><tt:Name>MainStream</tt:Name>` +
          `<tt:VideoSourceConfiguration token="vsc_1"><tt:Name>VideoSource</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>vs_1</tt:SourceToken>` +
          `<tt:Bounds x="0" y="0" width="${w}" height="${h}"/></tt:VideoSourceConfiguration>` +
          `<tt:VideoEncoderConfiguration token="vec_1"><tt:Name>H264</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
          `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
          `<tt:RateControl><tt:FrameRateLimit>${fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>300</tt:BitrateLimit></tt:RateControl>` +
          `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles></trt:GetProfilesResponse>`
        );
      case 'GetStreamUri': {
        const uri = typeof o.streamUri === 'function' ? o.streamUri() : o.streamUri;
        return (
          `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
          `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`
        );
      }
      case 'GetSnapshotUri':
        return (
          `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${base}/onvif/snapshot.jpg</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
          `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`
        );
      default:
        throw new Error(`unsupported ${action}`);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 256 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
        res.end(xml);
      };
      if (req.method !== 'POST' || !req.url?.startsWith('/onvif/')) return send(404, fault('ter:ActionNotSupported', 'not an ONVIF service'));
      const xml = Buffer.concat(chunks).toString('utf8');
      const action = actionOf(xml) ?? '?';
      requests.push(action);
      if (!(ACTIONS as readonly string[]).includes(action) || action === 'GetServices') {
        // GetServices answered with a fault: clients fall back to GetCapabilities, as with older Profile S cameras.
        return send(400, fault('ter:ActionNotSupported', `${action} is not supported by this simulator`));
      }
      if (o.username && action !== 'GetSystemDateAndTime' && !authorized(xml, o.username, o.password ?? '')) {
        return send(400, fault('ter:NotAuthorized', 'Sender not Authorized'));
      }
      send(200, envelope(answer(action)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  const udp = o.multicast
    ? await joinDiscovery(endpoint, `${base}/onvif/device_service`, scopesOf(o)).catch(async (err: unknown) => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw err;
      })
    : null;

  return {
    url: `${base}/onvif/device_service`,
    port,
    discoveryPort: udp ? WSD_PORT : null,
    endpoint,
    requests,
    close: async () => {
      udp?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const WSD_GROUP = '239.255.255.250';
const WSD_PORT = 3702;

function scopesOf(o: OnvifSimulatorOptions): string[] {
  return [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${encodeURIComponent(o.model ?? 'IR-CAM-1')}`,
    `onvif://www.onvif.org/hardware/${encodeURIComponent(o.hardwareId ?? 'sim')}`,
    ...(o.location ? [`onvif://www.onvif.org/location/${encodeURIComponent(o.location)}`] : []),
  ];
}

/** A Probe this camera should answer: its MessageID, or null (not a Probe, or for types it is not). */
async function probeMessageId(xml: string): Promise<string | null> {
  const env = await parseSoapEnvelope(xml).catch(() => null);
  if (!env || env.body.Probe === undefined) return null;
  const probe = env.body.Probe;
  // An empty Types asks for every device; otherwise a NetworkVideoTransmitter (prefix stripped) must be listed.
  const types = listOf(probe && typeof probe === 'object' ? (probe as Record<string, unknown>).Types : undefined);
  if (types.length && !types.some((t) => t.replace(/^[^:]*:/, '') === 'NetworkVideoTransmitter')) return null;
  return textOf(env.header.MessageID) || null;
}

/**
 * Joins the WS-Discovery group on port 3702 as cameras do. reuseAddr: several simulators (and a real discovery
 * proxy) can share the port; each gets its own copy of every multicast Probe.
 */
async function joinDiscovery(endpoint: string, deviceService: string, scopes: string[]): Promise<Socket> {
  const udp = createSocket({ type: 'udp4', reuseAddr: true });
  udp.on('message', (msg, rinfo) => {
    void probeMessageId(msg.toString('utf8')).then((messageId) => {
      if (!messageId) return;
      const reply =
        `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
        `xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ` +
        `xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>` +
        `<a:RelatesTo>${esc(messageId)}</a:RelatesTo><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
        `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action></s:Header><s:Body><d:ProbeMatches>` +
        `<d:ProbeMatch><a:EndpointReference><a:Address>${endpoint}</a:Address></a:EndpointReference>` +
        `<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>${scopes.map(esc).join(' ')}</d:Scopes>` +
        `<d:XAddrs>${esc(deviceService)}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>` +
        `</d:ProbeMatches></s:Body></s:Envelope>`;
      // ProbeMatches go back by unicast to whoever probed (WS-Discovery 2005/04 §5.3).
      udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(WSD_PORT, () => {
      udp.off('error', reject);
      try {
        udp.addMembership(WSD_GROUP);
        resolve();
      } catch (err) {
        udp.close();
        reject(err as Error);
      }
    });
  });
  return udp;
}
