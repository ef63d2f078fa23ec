import type { FastifyInstance } from 'fastify';
import { overlapSeconds } from '../../domain/auto-link.js';
import { decideLinkChange, type LinkTargetScope } from '../../domain/case-scope.js';
import type { Db } from '../../db/db.js';
import { CasesRepository } from '../../db/repositories/cases-repository.js';
import { appendCustody } from '../../db/repositories/custody-repository.js';
import { LinksRepository, type LinkSuggestion, type LinkTarget, type MediaLink } from '../../db/repositories/links-repository.js';
import { MediaRepository, type Media } from '../../db/repositories/media-repository.js';
import { ReviewRepository } from '../../db/repositories/review-repository.js';
import { Errors } from '../../errors.js';
import { addLink, removeLink, targetOf } from '../../ingest/link-writer.js';
import type { Services } from '../../runtime/services.js';
import { authorizeMedia } from '../auth/media-guard.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { accessContextOf, mediaDecision, personOf } from '../case-guard.js';
import { linkSchema, pageOf, reasonSchema, suggestionSchema, uuidParams } from '../case-schemas.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['links'];
const SECURITY = [{ bearer: [] }];

interface LinkBody {
  caseId?: string;
  incidentId?: string;
  sessionId?: string;
  reason: string;
}

/**
 * Which case, incident or interrogation a media belongs to. People link and unlink by hand with a reason; the
 * automatic matcher's ambiguous matches are listed here for a person to decide. Links are never deleted: an unlink
 * closes the row. Every change is a custody event written in the same transaction.
 */
