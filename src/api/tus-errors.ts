import type { Server as TusServer } from '@tus/server';
import { ERRORS } from '@tus/utils';
import { Errors, type EvmError } from '../errors.js';
import { recordStorageRefusal } from '../retention/storage-full-alert.js';
import { isNoSpace } from '../runtime/no-space.js';
import { errorBody } from './schemas.js';

/**
 * @tus/server answers protocol errors in plain text ("Tus-Resumable Required", "Upload-Offset conflict"…), some
 * without ever calling onResponseError. The API promises {code, message} for every error, so each tus error gets a
 * stable code here, keeping the status tus clients branch on (409 → HEAD and resume, 412, 460…). Two statuses
 * change on purpose: a lock timeout is 423 (clients retry it) rather than 500, and an unsupported extension is 400
 * rather than 501, because neither is a server fault.
 */
const BY_TUS_BODY = new Map<string, () => EvmError>([
  [ERRORS.MISSING_OFFSET.body, () => new Errors.TUS_OFFSET_REQUIRED()],
  [ERRORS.ABORTED.body, () => new Errors.UPLOAD_LOCKED('the request was aborted for another one on the same upload')],
  [ERRORS.INVALID_TERMINATION.body, () => new Errors.TUS_ALREADY_COMPLETE()],
  [ERRORS.ERR_LOCK_TIMEOUT.body, () => new Errors.UPLOAD_LOCKED('its lock was not released in time')],
  [ERRORS.INVALID_CONTENT_TYPE.body, () => new Errors.TUS_CONTENT_TYPE_REQUIRED()],
  [ERRORS.FILE_NOT_FOUND.body, () => new Errors.NOT_FOUND('upload')],
  [ERRORS.INVALID_OFFSET.body, () => new Errors.TUS_OFFSET_CONFLICT()],
  [ERRORS.FILE_NO_LONGER_EXISTS.body, () => new Errors.TUS_UPLOAD_GONE()],
  [ERRORS.ERR_SIZE_EXCEEDED.body, () => new Errors.TUS_SIZE_EXCEEDED()],
  [ERRORS.ERR_MAX_SIZE_EXCEEDED.body, () => new Errors.UPLOAD_TOO_LARGE('(declared)', '(MAX_UPLOAD_BYTES)')],
  [ERRORS.INVALID_LENGTH.body, () => new Errors.TUS_LENGTH_REQUIRED()],
  [ERRORS.INVALID_METADATA.body, () => new Errors.TUS_INVALID_METADATA()],
  [ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION.body, () => new Errors.TUS_UNSUPPORTED('concatenation (send one upload per file)')],
  [ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION.body, () => new Errors.TUS_UNSUPPORTED('creation-defer-length (send Upload-Length)')],
  [ERRORS.UNSUPPORTED_EXPIRATION_EXTENSION.body, () => new Errors.TUS_UNSUPPORTED('expiration')],
]);

function isErrorJson(body: string): boolean {
  if (!body.startsWith('{')) return false;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    return typeof parsed.code === 'string' && typeof parsed.message === 'string';
  } catch {
    return false;
  }
}

/** The status and JSON body of an error answer tus is about to send (bodies already {code, message} pass through). */
export function tusErrorAnswer(status: number, body: string): { status: number; body: string } {
  if (isErrorJson(body)) return { status, body };
  const known = BY_TUS_BODY.get(body);
  if (known) {
    const err = known();
    return { status: err.statusCode, body: JSON.stringify(errorBody(err)) };
  }
  let err: EvmError;
  if (status === 412) err = new Errors.TUS_VERSION_REQUIRED();
  else if (status === 400 && body.startsWith('Invalid ')) err = new Errors.TUS_INVALID_HEADER(body.slice('Invalid '.length).trim());
  else if (status === 404) err = new Errors.NOT_FOUND('upload');
  else if (status >= 500) err = new Errors.INTERNAL('(see the server log)');
  else err = new Errors.TUS_PROTOCOL(body.trim() || `status ${status}`);
  return { status, body: JSON.stringify(errorBody(err)) };
}

/** A full disk (ENOSPC) or an exhausted quota (EDQUOT) under a write, wherever it sits in the error's causes. */
export function storageFullFrom(err: unknown): EvmError | null {
  if (!isNoSpace(err)) return null;
  recordStorageRefusal(0);
  return new Errors.STORAGE_FULL(0, 'the rest of this upload');
}


/**
 * Makes every error answer of this tus server JSON {code, message} with content-type application/json. tus builds
 * all of its answers through write(), including the ones that never reach onResponseError; headers it set (Tus-Resumable,
 * Upload-Offset, CORS) are kept.
 */
export function answerTusErrorsAsJson(tus: TusServer): void {
  const write = tus.write.bind(tus);
  tus.write = (context, headers, status, body = '') => {
    if (status < 400) return write(context, headers, status, body);
    const answer = tusErrorAnswer(status, body);
    headers.set('Content-Type', 'application/json; charset=utf-8');
    return write(context, headers, answer.status, answer.body);
  };
}
