import { ActorNamesRepository } from '../../db/repositories/actor-names-repository.js';
import type { FastifyInstance } from 'fastify';
import { createCheckpoint } from '../../custody/checkpoints.js';
import { searchEvents, type EventSearch } from '../../custody/event-search.js';
import { loadSigningKey } from '../../custody/signing-key.js';
import { CustodyVerifier } from '../../custody/verifier.js';
import { CheckpointsRepository } from '../../db/repositories/checkpoints-repository.js';
import { VERIFICATION_STATUSES, VerificationsRepository } from '../../db/repositories/verifications-repository.js';
import { CUSTODY_EVENT_TYPES } from '../../domain/custody-chain.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { custodyEventSchema, errorSchema } from '../schemas.js';

const checkpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    seq: { type: 'integer', description: 'Sequence number of the chain head that was signed (0: the chain was empty)' },
    hash: { type: 'string', description: 'Hash of that event' },
    at: { type: 'string', format: 'date-time' },
    keyId: { type: 'string', description: "'sha256:' + hex SHA-256 of the signing public key (SPKI DER)" },
    signature: { type: 'string', description: 'Base64 Ed25519 signature over the canonical checkpoint statement' },
    createdBy: { type: 'string' },
  },
  required: ['id', 'seq', 'hash', 'at', 'keyId', 'signature'],
} as const;

const findingSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['chain', 'checkpoint', 'original'] },
    reason: { type: 'string', example: 'hash-mismatch' },
    seq: { type: 'integer' },
    mediaId: { type: 'string' },
    checkpointId: { type: 'integer' },
    message: { type: 'string' },
    detail: { type: 'string' },
  },
  required: ['kind', 'reason', 'message'],
} as const;

export const verificationRunSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: [...VERIFICATION_STATUSES] },
    result: { type: ['string', 'null'], enum: ['clean', 'tampered', null], description: 'tampered as soon as anything is found; clean once completed without findings' },
    percent: { type: 'number' },
    requestedBy: { type: 'string' },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    updatedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    slices: { type: 'integer', description: 'Time-boxed slices worked so far' },
    elapsedMs: { type: 'integer' },
    chain: {
      type: 'object',
      properties: { lastSeq: { type: 'integer' }, lastHash: { type: 'string' }, total: { type: 'integer' }, done: { type: 'boolean' } },
    },
    checkpoints: { type: 'object', properties: { verified: { type: 'integer' }, total: { type: 'integer' }, done: { type: 'boolean' } } },
    originals: {
      type: 'object',
      properties: {
        lastMediaId: { type: ['string', 'null'] },
        verified: { type: 'integer' },
        total: { type: 'integer' },
        bytesVerified: { type: 'integer' },
        bytesTotal: { type: 'integer' },
        done: { type: 'boolean' },
      },
    },
    findingsCount: { type: 'integer' },
    findings: { type: 'array', items: findingSchema, description: 'The first 1000 findings, in the order found' },
    error: { type: ['string', 'null'] },
  },
  required: ['id', 'status', 'percent', 'findings'],
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;