export async function linksPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db } = opts.services;
  const media = new MediaRepository(db);
  const cases = new CasesRepository(db);
  const linkers = app.requireRole('admin', 'reviewer', 'unit_head');

  async function loadMedia(id: string): Promise<Media> {
    const m = await media.findById(id);
    if (!m) throw new Errors.NOT_FOUND(`media ${id}`);
    return m;
  }

  /** The target's row and the scope it puts the media in. */
  async function resolveTarget(t: LinkTarget): Promise<{ scope: LinkTargetScope; label: string }> {
    if ('caseId' in t) {
      const c = await cases.findCase(t.caseId);
      if (!c) throw new Errors.NOT_FOUND(`case ${t.caseId}`);
      return { scope: { caseId: c.id, unitCode: c.unitCode }, label: `case ${c.caseNumber}` };
    }
    if ('incidentId' in t) {
      const i = await cases.findIncident(t.incidentId);
      if (!i) throw new Errors.NOT_FOUND(`incident ${t.incidentId}`);
      const c = i.caseId ? await cases.findCase(i.caseId) : null;
      return { scope: c ? { caseId: c.id, unitCode: c.unitCode } : { caseId: null, unitCode: i.unitCode }, label: `incident ${i.id}` };
    }
    const s = await cases.findSession(t.sessionId);
    if (!s) throw new Errors.NOT_FOUND(`interrogation session ${t.sessionId}`);
    const c = (await cases.findCase(s.caseId))!;
    return { scope: { caseId: c.id, unitCode: c.unitCode }, label: `interrogation session ${s.id} (${s.room})` };
  }

  /** Refuses (and records the refusal on the media's custody chain) unless this person may file it there. */
  async function authorizeLink(p: Principal, m: Media, scopes: LinkTargetScope[], action: string): Promise<void> {
    const user = personOf(p);
    if (!user) throw new Errors.FORBIDDEN('devices do not file footage');
    if (user.role === 'admin') return;
    const [ctx, mediaAccess, officer] = await Promise.all([accessContextOf(db, p), mediaDecision(db, p, m), m.officerId ? cases.findOfficer(m.officerId) : null]);
    for (const target of scopes) {
      const d = decideLinkChange(user, { target, media: mediaAccess, mediaOfficerUnit: officer?.unitCode ?? null }, ctx);
      if (!d.allowed) {
        await appendCustody(db, { mediaId: m.id, uploadId: null, type: 'access.refused', actor: actorOf(p), details: { action, reason: d.reason } });
        throw new Errors.FORBIDDEN(d.reason);
      }
    }
  }

  app.get<{ Params: { id: string }; Querystring: { history: boolean } }>(
    '/api/v1/media/:id/links',
    {
      onRequest: app.requireAny,
      schema: {
        summary: 'What a media is linked to (with history=true, also removed links)',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        querystring: { type: 'object', properties: { history: { type: 'boolean', default: false } } },
        response: { 200: { type: 'array', items: linkSchema }, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const m = await loadMedia(req.params.id);
      await authorizeMedia(db, req.principal!, m, 'read-record');
      return new LinksRepository(db).forMedia(m.id, req.query.history);
    },
  );

  app.post<{ Params: { id: string }; Body: LinkBody }>(
    '/api/v1/media/:id/links',
    {
      onRequest: linkers,
      schema: {
        summary: 'Link a media to a case, a 110 incident or an interrogation session, with a reason (a custody event)',
        description:
          'Exactly one of caseId, incidentId, sessionId. Reviewers and unit heads link footage they may see to targets in their scope; a unit head may also file footage of their own unit officers. 409 EVM_LINK_EXISTS when already linked there.',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { caseId: { type: 'string', format: 'uuid' }, incidentId: { type: 'string', minLength: 1, maxLength: 64 }, sessionId: { type: 'string', format: 'uuid' }, reason: reasonSchema },
          required: ['reason'],
          oneOf: [{ required: ['caseId'] }, { required: ['incidentId'] }, { required: ['sessionId'] }],
        },
        response: { 201: linkSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const m = await loadMedia(req.params.id);
      if (m.state === 'rejected') throw new Errors.MEDIA_NOT_LINKABLE(m.id);
      const { reason, ...t } = req.body;
      const target: LinkTarget = t.caseId ? { caseId: t.caseId } : t.incidentId ? { incidentId: t.incidentId } : { sessionId: t.sessionId! };
      const { scope, label } = await resolveTarget(target);
      await authorizeLink(req.principal!, m, [scope], 'link');
      const actor = actorOf(req.principal!);
      const link = await db.transaction(async (tx) => {
        const links = new LinksRepository(tx);
        await links.lockMedia(m.id);
        if (await links.findLive(m.id, target)) throw new Errors.LINK_EXISTS(m.id, label);
        return addLink(tx, { mediaId: m.id, target, source: 'manual', reason, actor });
      });
      return reply.code(201).send(link);
    },
  );

  app.post<{ Params: { id: string; linkId: string }; Body: { reason: string } }>(
    '/api/v1/media/:id/links/:linkId/remove',
    {
      onRequest: linkers,
      schema: {
        summary: 'Unlink: closes the link with a reason (the row stays as history; a custody event)',
        description: 'An automatic or dock link removed by a person is never re-added by the automatic matcher.',
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, linkId: { type: 'string', format: 'uuid' } }, required: ['id', 'linkId'] },
        body: { type: 'object', additionalProperties: false, properties: { reason: reasonSchema }, required: ['reason'] },
        response: { 200: linkSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const m = await loadMedia(req.params.id);
      const existing = await new LinksRepository(db).findById(req.params.linkId);
      if (!existing || existing.mediaId !== m.id) throw new Errors.NOT_FOUND(`link ${req.params.linkId} of media ${m.id}`);
      const { scope } = await resolveTarget(targetOf(existing));
      await authorizeLink(req.principal!, m, [scope], 'unlink');
      const actor = actorOf(req.principal!);
      return db.transaction(async (tx) => {
        const links = new LinksRepository(tx);
        await links.lockMedia(m.id);
        const current = await links.findById(existing.id);
        if (!current || current.removedAt) throw new Errors.LINK_REMOVED(existing.id, `${current?.removedAt} by ${current?.removedBy}`);
        return (await removeLink(tx, current, actor, req.body.reason))!;
      });
    },
  );

  // ---- ambiguous automatic matches ----

  app.get<{ Querystring: { status: LinkSuggestion['status']; limit: number; offset: number } }>(
    '/api/v1/link-suggestions',
    {
      onRequest: linkers,
      schema: {
        summary: 'Ambiguous automatic matches (footage overlapping several incidents of its officer) for a person to decide',
        description: 'Admins see all; reviewers and unit heads those with a candidate incident of their unit. Each lists the candidates with their real overlap and whether the media is linked to them now.',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['open', 'resolved', 'superseded'], default: 'open' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: pageOf(suggestionSchema), ...errorResponses(401, 403) },
      },
    },
    async (req) => {
      const user = personOf(req.principal!)!;
      const all = user.role === 'admin';
      const { items, total } = await new LinksRepository(db).listSuggestions({ ...req.query, all, unitCode: all ? null : user.unitCode });
      return { items: await Promise.all(items.map((s) => expandSuggestion(db, s))), total, limit: req.query.limit, offset: req.query.offset };
    },
  );

  app.post<{ Params: { id: string }; Body: { incidentIds: string[]; reason: string } }>(
    '/api/v1/link-suggestions/:id/resolve',
    {
      onRequest: linkers,
      schema: {
        summary: 'Decide an ambiguous match: the incidents the footage belongs to (possibly none); the others are dismissed',
        description:
          'Chosen incidents are linked (source manual), unchosen candidates that are linked now are unlinked, all with the reason, each a custody event. Dismissed candidates are never suggested again for this media.',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { incidentIds: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, uniqueItems: true, maxItems: 50 }, reason: reasonSchema },
          required: ['incidentIds', 'reason'],
        },
        response: { 200: suggestionSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const links = new LinksRepository(db);
      const suggestion = await links.findSuggestion(req.params.id);
      if (!suggestion) throw new Errors.NOT_FOUND(`link suggestion ${req.params.id}`);
      const wrong = req.body.incidentIds.find((id) => !suggestion.incidentIds.includes(id));
      if (wrong) throw new Errors.SUGGESTION_CHOICE(wrong);
      const m = await loadMedia(suggestion.mediaId);
      const scopes = await Promise.all(suggestion.incidentIds.map(async (id) => (await resolveTarget({ incidentId: id })).scope));
      await authorizeLink(req.principal!, m, scopes, 'resolve-link-suggestion');
      const actor = actorOf(req.principal!);
      const chosen = new Set(req.body.incidentIds);
      // Recorded with the link and in the custody chain, where people read it: Chinese, as the rest of the record.
      const reason = `自动匹配有歧义，人工裁定：${req.body.reason}`;
      const resolved = await db.transaction(async (tx) => {
        const txLinks = new LinksRepository(tx);
        await txLinks.lockMedia(m.id);
        const current = await txLinks.findSuggestionForUpdate(suggestion.id);
        if (!current || current.status !== 'open') throw new Errors.SUGGESTION_CLOSED(suggestion.id, current?.status ?? 'gone');
        for (const incidentId of current.incidentIds) {
          const live = await txLinks.findLive(m.id, { incidentId });
          if (chosen.has(incidentId) && !live) {
            await addLink(tx, { mediaId: m.id, target: { incidentId }, source: 'manual', reason, actor, details: { suggestionId: current.id } });
          } else if (!chosen.has(incidentId) && live) {
            await removeLink(tx, live, actor, reason);
          }
        }
        return (await txLinks.resolveSuggestion(current.id, actor, [...chosen], req.body.reason))!;
      });
      return expandSuggestion(db, resolved);
    },
  );
}

/** A suggestion with its media and candidates as a person needs them to decide. */
async function expandSuggestion(db: Db, s: LinkSuggestion) {
  const [mediaRow, incidents, live] = await Promise.all([
    new ReviewRepository(db).mediaSummaries([s.mediaId]),
    new CasesRepository(db).incidentsByIds(s.incidentIds),
    new LinksRepository(db).forMedia(s.mediaId, false),
  ]);
  const m = mediaRow[0] ?? null;
  const linked = new Set(live.flatMap((l: MediaLink) => (l.incidentId ? [l.incidentId] : [])));
  return {
    ...s,
    media: m,
    candidates: incidents.map((i) => ({ ...i, overlapSec: m ? overlapSeconds(m, i) : 0, linked: linked.has(i.id) })),
  };
}
