import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/db.js';
import type { JobQueues } from '../../src/queue/queues.js';

/** What every pipeline handler needs. */
export interface PipelineDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  log: Logger;
  config: Pick<Config, 'SM3_MODE' | 'PROXY_BURN_CLOCK' | 'CLOCK_UTC_OFFSET_MINUTES' | 'SPRITE_INTERVAL_SEC'>;
  /** Directory for temporary files (ffmpeg outputs, S3 originals being processed). */
  scratch: string;
  /**
   * Aborted when this worker process shuts down: its running jobs are abandoned and their ffmpeg/ffprobe killed,
   * so what those tools report then says nothing about the footage.
   */
  stopping?: AbortSignal;
}
