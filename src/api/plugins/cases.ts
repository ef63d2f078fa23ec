import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseEntityCsv } from '../../domain/case-csv.js';
import { IMPORT_ENTITIES, type ImportEntity } from '../../domain/case-import.js';
import { caseListScope, inListScope } from '../../domain/case-scope.js';
import { ROLES } from '../../domain/roles.js';
import { CasesRepository, type Case, type CaseStatus } from '../../db/repositories/cases-repository.js';
import { Errors } from '../../errors.js';
import { AutoLinker } from '../../ingest/auto-linker.js';
import { CaseImporter, type ImportReport, type RawRows } from '../../ingest/case-import.js';
import type { Services } from '../../runtime/services.js';
import { accessContextOf, authorizeCase, personOf } from '../case-guard.js';
import {
  autoLinkSummarySchema,
  caseDetailSchema,
  caseListItemSchema,
  caseSchema,
  importBodySchema,
  importInvalidSchema,
  importResultSchema,
  incidentSchema,
  officerNumberSchema,
  officerSchema,
  pageOf,
  personSchema,
  sessionSchema,
  unitCodeSchema,
  unitSchema,
  uuidParams,
} from '../case-schemas.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['cases'];
const SECURITY = [{ bearer: [] }];
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

/** Which single-entity upsert route feeds which import entity. */
const SINGLE: Array<{ path: string; entity: ImportEntity; summary: string; schema: object }> = [
  { path: '/api/v1/units', entity: 'units', summary: 'Create or update a unit (keyed on its 12-digit code)', schema: unitSchema },
  { path: '/api/v1/officers', entity: 'officers', summary: 'Create or update an officer (keyed on the 6-digit officer number)', schema: officerSchema },
  { path: '/api/v1/cases', entity: 'cases', summary: 'Create or update a case (keyed on the case number)', schema: caseSchema },
  { path: '/api/v1/incidents', entity: 'incidents', summary: 'Create or update a 110 dispatch incident (keyed on its id); stored footage of its officers is matched again', schema: incidentSchema },
  { path: '/api/v1/persons', entity: 'persons', summary: 'Create or update a person of a case, e.g. a suspect (keyed on the case system id)', schema: personSchema },
  { path: '/api/v1/interrogation-sessions', entity: 'sessions', summary: 'Create or update an interrogation session (keyed on the case system id)', schema: sessionSchema },
];

/**
 * The case system's model: units, officers, cases, 110 incidents, persons and interrogation sessions. Admins
 * import and edit (JSON bulk upsert, CSV per entity, or one record at a time, all through the same validation);
 * reviewers and unit heads read the cases in their scope; the case search is scoped to the caller.
 */
