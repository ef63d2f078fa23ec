import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Services } from '../../runtime/services.js';

const CHECK_TIMEOUT_MS = 3000;
const checkSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, ms: { type: 'integer' }, error: { type: 'string' } },
  required: ['ok'],
} as const;
const readySchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ready', 'unavailable'] }, database: checkSchema, redis: checkSchema, storage: checkSchema },
  required: ['status', 'database', 'redis', 'storage'],
} as const;

/**
 * /healthz: the process is alive (for restarts). /readyz: it can do its job: PostgreSQL, Redis and object
 * storage all answer (for load balancers and the start script).
 */
export async function healthPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, store, redis } = opts.services;
  const client = new Redis({ ...(redis as object), lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Failures surface through /readyz; without a listener ioredis would print every reconnect attempt.
  client.on('error', () => undefined);
  app.addHook('onClose', async () => void client.disconnect());

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process answers (checks nothing else, so a database outage never restarts it)', tags: ['operations'], response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: PostgreSQL, Redis and object storage reachable',
        tags: ['operations'],
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_req, reply) => {
      // A dependency that hangs (a black-holed Redis, an S3 endpoint that never answers) must fail the probe
      // within the load balancer's timeout, not hang it.
      const check = async (fn: () => Promise<unknown>) => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            fn(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
            }),
          ]);
          return { ok: true, ms: Math.round(performance.now() - started) };
        } catch (err) {
          return { ok: false, error: (err as Error).message };
        } finally {
          clearTimeout(timer);
        }
      };
      const [database, queue, storage] = await Promise.all([
        check(() => db.query('select 1')),
        check(async () => {
          if (client.status === 'wait' || client.status === 'end') await client.connect();
          await client.ping();
        }),
        check(() => store.ping()),
      ]);
      const ok = database.ok && queue.ok && storage.ok;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', database, redis: queue, storage });
    },
  );
}
