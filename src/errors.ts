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

  // cases, links and review
  IMPORT_INVALID: createError('EVM_IMPORT_INVALID', 'The import has %s invalid row(s) and nothing was imported: fix them (see "errors": line or index, field, code) and send the whole batch again', 422),
  LINK_EXISTS: createError('EVM_LINK_EXISTS', 'Media %s is already linked to %s', 409),
  LINK_REMOVED: createError('EVM_LINK_REMOVED', 'Link %s was already removed (%s); removed links stay as history and cannot be removed twice', 409),
  MEDIA_NOT_LINKABLE: createError('EVM_MEDIA_NOT_LINKABLE', 'Media %s was rejected (its bytes do not match the declared hash): it is kept for inspection, not linked as evidence', 409),
  SUGGESTION_CLOSED: createError('EVM_SUGGESTION_CLOSED', 'Link suggestion %s is already %s', 409),
  SUGGESTION_CHOICE: createError('EVM_SUGGESTION_CHOICE', 'Incident %s is not one of the candidates of this suggestion', 400),
  NOT_SESSION_RECORDING: createError('EVM_NOT_SESSION_RECORDING', 'Media %s is not a recording of interrogation session %s: link it to the session first', 409),
  OFFSET_OUT_OF_RANGE: createError('EVM_OFFSET_OUT_OF_RANGE', 'Offset %s s is beyond the end of the recording (%s s)', 400),
  REVIEW_INCOMPLETE: createError('EVM_REVIEW_INCOMPLETE', 'Case review cannot be completed yet: %s (see "pending")', 409),
  REVIEW_COMPLETED: createError('EVM_REVIEW_COMPLETED', 'The review of case %s was already completed at %s by %s', 409),
  CASE_CLOSED: createError('EVM_CASE_CLOSED', 'Case %s is closed: its review can no longer change', 409),

  // dock adapters and inventory
  NOT_A_DOCK: createError('EVM_NOT_A_DOCK', 'Device %s is not a dock station (kind %s)', 409),
  MD5_MISMATCH: createError('EVM_MD5_MISMATCH', 'MD5 of the received bytes (%s) differs from the value the dock declared (%s)', 422),
  UNKNOWN_FILENAME_PATTERN: createError('EVM_UNKNOWN_FILENAME_PATTERN', 'Unknown file-name pattern(s): %s (configured: %s)', 400),
  DOCK_UNREACHABLE: createError('EVM_DOCK_UNREACHABLE', 'Dock pull source could not be read: %s', 502),
  DOCK_BAD_SIDECAR: createError('EVM_DOCK_BAD_SIDECAR', 'Sidecar metadata of %s is unusable (%s); the file stays on the dock and is retried', 422),
  DOCK_FILE_CHANGED: createError('EVM_DOCK_FILE_CHANGED', 'Dock file %s changed while it was copied (%s bytes listed, %s read); it is copied again later', 409),
  DOCK_UNSAFE_NAME: createError('EVM_DOCK_UNSAFE_NAME', 'Dock file name %s is unsafe (%s); it was not touched', 422),
  DOCK_RELEASE_FAILED: createError('EVM_DOCK_RELEASE_FAILED', 'Could not mark %s deletable on the dock (%s); retried next poll', 502),
  DOCK_CREDENTIALS_LOCKED: createError('EVM_DOCK_CREDENTIALS_LOCKED', 'The pull source password was sealed with DOCK_CREDENTIALS_KEY, which is not configured or differs', 500),

  // custody verification and evidence export
  VERIFICATION_BUSY: createError('EVM_VERIFICATION_BUSY', 'Custody verification run %s is being worked on by another process; try again when its slice ends', 409),
  EXPORT_EMPTY: createError('EVM_EXPORT_EMPTY', 'Nothing to export: %s', 422),
  EXPORT_MEDIA_NOT_EXPORTABLE: createError('EVM_EXPORT_MEDIA_NOT_EXPORTABLE', 'Media %s is %s: only verified originals can be exported', 409),
  EXPORT_NOT_PENDING: createError('EVM_EXPORT_NOT_PENDING', 'Export %s is %s, not awaiting approval', 409),
  EXPORT_SELF_APPROVAL: createError('EVM_EXPORT_SELF_APPROVAL', 'An export cannot be approved or rejected by the person who requested it (%s): another unit head or an admin must decide', 403),
  EXPORT_NOT_READY: createError('EVM_EXPORT_NOT_READY', 'Export %s is %s: download it once it is ready', 409),
  EXPORT_FORMAT_NOT_BUILT: createError('EVM_EXPORT_FORMAT_NOT_BUILT', 'Export %s was not built as %s (built: %s)', 404),
  EXPORT_SOURCE_MISMATCH: createError('EVM_EXPORT_SOURCE_MISMATCH', 'The stored %s hashes to %s, not %s as recorded: the export was stopped; run a custody verification', 422),
  ISO_FAILED: createError('EVM_ISO_FAILED', 'xorriso failed to build the disc image (exit %s): %s', 500),

  // interrogation rooms, cameras and the platform's own recording of sessions
  DUPLICATE_ROOM: createError('EVM_DUPLICATE_ROOM', 'A room named "%s" already exists', 409),
  NOT_A_CAMERA: createError('EVM_NOT_A_CAMERA', 'Device %s is not a camera (kind %s)', 409),
  CAMERA_IN_ROOM: createError('EVM_CAMERA_IN_ROOM', 'Camera %s is already attached to room %s: detach it there first', 409),
  ROOM_NOT_CONFIGURED: createError('EVM_ROOM_NOT_CONFIGURED', 'Room "%s" has no cameras attached: an admin must create the room and attach its cameras (POST /api/v1/rooms, then /api/v1/rooms/{id}/cameras)', 409),
  ROOM_RECORDING: createError('EVM_ROOM_RECORDING', 'Room %s is recording session %s: its cameras cannot change until that recording stops', 409),
  CAMERA_UNREACHABLE: createError('EVM_CAMERA_UNREACHABLE', 'Camera %s did not answer over ONVIF: %s', 502),
  DISCOVERY_DISABLED: createError('EVM_DISCOVERY_DISABLED', 'ONVIF camera discovery is turned off on this server (ONVIF_DISCOVERY=false): attach cameras by their ONVIF URL', 409),
  DISCOVERY_FAILED: createError('EVM_DISCOVERY_FAILED', 'ONVIF discovery could not probe the network: %s', 502),
  RECORDING_ACTIVE: createError('EVM_RECORDING_ACTIVE', 'Session %s is already being recorded (switched on at %s by %s)', 409),
  RECORDING_NOT_ACTIVE: createError('EVM_RECORDING_NOT_ACTIVE', 'Session %s is not being recorded', 409),
  RECORDING_NOT_FINALIZED: createError('EVM_RECORDING_NOT_FINALIZED', 'The recording of session %s is %s: mark it only once it has stopped and its gaps are computed', 409),
  RECORDING_GAPS_UNEXPLAINED: createError('EVM_RECORDING_GAPS_UNEXPLAINED', "Session %s has %s recording gap(s) without a reason: every interruption needs a person's reason before the session can be marked as recorded in full", 409),
  RECORDING_ALREADY_MARKED: createError('EVM_RECORDING_ALREADY_MARKED', 'The recording of session %s was already marked as recorded in full at %s by %s', 409),
  GAP_ALREADY_EXPLAINED: createError('EVM_GAP_ALREADY_EXPLAINED', 'Gap %s already has a reason (given by %s at %s); reasons are kept as given', 409),
  // Operations (admin screens)
  JOB_NOT_FAILED: createError('EVM_JOB_NOT_FAILED', 'Job %s is %s: only a failed job can be retried', 409),
  // retention, legal holds and disposal
  MEDIA_DISPOSED: createError('EVM_MEDIA_DISPOSED', 'Media %s was disposed of (%s): only its tombstone in the custody chain remains', 410),
  RETENTION_DOWNGRADE: createError('EVM_RETENTION_DOWNGRADE', 'Only a unit head or an admin may shorten retention (%s); officers and reviewers may classify unclassified footage or keep it longer', 403),
  HOLD_RELEASED: createError('EVM_HOLD_RELEASED', 'Legal hold %s was already released at %s by %s', 409),
  DISPOSAL_EMPTY: createError('EVM_DISPOSAL_EMPTY', 'Nothing to dispose of: %s', 422),
  DISPOSAL_NOT_ELIGIBLE: createError('EVM_DISPOSAL_NOT_ELIGIBLE', 'Media %s may not be disposed of: %s (see GET /api/v1/retention/media/{id})', 409),
  DISPOSAL_NOT_PENDING: createError('EVM_DISPOSAL_NOT_PENDING', 'Disposal batch %s is %s: it no longer takes approvals', 409),
  DISPOSAL_SAME_APPROVER: createError('EVM_DISPOSAL_SAME_APPROVER', 'Disposal batch %s was already approved by %s: a second, different person must approve it', 409),
  DISPOSAL_NOT_RESTORABLE: createError('EVM_DISPOSAL_NOT_RESTORABLE', 'Media %s in disposal batch %s is %s: only items still pending or in the recycle bin can be restored', 409),
  DISPOSAL_CLOSED: createError('EVM_DISPOSAL_CLOSED', 'Disposal batch %s is %s and can no longer be cancelled', 409),
  // player: watched coverage
  REVIEW_NOT_WATCHED: createError('EVM_REVIEW_NOT_WATCHED', 'Recording %s was watched %s at normal speed or slower; the "recording reviewed" step needs %s (REVIEW_MIN_WATCHED_SHARE) or a written reason for reviewing less (belowShareReason)', 409),
  UPLOAD_LOCKED: createError('EVM_UPLOAD_LOCKED', 'Another request is writing to this upload (%s): retry shortly from the offset HEAD reports', 423),
  // tus protocol errors of the upload routes (src/api/tus-errors.ts), with the status codes tus clients rely on
  TUS_VERSION_REQUIRED: createError('EVM_TUS_VERSION_REQUIRED', 'Send "Tus-Resumable: 1.0.0": uploads speak tus 1.0.0', 412),
  TUS_INVALID_HEADER: createError('EVM_TUS_INVALID_HEADER', 'Invalid tus header(s): %s', 400),
  TUS_OFFSET_REQUIRED: createError('EVM_TUS_OFFSET_REQUIRED', 'A PATCH needs an "Upload-Offset" header: HEAD the upload for the current offset', 403),
  TUS_CONTENT_TYPE_REQUIRED: createError('EVM_TUS_CONTENT_TYPE_REQUIRED', 'A PATCH must be sent as "Content-Type: application/offset+octet-stream"', 403),
  TUS_OFFSET_CONFLICT: createError('EVM_TUS_OFFSET_CONFLICT', 'Upload-Offset does not match the bytes received so far: HEAD the upload and resume from its Upload-Offset', 409),
  TUS_UPLOAD_GONE: createError('EVM_TUS_UPLOAD_GONE', 'The upload no longer exists (expired or terminated): start a new upload', 410),
  TUS_SIZE_EXCEEDED: createError('EVM_TUS_SIZE_EXCEEDED', 'More bytes were sent than the Upload-Length declared', 413),
  TUS_LENGTH_REQUIRED: createError('EVM_TUS_LENGTH_REQUIRED', 'Upload-Length is required (deferred length is not accepted)', 400),
  TUS_INVALID_METADATA: createError('EVM_TUS_INVALID_METADATA', 'Upload-Metadata must be comma-separated "key base64value" pairs with unique, non-empty keys', 400),
  TUS_ALREADY_COMPLETE: createError('EVM_TUS_ALREADY_COMPLETE', 'A completed upload cannot be terminated: it is evidence now', 400),
  TUS_UNSUPPORTED: createError('EVM_TUS_UNSUPPORTED', 'This tus extension is not supported here: %s', 400),
  TUS_PROTOCOL: createError('EVM_TUS_PROTOCOL', 'The upload request was refused: %s', 400),
  // bad input that would reach PostgreSQL as something it cannot hold (src/api/input-guards.ts)
  INPUT_NOT_STORABLE: createError('EVM_INPUT_NOT_STORABLE', 'A value in the request cannot be stored: %s', 400),
  // answered by the HTTP layer before a route sees the request (src/api/input-guards.ts, clientErrorAnswer)
  HTTP_HEADERS_TOO_LARGE: createError('EVM_HTTP_HEADERS_TOO_LARGE', 'The request line and headers are larger than the server accepts: send long values in a JSON body', 431),
  HTTP_TIMEOUT: createError('EVM_HTTP_TIMEOUT', 'The request was not received in time', 408),
  HTTP_MALFORMED: createError('EVM_HTTP_MALFORMED', 'The request is not well-formed HTTP', 400),
  OFFICER_NOT_IMPORTED: createError('EVM_OFFICER_NOT_IMPORTED', 'Officer %s has not been imported from the case system: import the officer (POST /api/v1/import) first', 400),
  // custody hardening (issue 12)
  EXPORT_SOURCE_UNSEALED: createError('EVM_EXPORT_SOURCE_UNSEALED', 'Media %s does not match what its custody chain sealed (%s): the export was refused; run a custody verification', 409),
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
