import createError from '@fastify/error';

/**
 * Every error the service reports, defined once: a stable code, an HTTP status and a message a person can act on.
 * Codes are part of the API contract (docks and UIs branch on them) and never change meaning once shipped.
 * Messages may use %s placeholders, filled from the constructor arguments.
 */
export const Errors = {
  // authentication and authorisation
  UNAUTHENTICATED: createError('EVM_UNAUTHENTICATED', 'Missing or invalid credentials: send "Authorization: Bearer <token>"', 401),
  FORBIDDEN: createError('EVM_FORBIDDEN', 'Not allowed: %s', 403),
  UNKNOWN_DEVICE: createError('EVM_UNKNOWN_DEVICE', 'Device serial "%s" is not registered; an admin must register it first', 403),

  // request validation
  VALIDATION: createError('EVM_VALIDATION', '%s', 400),
  MISSING_SHA256: createError('EVM_MISSING_SHA256', 'Upload-Metadata must carry "sha256": the hex SHA-256 of the file as the dock computed it', 400),
  BAD_METADATA: createError('EVM_BAD_METADATA', 'Upload-Metadata field "%s" is invalid: %s', 400),
  METADATA_TOO_LARGE: createError('EVM_METADATA_TOO_LARGE', 'Upload-Metadata is %s bytes; the limit is %s bytes', 400),
  UPLOAD_TOO_LARGE: createError('EVM_UPLOAD_TOO_LARGE', 'Upload-Length %s exceeds the maximum of %s bytes', 413),
  DUPLICATE_SERIAL: createError('EVM_DUPLICATE_SERIAL', 'A device with serial "%s" is already registered', 409),
  DUPLICATE_USERNAME: createError('EVM_DUPLICATE_USERNAME', 'A user named "%s" already exists', 409),
  ALREADY_DECIDED: createError('EVM_ALREADY_DECIDED', 'Request %s has already been decided', 409),

  INTERNAL: createError('EVM_INTERNAL', 'Internal error; the request was not completed (see the server log, request id %s)', 500),

  // lookups
  NOT_FOUND: createError('EVM_NOT_FOUND', '%s not found', 404),
  RANGE_NOT_SATISFIABLE: createError('EVM_RANGE_NOT_SATISFIABLE', 'Range %s cannot be satisfied for an object of %s bytes', 416),

  // storage
  STORAGE_FULL: createError('EVM_STORAGE_FULL', 'Storage is full (%s bytes free, %s needed); nothing was deleted to make room', 507),
  STORAGE_UNAVAILABLE: createError('EVM_STORAGE_UNAVAILABLE', 'Object storage is unavailable: %s', 503),

  // integrity: recorded on media rows as well as returned by the API
  HASH_MISMATCH: createError('EVM_HASH_MISMATCH', 'SHA-256 of the stored bytes (%s) differs from the declared value (%s)', 422),
  SM3_MISMATCH: createError('EVM_SM3_MISMATCH', 'SM3 of the stored bytes (%s) differs from the declared value (%s)', 422),
  SIZE_MISMATCH: createError('EVM_SIZE_MISMATCH', 'Stored object is %s bytes; %s were received', 422),

  // media processing: recorded on media rows when the pipeline gives up; the original stays stored and verified
  MEDIA_EMPTY: createError('EVM_MEDIA_EMPTY', 'The file is empty (0 bytes): nothing to play', 422),
  MEDIA_UNREADABLE: createError('EVM_MEDIA_UNREADABLE', 'The file is not a readable audio/video container: %s', 422),
  MEDIA_TRUNCATED: createError('EVM_MEDIA_TRUNCATED', 'The file is truncated or damaged: %s', 422),
  MEDIA_NO_VIDEO: createError('EVM_MEDIA_NO_VIDEO', 'The file has no video stream (audio only): no picture proxy or thumbnails can be made', 422),
  FFMPEG_TIMEOUT: createError('EVM_FFMPEG_TIMEOUT', 'ffmpeg did not finish within %s ms and was stopped', 500),
  FFMPEG_FAILED: createError('EVM_FFMPEG_FAILED', 'ffmpeg failed (exit %s): %s', 500),
} as const;

export type ErrorName = keyof typeof Errors;

/** The stable code of an error class, e.g. `codeOf('HASH_MISMATCH') === 'EVM_HASH_MISMATCH'`. */
export function codeOf(name: ErrorName): string {
  return new Errors[name]().code;
}

export interface EvmError extends Error {
  code: string;
  statusCode: number;
}

export function isEvmError(err: unknown): err is EvmError {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('EVM_');
}
