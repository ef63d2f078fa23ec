import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Config } from '../config.js';
import type { NamedLocks } from '../db/advisory-locks.js';
import type { Db } from '../db/db.js';
import type { UploadSpool } from '../ingest/upload-spool.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { UploadFinisher } from '../ingest/upload-finisher.js';
import type { JobQueues } from '../queue/queues.js';
import type { RedisOutageLog } from './redis-outage.js';

/** Everything the API and the workers share, built once by the runtime (see src/runtime/boot.ts). */
export interface Services {
  config: Config;
  adminToken: string;
  log: Logger;
  db: Db;
  store: ObjectStore;
  redis: ConnectionOptions;
  queues: JobQueues;
  uploads: UploadSpool;
  ingest: IngestService;
  finisher: UploadFinisher;
  /** Locks shared by every replica on the database (PostgreSQL advisory locks; in-process on PGlite). */
  locks: NamedLocks;
  /** Counts Redis errors during an outage instead of logging each; the worker pool pauses on MISCONF. */
  redisOutage: RedisOutageLog;
}
