import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DevicesRepository, type DeviceKind } from '../../db/repositories/devices-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { hashToken, newDeviceToken } from '../auth/tokens.js';
import { deviceSchema, errorSchema } from '../schemas.js';

/** Registration of dock stations and cameras. The token is shown once; only its hash is kept. */
export async function devicesPlugin(app: FastifyInstance, opts: { services: Services }) {
  const devices = new DevicesRepository(opts.services.db);

  app.post<{ Body: { kind: DeviceKind; serial: string; name: string } }>(
    '/api/v1/devices',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'Register a dock station or camera; returns its token once',
        tags: ['devices'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: ['dock', 'camera'] },
            serial: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
          },
          required: ['kind', 'serial', 'name'],
        },
        response: {
          201: { type: 'object', properties: { id: { type: 'string' }, token: { type: 'string' } }, required: ['id', 'token'] },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const token = newDeviceToken();
      const device = await devices.insert({ id: randomUUID(), ...req.body, tokenHash: hashToken(token) });
      if (!device) throw new Errors.DUPLICATE_SERIAL(req.body.serial);
      req.log.info({ deviceId: device.id, serial: device.serial, kind: device.kind }, 'device registered');
      return reply.code(201).send({ id: device.id, token });
    },
  );

  app.get(
    '/api/v1/devices',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'List registered devices with when each was last seen',
        tags: ['devices'],
        security: [{ bearer: [] }],
        response: { 200: { type: 'array', items: deviceSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async () => devices.list(),
  );
}
