import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../domain/roles.js';
import { CustodyRepository } from '../../db/repositories/custody-repository.js';
import { DevicesRepository } from '../../db/repositories/devices-repository.js';
import { RoomsRepository, type CameraRole, type Room, type RoomCamera } from '../../db/repositories/rooms-repository.js';
import { sealSecret } from '../../db/secret-box.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { unitCodeSchema, uuidParams } from '../case-schemas.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['rooms'];
const SECURITY = [{ bearer: [] }];
const nullableString = { type: ['string', 'null'] } as const;

export const roomCameraSchema = {
  type: 'object',
  properties: {
    deviceId: { type: 'string', format: 'uuid' },
    serial: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['overview', 'frontal'] },
    onvifUrl: nullableString,
    onvifUsername: nullableString,
    hasPassword: { type: 'boolean' },
    profileToken: nullableString,
    streamUri: nullableString,
    attachedAt: { type: 'string' },
    attachedBy: { type: 'string' },
    deviceInfo: { type: ['object', 'null'], additionalProperties: true, description: 'what the recorder last read from the camera over ONVIF' },
    clockOffsetMs: { type: ['integer', 'null'], description: 'camera clock minus server clock when last read' },
    probedAt: nullableString,
  },
  required: ['deviceId', 'serial', 'role', 'attachedAt'],
} as const;

export const roomSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', description: 'as the case system names it in interrogation sessions ("room")' },
    unitCode: nullableString,
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    recordingSessionId: { type: ['string', 'null'], description: 'the session this room is recording now' },
    cameras: { type: 'array', items: roomCameraSchema },
  },
  required: ['id', 'name', 'cameras'],
} as const;

function cameraOut(c: RoomCamera) {
  const { onvifPasswordSealed, roomId: _r, ...rest } = c;
  return { ...rest, hasPassword: onvifPasswordSealed !== null };
}

/**
 * Interrogation rooms (讯问室) and their fixed cameras: an overview of the room and a frontal shot of the person
 * questioned. Admins create rooms and attach cameras (registered devices of kind camera) with how to reach them:
 * an ONVIF device service (stream URI, device information and clock come from it) or a plain RTSP URI.
 */
