/**
 * Rows imported from the case system (by JSON or CSV): units, officers, cases, 110 incidents, persons and
 * interrogation sessions. Each entity has a natural key, so importing the same data again updates in place.
 * Validation is pure and reports every problem with where it is (CSV line or JSON index), which field, and a
 * stable code; the import service then checks references against the database and imports all or nothing.
 */

export const IMPORT_ENTITIES = ['units', 'officers', 'cases', 'incidents', 'persons', 'sessions'] as const;
export type ImportEntity = (typeof IMPORT_ENTITIES)[number];

/** Stable codes of row-level problems; part of the API contract like the codes in src/errors.ts. */
export const ROW_ERROR_CODES = {
  MISSING_FIELD: 'EVM_ROW_MISSING_FIELD',
  BAD_VALUE: 'EVM_ROW_BAD_VALUE',
  UNKNOWN_FIELD: 'EVM_ROW_UNKNOWN_FIELD',
  DUPLICATE_KEY: 'EVM_ROW_DUPLICATE_KEY',
  UNKNOWN_REFERENCE: 'EVM_ROW_UNKNOWN_REFERENCE',
  REFERENCE_MISMATCH: 'EVM_ROW_REFERENCE_MISMATCH',
  CSV_SYNTAX: 'EVM_ROW_CSV_SYNTAX',
  MISSING_COLUMN: 'EVM_ROW_MISSING_COLUMN',
  UNKNOWN_COLUMN: 'EVM_ROW_UNKNOWN_COLUMN',
} as const;
export type RowErrorCode = (typeof ROW_ERROR_CODES)[keyof typeof ROW_ERROR_CODES];

/** Where a row came from: a CSV line (1-based, the header is line 1) or a JSON array index (0-based). */
export type RowLocation = { line: number } | { index: number };

export interface RowError {
  entity: ImportEntity;
  line?: number;
  index?: number;
  field?: string;
  /** The row's natural key, when it could be read. */
  key?: string;
  code: RowErrorCode;
  message: string;
}

export interface UnitRow {
  code: string;
  name: string;
  parentCode: string | null;
}
export interface OfficerRow {
  number: string;
  name: string;
  unitCode: string;
}
export type CaseKind = 'administrative' | 'criminal';
export interface CaseRow {
  caseNumber: string;
  kind: CaseKind;
  title: string;
  /** The case system says open or closed; review states belong to this platform and an import never undoes them. */
  status: 'open' | 'closed';
  unitCode: string;
  openedAt: string | null;
  closedAt: string | null;
}
export interface IncidentRow {
  id: string;
  caseNumber: string | null;
  unitCode: string;
  officerNumbers: string[];
  startedAt: string;
  endedAt: string;
  place: string;
  requiresRecording: boolean;
}
export type PersonRole = 'suspect' | 'witness' | 'victim' | 'other';
export interface PersonRow {
  externalId: string;
  caseNumber: string;
  name: string;
  role: PersonRole;
}
export type SessionKind = 'interrogation' | 'questioning';
export interface SessionRow {
  externalId: string;
  caseNumber: string;
  suspectExternalId: string | null;
  room: string;
  interrogators: string[];
  kind: SessionKind;
  declaredStart: string;
  declaredEnd: string | null;
}

export interface EntityRows {
  units: UnitRow;
  officers: OfficerRow;
  cases: CaseRow;
  incidents: IncidentRow;
  persons: PersonRow;
  sessions: SessionRow;
}

export type Located<T> = { loc: RowLocation; value: T };
export type ValidBatch = { [E in ImportEntity]: Array<Located<EntityRows[E]>> };

type FieldType =
  | 'text'
  | 'unitCode'
  | 'officerNumber'
  | 'ident'
  | 'caseNumber'
  | 'datetime'
  | 'bool'
  | 'officerList'
  | { enum: readonly string[] };

export interface FieldSpec {
  name: string;
  type: FieldType;
  required?: boolean;
  /** Maximum length of text. */
  max?: number;
}

