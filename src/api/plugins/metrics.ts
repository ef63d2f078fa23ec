import { timingSafeEqual } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { registerStorageFullMetrics } from '../../retention/storage-full-alert.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { allRateSummaries, pendingDeadlines } from '../../db/coverage-queries.js';
import { COVERAGE_RATES } from '../../domain/coverage.js';
import { periodContaining } from '../../domain/report-periods.js';
import { JOB_NAMES } from '../../queue/jobs.js';
import { Errors } from '../../errors.js';
import { errorSchema } from '../schemas.js';
import { freeSpace } from '../../runtime/free-space.js';
import type { Services } from '../../runtime/services.js';
import { wormStatus } from '../../runtime/worm-status.js';
import { coverageRules } from './coverage.js';

/** Job start times kept while waiting for the end; bounded so lost "completed" events cannot grow it forever. */
const MAX_TRACKED_JOBS = 10_000;

/**
 * Prometheus exposition at /metrics. Cheap gauges are read at scrape time from PostgreSQL, Redis and the store;
 * the coverage gauges (five rates of the current month) are recomputed on an interval, never per scrape, because
 * at a city's scale they are the most expensive queries the service runs. Job durations come from BullMQ's
 * event stream, so they include workers running in other processes.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export async function metricsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, queues, store, config, log } = opts.services;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'evm_process_' });
  // Refusals for lack of space (507): the alert operators act on, since nothing is ever deleted to make room.
  registerStorageFullMetrics(registry);

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
        this.set({ state: r.state }, Number(r.b));
      }
    },
  });
  new Counter({
    name: 'evm_ingested_bytes_total',
    help: 'Bytes received into the platform since it was installed (every original, rejected ones too), from PostgreSQL',
    registers: [registry],
    async collect() {
      const [r] = await db.query<{ b: string }>('select coalesce(sum(size_bytes), 0)::bigint as b from media');
      // A counter whose truth lives in PostgreSQL: reset and set, so every replica reports the same total.
      this.reset();
      this.inc(Number(r?.b ?? 0));
    },
  });
  new Gauge({
    name: 'evm_queue_jobs',
    help: 'Pipeline jobs by queue and status (waiting + delayed is the queue depth)',
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
  new Gauge({
    name: 'evm_data_dir_free_bytes',
    help: 'Free bytes under DATA_DIR (upload spool, worker scratch, exports)',
    registers: [registry],
    async collect() {
      this.set((await freeSpace(store, config.paths.data, config.STORAGE_MIN_FREE_BYTES)).dataDirFreeBytes);
    },
  });
  new Gauge({
    name: 'evm_storage_below_min_free',
    help: '1 while the object store or DATA_DIR has less than STORAGE_MIN_FREE_BYTES free (readiness fails with EVM_STORAGE_FULL), else 0',
    labelNames: ['where'],
    registers: [registry],
    async collect() {
      const { full } = await freeSpace(store, config.paths.data, config.STORAGE_MIN_FREE_BYTES);
      for (const where of ['store', 'data-dir'] as const) this.set({ where }, full.includes(where) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'evm_originals_worm',
    help: '1 when originals are write-protected by the store (S3 Object Lock enabled on the bucket and OBJECT_LOCK=auto), else 0',
    registers: [registry],
    async collect() {
      this.set((await wormStatus(store, config.OBJECT_LOCK)).enabled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'evm_storage_used_bytes',
    help: 'Bytes in object storage: what the store reports, else the sum of originals and derivatives recorded in PostgreSQL',
    registers: [registry],
    async collect() {
      const { usedBytes } = await store.usage();
      if (usedBytes !== null) return void this.set(usedBytes);
      const [r] = await db.query<{ b: string }>(
        `select (select coalesce(sum(size_bytes), 0) from media) + (select coalesce(sum(size_bytes), 0) from derivatives) as b`,
      );
      this.set(Number(r?.b ?? 0));
    },
  });
  new Gauge({
    name: 'evm_device_last_seen_seconds',
    help: 'Seconds since each dock or camera last called the platform (absent: never)',
    labelNames: ['serial', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.query<{ serial: string; kind: string; s: number }>(
        `select serial, kind, extract(epoch from now() - last_seen_at)::float8 as s from devices where last_seen_at is not null`,
      );
      for (const r of rows) this.set({ serial: r.serial, kind: r.kind }, Math.max(0, Number(r.s)));
    },
  });
  new Gauge({
    name: 'evm_inventory_pending_files',
    help: `Files seen on docks and not stored: due (past ${config.INVENTORY_WARNING_HOURS} h) or overdue (past the ${config.INVENTORY_DEADLINE_HOURS} h upload deadline)`,
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const r = await pendingDeadlines(db, {
        now: new Date(),
        deadlineHours: config.INVENTORY_DEADLINE_HOURS,
        warningHours: config.INVENTORY_WARNING_HOURS,
        unitCodes: null,
        status: null,
        limit: 1,
        offset: 0,
      });
      this.set({ status: 'overdue' }, r.overdue);
      this.set({ status: 'due' }, r.due);
    },
  });

  // --- coverage of the current month, refreshed in the background
  const coverageRate = new Gauge({ name: 'evm_coverage_rate', help: 'Coverage rate of the current month (Asia/Shanghai), 0..1; absent while nothing is measured', labelNames: ['rate'], registers: [registry] });
  const coverageNumerator = new Gauge({ name: 'evm_coverage_numerator', help: 'Numerator of each coverage rate, current month', labelNames: ['rate'], registers: [registry] });
  const coverageDenominator = new Gauge({ name: 'evm_coverage_denominator', help: 'Denominator of each coverage rate, current month', labelNames: ['rate'], registers: [registry] });
  const coverageComputed = new Gauge({ name: 'evm_coverage_computed_timestamp_seconds', help: 'When the coverage gauges were last computed', registers: [registry] });
  const rules = coverageRules(opts.services);
  let refreshing: Promise<void> | null = null;
  const refreshCoverage = () =>
    (refreshing ??= (async () => {
      try {
        const month = periodContaining('month', new Date());
        const summaries = await allRateSummaries(db, { from: month.from, to: month.to, unitCodes: null, officer: null }, rules, null);
        coverageRate.reset();
        for (const s of summaries) {
          if (s.total.rate !== null) coverageRate.set({ rate: s.rate }, s.total.rate);
          coverageNumerator.set({ rate: s.rate }, s.total.numerator);
          coverageDenominator.set({ rate: s.rate }, s.total.denominator);
        }
        coverageComputed.set(Date.now() / 1000);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'coverage metrics not refreshed');
      } finally {
        refreshing = null;
      }
    })());
  for (const rate of COVERAGE_RATES) coverageDenominator.set({ rate }, 0);
  let timer: NodeJS.Timeout | null = null;
  if (config.COVERAGE_METRICS_INTERVAL_SEC > 0) {
    app.addHook('onReady', async () => {
      void refreshCoverage();
      timer = setInterval(() => void refreshCoverage(), config.COVERAGE_METRICS_INTERVAL_SEC * 1000);
      timer.unref();
    });
  }

  // --- job durations, from BullMQ's event stream (active → completed/failed), whichever process ran the job
  const jobDuration = new Histogram({
    name: 'evm_job_duration_seconds',
    help: 'Time from a job becoming active to completing or failing, per queue',
    labelNames: ['queue', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  const events: QueueEvents[] = [];
  app.addHook('onReady', async () => {
    for (const name of JOB_NAMES) {
      const started = new Map<string, number>();
      const qe = new QueueEvents(name, { connection: opts.services.redis, prefix: config.QUEUE_PREFIX, autorun: true });
      // The stream entry id starts with the Redis server's time in ms: both ends are measured on one clock.
      const at = (id: string) => Number(id.split('-')[0]) || Date.now();
      qe.on('active', ({ jobId }, id) => {
        if (started.size >= MAX_TRACKED_JOBS) started.delete(started.keys().next().value!);
        started.set(jobId, at(id));
      });
      const end = (outcome: 'completed' | 'failed') => ({ jobId }: { jobId: string }, id: string) => {
        const t0 = started.get(jobId);
        if (t0 === undefined) return;
        started.delete(jobId);
        jobDuration.observe({ queue: name, outcome }, Math.max(0, at(id) - t0) / 1000);
      };
      qe.on('completed', end('completed'));
      qe.on('failed', end('failed'));
      qe.on('error', (err) => {
        if (!opts.services.redisOutage?.report(err, `queue-events:${name}`)) log.warn({ queue: name, err: err.message }, 'queue events error');
      });
      events.push(qe);
    }
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await refreshing;
    await Promise.all(events.map((e) => e.close()));
  });

  // Device serials, last-seen times and the city's coverage rates are not for anyone who can reach the port.
  const metricsToken = opts.services.config.METRICS_TOKEN;
  const allowed = (req: FastifyRequest): boolean => {
    if (metricsToken) {
      const given = Buffer.from(req.headers.authorization ?? '');
      const wanted = Buffer.from(`Bearer ${metricsToken}`);
      return given.length === wanted.length && timingSafeEqual(given, wanted);
    }
    return LOOPBACK.has(req.socket.remoteAddress ?? '');
  };
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description: 'With METRICS_TOKEN set: "Authorization: Bearer <METRICS_TOKEN>" from anywhere; without it, loopback only. Otherwise 401.',
        tags: ['operations'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition format' }, 401: errorSchema },
      },
    },
    async (req, reply) => {
      if (!allowed(req)) throw new Errors.UNAUTHENTICATED();
      return reply.header('Content-Type', registry.contentType).send(await registry.metrics());
    },
  );
}
