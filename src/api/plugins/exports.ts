import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ExportsRepository, EXPORT_FORMATS, EXPORT_STATUSES, type ExportFormat, type ExportRecord } from '../../db/repositories/exports-repository.js';
import { CustodyRepository } from '../../db/repositories/custody-repository.js';
import { isAcknowledged } from '../../domain/media-state.js';
import { Errors } from '../../errors.js';
import { jobId } from '../../queue/jobs.js';
import type { Services } from '../../runtime/services.js';
import { authorizeMedia } from '../auth/media-guard.js';
import { actorOf, roleOf, type Principal } from '../auth/principal.js';
import { errorSchema } from '../schemas.js';
import { sendObject } from './media.js';

const packageSchema = {
  type: 'object',
  properties: { sizeBytes: { type: 'integer' }, sha256: { type: 'string', description: 'SHA-256 of the whole package file' } },
} as const;

export const exportSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    caseId: { type: ['string', 'null'] },
    mediaIds: { type: 'array', items: { type: 'string' } },
    includeProxies: { type: 'boolean' },
    formats: { type: 'array', items: { type: 'string', enum: [...EXPORT_FORMATS] } },
    destination: { type: 'string', enum: ['internal', 'external'] },
    purpose: { type: 'string' },
    status: { type: 'string', enum: [...EXPORT_STATUSES] },
    requestedBy: { type: 'string' },
    requestedAt: { type: 'string' },
    decidedBy: { type: ['string', 'null'] },
    decidedAt: { type: ['string', 'null'] },
    decisionNote: { type: ['string', 'null'] },
    progress: { type: 'integer', description: 'Percent of the build done (100 when ready)' },
    bytesTotal: { type: 'integer' },
    bytesDone: { type: 'integer' },
    job: {
      type: ['object', 'null'],
      description: 'The build job as the queue sees it, while it is queued or running',
      properties: { status: { type: 'string' }, progress: { type: 'number' }, attempts: { type: 'integer' } },
    },
    manifestSha256: { type: ['string', 'null'] },
    packages: { type: 'object', properties: { zip: packageSchema, iso: packageSchema } },
    downloads: {
      type: 'object',
      description: 'Download links of the built packages',
      properties: { zip: { type: 'string' }, iso: { type: 'string' } },
    },
    errorCode: { type: ['string', 'null'] },
    errorMessage: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
  },
  required: ['id', 'status', 'progress', 'destination', 'purpose', 'mediaIds'],
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;

interface CreateBody {
  caseId?: string;
  mediaIds?: string[];
  includeProxies: boolean;
  destination: 'internal' | 'external';
  purpose: string;
  formats: ExportFormat[];
}

/** May this principal decide (approve or reject) this external export? Unit heads of the requester's or the case's unit, and admins. */
function mayDecide(p: Principal, exp: ExportRecord, caseUnit: string | null): boolean {
  const role = roleOf(p);
  if (role === 'admin') return true;
  if (role !== 'unit_head' || p.kind !== 'user' || !p.user.unitCode) return false;
  return p.user.unitCode === exp.requesterUnit || p.user.unitCode === caseUnit;
}

