import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rangeParser from 'range-parser';
import type { ObjectStore } from '../../../storage/object-store.js';
import { isPending, MEDIA_STATES, type MediaState } from '../../domain/media-state.js';
import { DERIVATIVE_KINDS } from '../../domain/object-keys.js';
import { DerivativesRepository, type Derivative } from '../../db/repositories/derivatives-repository.js';
import { JOB_NAMES, jobId } from '../../queue/jobs.js';
import type { JobQueues } from '../../queue/queues.js';
import { appendCustody, CustodyRepository } from '../../db/repositories/custody-repository.js';
import { MediaRepository, type Media } from '../../db/repositories/media-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { authorizeMedia, purposeOf, type MediaAction } from '../auth/media-guard.js';
import { actorOf } from '../auth/principal.js';
import { derivativeSchema, errorSchema, mediaSchema } from '../schemas.js';

const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;


export async function mediaPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, store, queues } = opts.services;
  const media = new MediaRepository(db);

  async function load(req: FastifyRequest<{ Params: { id: string } }>, action: MediaAction = 'read-record'): Promise<Media> {
    const m = await media.findById(req.params.id);
    if (!m) throw new Errors.NOT_FOUND(`media ${req.params.id}`);
    await authorizeMedia(db, req.principal!, m, action);
    return m;
  }

  app.get<{ Params: { id: string } }>(
    '/api/v1/media/:id',
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'One media item with its custody chain',
        tags: ['media'],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: mediaSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const m = await load(req);
      const [custody, derivatives, processing] = await Promise.all([
        new CustodyRepository(db).forMedia(m.id),
        new DerivativesRepository(db).forMedia(m.id),
        isPending(m.state) ? currentJob(queues, m.id) : null,
      ]);
      return { ...m, processing, derivatives: derivatives.map(publicDerivative), custody };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/media/:id/derivatives',
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'Review derivatives (proxy, poster, sprite) with their provenance: parent hash, own hash, tools, exact ffmpeg arguments',
        tags: ['media'],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: { type: 'array', items: derivativeSchema }, 401: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const m = await load(req);
      return (await new DerivativesRepository(db).forMedia(m.id)).map(publicDerivative);
    },
  );

  for (const kind of DERIVATIVE_KINDS) {
    app.get<{ Params: { id: string } }>(
      `/api/v1/media/:id/${kind}`,
      {
        onRequest: app.requireAny,
        schema: {
          summary: kind === 'proxy' ? 'Stream the review proxy (H.264/AAC MP4, HTTP Range). Recorded in the custody chain.' : `The ${kind} image (WebP)`,
          tags: ['media'],
          security: [{ bearer: [] }],
          params: idParams,
          response: { 401: errorSchema, 404: errorSchema, 416: errorSchema },
        },
      },
      async (req, reply) => {
        const m = await load(req, kind === 'proxy' ? 'view' : 'read-record');
        const d = await new DerivativesRepository(db).find(m.id, kind);
        if (!d) throw new Errors.NOT_FOUND(`${kind} of media ${m.id} (state ${m.state})`);
        const onOpening =
          kind === 'proxy'
            ? async () => void (await appendCustody(db, { mediaId: m.id, uploadId: null, type: 'media.viewed', actor: actorOf(req.principal!), details: { derivative: 'proxy', sha256: d.sha256, ip: req.ip, purpose: purposeOf(req.query) } }))
            : undefined;
        return sendObject(req, reply, store, d.objectKey, { contentType: d.contentType, etag: `"${d.sha256}"`, onOpening });
      },
    );
  }

  app.get<{ Querystring: { state?: MediaState; limit: number; offset: number } }>(
    '/api/v1/media',
    {
      onRequest: app.requireAdmin,
      schema: {
        summary: 'List media, newest first',
        tags: ['media'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: [...MEDIA_STATES] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: { type: 'array', items: mediaSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => media.list(req.query),
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/api/v1/me/media',
    {
      onRequest: app.requireAny,
      schema: {
        summary: "The caller's own footage (by their officer number), newest first, with its state and what it is linked to",
        tags: ['media'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ...mediaSchema.properties,
                links: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { caseId: { type: ['string', 'null'] }, caseNumber: { type: ['string', 'null'] }, incidentId: { type: ['string', 'null'] }, sessionId: { type: ['string', 'null'] }, source: { type: 'string' } },
                  },
                },
              },
              required: [...mediaSchema.required, 'links'],
            },
          },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      // Own footage is a person's by their officer number; devices and people without one have none to list.
      if (p.kind !== 'user') throw new Errors.FORBIDDEN('own footage belongs to people');
      if (!p.user.officerNumber) return [];
      return media.listOwn(p.user.officerNumber, req.query);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/media/:id/original',
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'Stream the original, byte-exact (HTTP Range supported). Recorded in the custody chain.',
        description: 'A lawfully disposed original answers 410 EVM_MEDIA_DISPOSED: its tombstone stays in the custody chain.',
        tags: ['media'],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 401: errorSchema, 404: errorSchema, 410: errorSchema, 416: errorSchema },
      },
    },
    async (req, reply) => {
      const m = await load(req, 'download');
      if (m.state === 'disposed') throw new Errors.MEDIA_DISPOSED(m.id, 'by an approved disposal');
      await appendCustody(db, {
        mediaId: m.id,
        uploadId: null,
        type: 'media.downloaded',
        actor: actorOf(req.principal!),
        details: { range: req.headers.range ?? null, ip: req.ip, purpose: purposeOf(req.query) },
      });
      return sendObject(req, reply, store, m.objectKey, { contentType: 'application/octet-stream', filename: m.filename, etag: `"${m.sha256}"` });
    },
  );
}

