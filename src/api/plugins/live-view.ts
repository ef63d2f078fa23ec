/**
 * Live view of an interrogation room's camera over WebSocket, for administrators and the reviewers of the room's
 * unit (src/domain/live-view-access.ts). Every open and close is a custody event (live_view.opened/closed: who,
 * which room and camera, from where, for how long, how many bytes); every refusal is an access.refused event.
 *
 * Client side. The socket carries binary frames only: MPEG-TS (MPEG-1 video, MP2 audio), each frame a whole number
 * of 188-byte packets starting with the sync byte 0x47. That is what jsmpeg (https://github.com/phoboslab/jsmpeg,
 * 1.x, or @cycjimmy/jsmpeg-player) decodes to a <canvas> without plugins; no header precedes the stream (the old
 * node-rtsp-stream "jsmp" header is for jsmpeg 0.x and is not sent):
 *
 *   const url = `wss://host/api/v1/rooms/${roomId}/cameras/${deviceId}/live`;
 *   // Browsers cannot set headers on a WebSocket: send the token as a subprotocol beside "evm-live"
 *   // (preferred: it stays out of URLs and access logs) or, failing that, as ?token=…
 *   const player = new JSMpeg.Player(url, { canvas, protocols: ['evm-live', token], audio: true });
 *
 * A refused handshake is an HTTP answer with our error body (401 EVM_UNAUTHENTICATED, 403 EVM_FORBIDDEN,
 * 404 EVM_NOT_FOUND). Once open, the server closes with 1011 when the camera cannot be reached or its stream ends,
 * and 1001 when it shuts down; a client reconnects by opening a new socket. One ffmpeg per camera serves every
 * viewer of that camera (src/api/plugins/live-view.ts → devices/live-view.ts) and stops when the last one leaves.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decideLiveView } from '../../domain/live-view-access.js';
import { appendCustody } from '../../db/repositories/custody-repository.js';
import type { RoomCamera } from '../../db/repositories/rooms-repository.js';
import { RoomsRepository } from '../../db/repositories/rooms-repository.js';
import { UsersRepository } from '../../db/repositories/users-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { personOf } from '../case-guard.js';
import { hashToken, safeEqual, USER_TOKEN_PREFIX } from '../auth/tokens.js';
import { errorResponses } from '../schemas.js';

/** The subprotocol a client names beside its token; the server selects it so browsers accept the handshake. */
export const LIVE_SUBPROTOCOL = 'evm-live';

/** What the route needs from the live streams (devices/live-view.ts LiveViewHub). */
export interface LiveStreams {
  join(camera: RoomCamera, viewer: { send(chunk: Buffer): void; end(reason: string): void }): Promise<() => void>;
  close(): void;
}

/** The minimal socket surface used here (ws 8 WebSocket). */
interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Buffer, opts: { binary: boolean }): void;
  close(code?: number, reason?: string): void;
  on(event: 'close', fn: () => void): void;
}

const OPEN = 1;
const MAX_BACKLOG_BYTES = 2 * 1024 * 1024;

/** The token of a live-view request: Authorization header, else subprotocol beside "evm-live", else ?token=. */
export function liveToken(req: Pick<FastifyRequest, 'headers' | 'query'>): string | null {
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (protocols.includes(LIVE_SUBPROTOCOL)) {
    const token = protocols.find((p) => p !== LIVE_SUBPROTOCOL);
    if (token) return token;
  }
  const q = (req.query as { token?: unknown } | null)?.token;
  return typeof q === 'string' && q ? q : null;
}

