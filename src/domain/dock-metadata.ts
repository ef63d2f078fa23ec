import { mergeNameAndDock, parseDeviceTime, parseUtcOffset, type NameFacts } from './filename-patterns.js';
import { isProblem, MEDIA_FLAGS, parseUploadMetadata, type DeclaredMedia } from './upload-metadata.js';

/**
 * Metadata a pull dock attaches to a file (a sidecar JSON beside it: same base name + ".json"), normalised into the
 * same key/value shape a tus dock sends as Upload-Metadata, so both kinds of dock are judged by one validator.
 * Pure: no I/O.
 */

export const SIDECAR_MAX_BYTES = 64 * 1024;

/** Vendor spellings of the keys we interpret; the first of each list is ours. */
const ALIASES: Record<string, readonly string[]> = {
  fileId: ['fileId', 'file_id', 'FileID', 'fileID', 'id'],
  deviceSerial: ['deviceSerial', 'device_serial', 'deviceId', 'device_id', 'serial', 'cameraSerial'],
  officerId: ['officerId', 'officer_id', 'policeNo', 'police_no', 'officer'],
  recordedAt: ['recordedAt', 'recorded_at', 'startTime', 'start_time', 'start'],
  recordedEnd: ['recordedEnd', 'recorded_end', 'endTime', 'end_time', 'end'],
  md5: ['md5', 'MD5'],
  sha256: ['sha256', 'SHA256', 'sha-256'],
  sm3: ['sm3', 'SM3'],
  caseNumber: ['caseNumber', 'case_number', 'caseNo', 'case_no'],
  flags: ['flags', 'flag', 'tags'],
  utcOffset: ['utcOffset', 'utc_offset', 'timezone', 'tz'],
};

const FLAG_SYNONYMS: Record<string, string> = { lock: 'locked', mark: 'important', marked: 'important', evt: 'event', 'restrict': 'restricted' };
const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const MAX_VENDOR_KEYS = 50;
const MAX_VENDOR_VALUE = 256;

export type SidecarResult = { ok: true; meta: Record<string, string> } | { ok: false; reason: string };

/**
 * Reads a sidecar into Upload-Metadata-shaped keys. Local times without a zone are read at the sidecar's own
 * utcOffset, else the default. A malformed integrity value is an error (the copy could not be checked); other odd
 * values pass through for the lenient declaration below.
 */
export function parseSidecar(text: string, defaultOffsetMinutes: number): SidecarResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const obj = json as Record<string, unknown>;
  const used = new Set<string>();
  const pick = (key: string): unknown => {
    for (const alias of ALIASES[key]!) {
      if (alias in obj && obj[alias] !== null && obj[alias] !== '') {
        used.add(alias);
        return obj[alias];
      }
    }
    return undefined;
  };
  const meta: Record<string, string> = {};

  for (const [key, re, what] of [['md5', HEX32, '32'], ['sha256', HEX64, '64'], ['sm3', HEX64, '64']] as const) {
    const v = pick(key);
    if (v === undefined) continue;
    if (typeof v !== 'string' || !re.test(v)) return { ok: false, reason: `${key} must be ${what} hex digits` };
    meta[key] = v.toLowerCase();
  }

  const offsetRaw = pick('utcOffset');
  const offset = typeof offsetRaw === 'string' ? parseUtcOffset(offsetRaw) : null;
  if (offsetRaw !== undefined && offset === null) return { ok: false, reason: 'utcOffset must look like +08:00' };
  for (const key of ['recordedAt', 'recordedEnd'] as const) {
    const v = pick(key);
    if (v !== undefined) meta[key] = normaliseTime(v, offset ?? defaultOffsetMinutes);
  }
  for (const key of ['fileId', 'deviceSerial', 'officerId', 'caseNumber'] as const) {
    const v = pick(key);
    if (v !== undefined) meta[key] = scalar(v);
  }
  const flags = pick('flags');
  if (flags !== undefined) {
    const list = (Array.isArray(flags) ? flags.map(scalar) : scalar(flags).split(','))
      .map((f) => f.trim().toLowerCase())
      .filter(Boolean)
      .map((f) => FLAG_SYNONYMS[f] ?? f);
    const known = list.filter((f) => (MEDIA_FLAGS as readonly string[]).includes(f));
    const unknown = list.filter((f) => !(MEDIA_FLAGS as readonly string[]).includes(f));
    if (known.length) meta.flags = [...new Set(known)].join(',');
    if (unknown.length) meta.vendorFlags = unknown.join(',').slice(0, MAX_VENDOR_VALUE);
  }

  // Everything else is kept as the vendor sent it (scalars only, bounded), for the record.
  let extra = 0;
  for (const [k, v] of Object.entries(obj)) {
    if (used.has(k) || v === null || typeof v === 'object' || extra >= MAX_VENDOR_KEYS) continue;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(k) || k in meta) continue;
    meta[k] = scalar(v).slice(0, MAX_VENDOR_VALUE);
    extra++;
  }
  return { ok: true, meta };
}

function scalar(v: unknown): string {
  return (typeof v === 'string' ? v : String(v)).replace(/\0/g, '\uFFFD');
}

/** ISO with zone stays; 14 digits or "YYYY-MM-DD hh:mm:ss" are local at `offset`; epoch numbers are UTC. */
function normaliseTime(v: unknown, offsetMinutes: number): string {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e12 ? v : v * 1000).toISOString();
  const s = scalar(v).trim();
  if (ISO_WITH_ZONE.test(s)) return s;
  return (
    parseDeviceTime(s, 'YYYYMMDDhhmmss', offsetMinutes) ??
    parseDeviceTime(s.replace('T', ' '), 'YYYY-MM-DD hh:mm:ss', offsetMinutes) ??
    s // left as sent: the lenient declaration drops it into vendor as invalid
  );
}

/**
 * Upload-Metadata for one pulled file: the name's facts, overridden field by field by the dock's sidecar; the
 * computed SHA-256 stands in as the declared one only when the dock declared none (nothing to compare then).
 */
export function dockMetadata(o: {
  filename: string;
  fromName: { pattern: string; facts: NameFacts } | null;
  sidecar: Record<string, string> | null;
  computedSha256: string;
}): Record<string, string> {
  const { seq, ...nameFacts } = o.fromName?.facts ?? {};
  const merged = mergeNameAndDock(nameFacts, o.sidecar ?? {});
  if (seq && !merged.seq) merged.seq = seq;
  if (o.fromName) merged.namePattern = o.fromName.pattern;
  return { ...merged, filename: o.filename, sha256: merged.sha256 ?? o.computedSha256 };
}

/**
 * Declares the media the way the tus path would, except that footage is never held back for a descriptive field:
 * a field that does not validate is moved into `vendor` as `invalid.<field>` (kept, visible) and the rest stands.
 * Only an unusable integrity value (sha256, sm3) makes the declaration fail.
 */
export function declareLeniently(meta: Record<string, string>): { declared: DeclaredMedia; dropped: string[] } | { problem: string } {
  const m = { ...meta };
  const dropped: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = parseUploadMetadata(m);
    if (!isProblem(r)) return { declared: r, dropped };
    if (r.kind === 'missing-sha256') return { problem: 'sha256 missing' };
    if (r.field === 'sha256' || r.field === 'sm3' || !(r.field in m)) return { problem: `${r.field}: ${r.reason}` };
    m[`invalid.${r.field}`] = m[r.field]!;
    delete m[r.field];
    dropped.push(r.field);
  }
  return { problem: 'too many invalid fields' };
}
