import { IMPORT_ENTITIES, ROW_ERROR_CODES } from '../domain/case-import.js';
import { MEDIA_STATES } from '../domain/media-state.js';

/** JSON Schemas of the case model, linking and review routes (shared routes' schemas are in schemas.ts). */

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

export const uuidParams = { type: 'object', properties: { id: uuid }, required: ['id'] } as const;

export const unitCodeSchema = { type: 'string', pattern: '^\\d{12}$', description: '12-digit unit code' } as const;
export const officerNumberSchema = { type: 'string', pattern: '^\\d{6}$', description: '6-digit officer number (警号)' } as const;

export const unitSchema = {
  type: 'object',
  properties: { code: str, name: str, parentCode: nstr },
  required: ['code', 'name', 'parentCode'],
} as const;

export const officerSchema = {
  type: 'object',
  properties: { number: str, name: str, unitCode: str },
  required: ['number', 'name', 'unitCode'],
} as const;

export const caseSchema = {
  type: 'object',
  properties: {
    id: uuid,
    caseNumber: str,
    kind: { type: 'string', enum: ['administrative', 'criminal'] },
    title: str,
    status: { type: 'string', enum: ['open', 'under_review', 'review_completed', 'closed'] },
    unitCode: str,
    unitName: { type: ['string', 'null'], description: "the unit's name (null when the unit was never imported)" },
    openedAt: dateTime,
    closedAt: nDateTime,
    reviewCompletedAt: nDateTime,
    reviewCompletedBy: nstr,
    reviewFinding: nstr,
  },
  required: ['id', 'caseNumber', 'kind', 'status', 'unitCode', 'openedAt'],
} as const;

/** A case in the search results: the case plus what a reviewer triages by. */
export const caseListItemSchema = {
  type: 'object',
  properties: {
    ...caseSchema.properties,
    suspects: { type: 'array', items: str },
    sessions: { type: 'integer', description: 'interrogation and questioning sessions' },
    sessionsUnrecorded: { type: 'integer', description: 'sessions with no recording linked' },
    coverageMin: { type: ['number', 'null'], description: "lowest share of a session's declared span recorded (0..1); null when none recorded by the platform" },
    recordings: { type: 'integer', description: 'interrogation recordings a reviewer must watch' },
    recordingsPending: { type: 'integer', description: 'of those, not yet marked reviewed (待审阅)' },
  },
  required: [...caseSchema.required, 'suspects', 'sessions', 'sessionsUnrecorded', 'coverageMin', 'recordings', 'recordingsPending'],
} as const;

export const incidentSchema = {
  type: 'object',
  properties: {
    id: str,
    caseId: { type: ['string', 'null'] },
    caseNumber: nstr,
    unitCode: str,
    officerNumbers: { type: 'array', items: str },
    startedAt: dateTime,
    endedAt: dateTime,
    place: str,
    requiresRecording: { type: 'boolean' },
  },
  required: ['id', 'caseId', 'unitCode', 'officerNumbers', 'startedAt', 'endedAt'],
} as const;

export const personSchema = {
  type: 'object',
  properties: { id: uuid, externalId: nstr, caseId: uuid, name: str, role: { type: 'string', enum: ['suspect', 'witness', 'victim', 'other'] } },
  required: ['id', 'caseId', 'name', 'role'],
} as const;

export const sessionSchema = {
  type: 'object',
  properties: {
    id: uuid,
    externalId: nstr,
    caseId: uuid,
    personId: { type: ['string', 'null'] },
    suspectName: nstr,
    room: str,
    interrogators: { type: 'array', items: str },
    interrogatorOfficers: {
      type: 'array',
      description: 'the interrogating officers by number and name (null: never imported from the case system)',
      items: { type: 'object', properties: { number: str, name: nstr }, required: ['number', 'name'] },
    },
    kind: { type: 'string', enum: ['interrogation', 'questioning'] },
    declaredStart: dateTime,
    declaredEnd: nDateTime,
  },
  required: ['id', 'caseId', 'room', 'kind', 'declaredStart'],
} as const;

export const caseDetailSchema = {
  type: 'object',
  properties: {
    ...caseSchema.properties,
    incidents: { type: 'array', items: incidentSchema },
    persons: { type: 'array', items: personSchema },
    sessions: { type: 'array', items: sessionSchema },
  },
  required: [...caseSchema.required, 'incidents', 'persons', 'sessions'],
} as const;

