import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { recordingsToReview, reviewBlockers, summarizeBlockers, type RecordingRole, type ReviewBlocker, type SessionForReview } from '../../domain/case-review.js';
import { ROLES } from '../../domain/roles.js';
import { invalidRanges, watchedCoverage, watchedEnough, type PlayedRange } from '../../domain/watched.js';
import type { Sql } from '../../db/db.js';
import { AccessRepository } from '../../db/repositories/access-repository.js';
import { CasesRepository, type Case, type InterrogationSession } from '../../db/repositories/cases-repository.js';
import { CustodyRepository } from '../../db/repositories/custody-repository.js';
import { MediaRepository, type Media } from '../../db/repositories/media-repository.js';
import { RecordingJoinsRepository } from '../../db/repositories/recording-joins-repository.js';
import { ReviewRepository, type CaseMediaLink, type RecordingReview, type ReviewMarkKind } from '../../db/repositories/review-repository.js';
import { WatchedRepository } from '../../db/repositories/watched-repository.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { authorizeMedia } from '../auth/media-guard.js';
import { actorOf } from '../auth/principal.js';
import { authorizeCase, userIdOf } from '../case-guard.js';
import { caseReviewSchema, caseSchema, recordingReviewSchema, reviewIncompleteSchema, reviewMarkSchema, uuidParams, watchedSummarySchema } from '../case-schemas.js';
import { errorResponses } from '../schemas.js';

const TAGS = ['review'];
const SECURITY = [{ bearer: [] }];
// A bookmark may sit a little past the probed duration (container rounding); further is a mistake.
const OFFSET_TOLERANCE_SEC = 1;

/**
 * Case review (法制审核): a case's footage and interrogation recordings with their derivatives, bookmarks and notes
 * at a time offset, the "recording reviewed" step per interrogation recording, and completing the review, which
 * needs every interrogation recording reviewed. Bookmarks, reviewed steps and completion are custody events.
 * Viewing itself stays on the media routes (authorizeMedia, media.viewed).
 */
