import type { CaseListScope } from '../../domain/case-scope.js';
import type { CaseKind, CaseRow, IncidentRow, OfficerRow, PersonRole, PersonRow, SessionKind, SessionRow, UnitRow } from '../../domain/case-import.js';
import type { Sql } from '../db.js';

export type CaseStatus = 'open' | 'under_review' | 'review_completed' | 'closed';
export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface Unit {
  code: string;
  name: string;
  parentCode: string | null;
}
export interface Officer {
  number: string;
  name: string;
  unitCode: string;
}
export interface Case {
  id: string;
  caseNumber: string;
  kind: CaseKind;
  title: string;
  status: CaseStatus;
  unitCode: string;
  /** The unit's name as the case system imported it (null when the unit is unknown or the row was not read with it). */
  unitName: string | null;
  openedAt: string;
  closedAt: string | null;
  reviewCompletedAt: string | null;
  reviewCompletedBy: string | null;
  reviewFinding: string | null;
}
export interface Incident {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  unitCode: string;
  officerNumbers: string[];
  startedAt: string;
  endedAt: string;
  place: string;
  requiresRecording: boolean;
}
export interface Person {
  id: string;
  externalId: string | null;
  caseId: string;
  name: string;
  role: PersonRole;
}
export interface InterrogationSession {
  id: string;
  externalId: string | null;
  caseId: string;
  personId: string | null;
  suspectName: string | null;
  room: string;
  interrogators: string[];
  interrogatorOfficers: Array<{ number: string; name: string | null }>;
  kind: SessionKind;
  declaredStart: string;
  declaredEnd: string | null;
}

export interface CaseSearch {
  scope: CaseListScope;
  caseNumber?: string;
  suspect?: string;
  officer?: string;
  from?: string;
  to?: string;
  status?: CaseStatus;
  kind?: CaseKind;
  unitCode?: string;
  /** Only cases with interrogation recordings nobody has reviewed yet (the reviewer's triage). */
  pendingReview?: boolean;
  limit: number;
  offset: number;
}

/** What a reviewer triages a case by, beside the case itself: who is suspected, what was recorded, what waits. */
export interface CaseTriage {
  suspects: string[];
  sessions: number;
  /** Sessions with no recording linked (a case review cannot complete while one remains). */
  sessionsUnrecorded: number;
  /** Lowest recorded share of a session's declared span among recorded sessions (null: none recorded yet). */
  coverageMin: number | null;
  recordings: number;
  /** Recordings no one has marked reviewed yet (待审阅). */
  recordingsPending: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const trim = (s: string | null) => s?.trim() ?? null;

interface CaseDbRow {
  id: string;
  case_number: string;
  kind: CaseKind;
  title: string;
  status: CaseStatus;
  unit_code: string;
  opened_at: Date;
  closed_at: Date | null;
  review_completed_at: Date | null;
  review_completed_by: string | null;
  review_finding: string | null;
  unit_name?: string | null;
}
const toCase = (r: CaseDbRow): Case => ({
  id: r.id,
  caseNumber: r.case_number,
  kind: r.kind,
  title: r.title,
  status: r.status,
  unitCode: r.unit_code.trim(),
  unitName: r.unit_name ?? null,
  openedAt: r.opened_at.toISOString(),
  closedAt: iso(r.closed_at),
  reviewCompletedAt: iso(r.review_completed_at),
  reviewCompletedBy: r.review_completed_by,
  reviewFinding: r.review_finding,
});

interface IncidentDbRow {
  id: string;
  case_id: string | null;
  case_number: string | null;
  unit_code: string;
  officer_numbers: string[];
  started_at: Date;
  ended_at: Date;
  place: string;
  requires_recording: boolean;
}
export const toIncident = (r: IncidentDbRow): Incident => ({
  id: r.id,
  caseId: r.case_id,
  caseNumber: r.case_number ?? null,
  unitCode: r.unit_code.trim(),
  officerNumbers: r.officer_numbers,
  startedAt: r.started_at.toISOString(),
  endedAt: r.ended_at.toISOString(),
  place: r.place,
  requiresRecording: r.requires_recording,
});

interface PersonDbRow {
  id: string;
  external_id: string | null;
  case_id: string;
  name: string;
  role: PersonRole;
}
const toPerson = (r: PersonDbRow): Person => ({ id: r.id, externalId: r.external_id, caseId: r.case_id, name: r.name, role: r.role });

interface SessionDbRow {
  id: string;
  external_id: string | null;
  case_id: string;
  person_id: string | null;
  suspect_name: string | null;
  room: string;
  interrogators: string[];
  interrogator_names: Array<string | null> | null;
  kind: SessionKind;
  declared_start: Date;
  declared_end: Date | null;
}
const toSession = (r: SessionDbRow): InterrogationSession => ({
  id: r.id,
  externalId: r.external_id,
  caseId: r.case_id,
  personId: r.person_id,
  suspectName: r.suspect_name ?? null,
  room: r.room,
  interrogators: r.interrogators,
  // People by name: each officer number with the name the case system gave it (null for one never imported).
  interrogatorOfficers: r.interrogators.map((number, i) => ({ number, name: r.interrogator_names?.[i] ?? null })),
  kind: r.kind,
  declaredStart: r.declared_start.toISOString(),
  declaredEnd: iso(r.declared_end),
});

const INCIDENT_SELECT = 'select i.*, c.case_number from incidents i left join cases c on c.id = i.case_id';
const SESSION_SELECT = `select s.*, p.name as suspect_name,
  (select array_agg(o.name order by n.ord) from unnest(s.interrogators) with ordinality as n(number, ord)
     left join officers o on o.number = n.number) as interrogator_names
  from interrogation_sessions s left join persons p on p.id = s.person_id`;

/** `ilike` pattern matching `text` anywhere, with the user's % and _ taken literally. */
const contains = (text: string | undefined) => (text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null);

/** The case system's model: upserts keyed on natural keys (for imports), reads and the scoped case search. */
export class CasesRepository {
  constructor(private readonly sql: Sql) {}

