import { EVENTS } from '@tus/utils';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { isProblem, parseUploadMetadata, storableMetadata } from '../../domain/upload-metadata.js';
import { isAcknowledged } from '../../domain/media-state.js';
import { appendCustody, CustodyRepository } from '../../db/repositories/custody-repository.js';
import { MediaRepository } from '../../db/repositories/media-repository.js';
import { UploadsRepository, type UploadRecord } from '../../db/repositories/uploads-repository.js';
import { codeOf, Errors, isEvmError } from '../../errors.js';
import { throwIfStorageFull } from '../../ingest/storage-guard.js';
import { SharedUploadLocker } from '../../ingest/upload-locker.js';
import { JobOutcomes } from '../../queue/job-outcomes.js';
import { jobId } from '../../queue/jobs.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { principalOfRaw } from './auth.js';
import { errorBody, receiptSchema, errorSchema } from '../schemas.js';
import { answerTusErrorsAsJson, storageFullFrom } from '../tus-errors.js';
import { TusNodeServer } from '../tus-node-server.js';

export const UPLOADS_PATH = '/api/v1/uploads';
const FINISH_WAIT_MS = 10_000;
/** Longest a receipt request may wait for verification (below common proxy read timeouts of 30–60 s). */
const RECEIPT_MAX_WAIT_MS = 25_000;

/** tus wants errors as `{status_code, body}`; ours carry a stable code, so the body is our usual JSON error. */
function tusError(err: { statusCode?: number; code: string; message: string }) {
  return { status_code: err.statusCode ?? 500, body: JSON.stringify(errorBody(err)) };
}

/** What a dock is told about its upload (receiptSchema). */
interface Receipt {
  uploadId: string;
  mediaId: string | null;
  state: string;
  sha256: string | null;
  verified: boolean;
  offset: number;
  sizeBytes: number;
  errorCode: string | null;
}

type TusRequest = { runtime?: { node?: { req: IncomingMessage } }; headers: Headers };
const rawOf = (req: TusRequest) => req.runtime?.node?.req;

/**
 * Dock uploads over tus 1.0.0 (core, creation, creation-with-upload, termination, expiration), so any tus client
 * can resume after a cut connection or a server restart. Bytes are hashed as they land in the spool; the final
 * PATCH hands the complete file to the one ingest path.
 */
