import type { FastifyInstance } from 'fastify';
import { JOB_NAMES, type JobName } from '../../queue/jobs.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { errorSchema } from '../schemas.js';
import { SHANGHAI_OFFSET_MINUTES } from '../../domain/report-periods.js';

const TAGS = ['operations'];
const SECURITY = [{ bearer: [] }];
const JOB_STATUSES = ['failed', 'active', 'waiting', 'delayed'] as const;
type JobStatus = (typeof JOB_STATUSES)[number];

const jobSchema = {
  type: 'object',
  properties: {
    queue: { type: 'string' },
    id: { type: 'string' },
    status: { type: 'string' },
    mediaId: { type: ['string', 'null'] },
    exportId: { type: ['string', 'null'] },
    progress: { type: 'number' },
    attemptsMade: { type: 'integer' },
    failedReason: { type: ['string', 'null'] },
    createdAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
  },
  required: ['queue', 'id', 'status'],
} as const;

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

/**
 * Operations for the admin screens: queue depth per pipeline stage, jobs by status (failed ones with their error,
 * active ones with their progress) and a retry for a failed job; storage used and its growth; uploads in flight.
 * Read-only except the retry; PostgreSQL stays the truth (the reconciler re-derives anything Redis forgets).
 */
export async function adminQueuesPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, queues, store, uploads } = opts.services;
  const admins = app.requireRole('admin');

  app.get(
    '/api/v1/admin/queues',
    {
      onRequest: admins,
      schema: {
        summary: 'Queue depth per pipeline stage: waiting, active, delayed, failed',
        tags: TAGS,
        security: SECURITY,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, waiting: { type: 'integer' }, active: { type: 'integer' }, delayed: { type: 'integer' }, failed: { type: 'integer' } },
              required: ['name', 'waiting', 'active', 'delayed', 'failed'],
            },
          },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () =>
      Promise.all(
        JOB_NAMES.map(async (name) => {
          const c = await queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
          return { name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
        }),
      ),
  );

  app.get<{ Querystring: { status: JobStatus; queue?: JobName; limit: number } }>(
    '/api/v1/admin/jobs',
    {
      onRequest: admins,
      schema: {
        summary: 'Pipeline jobs by status (failed with their error, active with their progress), newest first',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...JOB_STATUSES], default: 'failed' },
            queue: { type: 'string', enum: [...JOB_NAMES] },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        },
        response: { 200: { type: 'array', items: jobSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const { status, limit } = req.query;
      const names = req.query.queue ? [req.query.queue] : [...JOB_NAMES];
      const lists = await Promise.all(
        names.map(async (name) =>
          (await queues.queue(name).getJobs([status], 0, limit - 1)).filter(Boolean).map((job) => {
            const data = (job.data ?? {}) as { mediaId?: string; exportId?: string };
            return {
              queue: name,
              id: job.id ?? '',
              status,
              mediaId: data.mediaId ?? null,
              exportId: data.exportId ?? null,
              progress: typeof job.progress === 'number' ? job.progress : 0,
              attemptsMade: job.attemptsMade ?? 0,
              failedReason: job.failedReason ?? null,
              createdAt: iso(job.timestamp),
              finishedAt: iso(job.finishedOn),
            };
          }),
        ),
      );
      return lists.flat().sort((a, b) => (b.finishedAt ?? b.createdAt ?? '').localeCompare(a.finishedAt ?? a.createdAt ?? '')).slice(0, limit);
    },
  );

  app.post<{ Params: { queue: JobName; jobId: string } }>(
    '/api/v1/admin/queues/:queue/jobs/:jobId/retry',
    {
      onRequest: admins,
      schema: {
        summary: 'Retry a failed job (it runs again from its start; the stage is idempotent)',
        tags: TAGS,
        security: SECURITY,
        params: {
          type: 'object',
          properties: { queue: { type: 'string', enum: [...JOB_NAMES] }, jobId: { type: 'string', minLength: 1, maxLength: 200 } },
          required: ['queue', 'jobId'],
        },
        response: { 202: { type: 'object', properties: { queue: { type: 'string' }, id: { type: 'string' }, status: { type: 'string' } } }, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const { queue, jobId } = req.params;
      const job = await queues.queue(queue).getJob(jobId);
      if (!job) throw new Errors.NOT_FOUND(`job ${jobId} in queue ${queue}`);
      const state = await job.getState();
      if (state !== 'failed') throw new Errors.JOB_NOT_FAILED(jobId, state);
      await job.retry('failed');
      req.log.info({ queue, jobId, actor: actorOf(req.principal!) }, 'failed job retried');
      return reply.code(202).send({ queue, id: jobId, status: 'waiting' });
    },
  );

  app.get<{ Querystring: { days: number } }>(
    '/api/v1/admin/storage',
    {
      onRequest: admins,
      schema: {
        summary: 'Storage used (originals, derivatives, export packages) and its growth per day',
        tags: TAGS,
        security: SECURITY,
        querystring: { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } } },
        response: { 200: { type: 'object', additionalProperties: true }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const days = req.query.days;
      const [usage, originals, derivatives, daily] = await Promise.all([
        store.usage(),
        db.query<{ n: number; b: string }>(`select count(*)::int as n, coalesce(sum(size_bytes), 0)::text as b from media where state <> 'rejected'`),
        db.query<{ n: number; b: string }>('select count(*)::int as n, coalesce(sum(size_bytes), 0)::text as b from derivatives'),
        db.query<{ day: string; n: number; b: string }>(
          // Days are China's (the reports' local midnights), not the database session's UTC.
          `select to_char((created_at at time zone 'UTC') + make_interval(mins => $2), 'YYYY-MM-DD') as day, count(*)::int as n, coalesce(sum(size_bytes), 0)::text as b
             from media where created_at >= now() - make_interval(days => $1) and state <> 'rejected'
            group by 1 order by 1`,
          [days, SHANGHAI_OFFSET_MINUTES],
        ),
      ]);
      return {
        usedBytes: usage.usedBytes,
        freeBytes: usage.freeBytes,
        originals: { files: originals[0]?.n ?? 0, bytes: Number(originals[0]?.b ?? 0) },
        derivatives: { files: derivatives[0]?.n ?? 0, bytes: Number(derivatives[0]?.b ?? 0) },
        daily: daily.map((d) => ({ day: d.day, files: d.n, bytes: Number(d.b) })),
      };
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/admin/uploads',
    {
      onRequest: admins,
      schema: {
        summary: 'Uploads in flight (bytes received so far) and the latest finished ones with their media state',
        tags: TAGS,
        security: SECURITY,
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
        response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const rows = await db.query<{
        id: string;
        size_bytes: string | number;
        metadata: Record<string, string>;
        media_id: string | null;
        created_at: Date;
        finished_at: Date | null;
        serial: string | null;
        state: string | null;
      }>(
        `(select u.id, u.size_bytes, u.metadata, u.media_id, u.created_at, u.finished_at, d.serial, m.state
            from uploads u left join devices d on d.id = u.device_id left join media m on m.id = u.media_id
           where u.finished_at is null and u.spool_freed_at is null order by u.created_at desc limit $1)
         union all
         (select u.id, u.size_bytes, u.metadata, u.media_id, u.created_at, u.finished_at, d.serial, m.state
            from uploads u left join devices d on d.id = u.device_id left join media m on m.id = u.media_id
           where u.finished_at is not null order by u.finished_at desc limit $1)`,
        [req.query.limit],
      );
      // Files pull docks (FTP, folder) deliver arrive without a tus upload: list them beside the pushed ones.
      const pulled = await db.query<{
        source_id: string;
        name: string;
        size_bytes: string | number;
        status: string;
        media_id: string | null;
        first_seen_at: Date;
        ingested_at: Date | null;
        error_code: string | null;
        protocol: 'ftp' | 'folder';
        serial: string;
        state: string | null;
      }>(
        `(select f.source_id, f.name, f.size_bytes, f.status, f.media_id, f.first_seen_at, f.ingested_at, f.error_code, ps.protocol, d.serial, m.state
            from dock_remote_files f join dock_pull_sources ps on ps.id = f.source_id join devices d on d.id = ps.device_id
            left join media m on m.id = f.media_id
           where f.status in ('pending', 'error') order by f.first_seen_at desc limit $1)
         union all
         (select f.source_id, f.name, f.size_bytes, f.status, f.media_id, f.first_seen_at, f.ingested_at, f.error_code, ps.protocol, d.serial, m.state
            from dock_remote_files f join dock_pull_sources ps on ps.id = f.source_id join devices d on d.id = ps.device_id
            left join media m on m.id = f.media_id
           where f.ingested_at is not null order by f.ingested_at desc limit $1)`,
        [req.query.limit],
      );
      const pulledRows = pulled.map((f) => {
        const size = Number(f.size_bytes);
        const done = f.ingested_at !== null;
        return {
          id: `${f.source_id}:${f.name}`,
          via: f.protocol,
          deviceSerial: f.serial,
          filename: f.name,
          cameraSerial: null,
          recordedEnd: null,
          sizeBytes: size,
          offset: done ? size : 0,
          progress: done ? 100 : 0,
          createdAt: f.first_seen_at.toISOString(),
          finishedAt: f.ingested_at?.toISOString() ?? null,
          mediaId: f.media_id,
          mediaState: f.state,
          dockStatus: f.status,
          errorCode: f.error_code,
        };
      });
      const pushed = await Promise.all(
        rows.map(async (r) => {
          const size = Number(r.size_bytes);
          let offset = r.finished_at ? size : 0;
          if (!r.finished_at) {
            try {
              offset = (await uploads.getUpload(r.id)).offset;
            } catch {
              offset = 0;
            }
          }
          const meta = typeof r.metadata === 'string' ? (JSON.parse(r.metadata) as Record<string, string>) : r.metadata;
          return {
            id: r.id,
            deviceSerial: r.serial,
            filename: meta.filename ?? null,
            cameraSerial: meta.deviceSerial ?? null,
            recordedEnd: meta.recordedEnd ?? null,
            sizeBytes: size,
            offset,
            progress: size > 0 ? Math.round((offset / size) * 100) : 0,
            createdAt: r.created_at.toISOString(),
            finishedAt: r.finished_at?.toISOString() ?? null,
            mediaId: r.media_id,
            mediaState: r.state,
            via: 'tus' as const,
          };
        }),
      );
      return [...pushed, ...pulledRows];
    },
  );
}