/** Evidence export packages for prosecutors or court: request, approve, follow, download. */
export async function exportsPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, store, queues } = opts.services;
  const exports = new ExportsRepository(db);
  const people = async (req: FastifyRequest) => {
    if (!req.principal) throw new Errors.UNAUTHENTICATED();
    if (req.principal.kind === 'device') throw new Errors.FORBIDDEN('devices cannot export evidence');
  };

  async function view(exp: ExportRecord) {
    let job: { status: string; progress: number; attempts: number } | null = null;
    if (exp.status === 'queued' || exp.status === 'building') {
      const j = await queues.queue('export').getJob(jobId('export', { exportId: exp.id }));
      if (j) job = { status: await j.getState(), progress: typeof j.progress === 'number' ? j.progress : 0, attempts: j.attemptsMade };
    }
    const downloads = Object.fromEntries(Object.keys(exp.packages).map((f) => [f, `/api/v1/exports/${exp.id}/download?format=${f}`]));
    const packages = Object.fromEntries(Object.entries(exp.packages).map(([f, p]) => [f, { sizeBytes: p.sizeBytes, sha256: p.sha256 }]));
    return { ...exp, packages, downloads, job };
  }

  async function caseUnitOf(exp: ExportRecord): Promise<string | null> {
    return exp.caseId ? ((await exports.caseSummary(exp.caseId))?.unitCode ?? null) : null;
  }

  /** Requester, admins, auditors and those who may decide see an export; anyone else is told it does not exist. */
  async function loadVisible(req: FastifyRequest<{ Params: { id: string } }>): Promise<ExportRecord> {
    const exp = await exports.findById(req.params.id);
    const p = req.principal!;
    const role = roleOf(p);
    if (exp && (exp.requestedBy === actorOf(p) || role === 'admin' || role === 'auditor' || mayDecide(p, exp, await caseUnitOf(exp)))) return exp;
    throw new Errors.NOT_FOUND(`export ${req.params.id}`);
  }

  app.post<{ Body: CreateBody }>(
    '/api/v1/exports',
    {
      onRequest: people,
      schema: {
        summary: 'Request an evidence export package (ZIP and ISO 9660) of a case or of chosen media',
        description:
          'Every media must be exportable by the requester (same rules as downloading). Internal exports are built at once; ' +
          'external ones (outside the police) wait for approval by a unit head or an admin other than the requester. ' +
          'The build records a media.exported custody event on every media.',
        tags: ['exports'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: {
            caseId: { type: 'string', format: 'uuid', description: "Export the case's linked media (directly, or through its incidents and interrogations)" },
            mediaIds: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 1000, uniqueItems: true },
            includeProxies: { type: 'boolean', default: false },
            destination: { type: 'string', enum: ['internal', 'external'] },
            purpose: { type: 'string', minLength: 2, maxLength: 500 },
            formats: { type: 'array', items: { type: 'string', enum: [...EXPORT_FORMATS] }, minItems: 1, uniqueItems: true, default: ['zip', 'iso'] },
          },
          required: ['destination', 'purpose'],
          additionalProperties: false,
        },
        response: { 201: exportSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (Boolean(b.caseId) === Boolean(b.mediaIds)) throw new Errors.VALIDATION('give exactly one of caseId or mediaIds');
      if (b.caseId && !(await exports.caseSummary(b.caseId))) throw new Errors.NOT_FOUND(`case ${b.caseId}`);
      const ids = b.caseId ? await exports.caseMediaIds(b.caseId) : b.mediaIds!;
      const media = await exports.media(ids);
      const missing = ids.filter((id) => !media.some((m) => m.id === id));
      if (missing.length) throw new Errors.NOT_FOUND(`media ${missing.join(', ')}`);
      const exportable = b.caseId ? media.filter((m) => isAcknowledged(m.state)) : media;
      if (exportable.length === 0) throw new Errors.EXPORT_EMPTY(b.caseId ? `case ${b.caseId} has no verified media linked` : 'no media given');
      for (const m of exportable) {
        if (!isAcknowledged(m.state)) throw new Errors.EXPORT_MEDIA_NOT_EXPORTABLE(m.id, m.state);
        await authorizeMedia(db, req.principal!, m, 'export');
      }
      const p = req.principal!;
      const exp = await exports.insert({
        id: randomUUID(),
        caseId: b.caseId ?? null,
        mediaIds: exportable.map((m) => m.id),
        includeProxies: b.includeProxies,
        formats: b.formats,
        destination: b.destination,
        purpose: b.purpose.trim(),
        status: b.destination === 'external' ? 'pending_approval' : 'queued',
        requestedBy: actorOf(p),
        requestedByUser: p.kind === 'user' ? p.user.id : null,
        requesterUnit: p.kind === 'user' ? p.user.unitCode : null,
      });
      if (exp.status === 'queued') await queues.enqueue('export', { exportId: exp.id });
      reply.header('Location', `/api/v1/exports/${exp.id}`);
      return reply.code(201).send(await view(exp));
    },
  );

  app.get<{ Querystring: { status?: ExportRecord['status']; limit: number; offset: number } }>(
    '/api/v1/exports',
    {
      onRequest: people,
      schema: {
        summary: 'Exports, newest first: all of them for admins, auditors and unit heads (to find those awaiting approval); otherwise your own',
        tags: ['exports'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...EXPORT_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: { type: 'array', items: exportSchema }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const p = req.principal!;
      const role = roleOf(p);
      const all = role === 'admin' || role === 'auditor' || role === 'unit_head';
      let list = await exports.list({ ...req.query, requestedBy: all ? undefined : actorOf(p) });
      if (role === 'unit_head') {
        const visible = await Promise.all(list.map(async (e) => e.requestedBy === actorOf(p) || mayDecide(p, e, await caseUnitOf(e))));
        list = list.filter((_, i) => visible[i]);
      }
      return Promise.all(list.map(view));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/exports/:id',
    {
      onRequest: people,
      schema: {
        summary: 'One export: status, build progress (percent), package sizes and hashes, download links',
        tags: ['exports'],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: exportSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req) => view(await loadVisible(req)),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>(
      `/api/v1/exports/:id/${decision}`,
      {
        onRequest: app.requireRole('unit_head', 'admin'),
        schema: {
          summary:
            decision === 'approve'
              ? 'Approve an external export (unit head of the requester or the case, or an admin; never the requester) and start its build'
              : 'Reject an external export',
          tags: ['exports'],
          security: [{ bearer: [] }],
          params: idParams,
          body: { type: ['object', 'null'], properties: { note: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
          response: { 200: exportSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
        },
      },
      async (req) => {
        const p = req.principal!;
        const exp = await loadVisible(req);
        if (!mayDecide(p, exp, await caseUnitOf(exp))) throw new Errors.FORBIDDEN(`only a unit head of unit ${exp.requesterUnit ?? '(none)'} or an admin may decide this export`);
        if (exp.requestedBy === actorOf(p)) throw new Errors.EXPORT_SELF_APPROVAL(exp.requestedBy);
        if (exp.status !== 'pending_approval') throw new Errors.EXPORT_NOT_PENDING(exp.id, exp.status);
        const decided = await db.transaction(async (tx) => {
          const d = await new ExportsRepository(tx).decide(exp.id, decision === 'approve', actorOf(p), req.body?.note?.trim() || null);
          if (!d) return null;
          await new CustodyRepository(tx).append({
            mediaId: null,
            uploadId: null,
            type: decision === 'approve' ? 'export.approved' : 'export.rejected',
            actor: actorOf(p),
            details: { exportId: exp.id, mediaIds: exp.mediaIds, caseId: exp.caseId, requestedBy: exp.requestedBy, purpose: exp.purpose, note: d.decisionNote },
          });
          return d;
        });
        if (!decided) throw new Errors.EXPORT_NOT_PENDING(exp.id, (await exports.findById(exp.id))?.status ?? 'gone');
        if (decided.status === 'queued') await queues.enqueue('export', { exportId: exp.id });
        return view(decided);
      },
    );
  }

  app.get<{ Params: { id: string }; Querystring: { format: ExportFormat } }>(
    '/api/v1/exports/:id/download',
    {
      onRequest: people,
      schema: {
        summary: 'Download a built package (ZIP or ISO 9660 image; HTTP Range supported). Each download is a custody event of every media in it.',
        tags: ['exports'],
        security: [{ bearer: [] }],
        params: idParams,
        querystring: { type: 'object', properties: { format: { type: 'string', enum: [...EXPORT_FORMATS], default: 'zip' } } },
        response: { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 416: errorSchema },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const exp = await loadVisible(req);
      if (exp.requestedBy !== actorOf(p) && roleOf(p) !== 'admin') throw new Errors.FORBIDDEN('only the requester or an admin may download an export');
      if (exp.status !== 'ready') throw new Errors.EXPORT_NOT_READY(exp.id, exp.status);
      const format = req.query.format;
      const pkg = exp.packages[format];
      if (!pkg) throw new Errors.EXPORT_FORMAT_NOT_BUILT(exp.id, format, Object.keys(exp.packages).join(', ') || 'none');
      // Every request is recorded, as for originals: a package holds originals, and any range of it is a copy.
      await db.transaction(async (tx) => {
        const custody = new CustodyRepository(tx);
        for (const mediaId of exp.mediaIds) {
          await custody.append({ mediaId, uploadId: null, type: 'export.downloaded', actor: actorOf(p), details: { exportId: exp.id, format, packageSha256: pkg.sha256, range: req.headers.range ?? null, ip: req.ip } });
        }
      });
      return sendObject(req, reply, store, pkg.key, {
        contentType: format === 'zip' ? 'application/zip' : 'application/x-iso9660-image',
        filename: `evidence-${exp.id}.${format}`,
        etag: `"${pkg.sha256}"`,
      });
    },
  );
}