/** Custody audit: the signing key, signed checkpoints, verification runs, and event search. */
export async function custodyPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config, queues, store } = opts.services;
  const auditors = app.requireRole('admin', 'auditor');
  const key = () => loadSigningKey(config);

  app.get(
    '/api/v1/custody/public-key',
    {
      schema: {
        summary: 'The Ed25519 public key that signs custody checkpoints and export manifests, and its fingerprint (no credentials needed)',
        tags: ['custody'],
        response: {
          200: {
            type: 'object',
            properties: {
              algorithm: { type: 'string', enum: ['Ed25519'] },
              keyId: { type: 'string', description: "'sha256:' + hex SHA-256 of the SPKI DER: the fingerprint an agency publishes and a recipient passes to a package's verify.mjs --key" },
              publicKeyPem: { type: 'string' },
            },
            required: ['algorithm', 'keyId', 'publicKeyPem'],
          },
        },
      },
    },
    async () => {
      const k = await key();
      return { algorithm: 'Ed25519', keyId: k.keyId, publicKeyPem: k.publicKeyPem };
    },
  );

  app.post(
    '/api/v1/custody/checkpoints',
    {
      onRequest: auditors,
      schema: {
        summary: 'Sign the custody chain head now (checkpoints are also signed every CHECKPOINT_INTERVAL_MINUTES)',
        tags: ['custody'],
        security: [{ bearer: [] }],
        response: { 201: checkpointSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createCheckpoint(db, store, await key(), actorOf(req.principal!))),
  );

  app.get<{ Querystring: { limit: number; beforeId?: number } }>(
    '/api/v1/custody/checkpoints',
    {
      onRequest: auditors,
      schema: {
        summary: 'Signed checkpoints, newest first',
        tags: ['custody'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, beforeId: { type: 'integer', minimum: 1 } },
        },
        response: { 200: { type: 'array', items: checkpointSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => new CheckpointsRepository(db).list(req.query.limit, req.query.beforeId),
  );

  app.post<{ Body: { maxSeconds?: number; fresh?: boolean; continueUntilDone?: boolean } | null }>(
    '/api/v1/custody/verifications',
    {
      onRequest: auditors,
      schema: {
        summary: 'Verify the custody chain, every signed checkpoint and every stored original (a BullMQ job, in time-boxed slices)',
        description:
          'Continues the unfinished run if there is one (unless fresh), else starts a new one. Each slice runs for at most maxSeconds ' +
          '(default CUSTODY_VERIFY_MAX_SECONDS), saves where it got to, and queues the next slice until the run completes ' +
          '(continueUntilDone, default true). Follow it at GET /api/v1/custody/verifications/{id}.',
        tags: ['custody'],
        security: [{ bearer: [] }],
        body: {
          type: ['object', 'null'],
          properties: {
            maxSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
            fresh: { type: 'boolean', default: false, description: 'Start a new run even if one is unfinished' },
            continueUntilDone: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
        response: { 202: verificationRunSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req, reply) => {
      const k = await key();
      const verifier = new CustodyVerifier({ db, store: opts.services.store, publicKey: k.publicKey, keyId: k.keyId });
      const body = req.body ?? {};
      const { run } = await verifier.startOrResume(actorOf(req.principal!), body.fresh ?? false);
      await queues.enqueue('custody-verify', {
        runId: run.id,
        slice: run.slices,
        maxSeconds: body.maxSeconds ?? config.CUSTODY_VERIFY_MAX_SECONDS,
        continueUntilDone: body.continueUntilDone ?? true,
      });
      reply.header('Location', `/api/v1/custody/verifications/${run.id}`);
      return reply.code(202).send(run);
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/custody/verifications',
    {
      onRequest: auditors,
      schema: {
        summary: 'Verification runs, newest first',
        tags: ['custody'],
        security: [{ bearer: [] }],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } },
        response: { 200: { type: 'array', items: verificationRunSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => new VerificationsRepository(db).list(req.query.limit),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/custody/verifications/:id',
    {
      onRequest: auditors,
      schema: {
        summary: 'One verification run: its progress (percent, counts) and everything it found',
        tags: ['custody'],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: verificationRunSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const run = await new VerificationsRepository(db).findById(req.params.id);
      if (!run) throw new Errors.NOT_FOUND(`verification run ${req.params.id}`);
      return run;
    },
  );

  app.get<{ Querystring: EventSearch }>(
    '/api/v1/custody/events',
    {
      onRequest: auditors,
      schema: {
        summary: 'Search the custody log (audit): by media, event type, actor and time; paged by seq',
        tags: ['custody'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: {
            mediaId: { type: 'string', format: 'uuid' },
            type: { type: 'string', enum: [...CUSTODY_EVENT_TYPES] },
            actor: { type: 'string', minLength: 1, maxLength: 200, description: 'Exact actor, e.g. user:zhangsan, admin, device:DOCK-1' },
            from: { type: 'string', format: 'date-time', description: 'Events at or after this time' },
            to: { type: 'string', format: 'date-time', description: 'Events before this time' },
            afterSeq: { type: 'integer', minimum: 0, description: 'Continue after this seq (nextAfterSeq of the previous page)' },
            beforeSeq: { type: 'integer', minimum: 1, description: 'With order=desc: continue below this seq (nextBeforeSeq of the previous page)' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'asc replays the chain in order; desc lists the newest first' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: custodyEventSchema },
              nextAfterSeq: { type: ['integer', 'null'] },
              nextBeforeSeq: { type: ['integer', 'null'] },
              actorNames: {
                type: 'object',
                additionalProperties: { type: 'string' },
                description: "Display names of this page's people and devices by actor (user:…, device:…); the actor string stays the record",
              },
            },
            required: ['items', 'nextAfterSeq', 'nextBeforeSeq', 'actorNames'],
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const page = await searchEvents(db, req.query);
      return { ...page, actorNames: await new ActorNamesRepository(db).namesOf(new Set(page.items.map((e) => e.actor))) };
    },
  );
}
