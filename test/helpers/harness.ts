import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/db.js';
import { openPostgres } from '../../src/db/postgres.js';
import { boot, createLogger, type Booted } from '../../src/runtime/boot.js';
import type { Services } from '../../src/runtime/services.js';
import { runWorkers } from '../../workers/run-workers.js';
import { createTempDatabase, type TempDatabase } from './postgres.js';
import { startS3Server } from './s3-server.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HarnessOptions {
  db?: 'pglite' | 'postgres';
  store?: 'local' | 's3';
  /** Start the pipeline workers with the API (default true). */
  workers?: boolean;
  env?: Record<string, string>;
  /**
   * Another API replica of `share`'s deployment: same database, Redis prefix, object store, DATA_DIR and admin
   * token, but its own process state (services, pools, locks). `share` owns those and tears them down.
   */
  share?: Harness;
  /**
   * PostgreSQL only. 'app' (default): the production shape, the service on the application role and migrations on
   * the owner role (scripts/db-roles.sql). 'owner': the service on the owner role with DATABASE_ALLOW_OWNER=true.
   */
  dbRole?: 'app' | 'owner';
}

export interface Harness {
  baseUrl: string;
  adminToken: string;
  services: Services;
  dataDir: string;
  /** The environment it was configured from (what another replica or a child process needs to join it). */
  env: Record<string, string>;
  /**
   * The database superuser on this test's database, for tests that tamper as an insider with full power (the
   * service's own role cannot); on PGlite the service's own database (one process owns everything).
   */
  superDb(): Db;
  registerDevice(kind?: 'dock' | 'camera', serial?: string): Promise<{ id: string; token: string; serial: string }>;
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  /** Stops API and workers and boots them again on the same data, database and port: a server restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real service for integration tests: real Redis (own queue prefix), real PostgreSQL (own database) or PGlite,
 * local disk or a real S3-protocol server, listening on a port chosen at run time on 127.0.0.1.
 */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  if (o.share) return startReplica(o.share, o);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'evm-test-'));
  const tempDb: TempDatabase | null = o.db === 'postgres' ? await createTempDatabase({ roles: true }) : null;
  const s3 = o.store === 's3' ? await startS3Server() : null;
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    STORAGE_MIN_FREE_BYTES: '0',
    ...(tempDb && o.dbRole !== 'owner' ? { DATABASE_URL: tempDb.appUrl!, DATABASE_MIGRATION_URL: tempDb.ownerUrl! } : {}),
    ...(tempDb && o.dbRole === 'owner' ? { DATABASE_URL: tempDb.ownerUrl!, DATABASE_ALLOW_OWNER: 'true' } : {}),
    ...(s3 ? { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } : {}),
    ...o.env,
  };
  const config = loadConfig(env);
  const log = createLogger(config);

  let booted: Booted;
  let app: FastifyInstance;
  let stopWorkersFn: (() => Promise<void>) | null = null;
  let port = 0;
  let superDb: Db | null = null;

  const up = async () => {
    booted = await boot(config, log);
    app = await buildApp(booted.services);
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as { port: number }).port;
    if (o.workers !== false) stopWorkersFn = await runWorkers(booted.services, 1_000);
  };
  const down = async () => {
    await stopWorkersFn?.();
    stopWorkersFn = null;
    await app.close();
    await booted.shutdown();
  };
  await up();

  const h: Harness = {
    get baseUrl() {
      return `http://127.0.0.1:${port}`;
    },
    adminToken: env.ADMIN_TOKEN!,
    get services() {
      return booted.services;
    },
    dataDir,
    env,
    superDb() {
      if (!tempDb) return booted.services.db;
      superDb ??= openPostgres(tempDb.url);
      return superDb;
    },
    async registerDevice(kind = 'dock', serial = `DOCK-${randomBytes(4).toString('hex')}`) {
      const res = await fetch(`${h.baseUrl}/api/v1/devices`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind, serial, name: `test ${serial}` }),
      });
      if (res.status !== 201) throw new Error(`register device: ${res.status} ${await res.text()}`);
      return { ...((await res.json()) as { id: string; token: string }), serial };
    },
    async startWorkers() {
      if (!stopWorkersFn) stopWorkersFn = await runWorkers(booted.services, 1_000);
    },
    async stopWorkers() {
      await stopWorkersFn?.();
      stopWorkersFn = null;
    },
    async restart() {
      await down();
      await up();
    },
    async stop() {
      await down();
      await superDb?.close();
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await s3?.stop();
      await tempDb?.drop();
      // A job abandoned at shutdown may still be finishing a file: retry instead of failing the teardown.
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
  return h;
}

/** A second API replica joining `first`'s deployment (see HarnessOptions.share). */
async function startReplica(first: Harness, o: HarnessOptions): Promise<Harness> {
  const env = { ...first.env, ...o.env };
  const config = loadConfig(env);
  const booted = await boot(config, createLogger(config));
  const app = await buildApp(booted.services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  let stopWorkersFn = o.workers === true ? await runWorkers(booted.services, 1_000) : null;
  const h: Harness = {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: first.adminToken,
    services: booted.services,
    dataDir: first.dataDir,
    env,
    superDb: () => first.superDb(),
    registerDevice: (kind, serial) => first.registerDevice(kind, serial),
    async startWorkers() {
      if (!stopWorkersFn) stopWorkersFn = await runWorkers(booted.services, 1_000);
    },
    async stopWorkers() {
      await stopWorkersFn?.();
      stopWorkersFn = null;
    },
    async restart() {
      throw new Error('restart a replica by starting another one');
    },
    async stop() {
      await stopWorkersFn?.();
      await app.close();
      await booted.shutdown();
    },
  };
  return h;
}
