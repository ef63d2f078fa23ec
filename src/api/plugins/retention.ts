import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CasesRepository } from '../../db/repositories/cases-repository.js';
import { CustodyRepository } from '../../db/repositories/custody-repository.js';
import { DisposalsRepository } from '../../db/repositories/disposals-repository.js';
import { HoldsRepository } from '../../db/repositories/holds-repository.js';
import { MediaRepository, type Media } from '../../db/repositories/media-repository.js';
import { RetentionRepository } from '../../db/repositories/retention-repository.js';
import { DISPOSAL_BATCH_STATUSES, DISPOSAL_ROLES, disposalScopeOf, type DisposalBatchStatus, type DisposalScope } from '../../domain/disposal.js';
import type { Role } from '../../domain/roles.js';
import { Errors } from '../../errors.js';
import { DisposalService } from '../../retention/disposal-service.js';
import { HoldsService } from '../../retention/holds-service.js';
import type { Services } from '../../runtime/services.js';
import { authorizeMedia } from '../auth/media-guard.js';
import { actorOf, roleOf, type Principal } from '../auth/principal.js';
import { authorizeCase } from '../case-guard.js';
import { errorResponses } from '../schemas.js';
import { batchSchema, categoriesSchema, dryRunSchema, holdSchema, retentionViewSchema, whySchema } from './retention-schemas.js';

const SECURITY = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' } as const;
const idParams = { type: 'object', properties: { id: uuid }, required: ['id'] } as const;

/** Who may shorten retention (evidence → routine, categories removed, important mark lifted). */
const SHORTENERS: readonly Role[] = ['unit_head', 'admin'];
const CLASSIFIERS: Role[] = ['officer', 'reviewer', 'unit_head', 'admin'];
const HOLDERS: Role[] = ['reviewer', 'unit_head', 'admin'];
const READERS: Role[] = ['reviewer', 'unit_head', 'admin', 'auditor'];

/** Dates become ISO strings exactly as they will be stored and shown. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Retention decisions (with every reason), classification and the important mark; legal holds; disposal batches
 * (dry run, proposal, two approvals, restore, cancel). Every change is a custody event in the same transaction.
 */