export async function reviewPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const minShare = config.REVIEW_MIN_WATCHED_SHARE;
  const cases = new CasesRepository(db);
  const media = new MediaRepository(db);
  const people = app.requireRole(...ROLES);
  const reviewers = app.requireRole('reviewer', 'admin');

  async function loadCase(id: string): Promise<Case> {
    const c = await cases.findCase(id);
    if (!c) throw new Errors.NOT_FOUND(`case ${id}`);
    return c;
  }
  async function loadMedia(id: string): Promise<Media> {
    const m = await media.findById(id);
    if (!m) throw new Errors.NOT_FOUND(`media ${id}`);
    return m;
  }

  app.get<{ Params: { id: string } }>(
    '/api/v1/cases/:id/review',
    {
      onRequest: people,
      schema: {
        summary: "A case's review: its footage (with derivatives and state), its interrogation sessions with their recordings and review steps, and what still blocks completion",
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        response: { 200: caseReviewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const c = await loadCase(req.params.id);
      await authorizeCase(db, req.principal!, c, 'read-review');
      const review = new ReviewRepository(db);
      const state = await reviewState(db, c.id);
      const mediaIds = [...new Set(state.links.map((l) => l.mediaId))];
      const [summaries, derivatives, marks, ranges] = await Promise.all([
        review.mediaSummaries(mediaIds),
        review.derivativeKinds(mediaIds),
        review.markCounts(mediaIds),
        new WatchedRepository(db).rangesOf(actorOf(req.principal!), state.sessions.flatMap((s) => state.recordings(s.id))),
      ]);
      const byId = new Map(summaries.map((m) => [m.id, m]));
      const watchedOf = (id: string) => summarizeWatched(ranges.get(id) ?? [], byId.get(id)?.durationSec ?? null, minShare);
      const presence = (id: string) => {
        const kinds = derivatives.get(id) ?? new Set();
        return { proxy: kinds.has('proxy'), poster: kinds.has('poster'), sprite: kinds.has('sprite') };
      };
      return {
        case: c,
        media: summaries.map((m) => ({
          ...m,
          derivatives: presence(m.id),
          marks: marks.get(m.id) ?? 0,
          links: state.links.filter((l) => l.mediaId === m.id).map(({ mediaId: _m, ...l }) => l),
        })),
        sessions: state.sessions.map((s) => ({
          ...s,
          recordings: state.recordings(s.id).flatMap((mediaId) => {
            const m = byId.get(mediaId);
            return m
              ? [{ ...m, derivatives: presence(mediaId), review: state.review(s.id, mediaId), ...state.roleOf(s.id, mediaId), cameraRole: state.cameraRole(s.id, mediaId), required: state.required(s.id, mediaId), watched: watchedOf(mediaId) }]
              : [];
          }),
        })),
        pending: describeBlockers(state.blockers, state.cameraRole, (id) => byId.get(id)?.filename, (id) => watchedOf(id).share),
        canComplete: state.blockers.length === 0 && c.status !== 'review_completed' && c.status !== 'closed',
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { kind: ReviewMarkKind; offsetSec: number; text?: string; caseId?: string } }>(
    '/api/v1/media/:id/review-marks',
    {
      onRequest: people,
      schema: {
        summary: 'Add a bookmark or a note at a time offset of a recording (a custody event)',
        description: 'Anyone who may see the media. A note needs text. caseId (optional) ties the mark to one of the cases the media belongs to.',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: ['bookmark', 'note'] },
            offsetSec: { type: 'number', minimum: 0, description: 'seconds from the start of the recording' },
            text: { type: 'string', maxLength: 4000 },
            caseId: { type: 'string', format: 'uuid' },
          },
          required: ['kind', 'offsetSec'],
        },
        response: { 201: reviewMarkSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const m = await loadMedia(req.params.id);
      await authorizeMedia(db, req.principal!, m, 'read-record');
      const { kind, offsetSec, caseId } = req.body;
      const text = (req.body.text ?? '').trim();
      if (kind === 'note' && !text) throw new Errors.VALIDATION('a note needs text');
      if (m.durationSec !== null && offsetSec > m.durationSec + OFFSET_TOLERANCE_SEC) throw new Errors.OFFSET_OUT_OF_RANGE(offsetSec, m.durationSec);
      if (caseId) {
        const scope = await new AccessRepository(db).mediaScope(m.id, m.officerId);
        if (!scope.cases.some((c) => c.caseId === caseId)) throw new Errors.VALIDATION(`media ${m.id} does not belong to case ${caseId}`);
      }
      const actor = actorOf(req.principal!);
      const mark = await db.transaction(async (tx) => {
        const created = await new ReviewRepository(tx).insertMark({ id: randomUUID(), mediaId: m.id, caseId: caseId ?? null, kind, offsetSec, text, author: actor, userId: userIdOf(req.principal!) });
        await new CustodyRepository(tx).append({ mediaId: m.id, uploadId: null, type: 'review.bookmark', actor, details: { markId: created.id, kind, offsetSec, text, caseId: caseId ?? null } });
        return created;
      });
      return reply.code(201).send(mark);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/media/:id/review-marks',
    {
      onRequest: people,
      schema: {
        summary: 'Bookmarks and notes on a recording, in time order, with their authors',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        response: { 200: { type: 'array', items: reviewMarkSchema }, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const m = await loadMedia(req.params.id);
      await authorizeMedia(db, req.principal!, m, 'read-record');
      return new ReviewRepository(db).marksFor(m.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { ranges: PlayedRange[]; caseId?: string } }>(
    '/api/v1/media/:id/watched',
    {
      onRequest: people,
      schema: {
        summary: 'Report stretches of a recording the caller played, with the playback rate (watched coverage; a custody event media.watched per report)',
        description: `The player reports what it played as it plays (every few seconds, on pause and on leaving). Each range lies within the recording (container rounding of 1 s allowed), finite, start < end, rate 0.0625–16, at most 200 per report; otherwise 400 EVM_VALIDATION and nothing is stored. Answers the caller's watched coverage of the recording so far.`,
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ranges: {
              type: 'array',
              minItems: 1,
              maxItems: 200,
              items: {
                type: 'object',
                additionalProperties: false,
                properties: { startSec: { type: 'number', minimum: 0 }, endSec: { type: 'number', minimum: 0 }, rate: { type: 'number', exclusiveMinimum: 0 } },
                required: ['startSec', 'endSec', 'rate'],
              },
            },
            caseId: { type: 'string', format: 'uuid' },
          },
          required: ['ranges'],
        },
        response: { 201: watchedSummarySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const m = await loadMedia(req.params.id);
      await authorizeMedia(db, req.principal!, m, 'read-record');
      // Ajv may have coerced strings such as "Infinity" into numbers: the domain check sees the real values.
      const invalid = invalidRanges(req.body.ranges, m.durationSec);
      if (invalid) throw new Errors.VALIDATION(`watched ranges: ${invalid}`);
      const ranges = req.body.ranges.map(({ startSec, endSec, rate }) => ({ startSec, endSec, rate }));
      const caseId = req.body.caseId ?? null;
      const actor = actorOf(req.principal!);
      await db.transaction(async (tx) => {
        await new WatchedRepository(tx).insert({ mediaId: m.id, actor, userId: userIdOf(req.principal!), caseId, ranges });
        await new CustodyRepository(tx).append({ mediaId: m.id, uploadId: null, type: 'media.watched', actor, details: { ranges, caseId, sha256: m.sha256 } });
      });
      const all = (await new WatchedRepository(db).rangesOf(actor, [m.id])).get(m.id) ?? [];
      return reply.code(201).send(summarizeWatched(all, m.durationSec, minShare));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/media/:id/watched',
    {
      onRequest: people,
      schema: {
        summary: "The caller's watched coverage of a recording: the merged stretches played (all speeds) and those at ≤ 1× that count",
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...watchedSummarySchema.properties,
              played: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
              counted: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
            },
            required: [...watchedSummarySchema.required, 'played', 'counted'],
          },
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const m = await loadMedia(req.params.id);
      await authorizeMedia(db, req.principal!, m, 'read-record');
      const ranges = (await new WatchedRepository(db).rangesOf(actorOf(req.principal!), [m.id])).get(m.id) ?? [];
      const c = watchedCoverage(ranges, m.durationSec);
      return { ...summarizeWatched(ranges, m.durationSec, minShare), played: c.played, counted: c.counted };
    },
  );

  app.post<{ Params: { id: string; mediaId: string }; Body: { finding: string; belowShareReason?: string } }>(
    '/api/v1/interrogation-sessions/:id/recordings/:mediaId/review',
    {
      onRequest: reviewers,
      schema: {
        summary: 'Record the "recording reviewed" step for an interrogation recording: reviewer, time and finding (a custody event)',
        description:
          'The media must be linked to the session. The reviewer must have played at least REVIEW_MIN_WATCHED_SHARE of it at normal speed or slower (watched coverage, POST /api/v1/media/{id}/watched); otherwise 409 EVM_REVIEW_NOT_WATCHED unless belowShareReason says in writing why less was enough (kept with the review and in its custody event). Reviewing again adds a newer finding; earlier ones stay. Refused once the case review is completed or the case is closed.',
        tags: TAGS,
        security: SECURITY,
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, mediaId: { type: 'string', format: 'uuid' } }, required: ['id', 'mediaId'] },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { finding: { type: 'string', minLength: 1, maxLength: 8000 }, belowShareReason: { type: 'string', maxLength: 4000 } },
          required: ['finding'],
        },
        response: { 201: recordingReviewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const session = await cases.findSession(req.params.id);
      if (!session) throw new Errors.NOT_FOUND(`interrogation session ${req.params.id}`);
      const c = await loadCase(session.caseId);
      await authorizeCase(db, req.principal!, c, 'review-recording');
      const m = await loadMedia(req.params.mediaId);
      const actor = actorOf(req.principal!);
      const finding = req.body.finding.trim();
      if (!finding) throw new Errors.VALIDATION('finding must not be blank');
      const belowShareReason = req.body.belowShareReason?.trim() || null;
      const watched = summarizeWatched((await new WatchedRepository(db).rangesOf(actor, [m.id])).get(m.id) ?? [], m.durationSec, minShare);
      const enough = watchedEnough(watched.share, minShare);
      if (!enough && !belowShareReason) throw new Errors.REVIEW_NOT_WATCHED(m.filename, percent(watched.share), percent(minShare));
      const review = await db.transaction(async (tx) => {
        const current = (await new CasesRepository(tx).findCaseForUpdate(c.id))!;
        assertReviewOpen(current);
        const repo = new ReviewRepository(tx);
        if (!(await repo.sessionRecordingIds(session.id)).includes(m.id)) throw new Errors.NOT_SESSION_RECORDING(m.id, session.id);
        const created = await repo.insertRecordingReview({
          id: randomUUID(),
          sessionId: session.id,
          mediaId: m.id,
          reviewer: actor,
          userId: userIdOf(req.principal!),
          finding,
          watchedShare: watched.share,
          belowShareReason: enough ? null : belowShareReason,
        });
        await repo.markUnderReview(c.id);
        await new CustodyRepository(tx).append({
          mediaId: m.id,
          uploadId: null,
          type: 'review.recording_reviewed',
          actor,
          details: {
            reviewId: created.id,
            sessionId: session.id,
            caseId: c.id,
            caseNumber: c.caseNumber,
            sha256: m.sha256,
            finding,
            watched: { share: watched.share, countedSec: watched.countedSec, playedSec: watched.playedSec, durationSec: watched.durationSec, minShare },
            belowShareReason: enough ? null : belowShareReason,
          },
        });
        return created;
      });
      return reply.code(201).send(review);
    },
  );

  app.post<{ Params: { id: string }; Body: { finding: string } }>(
    '/api/v1/cases/:id/review/complete',
    {
      onRequest: reviewers,
      schema: {
        summary: 'Complete the case review (a custody event); refused with 409 EVM_REVIEW_INCOMPLETE while an interrogation recording is not reviewed',
        description:
          'Every interrogation session of the case needs at least one linked recording, and each of its recordings a "recording reviewed" step. A session the platform recorded itself is reviewed through its joined recordings (one per camera), never segment by segment: it blocks while it is still recording, until each camera\'s join exists, and until each joined recording is reviewed. The 409 lists what is pending. 409 EVM_REVIEW_COMPLETED when already completed, EVM_CASE_CLOSED when the case is closed.',
        tags: TAGS,
        security: SECURITY,
        params: uuidParams,
        body: { type: 'object', additionalProperties: false, properties: { finding: { type: 'string', minLength: 1, maxLength: 8000 } }, required: ['finding'] },
        response: { 200: caseSchema, ...errorResponses(400, 401, 403, 404), 409: reviewIncompleteSchema },
      },
    },
    async (req, reply) => {
      const c = await loadCase(req.params.id);
      await authorizeCase(db, req.principal!, c, 'complete-review');
      const actor = actorOf(req.principal!);
      const outcome = await db.transaction(async (tx) => {
        const repo = new CasesRepository(tx);
        const current = (await repo.findCaseForUpdate(c.id))!;
        assertReviewOpen(current);
        const state = await reviewState(tx, c.id);
        if (state.blockers.length) return { blocked: state.blockers, cameraRole: state.cameraRole };
        await new ReviewRepository(tx).completeCase(c.id, actor, req.body.finding);
        await new CustodyRepository(tx).append({
          mediaId: null,
          uploadId: null,
          type: 'case.review_completed',
          actor,
          details: {
            caseId: c.id,
            caseNumber: c.caseNumber,
            finding: req.body.finding,
            recordings: state.sessions.flatMap((s) => state.recordings(s.id).map((mediaId) => ({ sessionId: s.id, mediaId, reviewId: state.review(s.id, mediaId)?.id ?? null }))),
          },
        });
        return { completed: (await repo.findCase(c.id))! };
      });
      if (outcome.blocked) {
        const err = new Errors.REVIEW_INCOMPLETE(summarizeBlockers(outcome.blocked));
        const ids = [...new Set(outcome.blocked.flatMap((b) => (b.kind === 'recording-not-reviewed' ? [b.mediaId] : [])))];
        const summaries = new Map((await new ReviewRepository(db).mediaSummaries(ids)).map((m) => [m.id, m]));
        const ranges = await new WatchedRepository(db).rangesOf(actor, ids);
        const pending = describeBlockers(
          outcome.blocked,
          outcome.cameraRole!,
          (id) => summaries.get(id)?.filename,
          (id) => summarizeWatched(ranges.get(id) ?? [], summaries.get(id)?.durationSec ?? null, minShare).share,
        );
        return reply.code(err.statusCode).send({ code: err.code, message: err.message, pending });
      }
      return outcome.completed!;
    },
  );
}

/** Each unreviewed recording by name and camera, with how much of it the asking person has watched. */
function describeBlockers(
  blockers: readonly ReviewBlocker[],
  cameraRole: (sessionId: string, mediaId: string) => 'overview' | 'frontal' | null,
  filenameOf: (mediaId: string) => string | undefined,
  watchedShareOf: (mediaId: string) => number,
) {
  return blockers.map((b) => {
    if (b.kind !== 'recording-not-reviewed') return b;
    const filename = filenameOf(b.mediaId);
    const role = cameraRole(b.sessionId, b.mediaId);
    return { ...b, ...(filename ? { filename } : {}), ...(role ? { cameraRole: role } : {}), watchedShare: watchedShareOf(b.mediaId) };
  });
}

function summarizeWatched(ranges: readonly PlayedRange[], durationSec: number | null, minShare: number) {
  const c = watchedCoverage(ranges, durationSec);
  return { share: c.share, countedSec: c.countedSec, playedSec: c.playedSec, durationSec: c.durationSec, minShare };
}

const percent = (share: number) => `${Math.floor(share * 1000) / 10}%`;

function assertReviewOpen(c: Case): void {
  if (c.status === 'review_completed') throw new Errors.REVIEW_COMPLETED(c.caseNumber, c.reviewCompletedAt, c.reviewCompletedBy);
  if (c.status === 'closed') throw new Errors.CASE_CLOSED(c.caseNumber);
}

/** The case's live links, sessions, their recordings and latest reviews, and what blocks completion. */
async function reviewState(sql: Sql, caseId: string): Promise<{
  links: CaseMediaLink[];
  sessions: InterrogationSession[];
  recordings: (sessionId: string) => string[];
  review: (sessionId: string, mediaId: string) => RecordingReview | null;
  roleOf: (sessionId: string, mediaId: string) => { role: RecordingRole; deviceId: string | null };
  cameraRole: (sessionId: string, mediaId: string) => 'overview' | 'frontal' | null;
  required: (sessionId: string, mediaId: string) => boolean;
  blockers: ReviewBlocker[];
}> {
  const review = new ReviewRepository(sql);
  const [links, sessions] = await Promise.all([review.caseLinks(caseId), new CasesRepository(sql).sessionsOfCase(caseId)]);
  const sessionIds = sessions.map((s) => s.id);
  const joinsRepo = new RecordingJoinsRepository(sql);
  // Sequential: `sql` may be a transaction's client, on which queries cannot overlap.
  const reviews = await review.latestRecordingReviews(sessionIds);
  const joins = await joinsRepo.forSessions(sessionIds);
  const facts = await joinsRepo.reviewFacts(sessionIds);
  const linked = (sessionId: string) => [...new Set(links.filter((l) => l.via === 'session' && l.targetId === sessionId).map((l) => l.mediaId))];
  const reviewOf = (sessionId: string, mediaId: string) => reviews.find((r) => r.sessionId === sessionId && r.mediaId === mediaId) ?? null;
  const roleOf = (sessionId: string, mediaId: string): { role: RecordingRole; deviceId: string | null } => {
    const seg = facts.segmentMedia.get(`${sessionId}/${mediaId}`);
    if (seg) return { role: 'segment', deviceId: seg.deviceId };
    const mine = joins.filter((j) => j.sessionId === sessionId && j.mediaId === mediaId);
    if (mine.some((j) => !j.supersededAt)) return { role: 'joined', deviceId: mine[0]!.deviceId };
    if (mine.length) return { role: 'superseded-join', deviceId: mine[0]!.deviceId };
    return { role: 'original', deviceId: null };
  };
  const forReview: SessionForReview[] = sessions.map((s) => {
    const rec = facts.recordings.get(s.id);
    return {
      sessionId: s.id,
      recordings: linked(s.id).map((mediaId) => {
        const { role, deviceId } = roleOf(s.id, mediaId);
        return { mediaId, reviewed: reviewOf(s.id, mediaId) !== null, role, deviceId: deviceId ?? undefined };
      }),
      platform: rec
        ? {
            finalized: rec.finalized,
            camerasWithSegments: facts.camerasWithSegments.get(s.id) ?? [],
            joinedCameras: joins.filter((j) => j.sessionId === s.id && !j.supersededAt).map((j) => j.deviceId),
          }
        : undefined,
    };
  });
  // Listed on the review page: what a reviewer watches (segments are reached through their joined recording).
  const recordings = (sessionId: string) => linked(sessionId).filter((mediaId) => roleOf(sessionId, mediaId).role !== 'segment');
  const required = new Set(forReview.flatMap((s) => recordingsToReview(s).map((r) => `${s.sessionId}/${r.mediaId}`)));
  const cameraRole = (sessionId: string, mediaId: string) => (joins.find((j) => j.sessionId === sessionId && j.mediaId === mediaId)?.role ?? null) as 'overview' | 'frontal' | null;
  return { links, sessions, recordings, review: reviewOf, roleOf, cameraRole, required: (sessionId, mediaId) => required.has(`${sessionId}/${mediaId}`), blockers: reviewBlockers(forReview) };
}
