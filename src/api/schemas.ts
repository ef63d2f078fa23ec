import { MEDIA_STATES } from '../domain/media-state.js';
import { CUSTODY_EVENT_TYPES } from '../domain/custody-chain.js';

/** JSON Schemas shared by routes and the OpenAPI document. */

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: { code: { type: 'string', example: 'EVM_UNAUTHENTICATED' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

/** Response schemas for the error statuses a route may answer, all with the one error shape. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema]));
}

export function errorBody(err: { code: string; message: string }) {
  return { code: err.code, message: err.message };
}

export const receiptSchema = {
  type: 'object',
  properties: {
    uploadId: { type: 'string' },
    mediaId: { type: ['string', 'null'], format: 'uuid' },
    state: { type: 'string', enum: ['uploading', ...MEDIA_STATES] },
    sha256: { type: ['string', 'null'] },
    verified: { type: 'boolean', description: 'True only once the original is stored and read back with a matching hash' },
    offset: { type: 'integer' },
    sizeBytes: { type: 'integer' },
    errorCode: { type: ['string', 'null'] },
  },
  required: ['uploadId', 'mediaId', 'state', 'sha256', 'verified'],
} as const;

export const custodyEventSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    type: { type: 'string', enum: [...CUSTODY_EVENT_TYPES] },
    actor: { type: 'string' },
    mediaId: { type: ['string', 'null'] },
    uploadId: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
    prevHash: { type: 'string' },
    mediaPrevHash: { type: ['string', 'null'] },
    hash: { type: 'string' },
  },
  required: ['seq', 'at', 'type', 'actor', 'hash', 'prevHash'],
} as const;

const nullableString = { type: ['string', 'null'] } as const;

export const mediaSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    state: { type: 'string', enum: [...MEDIA_STATES] },
    sha256: { type: 'string' },
    sha256Declared: { type: 'string' },
    sm3: nullableString,
    sizeBytes: { type: 'integer' },
    filename: { type: 'string' },
    deviceSerial: nullableString,
    officerId: nullableString,
    recordedAt: nullableString,
    recordedEnd: nullableString,
    flags: { type: 'array', items: { type: 'string' } },
    caseNumber: nullableString,
    errorCode: nullableString,
    errorMessage: nullableString,
    createdAt: { type: 'string' },
    verifiedAt: nullableString,
    durationSec: { type: ['number', 'null'] },
    probe: { type: ['object', 'null'], additionalProperties: true },
    processing: {
      type: ['object', 'null'],
      description: 'The pipeline stage under way and its percent, while the media is not yet ready',
      properties: { stage: { type: 'string' }, status: { type: 'string' }, progress: { type: 'number' } },
    },
    derivatives: { type: 'array', items: { $ref: 'Derivative#' } },
    custody: { type: 'array', items: custodyEventSchema },
  },
  required: ['id', 'state', 'sha256', 'sizeBytes', 'deviceSerial', 'officerId', 'recordedAt'],
} as const;

export const deviceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    kind: { type: 'string', enum: ['dock', 'camera'] },
    serial: { type: 'string' },
    name: { type: 'string' },
    createdAt: { type: 'string' },
    lastSeenAt: nullableString,
  },
  required: ['id', 'kind', 'serial', 'name'],
} as const;

export const derivativeSchema = {
  $id: 'Derivative',
  type: 'object',
  properties: {
    id: { type: 'string' },
    mediaId: { type: 'string' },
    kind: { type: 'string', enum: ['proxy', 'poster', 'sprite'] },
    contentType: { type: 'string' },
    sha256: { type: 'string' },
    sizeBytes: { type: 'integer' },
    parentSha256: { type: 'string', description: 'SHA-256 of the original it was made from' },
    operation: { type: 'object', additionalProperties: true, description: 'tool versions and the exact arguments' },
    details: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string' },
  },
  required: ['kind', 'sha256', 'parentSha256', 'operation'],
} as const;
