import { safeFilename } from './filename.js';

/** The media facts a dock declares with an upload (tus Upload-Metadata), validated. */
export interface DeclaredMedia {
  sha256: string;
  sm3: string | null;
  filename: string;
  /** The name as the dock sent it, for the record; never used as a path. */
  originalFilename: string | null;
  deviceSerial: string | null;
  officerId: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  flags: string[];
  caseNumber: string | null;
  /** Vendor keys we do not interpret (file ID, resolution, MD5 ...), kept as sent. */
  vendor: Record<string, string>;
}

export const MEDIA_FLAGS = ['normal', 'event', 'important', 'locked', 'tag', 'restricted'] as const;

export type MetadataProblem =
  | { kind: 'missing-sha256' }
  | { kind: 'invalid'; field: string; reason: string };

const KNOWN = new Set(['filename', 'filetype', 'sha256', 'sm3', 'deviceSerial', 'officerId', 'recordedAt', 'recordedEnd', 'flags', 'caseNumber']);
const HEX64 = /^[0-9a-fA-F]{64}$/;
const IDENT = /^[\p{L}\p{N}._\-]{1,64}$/u;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const CASE_NUMBER = /^[\p{L}\p{N}\-_/()（）〔〕\[\]·.]{1,64}$/u;

/**
 * Metadata as it may be stored for the record: as sent, except NUL, which no PostgreSQL text can hold, becomes
 * U+FFFD so the hostile value is still visible.
 */
export function storableMetadata(meta: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(meta).map(([k, v]) => [k.replace(/\0/g, '\uFFFD'), (v ?? '').replace(/\0/g, '\uFFFD')]));
}

/** Validates tus metadata into DeclaredMedia, or names the first field that is wrong. Pure. */
export function parseUploadMetadata(meta: Record<string, string | null | undefined>): DeclaredMedia | MetadataProblem {
  const get = (k: string) => {
    const v = meta[k];
    return v === undefined || v === null || v === '' ? null : v;
  };
  const sha256 = get('sha256');
  if (!sha256) return { kind: 'missing-sha256' };
  if (!HEX64.test(sha256)) return { kind: 'invalid', field: 'sha256', reason: 'must be 64 hex digits' };
  const sm3 = get('sm3');
  if (sm3 && !HEX64.test(sm3)) return { kind: 'invalid', field: 'sm3', reason: 'must be 64 hex digits' };

  for (const field of ['deviceSerial', 'officerId'] as const) {
    const v = get(field);
    if (v && !IDENT.test(v)) return { kind: 'invalid', field, reason: 'letters, digits, dot, dash or underscore, at most 64' };
  }
  const times: Record<string, string | null> = {};
  for (const field of ['recordedAt', 'recordedEnd'] as const) {
    const v = get(field);
    if (v && (!ISO.test(v) || Number.isNaN(Date.parse(v)))) {
      return { kind: 'invalid', field, reason: 'must be ISO 8601 with a time zone, e.g. 2026-11-23T08:30:00+08:00' };
    }
    times[field] = v ? new Date(v).toISOString() : null;
  }
  if (times.recordedAt && times.recordedEnd && times.recordedEnd < times.recordedAt) {
    return { kind: 'invalid', field: 'recordedEnd', reason: 'is before recordedAt' };
  }
  const flags = (get('flags') ?? '')
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean);
  const unknownFlag = flags.find((f) => !(MEDIA_FLAGS as readonly string[]).includes(f));
  if (unknownFlag) return { kind: 'invalid', field: 'flags', reason: `unknown flag "${unknownFlag}" (allowed: ${MEDIA_FLAGS.join(', ')})` };
  const caseNumber = get('caseNumber');
  if (caseNumber && !CASE_NUMBER.test(caseNumber)) return { kind: 'invalid', field: 'caseNumber', reason: 'at most 64 letters, digits and punctuation' };

  const vendor: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (!KNOWN.has(k) && typeof v === 'string') vendor[k] = v;
  const rawName = get('filename');
  return {
    sha256: sha256.toLowerCase(),
    sm3: sm3 ? sm3.toLowerCase() : null,
    filename: safeFilename(rawName),
    originalFilename: rawName?.replace(/\0/g, '\uFFFD') ?? null,
    deviceSerial: get('deviceSerial'),
    officerId: get('officerId'),
    recordedAt: times.recordedAt ?? null,
    recordedEnd: times.recordedEnd ?? null,
    flags: [...new Set(flags)],
    caseNumber,
    vendor,
  };
}

export function isProblem(r: DeclaredMedia | MetadataProblem): r is MetadataProblem {
  return 'kind' in r;
}