  private async outcome(rows: Array<{ inserted: boolean }>): Promise<UpsertOutcome> {
    return rows[0] ? (rows[0].inserted ? 'created' : 'updated') : 'unchanged';
  }

  // ---- upserts (natural keys) ----

  /** Name only; parents are set by setUnitParent once every unit of a batch exists. */
  async upsertUnit(u: UnitRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into units (code, name) values ($1, $2)
         on conflict (code) do update set name = excluded.name where units.name is distinct from excluded.name
         returning (xmax = 0) as inserted`,
        [u.code, u.name],
      ),
    );
  }

  async setUnitParent(code: string, parentCode: string | null): Promise<boolean> {
    const rows = await this.sql.query('update units set parent_code = $2 where code = $1 and parent_code is distinct from $2 returning code', [code, parentCode]);
    return rows.length === 1;
  }

  async upsertOfficer(o: OfficerRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into officers (number, name, unit_code) values ($1, $2, $3)
         on conflict (number) do update set name = excluded.name, unit_code = excluded.unit_code
           where (officers.name, officers.unit_code) is distinct from (excluded.name, excluded.unit_code)
         returning (xmax = 0) as inserted`,
        [o.number, o.name, o.unitCode],
      ),
    );
  }

  /**
   * The case system owns number, kind, title, unit and open/closed; the review states (under_review,
   * review_completed) belong to this platform, so importing "open" again never undoes a review.
   */
  async upsertCase(id: string, c: CaseRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into cases (id, case_number, kind, title, status, unit_code, opened_at, closed_at)
         values ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8)
         on conflict (case_number) do update set
           kind = excluded.kind, title = excluded.title, unit_code = excluded.unit_code, closed_at = excluded.closed_at,
           opened_at = coalesce($7::timestamptz, cases.opened_at),
           status = case when excluded.status = 'open' and cases.status in ('under_review', 'review_completed') then cases.status else excluded.status end
         where (cases.kind, cases.title, cases.unit_code, cases.closed_at) is distinct from (excluded.kind, excluded.title, excluded.unit_code, excluded.closed_at)
            or ($7::timestamptz is not null and cases.opened_at is distinct from $7::timestamptz)
            or (excluded.status = 'closed' and cases.status <> 'closed')
            or (excluded.status = 'open' and cases.status = 'closed')
         returning (xmax = 0) as inserted`,
        [id, c.caseNumber, c.kind, c.title, c.status, c.unitCode, c.openedAt, c.closedAt],
      ),
    );
  }

  async upsertIncident(i: IncidentRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into incidents (id, case_id, unit_code, officer_numbers, started_at, ended_at, place, requires_recording)
         values ($1, (select id from cases where case_number = $2), $3, $4, $5, $6, $7, $8)
         on conflict (id) do update set
           case_id = excluded.case_id, unit_code = excluded.unit_code, officer_numbers = excluded.officer_numbers,
           started_at = excluded.started_at, ended_at = excluded.ended_at, place = excluded.place, requires_recording = excluded.requires_recording
         where (incidents.case_id, incidents.unit_code, incidents.officer_numbers, incidents.started_at, incidents.ended_at, incidents.place, incidents.requires_recording)
           is distinct from (excluded.case_id, excluded.unit_code, excluded.officer_numbers, excluded.started_at, excluded.ended_at, excluded.place, excluded.requires_recording)
         returning (xmax = 0) as inserted`,
        [i.id, i.caseNumber, i.unitCode, i.officerNumbers, i.startedAt, i.endedAt, i.place, i.requiresRecording],
      ),
    );
  }

  async upsertPerson(id: string, p: PersonRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into persons (id, external_id, case_id, name, role) values ($1, $2, (select id from cases where case_number = $3), $4, $5)
         on conflict (external_id) where external_id is not null do update set case_id = excluded.case_id, name = excluded.name, role = excluded.role
           where (persons.case_id, persons.name, persons.role) is distinct from (excluded.case_id, excluded.name, excluded.role)
         returning (xmax = 0) as inserted`,
        [id, p.externalId, p.caseNumber, p.name, p.role],
      ),
    );
  }

  async upsertSession(id: string, s: SessionRow): Promise<UpsertOutcome> {
    return this.outcome(
      await this.sql.query<{ inserted: boolean }>(
        `insert into interrogation_sessions (id, external_id, case_id, person_id, room, interrogators, kind, declared_start, declared_end)
         values ($1, $2, (select id from cases where case_number = $3), (select id from persons where external_id = $4), $5, $6, $7, $8, $9)
         on conflict (external_id) where external_id is not null do update set
           case_id = excluded.case_id, person_id = excluded.person_id, room = excluded.room, interrogators = excluded.interrogators,
           kind = excluded.kind, declared_start = excluded.declared_start, declared_end = excluded.declared_end
         where (interrogation_sessions.case_id, interrogation_sessions.person_id, interrogation_sessions.room, interrogation_sessions.interrogators,
                interrogation_sessions.kind, interrogation_sessions.declared_start, interrogation_sessions.declared_end)
           is distinct from (excluded.case_id, excluded.person_id, excluded.room, excluded.interrogators, excluded.kind, excluded.declared_start, excluded.declared_end)
         returning (xmax = 0) as inserted`,
        [id, s.externalId, s.caseNumber, s.suspectExternalId, s.room, s.interrogators, s.kind, s.declaredStart, s.declaredEnd],
      ),
    );
  }

  // ---- existence of referenced keys (for import checks) ----

  async existingUnitCodes(codes: string[]): Promise<Set<string>> {
    if (!codes.length) return new Set();
    const rows = await this.sql.query<{ code: string }>('select code from units where code = any($1::bpchar[])', [codes]);
    return new Set(rows.map((r) => r.code.trim()));
  }

  async existingCaseNumbers(numbers: string[]): Promise<Set<string>> {
    if (!numbers.length) return new Set();
    const rows = await this.sql.query<{ case_number: string }>('select case_number from cases where case_number = any($1::text[])', [numbers]);
    return new Set(rows.map((r) => r.case_number));
  }

  async personCases(externalIds: string[]): Promise<Map<string, string>> {
    if (!externalIds.length) return new Map();
    const rows = await this.sql.query<{ external_id: string; case_number: string }>(
      'select p.external_id, c.case_number from persons p join cases c on c.id = p.case_id where p.external_id = any($1::text[])',
      [externalIds],
    );
    return new Map(rows.map((r) => [r.external_id, r.case_number]));
  }

  // ---- reads ----

  async listUnits(): Promise<Unit[]> {
    const rows = await this.sql.query<{ code: string; name: string; parent_code: string | null }>('select * from units order by code');
    return rows.map((r) => ({ code: r.code.trim(), name: r.name, parentCode: trim(r.parent_code) }));
  }

  async findUnit(code: string): Promise<Unit | null> {
    const rows = await this.sql.query<{ code: string; name: string; parent_code: string | null }>('select * from units where code = $1', [code]);
    return rows[0] ? { code: rows[0].code.trim(), name: rows[0].name, parentCode: trim(rows[0].parent_code) } : null;
  }

  async officerExists(number: string): Promise<boolean> {
    return (await this.sql.query('select 1 from officers where number = $1', [number])).length > 0;
  }

  async listOfficers(opts: { unitCode?: string; limit: number; offset: number }): Promise<Officer[]> {
    const rows = await this.sql.query<{ number: string; name: string; unit_code: string }>(
      'select * from officers where ($1::text is null or unit_code = $1) order by number limit $2 offset $3',
      [opts.unitCode ?? null, opts.limit, opts.offset],
    );
    return rows.map((r) => ({ number: r.number.trim(), name: r.name, unitCode: r.unit_code.trim() }));
  }

  async findOfficer(number: string): Promise<Officer | null> {
    const rows = await this.sql.query<{ number: string; name: string; unit_code: string }>('select * from officers where number = $1', [number]);
    return rows[0] ? { number: rows[0].number.trim(), name: rows[0].name, unitCode: rows[0].unit_code.trim() } : null;
  }

  async findCase(id: string): Promise<Case | null> {
    const rows = await this.sql.query<CaseDbRow>('select c.*, u.name as unit_name from cases c left join units u on u.code = c.unit_code where c.id = $1', [id]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  async findCaseForUpdate(id: string): Promise<Case | null> {
    const rows = await this.sql.query<CaseDbRow>('select * from cases where id = $1 for update', [id]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  async findCaseByNumber(caseNumber: string): Promise<Case | null> {
    const rows = await this.sql.query<CaseDbRow>('select * from cases where case_number = $1', [caseNumber]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  /** Title, unit, open/closed; like an import, "open" never undoes a review state (only the review routes set those). */
  async updateCase(id: string, patch: { title?: string; status?: 'open' | 'closed'; unitCode?: string }): Promise<Case | null> {
    const rows = await this.sql.query<CaseDbRow>(
      `update cases set title = coalesce($2, title), unit_code = coalesce($3, unit_code),
              status = case when $4::text = 'open' and status in ('under_review', 'review_completed') then status else coalesce($4, status) end,
              closed_at = case when $4::text = 'closed' and status <> 'closed' then now() when $4::text = 'open' and status = 'closed' then null else closed_at end
        where id = $1 returning *`,
      [id, patch.title ?? null, patch.unitCode ?? null, patch.status ?? null],
    );
    return rows[0] ? toCase(rows[0]) : null;
  }

  /**
   * Cases in the caller's scope matching every given filter, newest first, with the total for paging; each with its
   * unit's name and the triage figures. Recordings to review are those src/domain/case-review.ts asks for: media
   * live-linked to a session, except the recorder's short segments and joins a later join replaced.
   */
  async search(q: CaseSearch): Promise<{ items: (Case & CaseTriage)[]; total: number }> {
    const scope = q.scope;
    const rows = await this.sql.query<CaseDbRow & { total: number; suspects: string[] | null; sessions: number; sessions_unrecorded: number; coverage_min: number | null; recordings: number; recordings_pending: number }>(
      `with found as (
         select c.*, (count(*) over ())::int as total from cases c
          where ($1::boolean or c.unit_code = $2::bpchar or c.id = any($3::uuid[]))
            and ($4::text is null or c.case_number ilike $4)
            and ($5::text is null or exists (select 1 from persons p where p.case_id = c.id and p.name ilike $5))
            and ($6::text is null
                 or exists (select 1 from incidents i where i.case_id = c.id and i.officer_numbers @> array[$6::text])
                 or exists (select 1 from interrogation_sessions s where s.case_id = c.id and s.interrogators @> array[$6::text]))
            and ($7::timestamptz is null or c.opened_at >= $7)
            and ($8::timestamptz is null or c.opened_at < $8)
            and ($9::text is null or c.status = $9)
            and ($10::text is null or c.kind = $10)
            and ($11::text is null or c.unit_code = $11::bpchar)
            and (not $14::boolean or exists (
                  select 1 from interrogation_sessions s
                    join media_links l on l.session_id = s.id and l.removed_at is null
                   where s.case_id = c.id
                     and not exists (select 1 from recording_segments g where g.media_id = l.media_id)
                     and not exists (select 1 from recording_joins j where j.media_id = l.media_id and j.superseded_at is not null)
                     and not exists (select 1 from recording_reviews rr where rr.session_id = s.id and rr.media_id = l.media_id)))
          order by c.opened_at desc, c.case_number
          limit $12 offset $13)
       select f.*, u.name as unit_name,
              (select array_agg(p.name order by p.name) from persons p where p.case_id = f.id and p.role = 'suspect') as suspects,
              (select count(*)::int from interrogation_sessions s where s.case_id = f.id) as sessions,
              (select count(*)::int from interrogation_sessions s where s.case_id = f.id
                  and not exists (select 1 from media_links l where l.session_id = s.id and l.removed_at is null)) as sessions_unrecorded,
              (select min(r.coverage) from interrogation_sessions s join session_recordings r on r.session_id = s.id where s.case_id = f.id) as coverage_min,
              coalesce(rec.total, 0) as recordings, coalesce(rec.pending, 0) as recordings_pending
         from found f
         left join units u on u.code = f.unit_code
         left join lateral (
           select count(*)::int as total,
                  (count(*) filter (where not exists (select 1 from recording_reviews rr where rr.session_id = l.session_id and rr.media_id = l.media_id)))::int as pending
             from interrogation_sessions s
             join media_links l on l.session_id = s.id and l.removed_at is null
            where s.case_id = f.id
              and not exists (select 1 from recording_segments g where g.media_id = l.media_id)
              and not exists (select 1 from recording_joins j where j.media_id = l.media_id and j.superseded_at is not null)) rec on true
        order by f.opened_at desc, f.case_number`,
      [
        scope.all,
        scope.all ? null : scope.unitCode,
        scope.all ? [] : scope.caseIds,
        contains(q.caseNumber),
        contains(q.suspect),
        q.officer ?? null,
        q.from ?? null,
        q.to ?? null,
        q.status ?? null,
        q.kind ?? null,
        q.unitCode ?? null,
        q.limit,
        q.offset,
        q.pendingReview ?? false,
      ],
    );
    let total = rows[0]?.total ?? 0;
    if (!rows.length && q.offset > 0) {
      // Past the last page: still tell the caller how many there are.
      total = (await this.search({ ...q, offset: 0, limit: 1 })).total;
    }
    const items = rows.map((r) => ({
      ...toCase(r),
      suspects: r.suspects ?? [],
      sessions: r.sessions,
      sessionsUnrecorded: r.sessions_unrecorded,
      coverageMin: r.coverage_min === null ? null : Number(r.coverage_min),
      recordings: r.recordings,
      recordingsPending: r.recordings_pending,
    }));
    return { items, total };
  }

  async findIncident(id: string): Promise<Incident | null> {
    const rows = await this.sql.query<IncidentDbRow>(`${INCIDENT_SELECT} where i.id = $1`, [id]);
    return rows[0] ? toIncident(rows[0]) : null;
  }

  async incidentsByIds(ids: string[]): Promise<Incident[]> {
    if (!ids.length) return [];
    const rows = await this.sql.query<IncidentDbRow>(`${INCIDENT_SELECT} where i.id = any($1::text[]) order by i.started_at, i.id`, [ids]);
    return rows.map(toIncident);
  }

  async incidentsOfCase(caseId: string): Promise<Incident[]> {
    const rows = await this.sql.query<IncidentDbRow>(`${INCIDENT_SELECT} where i.case_id = $1 order by i.started_at, i.id`, [caseId]);
    return rows.map(toIncident);
  }

  async personsOfCase(caseId: string): Promise<Person[]> {
    return (await this.sql.query<PersonDbRow>('select * from persons where case_id = $1 order by name, id', [caseId])).map(toPerson);
  }

  async findPersonByExternalId(externalId: string): Promise<Person | null> {
    const rows = await this.sql.query<PersonDbRow>('select * from persons where external_id = $1', [externalId]);
    return rows[0] ? toPerson(rows[0]) : null;
  }

  async findSession(id: string): Promise<InterrogationSession | null> {
    const rows = await this.sql.query<SessionDbRow>(`${SESSION_SELECT} where s.id = $1`, [id]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async findSessionByExternalId(externalId: string): Promise<InterrogationSession | null> {
    const rows = await this.sql.query<SessionDbRow>(`${SESSION_SELECT} where s.external_id = $1`, [externalId]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async sessionsOfCase(caseId: string): Promise<InterrogationSession[]> {
    const rows = await this.sql.query<SessionDbRow>(`${SESSION_SELECT} where s.case_id = $1 order by s.declared_start, s.id`, [caseId]);
    return rows.map(toSession);
  }
}
