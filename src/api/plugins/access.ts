import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AccessRepository } from '../../db/repositories/access-repository.js';
import { appendCustody } from '../../db/repositories/custody-repository.js';
import { MediaRepository } from '../../db/repositories/media-repository.js';
import { UsersRepository } from '../../db/repositories/users-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { errorSchema } from '../schemas.js';

const requestSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    userId: { type: 'string' },
    mediaId: { type: ['string', 'null'] },
    caseId: { type: ['string', 'null'] },
    purpose: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    requestedAt: { type: 'string' },
    decidedBy: { type: ['string', 'null'] },
    decidedAt: { type: ['string', 'null'] },
    expiresAt: { type: ['string', 'null'] },
  },
  required: ['id', 'status', 'purpose'],
} as const;

/**
 * Access beyond one's own scope (2016 rules): a person asks with a purpose, a unit head of their unit (or an
 * admin) approves for a limited time. Requests and decisions are custody events on the media they concern.
 */
export async function accessPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db } = opts.services;
  const access = new AccessRepository(db);

  app.post<{ Body: { mediaId?: string; caseId?: string; purpose: string } }>(
    '/api/v1/access-requests',
    {
      onRequest: app.requireRole('officer', 'reviewer', 'unit_head', 'auditor'),
      schema: {
        summary: 'Ask for time-limited access to footage or a case outside your scope',
        tags: ['access'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { mediaId: { type: 'string', format: 'uuid' }, caseId: { type: 'string', format: 'uuid' }, purpose: { type: 'string', minLength: 2, maxLength: 500 } },
          required: ['purpose'],
          oneOf: [{ required: ['mediaId'] }, { required: ['caseId'] }],
        },
        response: { 201: requestSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const user = req.principal!.kind === 'user' ? req.principal!.user : null;
      if (!user) throw new Errors.FORBIDDEN('only people request access');
      const { mediaId = null, caseId = null, purpose } = req.body;
      if (mediaId && !(await new MediaRepository(db).findById(mediaId))) throw new Errors.NOT_FOUND(`media ${mediaId}`);
      if (caseId && !(await db.query('select 1 from cases where id = $1', [caseId])).length) throw new Errors.NOT_FOUND(`case ${caseId}`);
      const request = await access.insertRequest({ id: randomUUID(), userId: user.id, mediaId, caseId, purpose });
      await appendCustody(db, { mediaId, uploadId: null, type: 'access.requested', actor: actorOf(req.principal!), details: { requestId: request.id, caseId, purpose } });
      return reply.code(201).send(request);
    },
  );

  app.get<{ Querystring: { status?: 'pending' | 'approved' | 'rejected' } }>(
    '/api/v1/access-requests',
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'Your own requests; for a unit head, also the requests of your unit; for an admin, all',
        tags: ['access'],
        security: [{ bearer: [] }],
        querystring: { type: 'object', properties: { status: { type: 'string', enum: ['pending', 'approved', 'rejected'] } } },
        response: { 200: { type: 'array', items: requestSchema }, 401: errorSchema },
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind === 'admin' || (p.kind === 'user' && p.user.role === 'admin')) return access.list({ status: req.query.status });
      if (p.kind !== 'user') throw new Errors.FORBIDDEN('only people have access requests');
      if (p.user.role === 'unit_head' && p.user.unitCode) return access.list({ unitCode: p.user.unitCode, status: req.query.status });
      return access.list({ userId: p.user.id, status: req.query.status });
    },
  );

  app.post<{ Params: { id: string }; Body: { approve: boolean; hours: number; note?: string } }>(
    '/api/v1/access-requests/:id/decision',
    {
      onRequest: app.requireRole('unit_head', 'admin'),
      schema: {
        summary: 'Approve (for a number of hours) or reject an access request',
        tags: ['access'],
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { approve: { type: 'boolean' }, hours: { type: 'integer', minimum: 1, maximum: 720, default: 72 }, note: { type: 'string', maxLength: 500 } },
          required: ['approve'],
        },
        response: { 200: requestSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const request = await access.findRequest(req.params.id);
      if (!request) throw new Errors.NOT_FOUND(`access request ${req.params.id}`);
      const p = req.principal!;
      const decider = p.kind === 'user' ? p.user : null;
      if (decider) {
        if (decider.id === request.userId) throw new Errors.FORBIDDEN('nobody approves their own request');
        const requester = await new UsersRepository(db).findById(request.userId);
        if (decider.role === 'unit_head' && requester?.unitCode !== decider.unitCode) throw new Errors.FORBIDDEN('a unit head decides requests from their own unit');
      }
      const expires = new Date(Date.now() + req.body.hours * 3600_000);
      // The bootstrap admin token has no user row: decided_by stays empty and the custody event names the admin.
      const decided = await access.decide(request.id, req.body.approve, decider?.id ?? null, expires);
      if (!decided) throw new Errors.ALREADY_DECIDED(request.id);
      await appendCustody(db, {
        mediaId: request.mediaId,
        uploadId: null,
        type: 'access.decided',
        actor: actorOf(p),
        details: { requestId: request.id, caseId: request.caseId, approved: req.body.approve, expiresAt: req.body.approve ? expires.toISOString() : null, note: req.body.note ?? null },
      });
      return decided;
    },
  );
}
