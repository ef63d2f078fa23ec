import { CsvError, parse } from 'csv-parse/sync';
import { ENTITY_FIELDS, ROW_ERROR_CODES, type ImportEntity, type RowError } from './case-import.js';

/**
 * One CSV file per entity, as exported by a case system: a header line naming the columns (the JSON field names;
 * case, underscores and dashes are ignored, so `unit_code` and `UnitCode` both mean `unitCode`), then one row per
 * record. Lists (incident officers, interrogators) are separated by ";" or "|" inside a cell; an empty cell means
 * the field is absent. A UTF-8 byte-order mark, CRLF line ends and quoted multi-line cells are accepted.
 */
export interface CsvRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  raw: Record<string, string>;
}

const normalize = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

/** Splits the text into rows keyed by field name; header or syntax problems come back as row errors. */
export function parseEntityCsv(entity: ImportEntity, text: string): { rows: CsvRow[]; errors: RowError[] } {
  let records: Array<{ record: string[]; raw: string; info: { lines: number } }>;
  try {
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      return { rows: [], errors: [{ entity, ...(line ? { line } : {}), code: ROW_ERROR_CODES.CSV_SYNTAX, message: err.message }] };
    }
    throw err;
  }
  const [header, ...body] = records;
  if (!header) return { rows: [], errors: [{ entity, line: 1, code: ROW_ERROR_CODES.MISSING_COLUMN, message: 'the file is empty: a header line is required' }] };

  const specs = ENTITY_FIELDS[entity];
  const byNormalized = new Map(specs.map((s) => [normalize(s.name), s.name]));
  const columns: string[] = [];
  const errors: RowError[] = [];
  const headerLine = startLine(header);
  for (const col of header.record) {
    const field = byNormalized.get(normalize(col));
    if (!field) {
      errors.push({ entity, line: headerLine, field: col, code: ROW_ERROR_CODES.UNKNOWN_COLUMN, message: `unknown column "${col}" (known: ${specs.map((s) => s.name).join(', ')})` });
    } else if (columns.includes(field)) {
      errors.push({ entity, line: headerLine, field: col, code: ROW_ERROR_CODES.UNKNOWN_COLUMN, message: `column "${col}" appears twice` });
    }
    columns.push(field ?? col);
  }
  for (const spec of specs) {
    if (spec.required && !columns.includes(spec.name)) {
      errors.push({ entity, line: headerLine, field: spec.name, code: ROW_ERROR_CODES.MISSING_COLUMN, message: `required column "${spec.name}" is missing` });
    }
  }
  if (errors.length) return { rows: [], errors };

  const rows = body.map((r) => {
    const raw: Record<string, string> = {};
    r.record.forEach((cell, i) => {
      const v = cell.trim();
      if (v !== '') raw[columns[i]!] = v;
    });
    return { line: startLine(r), raw };
  });
  return { rows, errors: [] };
}

/** csv-parse counts lines up to the record's last one; step back over newlines inside its quoted cells. */
function startLine(r: { raw: string; info: { lines: number } }): number {
  const content = r.raw.replace(/^\n+/, '').replace(/\n$/, '');
  return r.info.lines - (content.match(/\n/g)?.length ?? 0);
}
