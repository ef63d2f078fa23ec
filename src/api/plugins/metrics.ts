import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { JOB_NAMES } from '../../queue/jobs.js';
import type { Services } from '../../runtime/services.js';

/** Prometheus exposition at /metrics. Gauges are read at scrape time from PostgreSQL, Redis and the store. */
export async function metricsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, queues, store } = opts.services;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'evm_process_' });

  new Gauge({
    name: 'evm_media_files',
    help: 'Media originals by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await db.query<{ state: string; n: number }>('select state, count(*)::int as n from media group by state')) {
        this.set({ state: r.state }, r.n);
      }
    },
  });
  new Gauge({
    name: 'evm_media_bytes',
    help: 'Bytes of originals stored, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await db.query<{ state: string; b: number }>('select state, coalesce(sum(size_bytes), 0)::bigint as b from media group by state')) {
        this.set({ state: r.state }, r.b);
      }
    },
  });
  new Gauge({
    name: 'evm_queue_jobs',
    help: 'Pipeline jobs by queue and status',
    labelNames: ['queue', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const name of JOB_NAMES) {
        const counts = await queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [status, n] of Object.entries(counts)) this.set({ queue: name, status }, n);
      }
    },
  });
  new Gauge({
    name: 'evm_storage_free_bytes',
    help: 'Free bytes in object storage, where the store can tell',
    registers: [registry],
    async collect() {
      const { freeBytes } = await store.usage();
      if (freeBytes !== null) this.set(freeBytes);
    },
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_req, reply) =>
    reply.header('Content-Type', registry.contentType).send(await registry.metrics()),
  );
}
