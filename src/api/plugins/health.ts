import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { codeOf } from '../../errors.js';
import { freeSpace, type FreeSpace } from '../../runtime/free-space.js';
import type { Services } from '../../runtime/services.js';
import { wormStatus } from '../../runtime/worm-status.js';

const CHECK_TIMEOUT_MS = 3000;
const checkSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, ms: { type: 'integer' }, error: { type: 'string' }, code: { type: 'string' } },
  required: ['ok'],
} as const;
const storageSchema = {
  type: 'object',
  properties: {
    ...checkSchema.properties,
    freeBytes: { type: ['integer', 'null'], description: 'free bytes in the object store; null where it cannot tell (S3)' },
    dataDirFreeBytes: { type: 'integer', description: 'free bytes under DATA_DIR (spool, scratch, exports)' },
    minFreeBytes: { type: 'integer', description: 'STORAGE_MIN_FREE_BYTES' },
  },
  required: ['ok'],
} as const;
const wormSchema = {
  type: 'object',
  description: 'whether originals are write-protected by the store (S3 Object Lock); informs, never fails readiness',
  properties: { enabled: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['enabled'],
} as const;
const spoolSchema = {
  type: 'object',
  description: 'the tus upload spool: local (DATA_DIR) or object-store (its own bucket, shared by every API replica)',
  properties: { ...checkSchema.properties, kind: { type: 'string', enum: ['local', 'object-store'] } },
  required: ['ok', 'kind'],
} as const;
const readySchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ready', 'unavailable'] }, database: checkSchema, redis: checkSchema, storage: storageSchema, uploadSpool: spoolSchema, worm: wormSchema },
  required: ['status', 'database', 'redis', 'storage', 'uploadSpool', 'worm'],
} as const;

/**
 * /healthz: the process is alive (for restarts). /readyz: it can do its job: PostgreSQL, Redis and object
 * storage all answer and storage has at least STORAGE_MIN_FREE_BYTES free (for load balancers and the start
 * script). It also says whether originals are under WORM, which an operator must know but which does not stop
 * the service.
 */
export async function healthPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, store, redis, config, uploads } = opts.services;
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
        summary: 'Readiness: PostgreSQL, Redis, object storage and the upload spool reachable',
        tags: ['operations'],
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_req, reply) => {
      const [database, queue, storage, space, worm, spool] = await Promise.all([
        check(() => db.query('select 1')),
        check(async () => {
          if (client.status === 'wait' || client.status === 'end') await client.connect();
          await client.ping();
        }),
        check(() => store.ping()),
        check(() => freeSpace(store, config.paths.data, config.STORAGE_MIN_FREE_BYTES)),
        check(() => wormStatus(store, config.OBJECT_LOCK)),
        check(() => uploads.ping()),
      ]);
      const storageReport = { ...withoutValue(storage), ...spaceReport(space, config.STORAGE_MIN_FREE_BYTES) };
      const ok = database.ok && queue.ok && storageReport.ok && spool.ok;
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ready' : 'unavailable',
        database: withoutValue(database),
        redis: withoutValue(queue),
        storage: storageReport,
        uploadSpool: { ...withoutValue(spool), kind: uploads.kind },
        worm: worm.value ?? { enabled: false, reason: `Object Lock could not be checked: ${worm.error}` },
      });
    },
  );
}

interface Checked<T> {
  ok: boolean;
  ms?: number;
  error?: string;
  value?: T;
}

/** A dependency that hangs (a black-holed Redis, an S3 endpoint that never answers) must fail the probe within the load balancer's timeout, not hang it. */
async function check<T>(fn: () => Promise<T>): Promise<Checked<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started), value };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

function withoutValue<T>({ value: _value, ...rest }: Checked<T>): Omit<Checked<T>, 'value'> {
  return rest;
}

/**
 * Below STORAGE_MIN_FREE_BYTES the service cannot take footage (ingest answers 507) and workers cannot write
 * derivatives: not ready, with the same stable code the 507 carries, so an operator reads one condition everywhere.
 */
function spaceReport(space: Checked<FreeSpace>, minFreeBytes: number) {
  if (!space.value) return { ok: false, error: `free space unknown: ${space.error}`, minFreeBytes };
  const { storeFreeBytes, dataDirFreeBytes, full } = space.value;
  const base = { freeBytes: storeFreeBytes, dataDirFreeBytes, minFreeBytes };
  if (full.length === 0) return base;
  const where = full.map((f) => (f === 'store' ? `object store (${storeFreeBytes} bytes free)` : `DATA_DIR (${dataDirFreeBytes} bytes free)`));
  return { ...base, ok: false, code: codeOf('STORAGE_FULL'), error: `storage full: ${where.join(', ')}; below STORAGE_MIN_FREE_BYTES=${minFreeBytes}` };
}