export async function roomsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const rooms = new RoomsRepository(db);
  const people = app.requireRole(...ROLES);

  async function roomOut(room: Room) {
    const [cameras, recordingSessionId] = await Promise.all([rooms.camerasOf(room.id), rooms.activeSessionOf(room.id)]);
    return { ...room, recordingSessionId, cameras: cameras.map(cameraOut) };
  }
  async function loadRoom(id: string): Promise<Room> {
    const room = await rooms.findRoom(id);
    if (!room) throw new Errors.NOT_FOUND(`room ${id}`);
    return room;
  }

  app.post<{ Body: { name: string; unitCode?: string } }>(
    '/api/v1/rooms',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'Create an interrogation room (admin)',
        tags: TAGS,
        security: SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, unitCode: unitCodeSchema },
          required: ['name'],
        },
        response: { 201: roomSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const name = req.body.name.trim();
      if (!name) throw new Errors.VALIDATION('name must not be blank');
      if (req.body.unitCode) {
        const unit = await db.query('select 1 from units where code = $1', [req.body.unitCode]);
        if (!unit.length) throw new Errors.VALIDATION(`unknown unit ${req.body.unitCode}`);
      }
      const room = await rooms.insertRoom({ id: randomUUID(), name, unitCode: req.body.unitCode ?? null, createdBy: actorOf(req.principal!) });
      if (!room) throw new Errors.DUPLICATE_ROOM(name);
      return reply.code(201).send(await roomOut(room));
    },
  );

  app.get(
    '/api/v1/rooms',
    {
      onRequest: people,
      schema: {
        summary: 'Interrogation rooms with their cameras and what each is recording now',
        tags: TAGS,
        security: SECURITY,
        response: { 200: { type: 'array', items: roomSchema }, ...errorResponses(401, 403) },
      },
    },
    async () => Promise.all((await rooms.listRooms()).map(roomOut)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/rooms/:id',
    {
      onRequest: people,
      schema: { summary: 'One interrogation room', tags: TAGS, security: SECURITY, params: uuidParams, response: { 200: roomSchema, ...errorResponses(401, 403, 404) } },
    },
    async (req) => roomOut(await loadRoom(req.params.id)),
  );

  app.post<{
    Params: { id: string };
    Body: { deviceId: string; role: CameraRole; onvifUrl?: string; username?: string; password?: string; profileToken?: string; streamUri?: string };
  }>(
    '/api/v1/rooms/:id/cameras',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'Attach a camera to a room, with its role and how to reach it (admin; a custody event)',
        description:
          'The device must be registered with kind camera and be in no other room. Give onvifUrl (http://host:port/onvif/device_service; the recorder asks it for the stream URI and the clock) or streamUri (rtsp://, without credentials). username/password are the ONVIF/RTSP account; the password is sealed and never returned.',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            deviceId: { type: 'string', format: 'uuid' },
            role: { type: 'string', enum: ['overview', 'frontal'] },
            onvifUrl: { type: 'string', pattern: '^https?://', maxLength: 2000 },
            username: { type: 'string', minLength: 1, maxLength: 200 },
            password: { type: 'string', maxLength: 200 },
            profileToken: { type: 'string', minLength: 1, maxLength: 200 },
            streamUri: { type: 'string', pattern: '^rtsps?://', maxLength: 2000 },
          },
          required: ['deviceId', 'role'],
        },
        response: { 201: roomSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!b.onvifUrl && !b.streamUri) throw new Errors.VALIDATION('give onvifUrl or streamUri');
      for (const [field, value] of [['onvifUrl', b.onvifUrl], ['streamUri', b.streamUri]] as const) {
        if (!value) continue;
        let u: URL;
        try {
          u = new URL(value);
        } catch {
          throw new Errors.VALIDATION(`${field} is not a URL`);
        }
        if (u.username || u.password) throw new Errors.VALIDATION(`${field} must not carry credentials: use username and password`);
      }
      const room = await loadRoom(req.params.id);
      const device = await new DevicesRepository(db).findById(b.deviceId);
      if (!device) throw new Errors.NOT_FOUND(`device ${b.deviceId}`);
      if (device.kind !== 'camera') throw new Errors.NOT_A_CAMERA(device.id, device.kind);
      const actor = actorOf(req.principal!);
      await db.transaction(async (tx) => {
        const r = new RoomsRepository(tx);
        await lockIdleRoom(r, room);
        const existing = await r.cameraByDevice(device.id);
        if (existing) {
          const other = await r.findRoom(existing.roomId);
          throw new Errors.CAMERA_IN_ROOM(device.serial, other?.name ?? existing.roomId);
        }
        await r.attachCamera({
          roomId: room.id,
          deviceId: device.id,
          role: b.role,
          onvifUrl: b.onvifUrl ?? null,
          onvifUsername: b.username ?? null,
          onvifPasswordSealed: b.password !== undefined ? sealSecret(b.password, config.DOCK_CREDENTIALS_KEY) : null,
          profileToken: b.profileToken ?? null,
          streamUri: b.streamUri ?? null,
          attachedBy: actor,
        });
        await new CustodyRepository(tx).append({
          mediaId: null,
          uploadId: null,
          type: 'room.camera_attached',
          actor,
          details: { roomId: room.id, room: room.name, deviceId: device.id, serial: device.serial, role: b.role, onvifUrl: b.onvifUrl ?? null, streamUri: b.streamUri ?? null },
        });
      });
      return reply.code(201).send(await roomOut(room));
    },
  );

  app.delete<{ Params: { id: string; deviceId: string } }>(
    '/api/v1/rooms/:id/cameras/:deviceId',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'Detach a camera from a room (admin; refused while the room records; a custody event)',
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, deviceId: { type: 'string', format: 'uuid' } }, required: ['id', 'deviceId'] },
        response: { 200: roomSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req) => {
      const room = await loadRoom(req.params.id);
      const actor = actorOf(req.principal!);
      await db.transaction(async (tx) => {
        const r = new RoomsRepository(tx);
        await lockIdleRoom(r, room);
        const camera = await r.cameraByDevice(req.params.deviceId);
        if (!camera || camera.roomId !== room.id) throw new Errors.NOT_FOUND(`camera ${req.params.deviceId} in room ${room.name}`);
        await r.detachCamera(room.id, camera.deviceId);
        await new CustodyRepository(tx).append({ mediaId: null, uploadId: null, type: 'room.camera_detached', actor, details: { roomId: room.id, room: room.name, deviceId: camera.deviceId, serial: camera.serial, role: camera.role } });
      });
      return roomOut(room);
    },
  );
}

/** A room's cameras change only while it does not record; holding its lock makes a recording start wait for the change. */
async function lockIdleRoom(r: RoomsRepository, room: { id: string; name: string }): Promise<void> {
  await r.lockRoom(room.id);
  const recording = await r.activeSessionOf(room.id);
  if (recording) throw new Errors.ROOM_RECORDING(room.name, recording);
}