export async function casesPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config, log } = opts.services;
  const repo = new CasesRepository(db);
  const autoLinker = new AutoLinker({ db, bufferMinutes: config.AUTO_LINK_BUFFER_MINUTES, log });
  const importer = new CaseImporter({ db, autoLinker });
  const admin = app.requireRole('admin');
  const people = app.requireRole(...ROLES);

  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));

  function sendInvalid(reply: FastifyReply, report: Extract<ImportReport, { ok: false }>) {
    const err = new Errors.IMPORT_INVALID(report.errorCount);
    return reply.code(err.statusCode).send({ code: err.code, message: err.message, errorCount: report.errorCount, errors: report.errors });
  }

  // ---- bulk import ----

  app.post<{ Body: RawBodies }>(
    '/api/v1/import',
    {
      onRequest: admin,
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        summary: 'Import from the case system (JSON): bulk upsert on natural keys, all or nothing, idempotent',
        description:
          'Every row is validated and every reference resolved before anything is written. Any problem: 422 EVM_IMPORT_INVALID listing each with its entity, index, field and a stable code, and nothing is imported. Otherwise all rows are upserted in one transaction (sending the same data again changes nothing) and stored footage is matched against the new or changed incidents and cases.',
        tags: TAGS,
        security: SECURITY,
        body: importBodySchema,
        response: { 200: importResultSchema, ...errorResponses(400, 401, 403), 422: importInvalidSchema },
      },
    },
    async (req, reply) => {
      const rows: RawRows = {};
      for (const e of IMPORT_ENTITIES) rows[e] = (req.body[e] ?? []).map((raw, index) => ({ loc: { index }, raw }));
      const report = await importer.run(rows);
      if (!report.ok) return sendInvalid(reply, report);
      return { counts: report.counts, autoLink: report.autoLink };
    },
  );

  app.post<{ Params: { entity: ImportEntity }; Body: string }>(
    '/api/v1/import/:entity',
    {
      onRequest: admin,
      bodyLimit: IMPORT_BODY_LIMIT,
      preValidation: async (req) => {
        if (typeof req.body !== 'string') throw new Errors.VALIDATION('send the CSV file itself with Content-Type: text/csv');
      },
      schema: {
        summary: 'Import one entity from a CSV file (Content-Type: text/csv): all or nothing, idempotent',
        description:
          'A header line naming the columns (the JSON field names; case, "_" and "-" are ignored), then one record per line; lists (officerNumbers, interrogators) are separated by ";" inside a cell. Errors carry the 1-based line of the file. Import in order: units, officers, cases, incidents, persons, sessions.',
        tags: TAGS,
        security: SECURITY,
        consumes: ['text/csv'],
        params: { type: 'object', properties: { entity: { type: 'string', enum: [...IMPORT_ENTITIES] } }, required: ['entity'] },
        body: { type: 'string' },
        response: { 200: importResultSchema, ...errorResponses(400, 401, 403, 415), 422: importInvalidSchema },
      },
    },
    async (req, reply) => {
      const { entity } = req.params;
      const parsed = parseEntityCsv(entity, req.body);
      if (parsed.errors.length) return sendInvalid(reply, { ok: false, errorCount: parsed.errors.length, errors: parsed.errors });
      const report = await importer.run({ [entity]: parsed.rows.map((r) => ({ loc: { line: r.line }, raw: r.raw })) });
      if (!report.ok) return sendInvalid(reply, report);
      return { counts: report.counts, autoLink: report.autoLink };
    },
  );

  // ---- one record at a time (same validation as the import) ----

  for (const s of SINGLE) {
    app.post<{ Body: Record<string, unknown> }>(
      s.path,
      {
        onRequest: admin,
        schema: {
          summary: s.summary,
          description: 'Same fields and validation as a row of POST /api/v1/import; 201 when created, 200 when updated or unchanged.',
          tags: TAGS,
          security: SECURITY,
          body: { type: 'object', additionalProperties: true },
          response: {
            200: { type: 'object', properties: { outcome: { type: 'string', enum: ['created', 'updated', 'unchanged'] }, record: s.schema, autoLink: autoLinkSummarySchema }, required: ['outcome', 'record'] },
            201: { type: 'object', properties: { outcome: { type: 'string', enum: ['created', 'updated', 'unchanged'] }, record: s.schema, autoLink: autoLinkSummarySchema }, required: ['outcome', 'record'] },
            ...errorResponses(401, 403),
            422: importInvalidSchema,
          },
        },
      },
      async (req, reply) => {
        const report = await importer.run({ [s.entity]: [{ loc: { index: 0 }, raw: req.body }] });
        if (!report.ok) return sendInvalid(reply, report);
        const counts = report.counts[s.entity];
        const outcome = counts.created ? 'created' : counts.updated ? 'updated' : 'unchanged';
        const record = await readBack(repo, s.entity, report.keys[s.entity][0]!);
        return reply.code(outcome === 'created' ? 201 : 200).send({ outcome, record, autoLink: report.autoLink });
      },
    );
  }

  // ---- reads ----

  app.get(
    '/api/v1/units',
    { onRequest: people, schema: { summary: 'All units', tags: TAGS, security: SECURITY, response: { 200: { type: 'array', items: unitSchema }, ...errorResponses(401, 403) } } },
    async () => repo.listUnits(),
  );

  app.get<{ Querystring: { unitCode?: string; limit: number; offset: number } }>(
    '/api/v1/officers',
    {
      onRequest: people,
      schema: {
        summary: 'Officers, optionally of one unit',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: { unitCode: unitCodeSchema, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: { 200: { type: 'array', items: officerSchema }, ...errorResponses(401, 403) },
      },
    },
    async (req) => repo.listOfficers(req.query),
  );

  app.get<{ Querystring: CaseQuery }>(
    '/api/v1/cases',
    {
      onRequest: people,
      schema: {
        summary: "Search the caller's cases: case number, suspect name, officer number, opening date range; newest first, paged",
        description:
          'Only cases the caller may open are listed (admins: all; reviewers: their unit and assigned cases; unit heads: their unit; anyone: cases granted by an approved access request). caseNumber and suspect match any part, case-insensitively; officer matches an officer of an incident or an interrogator; from/to bound the opening time (from inclusive, to exclusive).',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            caseNumber: { type: 'string', minLength: 1, maxLength: 64 },
            suspect: { type: 'string', minLength: 1, maxLength: 100 },
            officer: officerNumberSchema,
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            status: { type: 'string', enum: ['open', 'under_review', 'review_completed', 'closed'] },
            kind: { type: 'string', enum: ['administrative', 'criminal'] },
            unitCode: unitCodeSchema,
            pendingReview: { type: 'boolean', description: 'only cases with interrogation recordings not yet reviewed' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: pageOf(caseListItemSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const user = personOf(req.principal!)!;
      const scope = caseListScope(user, await accessContextOf(db, req.principal!));
      const { items, total } = await repo.search({ ...req.query, scope });
      // Belt and braces: the SQL filter mirrors caseListScope; never list what opening would refuse.
      return { items: items.filter((c) => inListScope(scope, { caseId: c.id, unitCode: c.unitCode })), total, limit: req.query.limit, offset: req.query.offset };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/cases/:id',
    {
      onRequest: people,
      schema: {
        summary: 'A case with its incidents, persons and interrogation sessions',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        response: { 200: caseDetailSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const c = await loadCase(repo, req.params.id);
      await authorizeCase(db, req.principal!, c, 'read-case');
      const [incidents, persons, sessions] = await Promise.all([repo.incidentsOfCase(c.id), repo.personsOfCase(c.id), repo.sessionsOfCase(c.id)]);
      return { ...c, incidents, persons, sessions };
    },
  );

  app.patch<{ Params: { id: string }; Body: { title?: string; status?: 'open' | 'closed'; unitCode?: string } }>(
    '/api/v1/cases/:id',
    {
      onRequest: admin,
      schema: {
        summary: 'Change a case: title, unit, or open/closed (review states are set by the review routes)',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { title: { type: 'string', maxLength: 500 }, status: { type: 'string', enum: ['open', 'closed'] }, unitCode: unitCodeSchema },
        },
        response: { 200: caseSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      if (req.body.unitCode && !(await repo.findUnit(req.body.unitCode))) throw new Errors.VALIDATION(`unitCode ${req.body.unitCode} is not a known unit`);
      const c = await repo.updateCase(req.params.id, req.body);
      if (!c) throw new Errors.NOT_FOUND(`case ${req.params.id}`);
      return c;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/incidents/:id',
    {
      onRequest: people,
      schema: {
        summary: 'A 110 dispatch incident',
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] },
        response: { 200: incidentSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const incident = await repo.findIncident(req.params.id);
      if (!incident) throw new Errors.NOT_FOUND(`incident ${req.params.id}`);
      if (incident.caseId) {
        await authorizeCase(db, req.principal!, await loadCase(repo, incident.caseId), 'read-incident');
      } else {
        const user = personOf(req.principal!)!;
        const unitScoped = (user.role === 'reviewer' || user.role === 'unit_head') && user.unitCode === incident.unitCode;
        if (user.role !== 'admin' && !unitScoped) throw new Errors.FORBIDDEN('the incident belongs to another unit');
      }
      return incident;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/interrogation-sessions/:id',
    {
      onRequest: people,
      schema: {
        summary: 'An interrogation session',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        response: { 200: sessionSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const session = await repo.findSession(req.params.id);
      if (!session) throw new Errors.NOT_FOUND(`interrogation session ${req.params.id}`);
      await authorizeCase(db, req.principal!, await loadCase(repo, session.caseId), 'read-session');
      return session;
    },
  );
}

type RawBodies = Partial<Record<ImportEntity, unknown[]>>;

interface CaseQuery {
  caseNumber?: string;
  suspect?: string;
  officer?: string;
  from?: string;
  to?: string;
  status?: CaseStatus;
  kind?: 'administrative' | 'criminal';
  unitCode?: string;
  pendingReview?: boolean;
  limit: number;
  offset: number;
}

async function loadCase(repo: CasesRepository, id: string): Promise<Case> {
  const c = await repo.findCase(id);
  if (!c) throw new Errors.NOT_FOUND(`case ${id}`);
  return c;
}

async function readBack(repo: CasesRepository, entity: ImportEntity, key: string): Promise<unknown> {
  switch (entity) {
    case 'units':
      return repo.findUnit(key);
    case 'officers':
      return repo.findOfficer(key);
    case 'cases':
      return repo.findCaseByNumber(key);
    case 'incidents':
      return repo.findIncident(key);
    case 'persons':
      return repo.findPersonByExternalId(key);
    case 'sessions':
      return repo.findSessionByExternalId(key);
  }
}
