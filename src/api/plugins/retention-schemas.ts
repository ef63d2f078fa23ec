import { DISPOSAL_BATCH_STATUSES, DISPOSAL_ITEM_STATUSES } from '../../domain/disposal.js';
import { MEDIA_STATES } from '../../domain/media-state.js';
import { PERMANENT_CATEGORIES } from '../../domain/retention.js';

/** JSON Schemas of the retention, legal hold and disposal routes. */

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

export const whySchema = { type: 'string', minLength: 3, maxLength: 1000, description: 'Why: recorded with the custody event' } as const;

export const reasonSchema = {
  type: 'object',
  description:
    'One rule that applies: field-minimum (until), case-file (caseNumber, until: date | permanent | while-open), important-flag, incident-category (category), ' +
    'unclassified, unknown-recording-time, evidence-unlinked, facts-incomplete (what), legal-hold (holdId, until)',
  properties: { rule: str },
  required: ['rule'],
  additionalProperties: true,
} as const;

export const decisionSchema = {
  type: 'object',
  properties: {
    keep: { type: 'string', enum: ['permanent', 'until', 'no'], description: 'permanent: kept for good or with no computable end yet; until: kept until the date; no: may be disposed of (only through an approved disposal)' },
    until: { ...nstr, description: 'With keep=until: the earliest date it may go' },
    eligibleSince: { ...nstr, description: 'With keep=no: since when it may go' },
    reasons: { type: 'array', items: reasonSchema, description: 'Every rule that applies; the longest wins' },
  },
  required: ['keep', 'reasons'],
} as const;

export const holdSchema = {
  type: 'object',
  properties: {
    id: uuid,
    caseId: nstr,
    mediaId: nstr,
    reason: str,
    placedBy: str,
    placedAt: str,
    until: nstr,
    releasedAt: nstr,
    releasedBy: nstr,
    releaseReason: nstr,
    active: { type: 'boolean' },
  },
  required: ['id', 'caseId', 'mediaId', 'reason', 'placedBy', 'placedAt', 'until', 'active'],
} as const;

export const retentionViewSchema = {
  type: 'object',
  properties: {
    mediaId: uuid,
    state: { type: 'string', enum: [...MEDIA_STATES] },
    sha256: str,
    kind: { type: 'string', enum: ['field', 'interrogation'] },
    decision: decisionSchema,
    classification: { type: ['string', 'null'], enum: ['routine', 'evidence', null] },
    categories: { type: 'array', items: str },
    classifiedBy: nstr,
    classifiedAt: nstr,
    important: { type: 'boolean', description: 'Marked important here (a dock flag "important" or "locked" counts too; see reasons)' },
    importantBy: nstr,
    importantAt: nstr,
    importantReason: nstr,
    holds: { type: 'array', items: holdSchema, description: 'Legal holds holding now, on the media or on a case it belongs to' },
    disposal: {
      type: ['object', 'null'],
      description: 'The live disposal this media is in, if any',
      properties: { batchId: str, status: { type: 'string', enum: [...DISPOSAL_ITEM_STATUSES] } },
    },
    objectLock: {
      type: 'object',
      description: 'S3 Object Lock as last applied: applied, unsupported (local disk, or an S3 server/bucket without it), failed, off; null before the first sweep',
      properties: { status: nstr, until: nstr, legalHold: { type: 'boolean' }, detail: nstr, checkedAt: nstr },
    },
    computedAt: { ...nstr, description: 'When the sweep last stored the decision (the decision shown is always computed now)' },
  },
  required: ['mediaId', 'state', 'kind', 'decision', 'classification', 'important', 'holds'],
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    mediaId: uuid,
    sha256: str,
    sizeBytes: { type: 'integer' },
    status: { type: 'string', enum: [...DISPOSAL_ITEM_STATUSES] },
    reasons: { type: 'array', items: reasonSchema },
    eligibleSince: nstr,
    blockedReasons: { type: ['array', 'null'], items: reasonSchema },
    derivativesPurgedAt: nstr,
    purgedAt: nstr,
    restoredAt: nstr,
    restoredBy: nstr,
    restoreReason: nstr,
    error: nstr,
  },
  required: ['mediaId', 'sha256', 'status', 'reasons'],
} as const;

export const batchSchema = {
  type: 'object',
  properties: {
    id: uuid,
    status: { type: 'string', enum: [...DISPOSAL_BATCH_STATUSES] },
    createdBy: str,
    createdAt: str,
    note: str,
    policy: { type: 'object', additionalProperties: true },
    approvals: { type: 'array', items: { type: 'object', properties: { approver: str, approvedAt: str, note: str } } },
    approvedAt: nstr,
    recycleUntil: { ...nstr, description: 'Originals stay restorable until then' },
    derivativesAfter: nstr,
    completedAt: nstr,
    cancelledAt: nstr,
    cancelledBy: nstr,
    cancelReason: nstr,
    items: { type: 'array', items: itemSchema },
  },
  required: ['id', 'status', 'createdBy', 'createdAt', 'approvals'],
} as const;

export const dryRunSchema = {
  type: 'object',
  properties: {
    generatedAt: str,
    policy: { type: 'object', additionalProperties: true },
    totals: { type: 'object', properties: { media: { type: 'integer' }, bytes: { type: 'integer' }, derivativeBytes: { type: 'integer' } } },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          mediaId: uuid,
          sha256: str,
          sizeBytes: { type: 'integer' },
          filename: str,
          kind: { type: 'string', enum: ['field', 'interrogation'] },
          recordedEnd: nstr,
          eligibleSince: str,
          reasons: { type: 'array', items: reasonSchema },
          derivatives: { type: 'array', items: { type: 'object', properties: { kind: str, sizeBytes: { type: 'integer' } } } },
        },
        required: ['mediaId', 'sha256', 'eligibleSince', 'reasons'],
      },
    },
  },
  required: ['generatedAt', 'policy', 'totals', 'items'],
} as const;

export const categoriesSchema = { type: 'array', items: { type: 'string', enum: [...PERMANENT_CATEGORIES] }, uniqueItems: true, default: [] } as const;
