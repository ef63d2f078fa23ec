import type { FastifyInstance } from 'fastify';
import { readOnvifCamera, type OnvifCameraInfo } from '../../../devices/onvif-camera.js';
import { deviceServiceUrl, discoverOnvifCameras, type DiscoveredCamera } from '../../../devices/onvif-discovery.js';
import { DevicesRepository } from '../../db/repositories/devices-repository.js';
import { RoomsRepository } from '../../db/repositories/rooms-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { errorResponses } from '../schemas.js';

const nullableString = { type: ['string', 'null'] } as const;

/** Cameras read at once after a probe: a room floor answers with dozens, each read is a few SOAP calls. */
const READ_CONCURRENCY = 4;
const READ_TIMEOUT_MS = 3000;

const discoveredCameraSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string', description: 'WS-Discovery endpoint reference (urn:uuid:…), stable per device' },
    xaddrs: { type: 'array', items: { type: 'string' }, description: 'device service URLs the camera gave' },
    scopes: { type: 'array', items: { type: 'string' } },
    name: nullableString,
    location: nullableString,
    hardware: nullableString,
    from: { type: 'object', properties: { address: { type: 'string' }, port: { type: 'integer' } }, required: ['address', 'port'] },
    onvifUrl: { ...nullableString, description: 'the XAddr read (give it as onvifUrl when attaching the camera to a room)' },
    reachable: { type: 'boolean', description: 'device information, profiles and stream URI were read through onvifUrl' },
    error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } }, description: 'why it could not be read' },
    deviceInfo: {
      type: ['object', 'null'],
      properties: { manufacturer: nullableString, model: nullableString, firmwareVersion: nullableString, serialNumber: nullableString, hardwareId: nullableString },
    },
    streamUri: nullableString,
    clockOffsetMs: { type: ['integer', 'null'], description: 'camera clock minus server clock' },
    registered: {
      type: ['object', 'null'],
      description: 'the registered device with this serial number',
      properties: { deviceId: { type: 'string', format: 'uuid' }, kind: { type: 'string' }, name: { type: 'string' } },
    },
    attached: {
      type: ['object', 'null'],
      description: 'the room this camera is attached to (by its device, or by one of its XAddrs as onvifUrl)',
      properties: { roomId: { type: 'string', format: 'uuid' }, room: { type: 'string' }, deviceId: { type: 'string', format: 'uuid' }, role: { type: 'string' } },
    },
  },
  required: ['endpoint', 'xaddrs', 'scopes', 'from', 'onvifUrl', 'reachable', 'registered', 'attached'],
} as const;

async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Same URL however it was written (case of host, default port): stored onvifUrls were typed by a person. */
function sameUrl(a: string): string {
  try {
    return new URL(a).toString();
  } catch {
    return a;
  }
}

/**
 * Finding cameras on the room network (admin): one WS-Discovery probe, then each camera read over ONVIF with the
 * credentials given (used for this read only: never stored or returned) and set beside what is registered, so an
 * admin sees which cameras are new and which are already in a room.
 */
export async function cameraDiscoveryPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;

  app.post<{ Body: { timeoutMs?: number; username?: string; password?: string } | undefined }>(
    '/api/v1/cameras/discover',
    {
      onRequest: app.requireAdmin,
      // Every field is optional: a POST with no body at all means the defaults, not "body must be object".
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        summary: 'Find ONVIF cameras by WS-Discovery and read each one (admin)',
        description:
          'Multicasts one WS-Discovery Probe (239.255.255.250:3702, on ONVIF_DISCOVERY_INTERFACE if set), waits timeoutMs for answers, then reads each camera (device information, stream URI, clock) through its XAddr with username/password if given. Each camera is marked with the registered device of the same serial number and the room it is attached to. Turned off with ONVIF_DISCOVERY=false (EVM_DISCOVERY_DISABLED).',
        tags: ['rooms'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            timeoutMs: { type: 'integer', minimum: 500, maximum: 10_000, default: 3000 },
            username: { type: 'string', minLength: 1, maxLength: 200 },
            password: { type: 'string', maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { timeoutMs: { type: 'integer' }, cameras: { type: 'array', items: discoveredCameraSchema } },
            required: ['timeoutMs', 'cameras'],
          },
          ...errorResponses(400, 401, 403, 409, 502),
        },
      },
    },
    async (req) => {
      if (!config.ONVIF_DISCOVERY) throw new Errors.DISCOVERY_DISABLED();
      const { timeoutMs = 3000, username, password } = req.body ?? {};
      const found = await discoverOnvifCameras({ timeoutMs, interface: config.ONVIF_DISCOVERY_INTERFACE });
      const read = await mapPool(found, READ_CONCURRENCY, async (cam: DiscoveredCamera) => {
        const url = deviceServiceUrl(cam);
        if (!url) return { url, info: null, error: { code: 'EVM_CAMERA_UNREACHABLE', message: 'the camera gave no http(s) device service address' } };
        try {
          const info: OnvifCameraInfo = await readOnvifCamera({ url, username, password, timeoutMs: READ_TIMEOUT_MS });
          return { url, info, error: null };
        } catch (err) {
          const e = err as { code?: string; message?: string };
          return { url, info: null, error: { code: e.code ?? 'EVM_CAMERA_UNREACHABLE', message: e.message ?? String(err) } };
        }
      });
      const serials = read.flatMap((r) => (r.info?.deviceInfo.serialNumber ? [r.info.deviceInfo.serialNumber] : []));
      const [devices, attached] = await Promise.all([new DevicesRepository(db).findBySerials(serials), new RoomsRepository(db).allAttached()]);
      const cameras = found.map((cam, i) => {
        const { url, info, error } = read[i]!;
        const device = devices.find((d) => d.serial === info?.deviceInfo.serialNumber) ?? null;
        const xaddrs = new Set(cam.xaddrs.map(sameUrl));
        const inRoom = attached.find((a) => (device && a.deviceId === device.id) || (a.onvifUrl !== null && xaddrs.has(sameUrl(a.onvifUrl)))) ?? null;
        return {
          ...cam,
          onvifUrl: url,
          reachable: info !== null,
          error,
          deviceInfo: info?.deviceInfo ?? null,
          streamUri: info?.streamUri ?? null,
          clockOffsetMs: info ? Math.round(info.clockOffsetMs) : null,
          registered: device ? { deviceId: device.id, kind: device.kind, name: device.name } : null,
          attached: inRoom ? { roomId: inRoom.roomId, room: inRoom.roomName, deviceId: inRoom.deviceId, role: inRoom.role } : null,
        };
      });
      req.log.info({ found: cameras.length, reachable: cameras.filter((c) => c.reachable).length, timeoutMs }, 'ONVIF discovery');
      return { timeoutMs, cameras };
    },
  );
}
