import { describe, expect, it } from 'vitest';
import { parseEntityCsv } from './case-csv.js';
import { checkBatch, emptyBatch, ROW_ERROR_CODES, validateRow, type ValidBatch } from './case-import.js';

describe('validateRow', () => {
  it('accepts a complete incident and normalises times to UTC', () => {
    const r = validateRow(
      'incidents',
      { id: 'JJ20261123-0001', unitCode: '320100000000', officerNumbers: ['013579', '024680'], startedAt: '2026-11-23T08:00:00+08:00', endedAt: '2026-11-23T09:00:00+08:00' },
      { index: 0 },
    );
    expect(r).toEqual({
      ok: true,
      value: {
        id: 'JJ20261123-0001',
        caseNumber: null,
        unitCode: '320100000000',
        officerNumbers: ['013579', '024680'],
        startedAt: '2026-11-23T00:00:00.000Z',
        endedAt: '2026-11-23T01:00:00.000Z',
        place: '',
        requiresRecording: true,
      },
    });
  });

  it('reports every problem of a row with its field and a stable code', () => {
    const r = validateRow('officers', { number: '12345', name: '', unitCode: '3201', rank: 'x' }, { line: 7 });
    expect(r.ok).toBe(false);
    const errors = (r as { errors: Array<{ field: string; code: string; line: number }> }).errors;
    expect(errors.map((e) => [e.field, e.code, e.line])).toEqual([
      ['rank', ROW_ERROR_CODES.UNKNOWN_FIELD, 7],
      ['number', ROW_ERROR_CODES.BAD_VALUE, 7],
      ['name', ROW_ERROR_CODES.MISSING_FIELD, 7],
      ['unitCode', ROW_ERROR_CODES.BAD_VALUE, 7],
    ]);
  });

  it('refuses zone-less times, reversed intervals and bad enums', () => {
    const bad = (entity: Parameters<typeof validateRow>[0], row: Record<string, unknown>) =>
      (validateRow(entity, row, { index: 0 }) as { errors?: Array<{ field: string }> }).errors?.map((e) => e.field);
    expect(bad('incidents', { id: 'I1', unitCode: '320100000000', officerNumbers: '013579', startedAt: '2026-11-23 08:00', endedAt: '2026-11-23T09:00:00Z' })).toEqual(['startedAt']);
    expect(bad('incidents', { id: 'I1', unitCode: '320100000000', officerNumbers: '013579', startedAt: '2026-11-23T09:00:00Z', endedAt: '2026-11-23T08:00:00Z' })).toEqual(['endedAt']);
    expect(bad('cases', { caseNumber: 'A-1', kind: 'civil', unitCode: '320100000000' })).toEqual(['kind']);
    expect(bad('units', { code: '320100000000', name: 'x', parentCode: '320100000000' })).toEqual(['parentCode']);
  });

  it('reads lists and booleans from CSV cells', () => {
    const r = validateRow('incidents', { id: 'I1', unitCode: '320100000000', officerNumbers: '013579; 024680|013579', startedAt: '2026-11-23T08:00:00Z', endedAt: '2026-11-23T09:00:00Z', requiresRecording: 'no' }, { line: 2 });
    expect(r.ok && r.value.officerNumbers).toEqual(['013579', '024680']);
    expect(r.ok && r.value.requiresRecording).toBe(false);
  });
});

describe('checkBatch', () => {
  const batch = (): ValidBatch => {
    const b = emptyBatch();
    b.units.push({ loc: { index: 0 }, value: { code: '320100000000', name: 'City', parentCode: null } });
    b.cases.push({ loc: { index: 0 }, value: { caseNumber: 'A-1', kind: 'criminal', title: '', status: 'open', unitCode: '320100000000', openedAt: null, closedAt: null } });
    b.persons.push({ loc: { index: 0 }, value: { externalId: 'P1', caseNumber: 'A-1', name: '张三', role: 'suspect' } });
    return b;
  };
  const none = { unitCodes: new Set<string>(), caseNumbers: new Set<string>(), personCases: new Map<string, string>() };

  it('resolves references within the batch or the database', () => {
    const b = batch();
    b.sessions.push({ loc: { index: 0 }, value: { externalId: 'S1', caseNumber: 'A-1', suspectExternalId: 'P1', room: 'R1', interrogators: [], kind: 'interrogation', declaredStart: '2026-11-23T08:00:00.000Z', declaredEnd: null } });
    expect(checkBatch(b, none)).toEqual([]);
    const only = emptyBatch();
    only.officers.push({ loc: { line: 2 }, value: { number: '013579', name: '李四', unitCode: '320100000000' } });
    expect(checkBatch(only, none).map((e) => [e.code, e.line, e.field])).toEqual([[ROW_ERROR_CODES.UNKNOWN_REFERENCE, 2, 'unitCode']]);
    expect(checkBatch(only, { ...none, unitCodes: new Set(['320100000000']) })).toEqual([]);
  });

  it('finds duplicate keys and suspects of another case', () => {
    const b = batch();
    b.cases.push({ loc: { index: 1 }, value: { caseNumber: 'A-1', kind: 'criminal', title: '', status: 'open', unitCode: '320100000000', openedAt: null, closedAt: null } });
    b.sessions.push({ loc: { index: 0 }, value: { externalId: 'S1', caseNumber: 'A-1', suspectExternalId: 'P9', room: 'R1', interrogators: [], kind: 'interrogation', declaredStart: '2026-11-23T08:00:00.000Z', declaredEnd: null } });
    const errors = checkBatch(b, { ...none, personCases: new Map([['P9', 'B-2']]) });
    expect(errors.map((e) => e.code)).toEqual([ROW_ERROR_CODES.DUPLICATE_KEY, ROW_ERROR_CODES.REFERENCE_MISMATCH]);
    expect(errors[0]!.message).toContain('index 0');
  });
});

describe('parseEntityCsv', () => {
  it('maps header names loosely and numbers rows by the line they start on', () => {
    const text = '\ufeffcode,Name,parent_code\r\n320100000000,City,\r\n\r\n320102000000,"District\r\nNorth",320100000000\r\n320103000000,South,320100000000';
    const { rows, errors } = parseEntityCsv('units', text);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 2, raw: { code: '320100000000', name: 'City' } },
      { line: 4, raw: { code: '320102000000', name: 'District\nNorth', parentCode: '320100000000' } },
      { line: 6, raw: { code: '320103000000', name: 'South', parentCode: '320100000000' } },
    ]);
  });

  it('reports unknown and missing columns on line 1', () => {
    const { errors } = parseEntityCsv('officers', 'number,nmae\n013579,x\n');
    expect(errors.map((e) => [e.code, e.line, e.field])).toEqual([
      [ROW_ERROR_CODES.UNKNOWN_COLUMN, 1, 'nmae'],
      [ROW_ERROR_CODES.MISSING_COLUMN, 1, 'name'],
      [ROW_ERROR_CODES.MISSING_COLUMN, 1, 'unitCode'],
    ]);
  });

  it('reports a syntax error with its line', () => {
    const { errors } = parseEntityCsv('officers', 'number,name,unitCode\n013579,x,320100000000\n024680,y,320100000000,extra\n');
    expect(errors).toEqual([expect.objectContaining({ code: ROW_ERROR_CODES.CSV_SYNTAX, line: 3 })]);
    expect(parseEntityCsv('officers', '')).toMatchObject({ errors: [{ code: ROW_ERROR_CODES.MISSING_COLUMN, line: 1 }] });
  });
});
