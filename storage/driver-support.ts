import { Transform } from 'node:stream';
import type { ByteRange } from './object-store.js';

/** 1 MiB chunks: SHA-256 over Node streams runs about twice as fast as at the 64 KiB default. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/** First key segment the local driver keeps for its temp files; reserved on every driver so keys stay portable. */
export const RESERVED_TMP_SEGMENT = '.tmp';

/**
 * Keys are relative paths of non-empty segments. Rejected rather than normalised: a key that needs cleaning is a
 * bug or an attack upstream, and two spellings of one object would break content addressing. Both drivers apply
 * the same rules so an object can move between them.
 */
export function assertSafeKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new Error('invalid object key: empty');
  const segments = key.split('/');
  const rules: Array<[boolean, string]> = [
    [key.includes('\0'), 'contains NUL'],
    [key.includes('\\'), 'contains a backslash'],
    [key.startsWith('/'), 'is an absolute path'],
    [key.includes('..'), 'contains ".."'],
    [segments.some((s) => s === '' || s === '.'), 'has an empty or "." segment'],
    [segments[0] === RESERVED_TMP_SEGMENT, `uses the reserved "${RESERVED_TMP_SEGMENT}" prefix`],
  ];
  const broken = rules.find(([bad]) => bad);
  if (broken) throw new Error(`invalid object key ${JSON.stringify(key)}: ${broken[1]}`);
}

export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}

/**
 * Passes bytes through, counting them and failing as soon as the count cannot match the declared size. Failing
 * before the end of input means a driver never commits a short or long object.
 */
export class SizeGuard extends Transform {
  bytes = 0;

  constructor(private readonly expected: number | undefined) {
    super({ highWaterMark: STREAM_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    if (this.expected !== undefined && this.bytes > this.expected) return done(sizeMismatch(this.expected, this.bytes));
    done(null, chunk);
  }

  override _flush(done: (err?: Error | null) => void) {
    const short = this.expected !== undefined && this.bytes !== this.expected;
    done(short ? sizeMismatch(this.expected as number, this.bytes) : null);
  }
}

export function sizeMismatch(expected: number, actual: number): Error {
  return new Error(`object size mismatch: expected ${expected} bytes, got ${actual}${actual > expected ? '+' : ''}`);
}

/** Both drivers reject `get` of a missing key with code ENOENT, so callers test one code whichever store they hold. */
export function notFoundError(key: string): Error {
  return Object.assign(new Error(`no object under key ${JSON.stringify(key)}`), { code: 'ENOENT' });
}

/** A range starting at or past the end of the object (HTTP 416). Ends past the end are clamped, as HTTP does. */
export function rangeNotSatisfiableError(key: string, range: ByteRange, size?: number): Error {
  const of = size === undefined ? '' : ` (${size} bytes)`;
  return Object.assign(new RangeError(`range ${range.start}-${range.end} not satisfiable for ${key}${of}`), {
    code: 'ERANGE',
  });
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}
