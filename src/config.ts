import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { BUILTIN_FILENAME_PATTERNS, compilePatterns, parseUtcOffset, type FilenamePatternDef } from './domain/filename-patterns.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const bytes = z.coerce.number().int().positive();
const optionalUrl = z.string().url().optional();
/** "permanent" or a whole number of months. */
const caseFilePeriod = z
  .string()
  .regex(/^(permanent|[1-9][0-9]{0,3})$/, 'must be "permanent" or a number of months')
  .transform((v): { months: number } | 'permanent' => (v === 'permanent' ? 'permanent' : { months: Number(v) }));

/**
 * Every setting the service reads, with its default. Parsed once at boot; a bad value stops start-up with a
 * message naming the variable, so a misconfigured deployment never half-starts.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Embedded-default home for PGlite, local objects, tus spool and the private Redis. */
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** The schema owner's URL: migrations run as it; DATABASE_URL is then the application role (see README). */
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Development only: start even when DATABASE_URL's role can alter the custody tables (logged as a warning). */
  DATABASE_ALLOW_OWNER: bool.default(false),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** Key prefix for the pipeline's queues, so several deployments (or test runs) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, dash or underscore').default('evm'),
  /** Path to the redis-server binary used for the embedded Redis when REDIS_URL is unset. */
  REDIS_SERVER_BIN: z.string().default('redis-server'),
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  /** Parts of at most this size are sent in parallel for multipart uploads. */
  S3_PART_SIZE_BYTES: bytes.min(5 * 1024 * 1024).default(16 * 1024 * 1024),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Bearer token a Prometheus scraper sends for /metrics. Unset: /metrics answers only on loopback. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_UPLOAD_BYTES: bytes.default(50 * 1024 ** 3),
  MAX_METADATA_BYTES: bytes.default(4096),
  /** Ingest answers 507 rather than fill the store past this much free space. */
  STORAGE_MIN_FREE_BYTES: z.coerce.number().int().min(0).default(1024 ** 3),
  /** off: SHA-256 only; declared: SM3 too when the dock declares one; always: SM3 for every original. */
  SM3_MODE: z.enum(['off', 'declared', 'always']).default('declared'),
  /** Incomplete uploads are removed this long after creation (tus expiration extension). */
  UPLOAD_EXPIRY_HOURS: z.coerce.number().positive().default(7 * 24),
  /**
   * Where tus uploads are spooled until their last byte: `local` (DATA_DIR/uploads; one API host, or replicas
   * sharing a volume) or `object-store` (a bucket of its own, S3_SPOOL_BUCKET: API replicas share nothing).
   */
  UPLOAD_SPOOL: z.enum(['local', 'object-store']).default('local'),
  /** The spool's bucket when UPLOAD_SPOOL=object-store; default `<S3_BUCKET>-spool`. Kept apart: no Object Lock. */
  S3_SPOOL_BUCKET: z.string().min(3).optional(),
  /** With UPLOAD_SPOOL=object-store, a PATCH body is stored in objects of at most this size (a crash loses one). */
  UPLOAD_SPOOL_CHUNK_BYTES: bytes.min(1024 * 1024).default(64 * 1024 * 1024),
  /** How long a request waits for an upload another request (on any replica) is writing before it gets 423. */
  UPLOAD_LOCK_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  /** PostgreSQL connections per API replica for upload locks: one per upload being written at that moment. */
  UPLOAD_LOCK_CONNECTIONS: z.coerce.number().int().min(1).max(500).default(20),
  /** Start the simulated dock that uploads generated body-cam clips (the embedded demo). */
  DEMO_DOCK: bool.default(false),
  /** Run the pipeline workers inside the API process (the embedded default); false when worker replicas run apart. */
  WORKERS_IN_PROCESS: bool.default(true),
  VERIFY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Transcodes use both cores each (libx264 threads): one at a time per replica is the efficient default. */
  PROXY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  THUMBNAILS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** A job whose worker stops renewing its lock this long (killed, hung) is handed to another worker. */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Burn the recorded wall-clock time into review proxies (forces a transcode; never touches the original). */
  PROXY_BURN_CLOCK: bool.default(false),
  /** Offset of the wall clock shown in proxies from UTC, in minutes (China Standard Time: 480). */
  CLOCK_UTC_OFFSET_MINUTES: z.coerce.number().int().min(-720).max(840).default(480),
  SPRITE_INTERVAL_SEC: z.coerce.number().positive().default(10),
  /** Body-cam footage links to a 110 incident of its officer when the times overlap within this many minutes (clock drift). */
  AUTO_LINK_BUFFER_MINUTES: z.coerce.number().min(0).max(24 * 60).default(5),

  // dock adapters and inventory
  /** Run the pull poller (FTP and shared-folder docks) here. Safe on several replicas: each source is leased. */
  DOCK_POLLER: bool.default(true),
  /** Pull sources polled at once by one process. */
  DOCK_POLL_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** A poller that stops renewing its lease on a source (crashed) loses it after this long. */
  DOCK_LEASE_SEC: z.coerce.number().int().min(5).max(3600).default(120),
  /** UTC offset of camera clocks in file names and zone-less sidecar times (China Standard Time). */
  DOCK_NAME_UTC_OFFSET: z
    .string()
    .refine((s) => parseUtcOffset(s) !== null, 'must look like +08:00')
    .default('+08:00'),
  /** JSON array of extra vendor patterns [{name, regex, timeFormat?, utcOffset?, ignoreCase?}], tried after the built-in ones. */
  DOCK_FILENAME_PATTERNS: z
    .string()
    .transform((s, ctx): FilenamePatternDef[] => {
      try {
        const defs = JSON.parse(s) as FilenamePatternDef[];
        if (!Array.isArray(defs)) throw new Error('must be a JSON array');
        compilePatterns([...BUILTIN_FILENAME_PATTERNS, ...defs]);
        return defs;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** 64 hex digits: seals FTP passwords of pull sources at rest (AES-256-GCM). Unset: stored readable by DB admins. */
  DOCK_CREDENTIALS_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (32 bytes)').optional(),
  /** Upload deadline after a recording ends; files seen on a dock and not stored by then are overdue. */
  INVENTORY_DEADLINE_HOURS: z.coerce.number().positive().default(24),
  /** Files not stored this long after they end are flagged as due (before the deadline passes). */
  INVENTORY_WARNING_HOURS: z.coerce.number().positive().default(20),

  // custody verification, signed checkpoints, evidence export
  /** Sign the custody chain head (seq, hash, time) this often; 0 turns the periodic checkpoint off (on demand still works). */
  CHECKPOINT_INTERVAL_MINUTES: z.coerce.number().min(0).max(7 * 24 * 60).default(60),
  /** Ed25519 private key (PKCS#8 PEM; "\\n" escapes allowed) that signs checkpoints and export manifests. Unset: generated once under DATA_DIR (mode 0600). */
  CUSTODY_SIGNING_KEY: z
    .string()
    .transform((s) => s.replace(/\\n/g, '\n'))
    .refine((s) => {
      try {
        return createPrivateKey(s).asymmetricKeyType === 'ed25519';
      } catch {
        return false;
      }
    }, 'must be an Ed25519 private key in PKCS#8 PEM')
    .optional(),
  /** Time budget of one custody verification slice started from the API; an unfinished run continues in the next slice. */
  CUSTODY_VERIFY_MAX_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(300),
  /** Export packages built at once per worker replica (each streams every original once per format). */
  EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),

  // retention and disposal (2016 field-footage rules; interrogation recordings follow their case file)
  /** Field footage is kept at least this many months after it ends; the rules set 6 as the floor. */
  RETENTION_FIELD_MONTHS: z.coerce.number().int().min(6, 'the rules keep field footage at least 6 months').max(1200).default(6),
  /** How long a closed criminal case's file (its evidence and interrogation recordings) is kept: "permanent" or months. */
  RETENTION_CRIMINAL_CASE: caseFilePeriod.default('permanent'),
  /** The same for administrative cases. */
  RETENTION_ADMINISTRATIVE_CASE: caseFilePeriod.default('permanent'),
  /** Approved disposals wait this long in the recycle bin (restorable) before originals are deleted. */
  DISPOSAL_RECYCLE_DAYS: z.coerce.number().min(0).max(3650).default(30),
  /** Review derivatives of approved disposals may go this soon after approval (they can be re-made on restore). */
  DISPOSAL_DERIVATIVE_RECYCLE_DAYS: z.coerce.number().min(0).max(3650).default(0),
  /** Recompute retention decisions, extend Object Lock and purge what is due this often; 0 turns the sweep off. */
  RETENTION_SWEEP_MINUTES: z.coerce.number().min(0).max(7 * 24 * 60).default(60),
  /** auto: put originals under S3 Object Lock (COMPLIANCE) where the bucket has it enabled; off: never try. */
  OBJECT_LOCK: z.enum(['auto', 'off']).default('auto'),

  // interrogation-room recording
  /** Run the interrogation-room recorder here. Safe on several replicas: each session's recording is leased. */
  RECORDER: bool.default(true),
  /** Length of each recorded segment; each is ingested on its own, so a crash loses at most the open one. */
  RECORDING_SEGMENT_SEC: z.coerce.number().int().min(1).max(600).default(4),
  /** A camera that closes no segment for this long is cut and reconnected (stream-stalled). */
  RECORDING_STALL_SEC: z.coerce.number().min(2).max(3600).default(15),
  /** Reconnect delays: the first retry after the minimum, growing ×1.5 per attempt without footage, up to the maximum. */
  RECORDING_RETRY_MIN_MS: z.coerce.number().int().min(50).max(60_000).default(250),
  RECORDING_RETRY_MAX_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  /** A gap longer than this breaks "full recording" and needs a person's reason. */
  RECORDING_GAP_TOLERANCE_SEC: z.coerce.number().min(0).max(3600).default(2),
  /** Share of a recording a reviewer must have played at ≤ 1× before marking it reviewed without a written reason. */
  REVIEW_MIN_WATCHED_SHARE: z.coerce.number().min(0).max(1).default(1),
  /** A recorder that stops renewing its lease on a session (crashed) loses it after this long; another takes over. */
  RECORDING_LEASE_SEC: z.coerce.number().int().min(3).max(3600).default(20),
  /** A live view whose camera sends nothing this long is ended, and the viewer's player reconnects. */
  LIVE_VIEW_STALL_SEC: z.coerce.number().min(1).max(600).default(10),
  /** Let admins find cameras by WS-Discovery (POST /api/v1/cameras/discover): a multicast Probe on the cameras' network. */
  ONVIF_DISCOVERY: bool.default(true),
  /** Network interface to probe on (e.g. eth1, the camera network); unset: the one the multicast route names. */
  ONVIF_DISCOVERY_INTERFACE: z.string().min(1).optional(),

  // coverage, reports and supervision
  /** Share of a period's cases sampled for supervisory review (the rules: at least 20%). */
  SUPERVISION_SAMPLE_FRACTION: z.coerce.number().gt(0).max(1).default(0.2),
  /** JSON object of per-unit shares, e.g. {"110000000002": 0.1} for departments the rules allow 10%. */
  SUPERVISION_UNIT_FRACTIONS: z
    .string()
    .transform((s, ctx): Record<string, number> => {
      try {
        const o = JSON.parse(s) as Record<string, unknown>;
        if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('must be a JSON object of unit code to fraction');
        for (const [k, v] of Object.entries(o)) if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new Error(`fraction of ${k} must be in (0, 1]`);
        return o as Record<string, number>;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .default({}),
  /** How often the coverage gauges of /metrics (current month) are recomputed; 0 turns them off. Never per scrape. */
  COVERAGE_METRICS_INTERVAL_SEC: z.coerce.number().int().min(0).max(86_400).default(300),
});

export type Config = z.infer<typeof schema> & {
  /** Absolute paths derived from DATA_DIR. */
  paths: { data: string; pglite: string; objects: string; uploads: string; redis: string; scratch: string; dockSpool: string; recordingSpool: string };
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": compose files and shells often export VAR= to clear a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.S3_BUCKET && !c.S3_ENDPOINT) {
    throw new ConfigError('Invalid configuration:\n  S3_ENDPOINT: required when S3_BUCKET is set');
  }
  if (c.UPLOAD_SPOOL === 'object-store' && !c.S3_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  UPLOAD_SPOOL: object-store needs S3 (set S3_BUCKET and S3_ENDPOINT)');
  }
  if (c.S3_SPOOL_BUCKET && c.S3_SPOOL_BUCKET === c.S3_BUCKET) {
    // The evidence bucket has Object Lock, so it is versioned: every chunk deleted there would stay as a version.
    throw new ConfigError('Invalid configuration:\n  S3_SPOOL_BUCKET: must not be S3_BUCKET (the evidence bucket keeps every deleted version)');
  }
  if (c.INVENTORY_WARNING_HOURS >= c.INVENTORY_DEADLINE_HOURS) {
    throw new ConfigError('Invalid configuration:\n  INVENTORY_WARNING_HOURS: must be less than INVENTORY_DEADLINE_HOURS');
  }
  if (c.RECORDING_STALL_SEC < c.RECORDING_SEGMENT_SEC + 2) {
    throw new ConfigError('Invalid configuration:\n  RECORDING_STALL_SEC: must be at least RECORDING_SEGMENT_SEC + 2 (a healthy stream closes a segment every RECORDING_SEGMENT_SEC)');
  }
  if (c.RECORDING_RETRY_MIN_MS > c.RECORDING_RETRY_MAX_MS) {
    throw new ConfigError('Invalid configuration:\n  RECORDING_RETRY_MIN_MS: must not exceed RECORDING_RETRY_MAX_MS');
  }
  if (c.DISPOSAL_DERIVATIVE_RECYCLE_DAYS > c.DISPOSAL_RECYCLE_DAYS) {
    throw new ConfigError('Invalid configuration:\n  DISPOSAL_DERIVATIVE_RECYCLE_DAYS: must not exceed DISPOSAL_RECYCLE_DAYS');
  }
  const data = path.resolve(c.DATA_DIR);
  return {
    ...c,
    paths: {
      data,
      pglite: path.join(data, 'pglite'),
      objects: path.join(data, 'objects'),
      uploads: path.join(data, 'uploads'),
      redis: path.join(data, 'redis'),
      scratch: path.join(data, 'scratch'),
      dockSpool: path.join(data, 'dock-spool'),
      recordingSpool: path.join(data, 'recording-spool'),
    },
  };
}