export const pageOf = (items: object) =>
  ({
    type: 'object',
    properties: { items: { type: 'array', items }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
    required: ['items', 'total', 'limit', 'offset'],
  }) as const;

export const rowErrorSchema = {
  type: 'object',
  properties: {
    entity: { type: 'string', enum: [...IMPORT_ENTITIES] },
    line: { type: 'integer', description: 'CSV: 1-based line where the record starts (the header is line 1)' },
    index: { type: 'integer', description: 'JSON: 0-based index in the entity array' },
    field: str,
    key: { type: 'string', description: "the row's natural key, when readable" },
    code: { type: 'string', enum: Object.values(ROW_ERROR_CODES) },
    message: str,
  },
  required: ['entity', 'code', 'message'],
} as const;

export const importInvalidSchema = {
  type: 'object',
  description: 'Nothing was imported. Every problem found is listed (at most 1000; errorCount has the total).',
  properties: { code: { type: 'string', example: 'EVM_IMPORT_INVALID' }, message: str, errorCount: { type: 'integer' }, errors: { type: 'array', items: rowErrorSchema } },
  required: ['code', 'message', 'errorCount', 'errors'],
} as const;

const countsSchema = {
  type: 'object',
  properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' } },
  required: ['created', 'updated', 'unchanged'],
} as const;

export const autoLinkSummarySchema = {
  type: 'object',
  description: 'Footage already stored that was matched again against the imported incidents and cases',
  properties: { mediaChecked: { type: 'integer' }, linked: { type: 'integer' }, ambiguous: { type: 'integer' } },
  required: ['mediaChecked', 'linked', 'ambiguous'],
} as const;

export const importResultSchema = {
  type: 'object',
  properties: {
    counts: { type: 'object', properties: Object.fromEntries(IMPORT_ENTITIES.map((e) => [e, countsSchema])) },
    autoLink: autoLinkSummarySchema,
  },
  required: ['counts', 'autoLink'],
} as const;

const rowsOf = (description: string) => ({ type: 'array', maxItems: 20_000, description, items: { type: 'object', additionalProperties: true } }) as const;

export const importBodySchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'Rows per entity; each is upserted on its natural key (units.code, officers.number, cases.caseNumber, incidents.id, persons.externalId, sessions.externalId) and is the full record: an absent optional field takes its default. A case imported as "open" keeps a review state (under_review, review_completed) set here. Times are ISO 8601 with a zone. Rows are validated by the service so that every problem is reported with its index and a stable code.',
  properties: {
    units: rowsOf('{code (12 digits), name, parentCode?}'),
    officers: rowsOf('{number (6 digits), name, unitCode}'),
    cases: rowsOf('{caseNumber, kind: administrative|criminal, title?, status?: open|closed, unitCode, openedAt?, closedAt?}'),
    incidents: rowsOf('{id (dispatch id), caseNumber?, unitCode, officerNumbers[], startedAt, endedAt, place?, requiresRecording?}'),
    persons: rowsOf('{externalId, caseNumber, name, role?: suspect|witness|victim|other}'),
    sessions: rowsOf('{externalId, caseNumber, suspectExternalId?, room, interrogators[]?, kind?: interrogation|questioning, declaredStart, declaredEnd?}'),
  },
} as const;

export const linkSchema = {
  type: 'object',
  properties: {
    id: uuid,
    mediaId: uuid,
    caseId: { type: ['string', 'null'] },
    incidentId: nstr,
    sessionId: { type: ['string', 'null'] },
    source: { type: 'string', enum: ['manual', 'auto', 'dock'] },
    reason: str,
    createdBy: str,
    createdAt: dateTime,
    removedAt: nDateTime,
    removedBy: nstr,
    removedReason: nstr,
  },
  required: ['id', 'mediaId', 'caseId', 'incidentId', 'sessionId', 'source', 'reason', 'createdBy', 'createdAt', 'removedAt'],
} as const;

export const reasonSchema = { type: 'string', minLength: 3, maxLength: 1000, description: 'Why: recorded with the custody event' } as const;

const mediaBriefSchema = {
  type: 'object',
  properties: {
    id: uuid,
    state: { type: 'string', enum: [...MEDIA_STATES] },
    filename: str,
    sha256: str,
    officerId: nstr,
    deviceSerial: nstr,
    recordedAt: nstr,
    recordedEnd: nstr,
    durationSec: { type: ['number', 'null'] },
    flags: { type: 'array', items: str },
  },
  required: ['id', 'state', 'filename', 'officerId', 'recordedAt', 'recordedEnd'],
} as const;

export const suggestionSchema = {
  type: 'object',
  properties: {
    id: uuid,
    mediaId: uuid,
    incidentIds: { type: 'array', items: str },
    status: { type: 'string', enum: ['open', 'resolved', 'superseded'] },
    createdAt: dateTime,
    resolvedAt: nDateTime,
    resolvedBy: nstr,
    chosenIncidentIds: { type: ['array', 'null'], items: str },
    reason: nstr,
    media: { ...mediaBriefSchema, type: ['object', 'null'] },
    candidates: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...incidentSchema.properties,
          overlapSec: { type: 'integer', description: 'seconds the recording overlaps the incident, without the buffer' },
          linked: { type: 'boolean', description: 'the media is linked to this incident now' },
        },
        required: [...incidentSchema.required, 'overlapSec', 'linked'],
      },
    },
  },
  required: ['id', 'mediaId', 'incidentIds', 'status', 'createdAt'],
} as const;