const UNIT_CODE = /^\d{12}$/;
const OFFICER_NUMBER = /^\d{6}$/;
const IDENT = /^[\p{L}\p{N}._:\-]{1,64}$/u;
// Case numbers such as 京公(刑)立字〔2026〕123号 or A3201-2026-000123.
const CASE_NUMBER = /^[\p{L}\p{N}\-_/()（）〔〕[\]·.]{1,64}$/u;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Field lists per entity, in CSV column order; the first field is the natural key. */
export const ENTITY_FIELDS: { [E in ImportEntity]: FieldSpec[] } = {
  units: [
    { name: 'code', type: 'unitCode', required: true },
    { name: 'name', type: 'text', required: true, max: 200 },
    { name: 'parentCode', type: 'unitCode' },
  ],
  officers: [
    { name: 'number', type: 'officerNumber', required: true },
    { name: 'name', type: 'text', required: true, max: 100 },
    { name: 'unitCode', type: 'unitCode', required: true },
  ],
  cases: [
    { name: 'caseNumber', type: 'caseNumber', required: true },
    { name: 'kind', type: { enum: ['administrative', 'criminal'] }, required: true },
    { name: 'title', type: 'text', max: 500 },
    { name: 'status', type: { enum: ['open', 'closed'] } },
    { name: 'unitCode', type: 'unitCode', required: true },
    { name: 'openedAt', type: 'datetime' },
    { name: 'closedAt', type: 'datetime' },
  ],
  incidents: [
    { name: 'id', type: 'ident', required: true },
    { name: 'caseNumber', type: 'caseNumber' },
    { name: 'unitCode', type: 'unitCode', required: true },
    { name: 'officerNumbers', type: 'officerList', required: true },
    { name: 'startedAt', type: 'datetime', required: true },
    { name: 'endedAt', type: 'datetime', required: true },
    { name: 'place', type: 'text', max: 500 },
    { name: 'requiresRecording', type: 'bool' },
  ],
  persons: [
    { name: 'externalId', type: 'ident', required: true },
    { name: 'caseNumber', type: 'caseNumber', required: true },
    { name: 'name', type: 'text', required: true, max: 200 },
    { name: 'role', type: { enum: ['suspect', 'witness', 'victim', 'other'] } },
  ],
  sessions: [
    { name: 'externalId', type: 'ident', required: true },
    { name: 'caseNumber', type: 'caseNumber', required: true },
    { name: 'suspectExternalId', type: 'ident' },
    { name: 'room', type: 'text', required: true, max: 200 },
    { name: 'interrogators', type: 'officerList' },
    { name: 'kind', type: { enum: ['interrogation', 'questioning'] } },
    { name: 'declaredStart', type: 'datetime', required: true },
    { name: 'declaredEnd', type: 'datetime' },
  ],
};

export const keyField = (entity: ImportEntity): string => ENTITY_FIELDS[entity][0]!.name;

const absent = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Parses one field; returns the value or a problem message. */
function parseField(spec: FieldSpec, raw: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const t = spec.type;
  if (t === 'bool') {
    if (typeof raw === 'boolean') return { ok: true, value: raw };
    const s = String(raw).trim().toLowerCase();
    if (['true', '1', 'yes', 'y'].includes(s)) return { ok: true, value: true };
    if (['false', '0', 'no', 'n'].includes(s)) return { ok: true, value: false };
    return { ok: false, message: 'must be true or false' };
  }
  if (t === 'officerList') {
    const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[;|]/) : null;
    if (!items) return { ok: false, message: 'must be a list of 6-digit officer numbers' };
    const list = items.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
    const bad = list.find((x) => typeof x !== 'string' || !OFFICER_NUMBER.test(x));
    if (bad !== undefined) return { ok: false, message: `"${String(bad)}" is not a 6-digit officer number` };
    if (spec.required && list.length === 0) return { ok: false, message: 'needs at least one officer number' };
    return { ok: true, value: [...new Set(list as string[])] };
  }
  if (typeof raw !== 'string') return { ok: false, message: 'must be a string' };
  const s = raw.trim();
  if (typeof t === 'object') {
    return t.enum.includes(s) ? { ok: true, value: s } : { ok: false, message: `must be one of ${t.enum.join(', ')}` };
  }
  switch (t) {
    case 'text':
      return s.length <= (spec.max ?? 1000) ? { ok: true, value: s } : { ok: false, message: `is longer than ${spec.max ?? 1000} characters` };
    case 'unitCode':
      return UNIT_CODE.test(s) ? { ok: true, value: s } : { ok: false, message: 'must be a 12-digit unit code' };
    case 'officerNumber':
      return OFFICER_NUMBER.test(s) ? { ok: true, value: s } : { ok: false, message: 'must be a 6-digit officer number' };
    case 'ident':
      return IDENT.test(s) ? { ok: true, value: s } : { ok: false, message: 'letters, digits, dot, colon, dash or underscore, at most 64' };
    case 'caseNumber':
      return CASE_NUMBER.test(s) ? { ok: true, value: s } : { ok: false, message: 'at most 64 letters, digits and punctuation, no spaces' };
    case 'datetime':
      if (!ISO.test(s) || Number.isNaN(Date.parse(s))) return { ok: false, message: 'must be ISO 8601 with a time zone, e.g. 2026-11-23T08:30:00+08:00' };
      return { ok: true, value: new Date(s).toISOString() };
  }
}

