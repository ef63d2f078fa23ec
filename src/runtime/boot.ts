import { pino, type Logger } from 'pino';
import { createObjectStore, type ObjectStore } from '../../storage/index.js';
import { inProcessLocks, postgresLocks } from '../db/advisory-locks.js';
import { ConfigError, type Config } from '../config.js';
import type { Db } from '../db/db.js';
import { openDb } from '../db/open.js';
import { custodyRoleProblems, ownerRoleMessage } from '../db/service-role.js';
import { HashingFileStore } from '../ingest/hashing-file-store.js';
import { ObjectSpool } from '../ingest/object-spool.js';
import type { UploadSpool } from '../ingest/upload-spool.js';
import { IngestService } from '../ingest/ingest-service.js';
import { UploadFinisher } from '../ingest/upload-finisher.js';
import { JobQueues } from '../queue/queues.js';
import { resolveAdminToken } from './admin-token.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { pingRedis, redisConnection } from './redis-connection.js';
import { RedisOutageLog } from './redis-outage.js';
import type { Services } from './services.js';
import { waitFor, type WaitForOptions } from './wait-for.js';
import { wormStatus, wormWarning } from './worm-status.js';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: 'evidence-media' } });
}

/** The object store the configuration names: S3 when S3_BUCKET is set, else local disk under DATA_DIR. */
export function objectStoreFromConfig(config: Config, bucket = config.S3_BUCKET, partSizeBytes = config.S3_PART_SIZE_BYTES): Promise<ObjectStore> {
  return createObjectStore({
    localRoot: config.paths.objects,
    s3: bucket
      ? {
          endpoint: config.S3_ENDPOINT!,
          bucket,
          region: config.S3_REGION,
          accessKeyId: config.S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: config.S3_SECRET_ACCESS_KEY ?? '',
          forcePathStyle: config.S3_FORCE_PATH_STYLE,
          partSizeBytes,
          objectLockOnCreate: bucket === config.S3_BUCKET && config.OBJECT_LOCK !== 'off',
        }
      : undefined,
  });
}

export interface Booted {
  services: Services;
  /** Releases everything boot opened, in reverse order. */
  shutdown(): Promise<void>;
}

/**
 * Builds the shared services from configuration: each part is the embedded default unless its variable points at
 * a real server (DATABASE_URL, REDIS_URL, S3_*). A real server that does not answer yet is waited for with
 * backoff (compose starts everything at once; a host reboots): the process comes up when its dependencies do.
 */
export async function boot(config: Config, log: Logger = createLogger(config)): Promise<Booted> {
  let embeddedRedis: EmbeddedRedis | null = null;
  const redis = config.REDIS_URL
    ? redisConnection({ url: config.REDIS_URL })
    : redisConnection({ socket: (embeddedRedis = await startEmbeddedRedis(config.paths.redis, config.REDIS_SERVER_BIN, log)).socket });
  const wait = { log };
  if (config.REDIS_URL) await waitFor('Redis', () => pingRedis(redis), wait);

  const openDatabase = () =>
    openDb({
      databaseUrl: config.DATABASE_URL,
      migrationUrl: config.DATABASE_MIGRATION_URL,
      pgliteDir: config.paths.pglite,
      onIdleError: (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection dropped; it will be replaced'),
    });
  const db = config.DATABASE_URL ? await waitFor('PostgreSQL', openDatabase, wait) : await openDatabase();
  try {
    await guardCustodyRole(db, config, log);
  } catch (err) {
    await db.close();
    await embeddedRedis?.stop();
    throw err;
  }
  const store = config.S3_BUCKET ? await waitFor('object storage (S3)', () => objectStoreFromConfig(config), wait) : await objectStoreFromConfig(config);
  const worm = await wormStatus(store, config.OBJECT_LOCK);
  const warning = wormWarning(worm);
  // Loud on purpose: evidence without WORM is a deployment fault an operator must see, not a detail.
  if (warning) log.error({ worm }, warning);
  else log.info({ worm }, 'originals are write-protected by S3 Object Lock (WORM)');
  const redisOutage = new RedisOutageLog({ connection: redis, log, probeKey: `${config.QUEUE_PREFIX}:health:probe:${process.pid}` });
  const queues = new JobQueues(redis, config.QUEUE_PREFIX, (err, queue) => {
    if (!redisOutage.report(err, `queue:${queue}`)) log.error({ queue, err: err.message }, 'queue error');
  });
  const uploads = await uploadSpoolFromConfig(config, log, wait);
  const ingest = new IngestService({ db, store, queues, log, minFreeBytes: config.STORAGE_MIN_FREE_BYTES });
  const locks = config.DATABASE_URL
    ? postgresLocks(config.DATABASE_URL, config.UPLOAD_LOCK_CONNECTIONS, (err) => log.warn({ err: err.message }, 'upload lock listener lost PostgreSQL; reconnecting'))
    : inProcessLocks();
  const finisher = new UploadFinisher({ db, spool: uploads, ingest, log, locks });
  const adminToken = await resolveAdminToken(config.ADMIN_TOKEN, config.paths.data);

  const services: Services = { config, adminToken, log, db, store, redis, queues, uploads, ingest, finisher, locks, redisOutage };
  return {
    services,
    async shutdown() {
      redisOutage.close();
      await queues.close();
      await locks.close();
      await db.close();
      await embeddedRedis?.stop();
    },
  };
}

/** The tus spool the configuration names (UPLOAD_SPOOL): local disk, or a bucket of its own on the object store. */
async function uploadSpoolFromConfig(config: Config, log: Logger, wait: WaitForOptions): Promise<UploadSpool> {
  const wantsSm3 = (meta: Record<string, string | null>) => config.SM3_MODE === 'always' || (config.SM3_MODE === 'declared' && Boolean(meta.sm3));
  const expirationPeriodInMilliseconds = config.UPLOAD_EXPIRY_HOURS * 3600_000;
  if (config.UPLOAD_SPOOL === 'local') return new HashingFileStore({ directory: config.paths.uploads, expirationPeriodInMilliseconds }, wantsSm3);
  const bucket = config.S3_SPOOL_BUCKET ?? `${config.S3_BUCKET}-spool`;
  // S3's smallest part: every upload being written holds up to five of them in memory (lib-storage's queue).
  const store = await waitFor('upload spool (S3)', () => objectStoreFromConfig(config, bucket, 5 * 1024 * 1024), wait);
  log.info({ bucket, chunkBytes: config.UPLOAD_SPOOL_CHUNK_BYTES }, 'tus uploads are spooled on the object store');
  return new ObjectSpool({ store, chunkBytes: config.UPLOAD_SPOOL_CHUNK_BYTES, expirationPeriodInMilliseconds, wantsSm3, log });
}

/**
 * Refuses to run the service as a database role that could rewrite the custody log (see src/db/service-role.ts),
 * unless DATABASE_ALLOW_OWNER=true. The embedded PGlite has no roles: one process owns everything.
 */
async function guardCustodyRole(db: Db, config: Config, log: Logger): Promise<void> {
  if (db.engine === 'pglite') {
    log.info('嵌入式 PGlite：单一进程拥有全部数据，数据库角色分离不适用 / embedded PGlite: one process owns everything, so the database role split does not apply');
    return;
  }
  const problems = await custodyRoleProblems(db);
  if (problems.length === 0) return;
  if (config.DATABASE_ALLOW_OWNER) {
    log.warn({ problems }, 'DATABASE_ALLOW_OWNER=true：服务角色可以改写保管链，仅限开发 / the service role can rewrite the custody chain: development only');
    return;
  }
  throw new ConfigError(ownerRoleMessage(problems));
}
