import type { SamplePlan } from '../../domain/sampling.js';
import type { Sql } from '../db.js';

export interface SupervisionSample {
  id: string;
  period: string;
  from: string;
  to: string;
  unitCode: string | null;
  seed: string;
  requestedFraction: number | null;
  fractions: Record<string, number>;
  population: Record<string, number>;
  caseCount: number;
  caseSetHash: string;
  createdBy: string;
  createdAt: string;
}

export interface SampledCaseRow {
  caseId: string;
  caseNumber: string;
  unitCode: string;
  status: string;
  openedAt: string;
  sampleKey: string;
}

interface Row {
  id: string;
  period: string;
  period_from: Date;
  period_to: Date;
  unit_code: string | null;
  seed: string;
  requested_fraction: number | null;
  fractions: Record<string, number> | string;
  population: Record<string, number> | string;
  case_count: number;
  case_set_hash: string;
  created_by: string;
  created_at: Date;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const toSample = (r: Row): SupervisionSample => ({
  id: r.id,
  period: r.period,
  from: r.period_from.toISOString(),
  to: r.period_to.toISOString(),
  unitCode: r.unit_code?.trim() ?? null,
  seed: r.seed,
  requestedFraction: r.requested_fraction,
  fractions: json(r.fractions),
  population: json(r.population),
  caseCount: r.case_count,
  caseSetHash: r.case_set_hash,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

/** Supervisory samples and the cases each picked; written once, never changed (a new draw is a new sample). */
export class SupervisionRepository {
  constructor(private readonly sql: Sql) {}

  /** The period's cases (opened in it), of these units or all: the population a sample is drawn from. */
  async periodCases(from: Date, to: Date, unitCodes: string[] | null): Promise<Array<{ caseId: string; unitCode: string }>> {
    const rows = await this.sql.query<{ id: string; unit_code: string }>(
      `select id, unit_code::text from cases
        where opened_at >= $1 and opened_at < $2 and ($3::bpchar[] is null or unit_code = any($3::bpchar[]))`,
      [from, to, unitCodes],
    );
    return rows.map((r) => ({ caseId: r.id, unitCode: r.unit_code.trim() }));
  }

  async seedRecorded(seed: string): Promise<boolean> {
    return (await this.sql.query('select 1 from supervision_samples where seed = $1 limit 1', [seed])).length > 0;
  }

  async insert(s: { id: string; period: string; from: Date; to: Date; unitCode: string | null; requestedFraction: number | null; createdBy: string }, plan: SamplePlan): Promise<SupervisionSample> {
    const rows = await this.sql.query<Row>(
      `insert into supervision_samples (id, period, period_from, period_to, unit_code, seed, requested_fraction, fractions, population, case_count, case_set_hash, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`,
      [s.id, s.period, s.from, s.to, s.unitCode, plan.seed, s.requestedFraction, JSON.stringify(plan.fractions), JSON.stringify(plan.population), plan.picked.length, plan.caseSetHash, s.createdBy],
    );
    if (plan.picked.length) {
      await this.sql.query(
        `insert into supervision_sample_cases (sample_id, case_id, unit_code, sample_key)
         select $1, x.case_id, x.unit_code, x.sample_key from jsonb_to_recordset($2::jsonb) as x(case_id uuid, unit_code text, sample_key text)`,
        [s.id, JSON.stringify(plan.picked.map((c) => ({ case_id: c.caseId, unit_code: c.unitCode, sample_key: c.key })))],
      );
    }
    return toSample(rows[0]!);
  }

  async find(id: string): Promise<SupervisionSample | null> {
    const rows = await this.sql.query<Row>('select * from supervision_samples where id = $1', [id]);
    return rows[0] ? toSample(rows[0]) : null;
  }

  async cases(sampleId: string): Promise<SampledCaseRow[]> {
    const rows = await this.sql.query<{ case_id: string; case_number: string; unit_code: string; status: string; opened_at: Date; sample_key: string }>(
      `select s.case_id, c.case_number, s.unit_code::text, c.status, c.opened_at, s.sample_key
         from supervision_sample_cases s join cases c on c.id = s.case_id
        where s.sample_id = $1 order by s.unit_code, s.sample_key`,
      [sampleId],
    );
    return rows.map((r) => ({ caseId: r.case_id, caseNumber: r.case_number, unitCode: r.unit_code.trim(), status: r.status, openedAt: r.opened_at.toISOString(), sampleKey: r.sample_key }));
  }

  /**
   * Samples, newest first; `unitCodes` limits to samples drawn for those units (a unit head's), null: all.
   * `overlapping` keeps samples whose period overlaps a range (a report's period).
   */
  async list(o: { unitCodes: string[] | null; overlapping?: { from: Date; to: Date }; limit: number; offset: number }): Promise<SupervisionSample[]> {
    const rows = await this.sql.query<Row>(
      `select * from supervision_samples
        where ($1::bpchar[] is null or unit_code = any($1::bpchar[]))
          and ($2::timestamptz is null or (period_from < $3 and period_to > $2))
        order by created_at desc, id limit $4 offset $5`,
      [o.unitCodes, o.overlapping?.from ?? null, o.overlapping?.to ?? null, o.limit, o.offset],
    );
    return rows.map(toSample);
  }
}
