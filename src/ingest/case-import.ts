import { randomUUID } from 'node:crypto';
import {
  checkBatch,
  emptyBatch,
  IMPORT_ENTITIES,
  naturalKey,
  referencedKeys,
  sortErrors,
  validateRow,
  type EntityRows,
  type ImportEntity,
  type Located,
  type RowError,
  type RowLocation,
  type ValidBatch,
} from '../domain/case-import.js';
import type { Db } from '../db/db.js';
import { CasesRepository, type UpsertOutcome } from '../db/repositories/cases-repository.js';
import type { AutoLinker, AutoLinkSummary } from './auto-linker.js';

export type RawRows = Partial<Record<ImportEntity, Array<{ loc: RowLocation; raw: unknown }>>>;

export type EntityCounts = Record<UpsertOutcome, number>;

export type ImportReport =
  | { ok: true; counts: Record<ImportEntity, EntityCounts>; keys: Record<ImportEntity, string[]>; autoLink: AutoLinkSummary }
  | { ok: false; errorCount: number; errors: RowError[] };

/** At most this many row errors are returned; `errorCount` tells the whole number. */
export const MAX_REPORTED_ERRORS = 1000;

/**
 * Imports the case system's data, all or nothing: every row is validated and every reference resolved first, and
 * if any row is wrong nothing is written and every problem is reported (line or index, field, stable code). A
 * clean batch is upserted on natural keys in one transaction, so sending the same data again changes nothing.
 * Afterwards footage already stored is matched against the incidents and cases that arrived or changed: an
 * incident imported after its footage still links.
 */
export class CaseImporter {
  constructor(private readonly deps: { db: Db; autoLinker: AutoLinker }) {}

  async run(input: RawRows, preErrors: RowError[] = []): Promise<ImportReport> {
    const batch = emptyBatch();
    const errors: RowError[] = [...preErrors];
    for (const entity of IMPORT_ENTITIES) {
      for (const { loc, raw } of input[entity] ?? []) {
        const r = validateRow(entity, raw, loc);
        if (r.ok) (batch[entity] as Array<Located<EntityRows[typeof entity]>>).push({ loc, value: r.value });
        else errors.push(...r.errors);
      }
    }
    const refs = referencedKeys(batch);
    const cases = new CasesRepository(this.deps.db);
    const [unitCodes, caseNumbers, personCases] = await Promise.all([
      cases.existingUnitCodes(refs.unitCodes),
      cases.existingCaseNumbers(refs.caseNumbers),
      cases.personCases(refs.personIds),
    ]);
    errors.push(...checkBatch(batch, { unitCodes, caseNumbers, personCases }));
    if (errors.length) return { ok: false, errorCount: errors.length, errors: sortErrors(errors).slice(0, MAX_REPORTED_ERRORS) };

    const { counts, changedIncidents, changedCases } = await this.deps.db.transaction((tx) => write(new CasesRepository(tx), batch));

    const incidents = await cases.incidentsByIds(changedIncidents);
    const linker = this.deps.autoLinker;
    const mediaIds = [...(await linker.mediaForIncidents(incidents)), ...(await linker.mediaForCases(changedCases))];
    const autoLink = await linker.linkAll(mediaIds);
    const keys = Object.fromEntries(
      IMPORT_ENTITIES.map((e) => [e, (batch[e] as Array<Located<EntityRows[typeof e]>>).map((r) => naturalKey(e, r.value))]),
    ) as Record<ImportEntity, string[]>;
    return { ok: true, counts, keys, autoLink };
  }
}

async function write(repo: CasesRepository, b: ValidBatch) {
  const zero = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0 });
  const counts = Object.fromEntries(IMPORT_ENTITIES.map((e) => [e, zero()])) as Record<ImportEntity, EntityCounts>;
  const changedIncidents: string[] = [];
  const changedCases: string[] = [];

  // Units in two passes, so a parent may come after its children in the file.
  const unitOutcomes = new Map<string, UpsertOutcome>();
  for (const { value } of b.units) unitOutcomes.set(value.code, await repo.upsertUnit(value));
  for (const { value } of b.units) {
    const parentChanged = await repo.setUnitParent(value.code, value.parentCode);
    const o = unitOutcomes.get(value.code)!;
    counts.units[o === 'unchanged' && parentChanged ? 'updated' : o]++;
  }
  for (const { value } of b.officers) counts.officers[await repo.upsertOfficer(value)]++;
  for (const { value } of b.cases) {
    const o = await repo.upsertCase(randomUUID(), value);
    counts.cases[o]++;
    if (o !== 'unchanged') changedCases.push(value.caseNumber);
  }
  for (const { value } of b.incidents) {
    const o = await repo.upsertIncident(value);
    counts.incidents[o]++;
    if (o !== 'unchanged') changedIncidents.push(value.id);
  }
  for (const { value } of b.persons) counts.persons[await repo.upsertPerson(randomUUID(), value)]++;
  for (const { value } of b.sessions) counts.sessions[await repo.upsertSession(randomUUID(), value)]++;
  return { counts, changedIncidents, changedCases };
}