export async function uploadsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { services } = opts;
  const { config, db, uploads: datastore, finisher, store, log, locks } = services;
  const uploadsRepo = new UploadsRepository(db);

  const tus = new TusNodeServer({
    path: UPLOADS_PATH,
    datastore,
    relativeLocation: true,
    // Length must be known up front: it is checked against the maximum and the free space before a byte moves.
    maxSize: config.MAX_UPLOAD_BYTES,
    namingFunction: () => randomBytes(16).toString('hex'),
    exposedHeaders: ['X-Media-Id'],
    // Any replica may take any request of an upload: the write lock is shared through PostgreSQL.
    locker: new SharedUploadLocker(locks, { waitMs: config.UPLOAD_LOCK_WAIT_MS, onBusy: (id) => tusError(new Errors.UPLOAD_LOCKED(id)) }),
    // A request asked to stop has this long to flush what it received; well inside the asker's wait for the lock.
    lockDrainTimeout: Math.max(100, Math.floor(config.UPLOAD_LOCK_WAIT_MS / 3)),

    async onIncomingRequest(req, uploadId) {
      const principal = rawOf(req as TusRequest) && principalOfRaw(rawOf(req as TusRequest)!);
      if (!principal) throw tusError(new Errors.UNAUTHENTICATED());
      // Refused before a byte lands: the creation check alone let a PATCH fill the disk bytes later.
      if (req.method === 'PATCH') await throwIfStorageFull(store, Number(req.headers.get('content-length')) || 0, config.STORAGE_MIN_FREE_BYTES);
      // On POST the id is the one being created; ownership is recorded in onUploadCreate.
      if (req.method === 'POST' || principal.kind === 'admin') return;
      if (principal.kind !== 'device') throw tusError(new Errors.FORBIDDEN('uploads belong to devices'));
      const record = await uploadsRepo.findById(uploadId);
      // Another device's upload is reported as absent, not forbidden: its existence is not this dock's business.
      if (!record || record.deviceId !== principal.device.id) throw tusError(new Errors.NOT_FOUND(`upload ${uploadId}`));
    },

    async onUploadCreate(req, upload) {
      const principal = principalOfRaw(rawOf(req as TusRequest)!);
      if (principal?.kind !== 'device') throw tusError(new Errors.FORBIDDEN('only a registered device may upload footage'));
      const rawMeta = req.headers.get('upload-metadata') ?? '';
      if (Buffer.byteLength(rawMeta) > config.MAX_METADATA_BYTES) {
        throw tusError(new Errors.METADATA_TOO_LARGE(Buffer.byteLength(rawMeta), config.MAX_METADATA_BYTES));
      }
      if (upload.size === undefined) throw tusError(new Errors.VALIDATION('Upload-Length is required (deferred length is not accepted)'));
      if (upload.size > config.MAX_UPLOAD_BYTES) throw tusError(new Errors.UPLOAD_TOO_LARGE(upload.size, config.MAX_UPLOAD_BYTES));
      const declared = parseUploadMetadata(upload.metadata ?? {});
      if (isProblem(declared)) {
        throw tusError(declared.kind === 'missing-sha256' ? new Errors.MISSING_SHA256() : new Errors.BAD_METADATA(declared.field, declared.reason));
      }
      try {
        // Twice the size: the spool copy and the stored original may sit on the same disk.
        await throwIfStorageFull(store, upload.size * 2, config.STORAGE_MIN_FREE_BYTES);
      } catch (err) {
        if (isEvmError(err)) throw tusError(err);
        throw err;
      }
      await db.transaction(async (tx) => {
        await new UploadsRepository(tx).insert({
          id: upload.id,
          deviceId: principal.device.id,
          sizeBytes: upload.size!,
          metadata: storableMetadata(upload.metadata ?? {}),
        });
        await new CustodyRepository(tx).append({
          mediaId: null,
          uploadId: upload.id,
          type: 'upload.started',
          actor: actorOf(principal),
          details: { sizeBytes: upload.size, declaredSha256: declared.sha256, filename: declared.filename, deviceSerial: declared.deviceSerial, officerId: declared.officerId },
        });
      });
      return {};
    },

    async onUploadFinish(_req, upload) {
      try {
        // A sweep finishing this very upload is waited for a while; past that its receipt will tell.
        const result = await finisher.finish(upload.id, FINISH_WAIT_MS);
        return result ? { headers: { 'X-Media-Id': result.media.id } } : {};
      } catch (err) {
        // The bytes stay in the spool; the sweeper finishes the ingest later and the receipt will show it.
        if (isEvmError(err)) throw tusError(err);
        throw err;
      }
    },

    async onResponseError(_req, err) {
      const full = storageFullFrom(err);
      if (full) return tusError(full);
      if ('status_code' in err && err.status_code === 413 && !err.body.startsWith('{')) {
        return tusError(new Errors.UPLOAD_TOO_LARGE('(declared)', config.MAX_UPLOAD_BYTES));
      }
      if (isEvmError(err)) return tusError(err);
      if ('status_code' in err) return undefined; // tus protocol errors: answered as JSON by answerTusErrorsAsJson
      log.error({ err }, 'upload request failed');
      return tusError(new Errors.INTERNAL('(see log)'));
    },
  });

  answerTusErrorsAsJson(tus);

  tus.on(EVENTS.POST_TERMINATE, (req, _res, id) => {
    const principal = principalOfRaw(rawOf(req as TusRequest)!);
    const actor = principal ? actorOf(principal) : 'system:uploads';
    void appendCustody(db, { mediaId: null, uploadId: id, type: 'upload.terminated', actor, details: {} })
      .catch((err) => log.error({ err, uploadId: id }, 'could not record termination'));
  });

  // tus reads the raw body itself: keep fastify from parsing or buffering it.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await tus.handle(req.raw, reply.raw);
  };
  const tusDoc = (summary: string) => ({
    summary,
    description:
      'tus 1.0.0 (https://tus.io/protocols/resumable-upload): core, creation, creation-with-upload, termination, expiration. ' +
      'Upload-Metadata keys: filename, sha256 (required, hex), sm3, deviceSerial, officerId, recordedAt, recordedEnd (ISO 8601), flags (comma list), caseNumber. ' +
      'Errors are JSON {code, message}.',
    tags: ['uploads'],
    security: [{ bearer: [] }],
  });
  app.route({ method: 'POST', url: UPLOADS_PATH, handler: handle, schema: tusDoc('Create an upload (tus creation, optionally with its first bytes)') });
  app.route({ method: 'OPTIONS', url: UPLOADS_PATH, handler: handle, schema: { hide: true } });
  app.route({ method: 'HEAD', url: `${UPLOADS_PATH}/:uploadId`, handler: handle, schema: tusDoc('Current offset of an upload (resume point)') });
  app.route({ method: 'PATCH', url: `${UPLOADS_PATH}/:uploadId`, handler: handle, schema: tusDoc('Append bytes at Upload-Offset') });
  app.route({ method: 'DELETE', url: `${UPLOADS_PATH}/:uploadId`, handler: handle, schema: tusDoc('Terminate an unfinished upload') });
  app.route({ method: 'OPTIONS', url: `${UPLOADS_PATH}/:uploadId`, handler: handle, schema: { hide: true } });

  // A dock waiting for its receipt hears the verify job finish instead of polling at a growing interval.
  const verifyOutcomes = new JobOutcomes('verify', {
    connection: services.redis,
    prefix: config.QUEUE_PREFIX,
    onError: (err) => {
      if (!services.redisOutage?.report(err, 'queue-events:verify')) log.warn({ err: err.message }, 'receipt wait: queue events error');
    },
  });
  // preClose: a server closing waits for requests in flight, and a receipt may be waiting up to 25 s.
  app.addHook('preClose', () => verifyOutcomes.close());

  const receiptOf = async (record: UploadRecord): Promise<Receipt> => {
    const media = record.mediaId ? await new MediaRepository(db).findById(record.mediaId) : null;
    if (!media) {
      let offset = 0;
      try {
        offset = (await datastore.getUpload(record.id)).offset;
      } catch {
        // spool gone (expired or terminated): the receipt still answers from the database
      }
      return { uploadId: record.id, mediaId: null, state: 'uploading', sha256: record.metadata.sha256 ?? null, verified: false, offset, sizeBytes: record.sizeBytes, errorCode: null };
    }
    return {
      uploadId: record.id,
      mediaId: media.id,
      state: media.state,
      sha256: media.sha256,
      verified: isAcknowledged(media.state),
      offset: record.sizeBytes,
      sizeBytes: media.sizeBytes,
      // The same bytes arriving after a lawful disposal: a terminal answer, so the dock stops and keeps its copy.
      errorCode: media.state === 'disposed' ? codeOf('MEDIA_DISPOSED') : media.errorCode,
    };
  };

  app.get<{ Params: { uploadId: string }; Querystring: { waitMs?: number } }>(
    `${UPLOADS_PATH}/:uploadId/receipt`,
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'Receipt for an upload: verified means the dock may free the camera',
        description:
          'With waitMs, a receipt that is not final yet (stored, verification pending) is answered when verification ends or after waitMs, whichever comes first: one request instead of polling.',
        tags: ['uploads'],
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { uploadId: { type: 'string', maxLength: 64 } }, required: ['uploadId'] },
        querystring: {
          type: 'object',
          properties: { waitMs: { type: 'integer', minimum: 0, maximum: RECEIPT_MAX_WAIT_MS, description: 'Longest wait for verification to end, in ms' } },
          additionalProperties: false,
        },
        response: { 200: receiptSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const record = await uploadsRepo.findById(req.params.uploadId);
      const p = req.principal!;
      if (!record || (p.kind === 'device' && record.deviceId !== p.device.id)) throw new Errors.NOT_FOUND(`upload ${req.params.uploadId}`);
      if (p.kind === 'user') throw new Errors.FORBIDDEN('receipts are for devices and the admin');
      const deadline = Date.now() + (req.query.waitMs ?? 0);
      // The dock going away ends the wait (the response closes with its connection; the request's own 'close'
      // fires as soon as its empty body is read).
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      let receipt = await receiptOf(record);
      while (isPendingVerification(receipt) && Date.now() < deadline && !gone.signal.aborted && !verifyOutcomes.closed) {
        // Woken by the verify job's outcome; re-read every second regardless (a job enqueued later by the
        // reconciler, an event missed while Redis reconnects).
        await verifyOutcomes.next(jobId('verify', { mediaId: receipt.mediaId! }), Math.min(1_000, deadline - Date.now()), gone.signal);
        receipt = await receiptOf(record);
      }
      // Answered because the server is closing: it must not then wait for the dock to drop an idle keep-alive
      // connection (Node closes idle connections once, when close begins; this one was busy then).
      if (verifyOutcomes.closed) void reply.header('connection', 'close');
      return receipt;
    },
  );
}

/** Stored and waiting for its read-back: the one state a receipt is worth waiting on. */
const isPendingVerification = (r: Receipt) => r.mediaId !== null && r.state === 'stored';
