/**
 * ONVIF adapter for interrogation-room cameras (Profile S), on the `onvif` npm package: device information,
 * media profiles, the RTSP stream URI, the snapshot URI and the camera clock (kept beside the server clock:
 * camera clocks drift).
 *
 * Finding cameras (WS-Discovery) is devices/onvif-discovery.ts.
 */
import onvif from 'onvif';
import { clockOffsetMs } from '../src/domain/recorder-policy.js';
import { Errors } from '../src/errors.js';

export interface OnvifTarget {
  /** Device service URL: http://host:port/onvif/device_service */
  url: string;
  username?: string | null;
  password?: string | null;
  timeoutMs?: number;
}

export interface OnvifProfile {
  token: string;
  name: string;
  encoding: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
}

export interface OnvifDeviceInfo {
  manufacturer: string | null;
  model: string | null;
  firmwareVersion: string | null;
  serialNumber: string | null;
  hardwareId: string | null;
}

export interface OnvifCameraInfo {
  deviceInfo: OnvifDeviceInfo;
  profiles: OnvifProfile[];
  profileToken: string;
  /** RTSP URI of the chosen profile, as the camera gave it (no credentials added). */
  streamUri: string;
  snapshotUri: string | null;
  /** The camera's clock (ISO, whole seconds as ONVIF gives it) and its offset from the server's, in ms. */
  deviceTime: string;
  clockOffsetMs: number;
  /** Server time of the clock reading. */
  readAt: string;
}

type CamInstance = InstanceType<typeof onvif.Cam>;

function call<T>(cam: CamInstance, fn: (cb: (err: Error | null, data?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn.call(cam, (err, data) => (err ? reject(err) : resolve(data as T))));
}

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Connects and reads what the recorder needs. Rejects with EVM_CAMERA_UNREACHABLE naming the camera. */
export async function readOnvifCamera(target: OnvifTarget, opts: { profileToken?: string | null } = {}): Promise<OnvifCameraInfo> {
  const u = new URL(target.url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Errors.VALIDATION(`ONVIF URL must be http(s): ${target.url}`);
  const cam = new onvif.Cam({
    hostname: u.hostname,
    port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
    path: u.pathname || '/onvif/device_service',
    useSecure: u.protocol === 'https:',
    username: target.username ?? undefined,
    password: target.password ?? undefined,
    timeout: target.timeoutMs ?? 5000,
    autoconnect: false,
    // Service addresses the camera reports (XAddrs) may name an interface we cannot reach: keep ours.
    preserveAddress: true,
  });
  try {
    // connect(): clock first (WS-Security needs it), then services/capabilities and profiles.
    await call<void>(cam, (cb) => cam.connect(cb));
    const sentAt = Date.now();
    const deviceDate = await call<Date>(cam, (cb) => cam.getSystemDateAndTime(cb));
    const receivedAt = Date.now();
    const info = await call<Record<string, unknown>>(cam, (cb) => cam.getDeviceInformation(cb));
    const rawProfiles = await call<Array<Record<string, any>>>(cam, (cb) => cam.getProfiles(cb));
    const profiles: OnvifProfile[] = (rawProfiles ?? []).map((p) => ({
      token: String(p.$?.token ?? p.token ?? ''),
      name: String(p.name ?? ''),
      encoding: str(p.videoEncoderConfiguration?.encoding),
      width: num(p.videoEncoderConfiguration?.resolution?.width),
      height: num(p.videoEncoderConfiguration?.resolution?.height),
      fps: num(p.videoEncoderConfiguration?.rateControl?.frameRateLimit),
    }));
    const chosen = opts.profileToken ? profiles.find((p) => p.token === opts.profileToken) : profiles[0];
    if (!chosen) throw new Error(opts.profileToken ? `no profile with token ${opts.profileToken}` : 'the camera reports no media profile');
    const stream = await call<{ uri?: unknown }>(cam, (cb) => cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken: chosen.token }, cb));
    const streamUri = str(stream?.uri);
    if (!streamUri || !/^rtsps?:\/\//i.test(streamUri)) throw new Error(`GetStreamUri gave no RTSP URI (${String(streamUri)})`);
    const snapshotUri = await call<{ uri?: unknown }>(cam, (cb) => cam.getSnapshotUri({ profileToken: chosen.token }, cb))
      .then((s) => str(s?.uri))
      .catch(() => null); // optional in Profile S
    return {
      deviceInfo: {
        manufacturer: str(info?.manufacturer),
        model: str(info?.model),
        firmwareVersion: str(info?.firmwareVersion),
        serialNumber: str(info?.serialNumber),
        hardwareId: str(info?.hardwareId),
      },
      profiles,
      profileToken: chosen.token,
      streamUri,
      snapshotUri,
      deviceTime: deviceDate.toISOString(),
      clockOffsetMs: clockOffsetMs(sentAt, receivedAt, deviceDate.getTime()),
      readAt: new Date(receivedAt).toISOString(),
    };
  } catch (err) {
    throw Object.assign(new Errors.CAMERA_UNREACHABLE(target.url, (err as Error).message ?? String(err)), { cause: err });
  }
}

/**
 * The URI ffmpeg opens: the camera's stream URI with the ONVIF credentials added when it has none (cameras use
 * one account for both). The result carries a password: never log or store it; see redactUri.
 */
export function withCredentials(streamUri: string, username: string | null | undefined, password: string | null | undefined): string {
  if (!username) return streamUri;
  const u = new URL(streamUri);
  if (u.username) return streamUri;
  u.username = username;
  u.password = password ?? '';
  return u.toString();
}

/** A URI fit for logs and the database: any password replaced. */
export function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//***@');
  }
}
