/**
 * Vendor file-name conventions as configuration: each pattern is a named regular expression whose named groups
 * (serial, officer, start, end, seq) say where the facts sit, plus how the times read and in which UTC offset the
 * camera wrote them. A name parses into partial metadata; the dock's own metadata (sidecar, push inventory) is
 * authoritative and wins over whatever the name says. Pure: no I/O.
 */

export interface FilenamePatternDef {
  /** How a pull source refers to the pattern, e.g. "serial-officer-start-seq". */
  name: string;
  /** JavaScript regular expression source with named groups from FILENAME_GROUPS (any subset, at least one). */
  regex: string;
  /** Match case-insensitively (default true: docks upper-case extensions at will). */
  ignoreCase?: boolean;
  /** How start and end read: tokens YYYY MM DD hh mm ss, anything else literal. Default YYYYMMDDhhmmss. */
  timeFormat?: string;
  /** UTC offset of the camera clock, e.g. "+08:00"; default: the configured offset. */
  utcOffset?: string;
}

export const FILENAME_GROUPS = ['serial', 'officer', 'start', 'end', 'seq'] as const;

export interface CompiledPattern {
  name: string;
  regex: RegExp;
  timeFormat: string;
  utcOffsetMinutes: number | null;
}

/** What a file name told us; every field optional. Times are ISO 8601 UTC. */
export interface NameFacts {
  deviceSerial?: string;
  officerId?: string;
  recordedAt?: string;
  recordedEnd?: string;
  seq?: string;
}

export interface ParsedName {
  pattern: string;
  facts: NameFacts;
}

export const DEFAULT_TIME_FORMAT = 'YYYYMMDDhhmmss';
const EXT = '\\.(?:mp4|mov|avi|mkv|ts|3gp|wav|mp3|aac|m4a|amr|jpe?g|png)';

/** Patterns shipped for common dock vendors. Add more with DOCK_FILENAME_PATTERNS. */
export const BUILTIN_FILENAME_PATTERNS: readonly FilenamePatternDef[] = [
  {
    // BWC-3301-0007_013579_20261123083000_0001.mp4 (optionally _<end> before the sequence number)
    name: 'serial-officer-start-seq',
    regex: `^(?<serial>[A-Za-z0-9][A-Za-z0-9-]{0,62})_(?<officer>\\d{6})_(?<start>\\d{14})(?:_(?<end>\\d{14}))?(?:_(?<seq>\\d{1,6}))?${EXT}$`,
  },
  {
    // 013579@20261123083000@BWC33010007.MP4
    name: 'officer-at-start-at-serial',
    regex: `^(?<officer>\\d{6})@(?<start>\\d{14})@(?<serial>[A-Za-z0-9][A-Za-z0-9-]{0,62})${EXT}$`,
  },
  {
    // ZFJLY_BWC33010007_013579_20261123_083000_20261123_084500.mp4 (执法记录仪 style with separated date and time)
    name: 'zfjly-serial-officer-start-end',
    regex: `^ZFJLY_(?<serial>[A-Za-z0-9][A-Za-z0-9-]{0,62})_(?<officer>\\d{6})_(?<start>\\d{8}_\\d{6})_(?<end>\\d{8}_\\d{6})${EXT}$`,
    timeFormat: 'YYYYMMDD_hhmmss',
  },
];

export class PatternError extends Error {
  override name = 'PatternError';
}

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** "+08:00" → 480; null when malformed or beyond ±14:00. */
export function parseUtcOffset(text: string): number | null {
  const m = OFFSET.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (Number(m[3]) > 59 || minutes > 14 * 60) return null;
  return m[1] === '-' ? -minutes : minutes;
}

