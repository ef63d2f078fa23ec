import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Services } from '../../runtime/services.js';

/**
 * /healthz: the process is alive (for restarts). /readyz: it can do its job: PostgreSQL, Redis and object
 * storage all answer (for load balancers and the start script).
 */
export async function healthPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, store, redis } = opts.services;
  const client = new Redis({ ...(redis as object), lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  app.addHook('onClose', async () => void client.disconnect());

  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['operations'] } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: PostgreSQL, Redis and object storage reachable',
        tags: ['operations'],
        response: {
          200: { type: 'object', additionalProperties: true },
          503: { type: 'object', additionalProperties: true },
        },
      },
    },
    async (_req, reply) => {
      const check = async (fn: () => Promise<unknown>) => {
        const started = performance.now();
        try {
          await fn();
          return { ok: true, ms: Math.round(performance.now() - started) };
        } catch (err) {
          return { ok: false, error: (err as Error).message };
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