/** Validates one row of an entity: every problem is reported, not only the first. */
export function validateRow<E extends ImportEntity>(
  entity: E,
  raw: unknown,
  loc: RowLocation,
): { ok: true; value: EntityRows[E] } | { ok: false; errors: RowError[] } {
  const at = { entity, ...loc };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ ...at, code: ROW_ERROR_CODES.BAD_VALUE, message: 'each row must be an object' }] };
  }
  const row = raw as Record<string, unknown>;
  const specs = ENTITY_FIELDS[entity];
  const keyRaw = row[specs[0]!.name];
  const key = typeof keyRaw === 'string' && keyRaw.trim() ? keyRaw.trim() : undefined;
  const errors: RowError[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(row)) {
    if (!specs.some((s) => s.name === name)) {
      errors.push({ ...at, key, field: name, code: ROW_ERROR_CODES.UNKNOWN_FIELD, message: `unknown field "${name}" (known: ${specs.map((s) => s.name).join(', ')})` });
    }
  }
  for (const spec of specs) {
    const v = row[spec.name];
    if (absent(v)) {
      if (spec.required) errors.push({ ...at, key, field: spec.name, code: ROW_ERROR_CODES.MISSING_FIELD, message: `${spec.name} is required` });
      out[spec.name] = null;
      continue;
    }
    const parsed = parseField(spec, v);
    if (parsed.ok) out[spec.name] = parsed.value;
    else errors.push({ ...at, key, field: spec.name, code: ROW_ERROR_CODES.BAD_VALUE, message: `${spec.name} ${parsed.message}` });
  }
  if (errors.length === 0) {
    const problem = crossFieldProblem(entity, out);
    if (problem) errors.push({ ...at, key, field: problem.field, code: ROW_ERROR_CODES.BAD_VALUE, message: problem.message });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: withDefaults(entity, out) as EntityRows[E] };
}

function crossFieldProblem(entity: ImportEntity, r: Record<string, unknown>): { field: string; message: string } | null {
  const before = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && b < a;
  if (entity === 'units' && r.parentCode === r.code) return { field: 'parentCode', message: 'parentCode cannot be the unit itself' };
  if (entity === 'incidents' && before(r.startedAt, r.endedAt)) return { field: 'endedAt', message: 'endedAt is before startedAt' };
  if (entity === 'sessions' && before(r.declaredStart, r.declaredEnd)) return { field: 'declaredEnd', message: 'declaredEnd is before declaredStart' };
  if (entity === 'cases' && before(r.openedAt, r.closedAt)) return { field: 'closedAt', message: 'closedAt is before openedAt' };
  return null;
}

function withDefaults(entity: ImportEntity, r: Record<string, unknown>): unknown {
  switch (entity) {
    case 'cases':
      return { ...r, title: r.title ?? '', status: r.status ?? (r.closedAt ? 'closed' : 'open') };
    case 'incidents':
      return { ...r, place: r.place ?? '', requiresRecording: r.requiresRecording ?? true };
    case 'persons':
      return { ...r, role: r.role ?? 'suspect' };
    case 'sessions':
      return { ...r, interrogators: r.interrogators ?? [], kind: r.kind ?? 'interrogation' };
    default:
      return r;
  }
}

/** The natural key of a validated row. */
export function naturalKey<E extends ImportEntity>(entity: E, row: EntityRows[E]): string {
  return String((row as unknown as Record<string, unknown>)[keyField(entity)]);
}

/** What the database already holds, for references the batch itself does not define. */
export interface KnownKeys {
  unitCodes: ReadonlySet<string>;
  caseNumbers: ReadonlySet<string>;
  /** Person external id → its case number. */
  personCases: ReadonlyMap<string, string>;
}