export const reviewMarkSchema = {
  type: 'object',
  properties: {
    id: uuid,
    mediaId: uuid,
    caseId: { type: ['string', 'null'] },
    kind: { type: 'string', enum: ['bookmark', 'note'] },
    offsetSec: { type: 'number' },
    text: str,
    author: str,
    authorName: { type: ['string', 'null'], description: "the author's display name (null: not a person's account)" },
    userId: { type: ['string', 'null'] },
    createdAt: dateTime,
  },
  required: ['id', 'mediaId', 'kind', 'offsetSec', 'text', 'author', 'createdAt'],
} as const;

export const recordingReviewSchema = {
  type: 'object',
  properties: {
    id: uuid,
    sessionId: uuid,
    mediaId: uuid,
    reviewer: str,
    userId: { type: ['string', 'null'] },
    finding: str,
    reviewedAt: dateTime,
    watchedShare: { type: ['number', 'null'], description: 'share of the recording the reviewer had played at ≤ 1× when marking it (null: before watched coverage was recorded)' },
    belowShareReason: { type: ['string', 'null'], description: 'the written reason for marking it reviewed with less than REVIEW_MIN_WATCHED_SHARE watched' },
  },
  required: ['id', 'sessionId', 'mediaId', 'reviewer', 'finding', 'reviewedAt'],
} as const;

const derivativesPresenceSchema = {
  type: 'object',
  description: 'Which review derivatives exist (the proxy plays in a browser; poster and sprite are thumbnails)',
  properties: { proxy: { type: 'boolean' }, poster: { type: 'boolean' }, sprite: { type: 'boolean' } },
  required: ['proxy', 'poster', 'sprite'],
} as const;

// The case review lists the case's footage and each session's recordings: both are media a reviewer opens, so both
// say which derivatives exist to play and preview them.
const reviewMediaProperties = { ...mediaBriefSchema.properties, derivatives: derivativesPresenceSchema } as const;
const reviewMediaRequired = [...mediaBriefSchema.required, 'derivatives'] as const;

/** How much of a recording the asking person has played (watched coverage). */
export const watchedSummarySchema = {
  type: 'object',
  properties: {
    share: { type: 'number', description: 'seconds played at ≤ 1× / duration (0..1): what the "recording reviewed" step counts' },
    countedSec: { type: 'number' },
    playedSec: { type: 'number', description: 'every second played, at any speed' },
    durationSec: { type: 'number' },
    minShare: { type: 'number', description: 'REVIEW_MIN_WATCHED_SHARE' },
  },
  required: ['share', 'countedSec', 'playedSec', 'durationSec', 'minShare'],
} as const;

export const reviewBlockerSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['recording-not-reviewed', 'session-unrecorded', 'recording-in-progress', 'recording-not-joined'] },
    sessionId: uuid,
    mediaId: uuid,
    deviceId: { ...uuid, description: 'recording-not-joined: the camera whose segments are still being joined into one recording' },
    filename: { type: 'string', description: 'recording-not-reviewed: the recording by name' },
    cameraRole: { type: 'string', enum: ['overview', 'frontal'], description: 'recording-not-reviewed: the camera of a joined recording' },
    watchedShare: { type: 'number', description: "recording-not-reviewed: share the asking person has played at ≤ 1× (0..1)" },
  },
  required: ['kind', 'sessionId'],
} as const;

export const caseReviewSchema = {
  type: 'object',
  properties: {
    case: caseSchema,
    media: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...reviewMediaProperties,
          marks: { type: 'integer', description: 'bookmarks and notes on this media' },
          links: {
            type: 'array',
            items: {
              type: 'object',
              properties: { linkId: uuid, via: { type: 'string', enum: ['case', 'incident', 'session'] }, targetId: str, source: str, linkedAt: dateTime },
              required: ['linkId', 'via', 'targetId', 'source'],
            },
          },
        },
        required: [...reviewMediaRequired, 'links'],
      },
    },
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...sessionSchema.properties,
          recordings: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ...reviewMediaProperties,
                review: { ...recordingReviewSchema, type: ['object', 'null'] },
                role: {
                  type: 'string',
                  enum: ['original', 'joined', 'superseded-join'],
                  description: "joined: one camera's platform recording in one file (the one to review); segments are not listed here",
                },
                deviceId: { type: ['string', 'null'], description: 'the camera of a joined recording' },
                required: { type: 'boolean', description: 'whether the case review needs this recording reviewed' },
                cameraRole: { type: ['string', 'null'], enum: ['overview', 'frontal', null], description: 'the camera of a joined recording' },
                watched: watchedSummarySchema,
              },
              required: [...reviewMediaRequired, 'review'],
            },
          },
        },
        required: [...sessionSchema.required, 'recordings'],
      },
    },
    pending: { type: 'array', items: reviewBlockerSchema, description: 'What still stops the case review from completing' },
    canComplete: { type: 'boolean' },
  },
  required: ['case', 'media', 'sessions', 'pending', 'canComplete'],
} as const;

export const reviewIncompleteSchema = {
  type: 'object',
  properties: { code: { type: 'string', example: 'EVM_REVIEW_INCOMPLETE' }, message: str, pending: { type: 'array', items: reviewBlockerSchema } },
  required: ['code', 'message'],
} as const;