/** Validates definitions into matchers; throws PatternError naming the pattern and what is wrong. */
export function compilePatterns(defs: readonly FilenamePatternDef[]): CompiledPattern[] {
  const seen = new Set<string>();
  return defs.map((d) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(d.name ?? '')) throw new PatternError(`pattern name "${d.name}" must be 1-64 letters, digits, dot, dash or underscore`);
    if (seen.has(d.name)) throw new PatternError(`pattern "${d.name}" is defined twice`);
    seen.add(d.name);
    let regex: RegExp;
    try {
      regex = new RegExp(d.regex, d.ignoreCase === false ? 'u' : 'iu');
    } catch (err) {
      throw new PatternError(`pattern "${d.name}": invalid regular expression: ${(err as Error).message}`);
    }
    const groups = [...d.regex.matchAll(/\(\?<([A-Za-z][A-Za-z0-9]*)>/g)].map((m) => m[1]!);
    const unknown = groups.filter((g) => !(FILENAME_GROUPS as readonly string[]).includes(g));
    if (unknown.length) throw new PatternError(`pattern "${d.name}": unknown group(s) ${unknown.join(', ')} (allowed: ${FILENAME_GROUPS.join(', ')})`);
    if (!groups.length) throw new PatternError(`pattern "${d.name}": needs at least one named group (${FILENAME_GROUPS.join(', ')})`);
    const timeFormat = d.timeFormat ?? DEFAULT_TIME_FORMAT;
    if (!['YYYY', 'MM', 'DD', 'hh', 'mm'].every((t) => timeFormat.includes(t))) {
      throw new PatternError(`pattern "${d.name}": timeFormat "${timeFormat}" needs YYYY, MM, DD, hh and mm`);
    }
    let utcOffsetMinutes: number | null = null;
    if (d.utcOffset !== undefined) {
      utcOffsetMinutes = parseUtcOffset(d.utcOffset);
      if (utcOffsetMinutes === null) throw new PatternError(`pattern "${d.name}": utcOffset "${d.utcOffset}" must look like +08:00`);
    }
    return { name: d.name, regex, timeFormat, utcOffsetMinutes };
  });
}

const TOKENS = ['YYYY', 'MM', 'DD', 'hh', 'mm', 'ss'] as const;

/**
 * Reads a device time written in `format` at `offsetMinutes` from UTC into ISO 8601 UTC, or null when it does not
 * fit the format or is not a real calendar time (month 13, 30 February, 24:00 ...).
 */
export function parseDeviceTime(text: string, format: string, offsetMinutes: number): string | null {
  const order: string[] = [];
  let source = '';
  for (let i = 0; i < format.length; ) {
    const token = TOKENS.find((t) => format.startsWith(t, i));
    if (token) {
      order.push(token);
      source += token === 'YYYY' ? '(\\d{4})' : '(\\d{2})';
      i += token.length;
    } else {
      source += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  const m = new RegExp(`^${source}$`).exec(text);
  if (!m) return null;
  const v: Record<string, number> = { YYYY: 0, MM: 0, DD: 0, hh: 0, mm: 0, ss: 0 };
  order.forEach((t, i) => (v[t] = Number(m[i + 1])));
  const { YYYY: y, MM: mo, DD: d, hh: h, mm: mi, ss: s } = v as Record<(typeof TOKENS)[number], number>;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(local).getUTCDate() !== d) return null; // 30 February rolls over: not a real date
  return new Date(local - offsetMinutes * 60_000).toISOString();
}

/**
 * Parses a file name with the first pattern that matches (in the order given). Times that do not read as real
 * times are left out rather than guessed; an end before the start is left out too.
 */
export function parseFilename(name: string, patterns: readonly CompiledPattern[], defaultOffsetMinutes: number): ParsedName | null {
  if (name.length > 255) return null;
  for (const p of patterns) {
    const m = p.regex.exec(name);
    if (!m) continue;
    const g = m.groups ?? {};
    const offset = p.utcOffsetMinutes ?? defaultOffsetMinutes;
    const facts: NameFacts = {};
    if (g.serial) facts.deviceSerial = g.serial;
    if (g.officer) facts.officerId = g.officer;
    if (g.seq) facts.seq = g.seq;
    const start = g.start ? parseDeviceTime(g.start, p.timeFormat, offset) : null;
    const end = g.end ? parseDeviceTime(g.end, p.timeFormat, offset) : null;
    if (start) facts.recordedAt = start;
    if (end && (!start || end >= start)) facts.recordedEnd = end;
    return { pattern: p.name, facts };
  }
  return null;
}

/** The patterns a pull source names, in its order; unknown names are reported, not ignored. */
export function selectPatterns(all: readonly CompiledPattern[], names: readonly string[]): { patterns: CompiledPattern[]; unknown: string[] } {
  if (!names.length) return { patterns: [...all], unknown: [] };
  const byName = new Map(all.map((p) => [p.name, p]));
  return {
    patterns: names.flatMap((n) => (byName.has(n) ? [byName.get(n)!] : [])),
    unknown: names.filter((n) => !byName.has(n)),
  };
}

/**
 * Merges what the name says with what the dock says: per field, the dock's value wins whenever it has one; the
 * name only fills gaps.
 */
export function mergeNameAndDock<T extends Record<string, string | undefined | null>>(fromName: NameFacts, fromDock: T): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fromName)) if (typeof v === 'string' && v !== '') out[k] = v;
  for (const [k, v] of Object.entries(fromDock)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}