/** The stage a media is in and its progress, read from the queue (Redis knows progress; PostgreSQL knows state). */
async function currentJob(queues: JobQueues, mediaId: string): Promise<{ stage: string; status: string; progress: number } | null> {
  for (const name of JOB_NAMES) {
    const job = await queues.queue(name).getJob(jobId(name, { mediaId }));
    if (!job) continue;
    const status = await job.getState();
    if (status === 'completed') continue;
    return { stage: name, status, progress: typeof job.progress === 'number' ? job.progress : 0 };
  }
  return null;
}

function publicDerivative(d: Derivative) {
  const { objectKey: _key, ...rest } = d;
  return rest;
}

/**
 * Streams an object with Range/ETag support; shared by originals, derivatives and export packages. `onOpening` runs
 * before any bytes go when what is served starts at byte 0 (the whole object, or a range from 0): a player or a
 * download manager fetches many ranges, and the view or download is recorded once, on the opening request. It is
 * decided here, from the range actually served, so no spelling of the Range header gets bytes past it.
 */
export async function sendObject(
  req: FastifyRequest,
  reply: FastifyReply,
  store: ObjectStore,
  key: string,
  o: { contentType: string; filename?: string; etag: string; onOpening?: () => Promise<void> },
) {
  const info = await store.head(key);
  if (!info) throw new Errors.NOT_FOUND(`object for this media`);
  reply.header('Accept-Ranges', 'bytes').header('ETag', o.etag).header('Content-Type', o.contentType);
  if (o.filename) reply.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(o.filename)}`);
  if (req.headers['if-none-match'] === o.etag) return reply.code(304).send();
  const header = req.headers.range;
  if (header && (!req.headers['if-range'] || req.headers['if-range'] === o.etag)) {
    const ranges = rangeParser(info.sizeBytes, header, { combine: true });
    if (ranges === -1) {
      reply.header('Content-Range', `bytes */${info.sizeBytes}`);
      throw new Errors.RANGE_NOT_SATISFIABLE(header, info.sizeBytes);
    }
    // Multiple ranges would need multipart/byteranges; players ask for one, so serve the first.
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length >= 1) {
      const { start, end } = ranges[0]!;
      if (start === 0) await o.onOpening?.();
      reply.code(206).header('Content-Range', `bytes ${start}-${end}/${info.sizeBytes}`).header('Content-Length', end - start + 1);
      return reply.send(await store.get(key, { start, end }));
    }
  }
  await o.onOpening?.();
  reply.header('Content-Length', info.sizeBytes);
  return reply.send(await store.get(key));
}
