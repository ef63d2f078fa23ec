import { ERRORS } from '@tus/utils';
import { describe, expect, it } from 'vitest';
import { storageFullFrom, tusErrorAnswer } from './tus-errors.js';

describe('tus error answers', () => {
  it('gives every tus protocol error a stable code, keeping the status tus clients branch on', () => {
    const cases: Array<[number, string, number, string]> = [
      [412, 'Tus-Resumable Required\n', 412, 'EVM_TUS_VERSION_REQUIRED'],
      [400, 'Invalid upload-offset upload-length\n', 400, 'EVM_TUS_INVALID_HEADER'],
      [404, 'Not found\n', 404, 'EVM_NOT_FOUND'],
      [ERRORS.FILE_NOT_FOUND.status_code, ERRORS.FILE_NOT_FOUND.body, 404, 'EVM_NOT_FOUND'],
      [ERRORS.INVALID_OFFSET.status_code, ERRORS.INVALID_OFFSET.body, 409, 'EVM_TUS_OFFSET_CONFLICT'],
      [ERRORS.MISSING_OFFSET.status_code, ERRORS.MISSING_OFFSET.body, 403, 'EVM_TUS_OFFSET_REQUIRED'],
      [ERRORS.INVALID_CONTENT_TYPE.status_code, ERRORS.INVALID_CONTENT_TYPE.body, 403, 'EVM_TUS_CONTENT_TYPE_REQUIRED'],
      [ERRORS.FILE_NO_LONGER_EXISTS.status_code, ERRORS.FILE_NO_LONGER_EXISTS.body, 410, 'EVM_TUS_UPLOAD_GONE'],
      [ERRORS.ERR_SIZE_EXCEEDED.status_code, ERRORS.ERR_SIZE_EXCEEDED.body, 413, 'EVM_TUS_SIZE_EXCEEDED'],
      [ERRORS.ERR_LOCK_TIMEOUT.status_code, ERRORS.ERR_LOCK_TIMEOUT.body, 423, 'EVM_UPLOAD_LOCKED'],
      [ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION.status_code, ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION.body, 400, 'EVM_TUS_UNSUPPORTED'],
      [ERRORS.INVALID_METADATA.status_code, ERRORS.INVALID_METADATA.body, 400, 'EVM_TUS_INVALID_METADATA'],
      [403, 'something new from a later tus version\n', 403, 'EVM_TUS_PROTOCOL'],
    ];
    for (const [status, body, wantStatus, wantCode] of cases) {
      const answer = tusErrorAnswer(status, body);
      expect(answer.status, body).toBe(wantStatus);
      const parsed = JSON.parse(answer.body);
      expect(parsed.code, body).toBe(wantCode);
      expect(typeof parsed.message).toBe('string');
    }
    expect(JSON.parse(tusErrorAnswer(400, 'Invalid upload-offset\n').body).message).toContain('upload-offset');
  });

  it('passes answers that are already {code, message} through unchanged', () => {
    const body = JSON.stringify({ code: 'EVM_MISSING_SHA256', message: 'm' });
    expect(tusErrorAnswer(400, body)).toEqual({ status: 400, body });
    // JSON that is not our error shape is translated like any other text.
    expect(JSON.parse(tusErrorAnswer(400, '{"x":1}').body).code).toBe('EVM_TUS_PROTOCOL');
  });

  it('maps a full disk or quota, however deeply wrapped, to 507 EVM_STORAGE_FULL and nothing else to it', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    expect(storageFullFrom(enospc)).toMatchObject({ code: 'EVM_STORAGE_FULL', statusCode: 507 });
    expect(storageFullFrom(new Error('pipeline failed', { cause: Object.assign(new Error('quota'), { code: 'EDQUOT' }) }))).toMatchObject({ statusCode: 507 });
    expect(storageFullFrom(Object.assign(new Error('EIO'), { code: 'EIO' }))).toBeNull();
    expect(storageFullFrom(null)).toBeNull();
  });
});