/** The keys a batch refers to, so the service can look up only those. */
export function referencedKeys(b: ValidBatch): { unitCodes: string[]; caseNumbers: string[]; personIds: string[] } {
  const units = new Set<string>();
  const cases = new Set<string>();
  const persons = new Set<string>();
  for (const { value } of b.units) if (value.parentCode) units.add(value.parentCode);
  for (const { value } of b.officers) units.add(value.unitCode);
  for (const { value } of b.cases) units.add(value.unitCode);
  for (const { value } of b.incidents) {
    units.add(value.unitCode);
    if (value.caseNumber) cases.add(value.caseNumber);
  }
  for (const { value } of b.persons) cases.add(value.caseNumber);
  for (const { value } of b.sessions) {
    cases.add(value.caseNumber);
    if (value.suspectExternalId) persons.add(value.suspectExternalId);
  }
  return { unitCodes: [...units], caseNumbers: [...cases], personIds: [...persons] };
}

/**
 * Checks a batch as a whole: no natural key twice within an entity, and every reference resolvable in the batch
 * or in the database. A suspect must be a person of the same case as the session.
 */
export function checkBatch(b: ValidBatch, known: KnownKeys): RowError[] {
  const errors: RowError[] = [];
  for (const entity of IMPORT_ENTITIES) {
    const seen = new Map<string, RowLocation>();
    for (const { loc, value } of b[entity] as Array<Located<EntityRows[typeof entity]>>) {
      const key = naturalKey(entity, value);
      const first = seen.get(key);
      if (first) {
        const where = 'line' in first ? `line ${first.line}` : `index ${first.index}`;
        errors.push({ entity, ...loc, key, field: keyField(entity), code: ROW_ERROR_CODES.DUPLICATE_KEY, message: `${keyField(entity)} "${key}" already appears at ${where}` });
      } else seen.set(key, loc);
    }
  }
  const units = new Set([...known.unitCodes, ...b.units.map((r) => r.value.code)]);
  const cases = new Set([...known.caseNumbers, ...b.cases.map((r) => r.value.caseNumber)]);
  const personCases = new Map(known.personCases);
  for (const { value } of b.persons) personCases.set(value.externalId, value.caseNumber);

  const unknown = (entity: ImportEntity, loc: RowLocation, key: string, field: string, what: string, value: string) =>
    errors.push({ entity, ...loc, key, field, code: ROW_ERROR_CODES.UNKNOWN_REFERENCE, message: `${field} "${value}": no such ${what} (import it first or in the same batch)` });

  for (const { loc, value } of b.units) {
    if (value.parentCode && !units.has(value.parentCode)) unknown('units', loc, value.code, 'parentCode', 'unit', value.parentCode);
  }
  for (const { loc, value } of b.officers) {
    if (!units.has(value.unitCode)) unknown('officers', loc, value.number, 'unitCode', 'unit', value.unitCode);
  }
  for (const { loc, value } of b.cases) {
    if (!units.has(value.unitCode)) unknown('cases', loc, value.caseNumber, 'unitCode', 'unit', value.unitCode);
  }
  for (const { loc, value } of b.incidents) {
    if (!units.has(value.unitCode)) unknown('incidents', loc, value.id, 'unitCode', 'unit', value.unitCode);
    if (value.caseNumber && !cases.has(value.caseNumber)) unknown('incidents', loc, value.id, 'caseNumber', 'case', value.caseNumber);
  }
  for (const { loc, value } of b.persons) {
    if (!cases.has(value.caseNumber)) unknown('persons', loc, value.externalId, 'caseNumber', 'case', value.caseNumber);
  }
  for (const { loc, value } of b.sessions) {
    if (!cases.has(value.caseNumber)) unknown('sessions', loc, value.externalId, 'caseNumber', 'case', value.caseNumber);
    if (value.suspectExternalId) {
      const c = personCases.get(value.suspectExternalId);
      if (c === undefined) unknown('sessions', loc, value.externalId, 'suspectExternalId', 'person', value.suspectExternalId);
      else if (c !== value.caseNumber) {
        errors.push({
          entity: 'sessions',
          ...loc,
          key: value.externalId,
          field: 'suspectExternalId',
          code: ROW_ERROR_CODES.REFERENCE_MISMATCH,
          message: `person "${value.suspectExternalId}" belongs to case ${c}, not ${value.caseNumber}`,
        });
      }
    }
  }
  return errors;
}

export function emptyBatch(): ValidBatch {
  return { units: [], officers: [], cases: [], incidents: [], persons: [], sessions: [] };
}

/** Sorts errors by entity order, then by line or index, for a readable report. */
export function sortErrors(errors: RowError[]): RowError[] {
  const pos = (e: RowError) => e.line ?? e.index ?? 0;
  return [...errors].sort((a, b) => IMPORT_ENTITIES.indexOf(a.entity) - IMPORT_ENTITIES.indexOf(b.entity) || pos(a) - pos(b));
}
