import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SupervisionRepository, type SupervisionSample } from '../../db/repositories/supervision-repository.js';
import { parsePeriod } from '../../domain/report-periods.js';
import { checkFraction, newSeed, planSample } from '../../domain/sampling.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf } from '../auth/principal.js';
import { coverageUnits } from '../coverage-scope.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['supervision'];
const SECURITY = [{ bearer: [] }];

const sampleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    period: { type: 'string', description: '2026-W47, 2026-11 or 2026-Q4' },
    from: { type: 'string' },
    to: { type: 'string' },
    unitCode: { type: ['string', 'null'], description: 'the unit (and sub-units) sampled; null: every unit' },
    seed: { type: 'string', description: 'draw again with this seed over the same cases to get the same sample' },
    requestedFraction: { type: ['number', 'null'] },
    fractions: { type: 'object', additionalProperties: { type: 'number' }, description: 'the fraction each unit was sampled at' },
    population: { type: 'object', additionalProperties: { type: 'integer' }, description: "each unit's cases in the period" },
    caseCount: { type: 'integer' },
    caseSetHash: { type: 'string', description: 'SHA-256 over the sorted ids of the cases drawn from' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    cases: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          caseId: { type: 'string' },
          caseNumber: { type: 'string' },
          unitCode: { type: 'string' },
          status: { type: 'string' },
          openedAt: { type: 'string' },
          sampleKey: { type: 'string', description: 'SHA-256(seed, case id); each unit takes its lowest keys' },
        },
        required: ['caseId', 'caseNumber', 'unitCode'],
      },
    },
  },
  required: ['id', 'period', 'from', 'to', 'unitCode', 'seed', 'fractions', 'population', 'caseCount', 'caseSetHash', 'createdBy', 'createdAt'],
} as const;

/**
 * Supervisory sampling (监督抽查): at least 20% of a period's cases (a configured share per unit, 10% for some)
 * drawn for online review, reproducibly from a recorded seed (src/domain/sampling.ts). Admins and unit heads (for
 * their own unit) draw; auditors read.
 */
export async function supervisionPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const samples = new SupervisionRepository(db);

  app.post<{ Body: { period: string; fraction?: number; seed?: string; unit?: string } }>(
    '/api/v1/supervision/samples',
    {
      onRequest: app.requireRole('admin', 'unit_head'),
      schema: {
        summary: `Draw a supervisory sample of a period's cases (opened in it): per unit at least its configured share (default ${config.SUPERVISION_SAMPLE_FRACTION}), raised by "fraction" but never lowered, reproducible from the seed`,
        tags: TAGS,
        security: SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            period: { type: 'string', description: '2026-W47, 2026-11 or 2026-Q4 (Asia/Shanghai)' },
            fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
            seed: { type: 'string', minLength: 1, maxLength: 128, description: 'to repeat an earlier recorded draw (only a seed already on record is accepted, 400 otherwise); a random 128-bit seed otherwise' },
            unit: { type: 'string', minLength: 12, maxLength: 12, description: 'only this unit and its sub-units (unit heads: their own by default)' },
          },
          required: ['period'],
        },
        response: { 201: sampleSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const period = parsePeriod(req.body.period);
      if (!period) throw new Errors.VALIDATION(`period "${req.body.period}" is not 2026-W47, 2026-11 or 2026-Q4`);
      if (req.body.fraction !== undefined) {
        const problem = checkFraction(req.body.fraction);
        if (problem) throw new Errors.VALIDATION(problem);
      }
      // A seed of one's own choosing could be tried offline until the sample missed the cases one would rather not
      // have reviewed: only the server draws new seeds, and a given one must repeat a draw already on record.
      if (req.body.seed !== undefined && !(await samples.seedRecorded(req.body.seed))) {
        throw new Errors.VALIDATION('seed: only a seed of an earlier recorded sample can be given (to repeat that draw); leave it out for a new draw');
      }
      const scope = await coverageUnits(db, req, req.body.unit);
      const candidates = await samples.periodCases(period.from, period.to, scope.unitCodes);
      const plan = planSample(candidates, {
        seed: req.body.seed ?? newSeed(),
        requested: req.body.fraction ?? null,
        defaultFraction: config.SUPERVISION_SAMPLE_FRACTION,
        unitFractions: config.SUPERVISION_UNIT_FRACTIONS,
      });
      const id = randomUUID();
      const sample = await db.transaction((tx) =>
        new SupervisionRepository(tx).insert(
          { id, period: period.label, from: period.from, to: period.to, unitCode: scope.unitCode, requestedFraction: req.body.fraction ?? null, createdBy: actorOf(req.principal!) },
          plan,
        ),
      );
      req.log.info({ sampleId: id, period: period.label, unit: scope.unitCode, cases: plan.picked.length, population: candidates.length }, 'supervision sample drawn');
      return reply.code(201).send({ ...sample, cases: await samples.cases(id) });
    },
  );

  app.get<{ Querystring: { unit?: string; limit: number; offset: number } }>(
    '/api/v1/supervision/samples',
    {
      onRequest: app.requireRole('admin', 'unit_head', 'auditor'),
      schema: {
        summary: 'Supervisory samples, newest first (without their cases)',
        tags: TAGS,
        security: SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            unit: { type: 'string', minLength: 12, maxLength: 12 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: { type: 'array', items: sampleSchema }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const scope = await coverageUnits(db, req, req.query.unit);
      return samples.list({ unitCodes: scope.unitCodes, limit: req.query.limit, offset: req.query.offset });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/supervision/samples/:id',
    {
      onRequest: app.requireRole('admin', 'unit_head', 'auditor'),
      schema: {
        summary: 'One supervisory sample with the cases it picked',
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
        response: { 200: sampleSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const sample: SupervisionSample | null = await samples.find(req.params.id);
      if (!sample) throw new Errors.NOT_FOUND(`supervision sample ${req.params.id}`);
      // A unit head sees samples of their unit (or a sub-unit); a city-wide sample is not theirs to read.
      const scope = await coverageUnits(db, req, sample.unitCode ?? undefined);
      if (scope.unitCode !== sample.unitCode) throw new Errors.FORBIDDEN('this sample covers units outside yours');
      return { ...sample, cases: await samples.cases(sample.id) };
    },
  );
}
