import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Errors, isEvmError } from '../errors.js';
import type { Services } from '../runtime/services.js';
import { authPlugin } from './plugins/auth.js';
import { devicesPlugin } from './plugins/devices.js';
import { docksPlugin } from './plugins/docks.js';
import { healthPlugin } from './plugins/health.js';
import { casesPlugin } from './plugins/cases.js';
import { linksPlugin } from './plugins/links.js';
import { reviewPlugin } from './plugins/review.js';
import { mediaPlugin } from './plugins/media.js';
import { metricsPlugin } from './plugins/metrics.js';
import { uploadsPlugin } from './plugins/uploads.js';
import { usersPlugin } from './plugins/users.js';
import { accessPlugin } from './plugins/access.js';
import { custodyPlugin } from './plugins/custody.js';
import { exportsPlugin } from './plugins/exports.js';
import { recordingPlugin } from './plugins/recording.js';
import { roomsPlugin } from './plugins/rooms.js';
import { cameraDiscoveryPlugin } from './plugins/camera-discovery.js';
import { coveragePlugin } from './plugins/coverage.js';
import { reportsPlugin } from './plugins/reports.js';
import { supervisionPlugin } from './plugins/supervision.js';
import { retentionPlugin } from './plugins/retention.js';
import { liveViewPlugin } from './plugins/live-view.js';
import { LiveViewHub } from '../../devices/live-view.js';
import { webPlugin } from './plugins/web.js';
import { adminQueuesPlugin } from './plugins/admin-queues.js';
import { derivativeSchema, errorBody, errorSchema } from './schemas.js';
import { clientErrorAnswer, inputRejectedByDatabase, rejectUnstorableInput } from './input-guards.js';
import { isNoSpace, storageFullError } from '../runtime/no-space.js';

/** The HTTP API: one encapsulated plugin per resource, a schema on every route, one error shape. */
export async function buildApp(services: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    // Uploads can be slow on a dock's uplink; tus resumes, but don't cut healthy transfers.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
    clientErrorHandler: clientErrorAnswer,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  app.addSchema(errorSchema);
  app.addSchema(derivativeSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Evidence media API',
        version: '1',
        description: 'Body-worn camera and interrogation-room footage: ingest, verification, custody. Errors are {code, message} with stable codes.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isEvmError(err)) return reply.code(err.statusCode).send(errorBody(err));
    // A full disk on any write path (exports, spool, scratch) is one condition with one code: 507 EVM_STORAGE_FULL.
    if (isNoSpace(err)) {
      req.log.error({ err: err.message }, 'storage full');
      return storageFullError(err, services.config.paths.data).then((full) => reply.code(507).send(errorBody(full)));
    }
    if ((err as { validation?: unknown }).validation) {
      return reply.code(400).send(errorBody(new Errors.VALIDATION(err.message)));
    }
    const unstorable = inputRejectedByDatabase(err);
    if (unstorable) return reply.code(unstorable.statusCode).send(errorBody(unstorable));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ code: `EVM_HTTP_${status}`, message: err.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody(new Errors.INTERNAL(req.id)));
  });
  app.addHook('preHandler', rejectUnstorableInput);
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(new Errors.NOT_FOUND(`route ${req.method} ${req.url}`))));

  await app.register(authPlugin, { services });
  await app.register(healthPlugin, { services });
  await app.register(metricsPlugin, { services });
  await app.register(devicesPlugin, { services });
  await app.register(docksPlugin, { services });
  await app.register(uploadsPlugin, { services });
  await app.register(mediaPlugin, { services });
  await app.register(usersPlugin, { services });
  await app.register(accessPlugin, { services });
  await app.register(custodyPlugin, { services });
  await app.register(exportsPlugin, { services });
  await app.register(casesPlugin, { services });
  await app.register(linksPlugin, { services });
  await app.register(reviewPlugin, { services });
  await app.register(roomsPlugin, { services });
  await app.register(cameraDiscoveryPlugin, { services });
  await app.register(recordingPlugin, { services });
  await app.register(coveragePlugin, { services });
  await app.register(reportsPlugin, { services });
  await app.register(supervisionPlugin, { services });
  await app.register(retentionPlugin, { services });
  // Live view spawns ffmpeg per watched camera (devices/live-view.ts); the API holds the hub because it owns the sockets.
  await app.register(liveViewPlugin, { services, streams: new LiveViewHub({ db: services.db, log: services.log, credentialsKey: services.config.DOCK_CREDENTIALS_KEY, stallMs: services.config.LIVE_VIEW_STALL_SEC * 1000 }) });
  await app.register(adminQueuesPlugin, { services });
  // Last: the web UI answers only the paths no API route owns.
  await app.register(webPlugin);
  return app;
}