export async function retentionPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, queues } = opts.services;
  const disposals = () => new DisposalService(opts.services);
  const holdsService = new HoldsService(db);

  async function loadMedia(req: FastifyRequest, id: string): Promise<Media> {
    return (await loadMediaWithBasis(req, id)).media;
  }

  async function loadMediaWithBasis(req: FastifyRequest, id: string) {
    const media = await new MediaRepository(db).findById(id);
    if (!media) throw new Errors.NOT_FOUND(`media ${id}`);
    const basis = await authorizeMedia(db, req.principal!, media, 'read-record');
    return { media, basis };
  }

  /** Changing how long footage is kept takes one's own scope: an access grant is for watching, not for this. */
  async function loadMediaToClassify(req: FastifyRequest, id: string): Promise<Media> {
    const { media, basis } = await loadMediaWithBasis(req, id);
    if (basis === 'grant') throw new Errors.FORBIDDEN('an access grant lets you watch this footage, not change how long it is kept');
    return media;
  }

  async function loadCase(req: FastifyRequest, id: string, action: string): Promise<void> {
    const c = await new CasesRepository(db).findCase(id);
    if (!c) throw new Errors.NOT_FOUND(`case ${id}`);
    await authorizeCase(db, req.principal!, c, action);
  }

  async function refuseDisposed(m: Media): Promise<void> {
    if (m.state !== 'disposed') return;
    const [t] = await db.query<{ at: Date }>(`select at from custody_events where media_id = $1 and type = 'media.disposed' order by seq desc limit 1`, [m.id]);
    throw new Errors.MEDIA_DISPOSED(m.id, t ? `at ${t.at.toISOString()}` : 'tombstone missing');
  }

  /** Stored decisions, Object Lock and the purge follow at once rather than at the next scheduled sweep. */
  const sweepSoon = () => queues.enqueue('retention-sweep', { trigger: 'manual' }).catch((err) => app.log.warn({ err }, 'could not queue a retention sweep'));

  async function view(mediaId: string) {
    const service = disposals();
    const d = (await service.retention.decide([mediaId])).get(mediaId);
    if (!d) throw new Errors.NOT_FOUND(`media ${mediaId}`);
    const [record, live] = await Promise.all([new RetentionRepository(db).find(mediaId), new DisposalsRepository(db).liveItemOf(mediaId)]);
    const holds = await new HoldsRepository(db).activeForMedia(mediaId, d.input.caseIds);
    const decision = d.decision;
    return plain({
      mediaId,
      state: d.input.state,
      sha256: d.input.sha256,
      kind: d.input.facts.kind,
      decision: {
        keep: decision.keep,
        until: decision.keep === 'until' ? decision.until : null,
        eligibleSince: decision.keep === 'no' ? decision.eligibleSince : null,
        reasons: decision.reasons,
      },
      classification: record?.classification ?? null,
      categories: record?.categories ?? [],
      classifiedBy: record?.classifiedBy ?? null,
      classifiedAt: record?.classifiedAt ?? null,
      important: record?.important ?? false,
      importantBy: record?.importantBy ?? null,
      importantAt: record?.importantAt ?? null,
      importantReason: record?.importantReason ?? null,
      holds,
      disposal: live ? { batchId: live.batchId, status: live.status } : null,
      objectLock: record?.lock ?? { status: null, until: null, legalHold: false, detail: null, checkedAt: null },
      computedAt: record?.computedAt ?? null,
    });
  }

  app.get<{ Params: { id: string } }>(
    '/api/v1/retention/media/:id',
    {
      onRequest: app.requireAny,
      schema: {
        summary: "A media's retention decision, computed now from PostgreSQL, with every rule that applies",
        description: 'Anyone who may read the media record. Also shows classification, the important mark, holds that apply, a live disposal and the Object Lock state.',
        tags: ['retention'],
        security: SECURITY,
        params: idParams,
        response: { 200: retentionViewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const m = await loadMedia(req, req.params.id);
      return view(m.id);
    },
  );

  app.put<{ Params: { id: string }; Body: { classification: 'routine' | 'evidence'; categories: string[]; reason: string } }>(
    '/api/v1/retention/media/:id/classification',
    {
      onRequest: app.requireRole(...CLASSIFIERS),
      schema: {
        summary: 'Classify field footage: routine or evidence, with the permanent incident categories that apply',
        description:
          'Officers (their own footage), reviewers, unit heads and admins. Classifying unclassified footage or keeping it longer (routine → evidence, adding a category) is open to all of them; ' +
          'shortening (evidence → routine, removing a category) only to unit heads and admins (403 EVM_RETENTION_DOWNGRADE). A custody event.',
        tags: ['retention'],
        security: SECURITY,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { classification: { type: 'string', enum: ['routine', 'evidence'] }, categories: categoriesSchema, reason: whySchema },
          required: ['classification', 'reason'],
        },
        response: { 200: retentionViewSchema, ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (req) => {
      const m = await loadMediaToClassify(req, req.params.id);
      await refuseDisposed(m);
      const p = req.principal!;
      const { classification, categories, reason } = req.body;
      await db.transaction(async (tx) => {
        const retention = new RetentionRepository(tx);
        await retention.lock();
        const before = await retention.find(m.id);
        const shortens = (before?.classification === 'evidence' && classification === 'routine') || (before?.categories ?? []).some((c) => !categories.includes(c));
        if (shortens && !SHORTENERS.includes(roleOf(p)!)) throw new Errors.RETENTION_DOWNGRADE(`${before?.classification ?? 'unclassified'} [${(before?.categories ?? []).join(', ')}] → ${classification} [${categories.join(', ')}]`);
        await retention.classify(m.id, { classification, categories, by: actorOf(p) });
        await new CustodyRepository(tx).append({
          mediaId: m.id,
          uploadId: null,
          type: 'retention.classified',
          actor: actorOf(p),
          details: { from: before?.classification ?? null, to: classification, categoriesFrom: before?.categories ?? [], categories, reason },
        });
      });
      await sweepSoon();
      return view(m.id);
    },
  );

  app.put<{ Params: { id: string }; Body: { important: boolean; reason: string } }>(
    '/api/v1/retention/media/:id/important',
    {
      onRequest: app.requireRole(...CLASSIFIERS),
      schema: {
        summary: 'Mark a media important (kept permanently, never auto-expired), or lift the mark',
        description: 'Marking: officers (own footage), reviewers, unit heads, admins. Lifting: unit heads and admins only (403 EVM_RETENTION_DOWNGRADE). A dock\'s own "important"/"locked" flag cannot be lifted here. A custody event.',
        tags: ['retention'],
        security: SECURITY,
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { important: { type: 'boolean' }, reason: whySchema }, required: ['important', 'reason'] },
        response: { 200: retentionViewSchema, ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (req) => {
      const m = await loadMediaToClassify(req, req.params.id);
      await refuseDisposed(m);
      const p = req.principal!;
      const { important, reason } = req.body;
      await db.transaction(async (tx) => {
        const retention = new RetentionRepository(tx);
        await retention.lock();
        const before = await retention.find(m.id);
        if (!important && before?.important && !SHORTENERS.includes(roleOf(p)!)) throw new Errors.RETENTION_DOWNGRADE('lifting the important mark');
        await retention.setImportant(m.id, { important, by: actorOf(p), reason });
        await new CustodyRepository(tx).append({ mediaId: m.id, uploadId: null, type: 'retention.marked_important', actor: actorOf(p), details: { important, was: before?.important ?? false, reason } });
      });
      await sweepSoon();
      return view(m.id);
    },
  );

  // ---- legal holds

  app.post<{ Body: { caseId?: string; mediaId?: string; reason: string; until?: string } }>(
    '/api/v1/holds',
    {
      onRequest: app.requireRole(...HOLDERS),
      schema: {
        summary: 'Place a legal hold on a case (all its media, present and future) or on one media',
        description: 'Reviewers, unit heads, admins, on cases and media within their scope (403 EVM_FORBIDDEN otherwise). While it holds, nothing it covers can be disposed of: every disposal step re-checks. Custody events on every media concerned.',
        tags: ['holds'],
        security: SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { caseId: uuid, mediaId: uuid, reason: whySchema, until: { type: 'string', format: 'date-time', description: 'Omit for a hold until released' } },
          required: ['reason'],
          oneOf: [{ required: ['caseId'] }, { required: ['mediaId'] }],
        },
        response: { 201: holdSchema, ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (req, reply) => {
      const { caseId, mediaId, reason, until } = req.body;
      if (caseId) await loadCase(req, caseId, 'place-hold');
      if (mediaId) await refuseDisposed(await loadMedia(req, mediaId));
      const untilDate = until ? new Date(until) : null;
      if (untilDate && untilDate <= new Date()) throw new Errors.VALIDATION('until must be in the future');
      const hold = await holdsService.place({ caseId: caseId ?? null, mediaId: mediaId ?? null, reason, until: untilDate, actor: actorOf(req.principal!) });
      await sweepSoon();
      reply.header('Location', `/api/v1/holds/${hold.id}`);
      return reply.code(201).send(hold);
    },
  );

  app.get<{ Querystring: { caseId?: string; mediaId?: string; active?: boolean; limit: number; offset: number } }>(
    '/api/v1/holds',
    {
      onRequest: app.requireRole(...READERS),
      schema: {
        summary: 'Legal holds, newest first',
        description: 'Admins and auditors: all. Reviewers and unit heads: those of a case or media they may see (caseId/mediaId, else 403), or without either those of their own unit.',
        tags: ['holds'],
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: { caseId: uuid, mediaId: uuid, active: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: { 200: { type: 'array', items: holdSchema }, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      // Admins and auditors see every hold; others the holds of a case or media they may see, or of their unit.
      const p = req.principal!;
      const role = roleOf(p);
      if (role === 'admin' || role === 'auditor') return new HoldsRepository(db).list(req.query);
      if (req.query.caseId) await loadCase(req, req.query.caseId, 'read-holds');
      else if (req.query.mediaId) await loadMedia(req, req.query.mediaId);
      else {
        const unitCode = p.kind === 'user' ? p.user.unitCode : null;
        if (!unitCode) return [];
        return new HoldsRepository(db).list({ ...req.query, unitCode });
      }
      return new HoldsRepository(db).list(req.query);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/holds/:id',
    {
      onRequest: app.requireRole(...READERS),
      schema: { summary: 'One legal hold', tags: ['holds'], security: SECURITY, params: idParams, response: { 200: holdSchema, ...errorResponses(401, 403, 404) } },
    },
    async (req) => {
      const hold = await new HoldsRepository(db).find(req.params.id);
      if (!hold) throw new Errors.NOT_FOUND(`legal hold ${req.params.id}`);
      const role = roleOf(req.principal!);
      if (role !== 'admin' && role !== 'auditor') {
        if (hold.caseId) await loadCase(req, hold.caseId, 'read-holds');
        else await loadMedia(req, hold.mediaId!);
      }
      return hold;
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/api/v1/holds/:id/release',
    {
      onRequest: app.requireRole('unit_head', 'admin'),
      schema: {
        summary: 'Release a legal hold, with a reason (the hold row stays as history)',
        description: 'Unit heads (holds on cases and footage of their own unit, else 403 EVM_FORBIDDEN, logged) and admins. 409 EVM_HOLD_RELEASED when already released. Custody events on every media concerned.',
        tags: ['holds'],
        security: SECURITY,
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { reason: whySchema }, required: ['reason'] },
        response: { 200: holdSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const hold = await holdsService.release(req.params.id, actorOf(req.principal!), req.body.reason, scopeOf(req.principal!));
      await sweepSoon();
      return hold;
    },
  );

  // ---- disposal

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/disposals/dry-run',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES, 'auditor'),
      schema: {
        summary: 'Dry run: what the rules would let go now, and why (JSON report); nothing changes',
        description: 'Each media listed is decided from the live facts: eligible since when, every rule applied. Media already in a disposal are left out. A unit head sees only footage wholly of their own unit.',
        tags: ['disposals'],
        security: SECURITY,
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } } },
        response: { 200: dryRunSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => plain(await disposals().dryRun(req.query.limit, scopeOf(req.principal!))),
  );

  app.post<{ Body: { mediaIds?: string[]; limit: number; note: string } }>(
    '/api/v1/disposals',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES),
      schema: {
        summary: 'Propose a disposal batch: the given media, or what the dry run lists now',
        description:
          'Unit heads (footage wholly of their own unit: the units of its officer and of its cases; 403 EVM_FORBIDDEN names the first that is not) and admins. Each media must be eligible now (409 EVM_DISPOSAL_NOT_ELIGIBLE names the first that is not); 422 EVM_DISPOSAL_EMPTY when nothing may go. ' +
          'Nothing is deleted until two different people approve (the proposer may be one), and then only after the recycle period.',
        tags: ['disposals'],
        security: SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mediaIds: { type: 'array', items: uuid, minItems: 1, maxItems: 10_000, uniqueItems: true },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000, description: 'Without mediaIds: at most this many from the dry run' },
            note: { type: 'string', maxLength: 1000, default: '' },
          },
        },
        response: { 201: batchSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const batch = await disposals().create({ mediaIds: req.body.mediaIds, limit: req.body.limit, note: req.body.note, actor: actorOf(req.principal!), scope: scopeOf(req.principal!) });
      reply.header('Location', `/api/v1/disposals/${batch.id}`);
      return reply.code(201).send(plain(batch));
    },
  );

  app.get<{ Querystring: { status?: DisposalBatchStatus; limit: number; offset: number } }>(
    '/api/v1/disposals',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES, 'auditor'),
      schema: {
        summary: 'Disposal batches, newest first (without their items)',
        tags: ['disposals'],
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: { status: { type: 'string', enum: [...DISPOSAL_BATCH_STATUSES] }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: { 200: { type: 'array', items: batchSchema }, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const scope = scopeOf(req.principal!);
      if (scope.kind === 'none') return [];
      return plain(await new DisposalsRepository(db).list({ ...req.query, unitCode: scope.kind === 'unit' ? scope.unitCode : undefined }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/disposals/:id',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES, 'auditor'),
      schema: { summary: 'One disposal batch with its items', tags: ['disposals'], security: SECURITY, params: idParams, response: { 200: batchSchema, ...errorResponses(401, 403, 404) } },
    },
    async (req) => {
      const batch = await disposals().view(req.params.id, scopeOf(req.principal!));
      if (!batch) throw new Errors.NOT_FOUND(`disposal batch ${req.params.id}`);
      return plain(batch);
    },
  );

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/api/v1/disposals/:id/approvals',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES),
      schema: {
        summary: 'Approve a disposal batch; the second approval by a different person moves it to the recycle bin',
        description:
          'Unit heads (batches wholly of footage of their own unit, else 403 EVM_FORBIDDEN) and admins, signed in as themselves (the shared admin token cannot approve: 403). The same person approving twice: 409 EVM_DISPOSAL_SAME_APPROVER. Every item is re-checked: one a rule now keeps is blocked, not approved. ' +
          'After the second approval originals stay restorable for DISPOSAL_RECYCLE_DAYS; derivatives may go after DISPOSAL_DERIVATIVE_RECYCLE_DAYS.',
        tags: ['disposals'],
        security: SECURITY,
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 1000, default: '' } } },
        response: { 200: batchSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const p = req.principal!;
      // Two approvals must be two people: the shared admin token is nobody in particular, and one person holding it
      // and an account of their own would otherwise count twice.
      if (p.kind !== 'user') throw new Errors.FORBIDDEN('approvals are given by a person signed in as themselves, not with the shared admin token');
      return plain(await disposals().approve(req.params.id, actorOf(p), userIdOf(p), req.body?.note ?? '', scopeOf(p)));
    },
  );

  app.post<{ Params: { id: string; mediaId: string }; Body: { reason: string } }>(
    '/api/v1/disposals/:id/items/:mediaId/restore',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES),
      schema: {
        summary: 'Restore one media from a disposal (pending, or in the recycle bin): it is kept, and derivatives already removed are made again',
        tags: ['disposals'],
        security: SECURITY,
        params: { type: 'object', properties: { id: uuid, mediaId: uuid }, required: ['id', 'mediaId'] },
        body: { type: 'object', additionalProperties: false, properties: { reason: whySchema }, required: ['reason'] },
        response: { 200: batchSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => plain(await disposals().restore(req.params.id, req.params.mediaId, actorOf(req.principal!), req.body.reason, scopeOf(req.principal!))),
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/api/v1/disposals/:id/cancel',
    {
      onRequest: app.requireRole(...DISPOSAL_ROLES),
      schema: {
        summary: 'Cancel a disposal batch before its originals are deleted: every item still pending or in the recycle bin is restored',
        tags: ['disposals'],
        security: SECURITY,
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { reason: whySchema }, required: ['reason'] },
        response: { 200: batchSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => plain(await disposals().cancel(req.params.id, actorOf(req.principal!), req.body.reason, scopeOf(req.principal!))),
  );
}

/** Whose footage this caller's disposal actions reach (a unit head: their unit's). */
function scopeOf(p: Principal): DisposalScope {
  return disposalScopeOf(p.kind === 'user' ? p.user : null);
}

function userIdOf(p: Principal): string | null {
  return p.kind === 'user' ? p.user.id : null;
}