export async function liveViewPlugin(app: FastifyInstance, opts: { services: Services; streams: LiveStreams }) {
  const { db, adminToken } = opts.services;
  const rooms = new RoomsRepository(db);
  const users = new UsersRepository(db);
  // Registered inside this plugin: its hooks and upgrade handling apply to this route only.
  await app.register(websocket, {
    options: {
      maxPayload: 1024,
      handleProtocols: (protocols: Set<string>) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
    },
  });
  app.addHook('onClose', async () => opts.streams.close());

  /** Only this route accepts a token outside the Authorization header: browsers cannot set headers on a WebSocket. */
  async function authenticate(req: FastifyRequest): Promise<void> {
    if (!req.principal) {
      const token = liveToken(req);
      if (token && safeEqual(token, adminToken)) req.principal = { kind: 'admin' };
      else if (token?.startsWith(USER_TOKEN_PREFIX)) {
        const user = await users.findByToken(hashToken(token));
        if (user) req.principal = { kind: 'user', user };
      }
    }
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
  }

  async function authorize(req: FastifyRequest<{ Params: { roomId: string; deviceId: string } }>): Promise<{ camera: RoomCamera; roomName: string }> {
    const p = req.principal!;
    const room = await rooms.findRoom(req.params.roomId);
    if (!room) throw new Errors.NOT_FOUND(`room ${req.params.roomId}`);
    const person = personOf(p);
    const decision = person ? decideLiveView(person, room) : ({ allowed: false, reason: 'devices do not watch rooms' } as const);
    if (!decision.allowed) {
      await appendCustody(db, {
        mediaId: null,
        uploadId: null,
        type: 'access.refused',
        actor: actorOf(p),
        details: { action: 'live-view', roomId: room.id, room: room.name, deviceId: req.params.deviceId, reason: decision.reason, ip: req.ip },
      });
      throw new Errors.FORBIDDEN(decision.reason);
    }
    const camera = await rooms.cameraByDevice(req.params.deviceId);
    if (!camera || camera.roomId !== room.id) throw new Errors.NOT_FOUND(`camera ${req.params.deviceId} in room ${room.name}`);
    return { camera, roomName: room.name };
  }

  const granted = new WeakMap<FastifyRequest, { camera: RoomCamera; roomName: string }>();

  app.get<{ Params: { roomId: string; deviceId: string }; Querystring: { token?: string; purpose?: string } }>(
    '/api/v1/rooms/:roomId/cameras/:deviceId/live',
    {
      websocket: true,
      onRequest: authenticate,
      preHandler: async (req) => void granted.set(req, await authorize(req)),
      schema: {
        summary: "Watch a room camera live (WebSocket: MPEG-TS with MPEG-1 video for jsmpeg); admins and the room unit's reviewers; opened and closed are custody events",
        tags: ['rooms'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          properties: { roomId: { type: 'string', format: 'uuid' }, deviceId: { type: 'string', format: 'uuid' } },
          required: ['roomId', 'deviceId'],
        },
        querystring: {
          type: 'object',
          properties: {
            token: { type: 'string', description: 'bearer token, for browsers that cannot send headers (prefer the subprotocol)' },
            purpose: { type: 'string', maxLength: 500 },
          },
        },
        response: errorResponses(400, 401, 403, 404),
      },
    },
    (socket: LiveSocket, req) => {
      const { camera, roomName } = granted.get(req)!;
      const p = req.principal as Principal;
      const actor = actorOf(p);
      const openedAt = Date.now();
      const base = { roomId: camera.roomId, room: roomName, deviceId: camera.deviceId, serial: camera.serial, role: camera.role, ip: req.ip, purpose: req.query.purpose?.trim() || null };
      let bytes = 0;
      let dropped = 0;
      let leave: (() => void) | null = null;
      let closed = false;
      const opened = appendCustody(db, { mediaId: null, uploadId: null, type: 'live_view.opened', actor, details: base }).catch((err) =>
        req.log.error({ err }, 'live view open not logged'),
      );
      const finish = (reason: string) => {
        if (closed) return;
        closed = true;
        leave?.();
        void opened.then(() =>
          appendCustody(db, {
            mediaId: null,
            uploadId: null,
            type: 'live_view.closed',
            actor,
            details: { ...base, reason, seconds: Math.round((Date.now() - openedAt) / 100) / 10, bytes, droppedChunks: dropped },
          }).catch((err) => req.log.error({ err }, 'live view close not logged')),
        );
      };
      socket.on('close', () => finish('viewer closed'));
      const viewer = {
        send(chunk: Buffer) {
          if (socket.readyState !== OPEN) return;
          // A viewer on a slow link skips chunks instead of growing the server's memory; jsmpeg resynchronises.
          if (socket.bufferedAmount > MAX_BACKLOG_BYTES) {
            dropped++;
            return;
          }
          bytes += chunk.length;
          socket.send(chunk, { binary: true });
        },
        end(reason: string) {
          finish(reason);
          if (socket.readyState === OPEN) socket.close(reason === 'server shutting down' ? 1001 : 1011, reason.slice(0, 120));
        },
      };
      opts.streams.join(camera, viewer).then(
        (fn) => {
          leave = fn;
          if (closed) fn(); // the viewer left while the stream was starting
        },
        (err: Error) => {
          req.log.warn({ err, deviceId: camera.deviceId }, 'live view could not start');
          viewer.end(`camera unreachable: ${err.message}`);
        },
      );
    },
  );
}
