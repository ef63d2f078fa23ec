import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { unexplainedGaps, type GapReport } from '../../domain/recording-gaps.js';
import type { Db, Sql } from '../../db/db.js';
import type { CustodyEventType } from '../../domain/custody-chain.js';
import { recordingReport } from '../../db/recording-report.js';
import { CasesRepository, type Case, type InterrogationSession } from '../../db/repositories/cases-repository.js';
import { appendCustody, CustodyRepository } from '../../db/repositories/custody-repository.js';
import { RecordingsRepository, type RecordingGap, type SessionRecording } from '../../db/repositories/recordings-repository.js';
import { RoomsRepository } from '../../db/repositories/rooms-repository.js';
import { DerivativesRepository } from '../../db/repositories/derivatives-repository.js';
import { MediaRepository } from '../../db/repositories/media-repository.js';
import { RecordingJoinsRepository } from '../../db/repositories/recording-joins-repository.js';
import { gapsInJoin } from '../../domain/recording-join.js';
import { Errors } from '../../errors.js';
import type { Services } from '../../runtime/services.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { authorizeCase, userIdOf } from '../case-guard.js';
import { uuidParams } from '../case-schemas.js';
import { errorResponses } from '../schemas.js';
import { authorizeMedia, purposeOf } from '../auth/media-guard.js';
import { sendObject } from './media.js';

const TAGS = ['recording'];
const SECURITY = [{ bearer: [] }];
const nullableString = { type: ['string', 'null'] } as const;
const CAUSES = ['camera-offline', 'stream-stalled', 'recorder-restart', 'not-recording', 'unknown'];

// A join's offset entry and a jump are the same record: jumps are the entries where the file skips time, so they always have an end.
const joinOffsetProperties = { mediaOffsetSec: { type: 'number' }, wallStart: { type: 'string' }, wallEnd: { type: 'string' }, durationSec: { type: 'number' } } as const;

const gapSchema = {
  type: 'object',
  properties: {
    id: { type: ['string', 'null'], description: 'null while the recording runs (gaps are stored when it stops)' },
    deviceId: { type: 'string' },
    serial: { type: ['string', 'null'] },
    role: { type: ['string', 'null'] },
    startedAt: { type: 'string' },
    endedAt: { type: 'string' },
    durationSec: { type: 'number' },
    cause: { type: 'string', enum: CAUSES },
    reason: nullableString,
    reasonBy: nullableString,
    reasonAt: nullableString,
  },
  required: ['deviceId', 'startedAt', 'endedAt', 'durationSec', 'cause'],
} as const;

export const recordingViewSchema = {
  type: 'object',
  properties: {
    sessionId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['recording', 'stopping', 'stopped'] },
    room: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } }, required: ['id', 'name'] },
    cameras: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          deviceId: { type: 'string' },
          serial: { type: 'string' },
          role: { type: 'string' },
          recordedSec: { type: 'number' },
          coverage: { type: 'number' },
          gaps: { type: 'integer' },
          minorGaps: { type: 'integer', description: 'gaps within the tolerance (reconnects, keyframe alignment)' },
          minorGapSec: { type: 'number' },
          segments: { type: 'integer' },
        },
        required: ['deviceId', 'serial', 'role', 'coverage'],
      },
    },
    startedAt: { type: 'string' },
    startedBy: { type: 'string' },
    stopRequestedAt: nullableString,
    stoppedBy: nullableString,
    finalizedAt: nullableString,
    declaredStart: { type: 'string' },
    declaredEnd: nullableString,
    window: {
      type: 'object',
      description: 'what the recording is judged over: declared start to declared end (else the stop, else now)',
      properties: { start: { type: 'string' }, end: { type: 'string' }, seconds: { type: 'number' } },
      required: ['start', 'end', 'seconds'],
    },
    toleranceSec: { type: 'number' },
    recordedSec: { type: 'number' },
    coverage: { type: 'number', description: 'recorded seconds / (declared seconds × cameras), 0..1' },
    fullRecording: { type: 'boolean', description: 'no camera has a gap above the tolerance between the declared start and end' },
    gaps: { type: 'array', items: gapSchema },
    unexplainedGaps: { type: 'integer' },
    canMarkFull: { type: 'boolean' },
    markedFullAt: nullableString,
    markedFullBy: nullableString,
    segments: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          mediaId: { type: 'string' },
          deviceId: { type: 'string' },
          startedAt: { type: 'string' },
          endedAt: { type: 'string' },
          deviceStartedAt: nullableString,
          deviceEndedAt: nullableString,
          durationSec: { type: 'number' },
          holes: {
            type: 'array',
            description: 'stretches inside the segment where the camera sent nothing (they count as gaps)',
            items: { type: 'object', properties: { start: { type: 'string' }, end: { type: 'string' } }, required: ['start', 'end'] },
          },
          sha256: { type: 'string' },
          sizeBytes: { type: 'integer' },
          state: { type: 'string' },
        },
        required: ['mediaId', 'deviceId', 'startedAt', 'endedAt', 'sha256'],
      },
    },
    joined: {
      type: 'array',
      description:
        "One joined recording per camera (its segments concatenated losslessly into one media), made once the recording has stopped. This is what a reviewer watches and reviews. Gaps take no time in the file: offsets maps player time to wall-clock time (find the last entry with mediaOffsetSec ≤ t; wall time = wallStart + (t − mediaOffsetSec)); jumps lists where the file skips unrecorded time.",
      items: {
        type: 'object',
        properties: {
          joinId: { type: 'string' },
          deviceId: { type: 'string' },
          role: { type: 'string' },
          mediaId: { type: 'string' },
          sha256: { type: 'string' },
          state: { type: 'string' },
          wallStart: { type: 'string', description: 'wall-clock (server) time of the first frame' },
          wallEnd: { type: 'string' },
          durationSec: { type: 'number' },
          segments: { type: 'integer' },
          derivedFrom: { type: 'array', items: { type: 'object', properties: { mediaId: { type: 'string' }, sha256: { type: 'string' } }, required: ['mediaId', 'sha256'] } },
          excluded: { type: 'array', items: { type: 'object', additionalProperties: true } },
          offsets: { type: 'array', items: { type: 'object', properties: joinOffsetProperties, required: ['mediaOffsetSec', 'wallStart'] } },
          jumps: { type: 'array', items: { type: 'object', properties: joinOffsetProperties, required: ['mediaOffsetSec', 'wallStart', 'wallEnd', 'durationSec'] } },
          operation: { type: 'object', additionalProperties: true, description: 'exact ffmpeg arguments and tool versions' },
          createdAt: { type: 'string' },
        },
        required: ['joinId', 'deviceId', 'role', 'mediaId', 'sha256', 'wallStart', 'offsets'],
      },
    },
    pip: {
      type: ['object', 'null'],
      description: 'the picture-in-picture review proxy (frontal inset over overview, wall-clock time burned in), once made: GET …/recording/pip',
      properties: {
        sha256: { type: 'string' },
        sizeBytes: { type: 'integer' },
        width: { type: 'integer' },
        height: { type: 'integer' },
        windowStart: { type: 'string' },
        windowEnd: { type: 'string' },
        parents: { type: 'array', items: { type: 'object', additionalProperties: true } },
        createdAt: { type: 'string' },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string' },
          deviceId: nullableString,
          kind: { type: 'string' },
          cause: nullableString,
          details: { type: 'object', additionalProperties: true },
        },
        required: ['at', 'kind'],
      },
    },
  },
  required: ['sessionId', 'status', 'room', 'cameras', 'coverage', 'fullRecording', 'gaps', 'segments'],
} as const;

const sessionParams = uuidParams;
const gapParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, gapId: { type: 'string', format: 'uuid' } }, required: ['id', 'gapId'] } as const;

type SessionAction = 'operate' | 'read' | 'attest';

/**
 * Recording of interrogation sessions by the platform: switch on and off (the interrogating officers, reviewers and
 * unit heads of the case's unit, admins), see segments, gaps, coverage and the full-recording verdict, give each gap
 * a reason, and mark the session as recorded in full (reviewers), which every gap's reason must precede.
 * Switching on and off only records the wish; the recording supervisor (devices/recording-supervisor.ts) acts on it.
 */
export async function recordingPlugin(app: FastifyInstance, opts: { services: Services }) {
  const { db, config } = opts.services;
  const cases = new CasesRepository(db);
  const recordings = new RecordingsRepository(db);
  const rooms = new RoomsRepository(db);
  const joins = new RecordingJoinsRepository(db);
  const derivatives = new DerivativesRepository(db);
  const operators = app.requireRole('officer', 'reviewer', 'unit_head', 'admin');
  const attesters = app.requireRole('reviewer', 'unit_head', 'admin');

  async function load(id: string, p: Principal, action: SessionAction): Promise<{ session: InterrogationSession; c: Case }> {
    const session = await cases.findSession(id);
    if (!session) throw new Errors.NOT_FOUND(`interrogation session ${id}`);
    const c = (await cases.findCase(session.caseId))!;
    await authorizeSession(db, p, session, c, action);
    return { session, c };
  }

  /** Pipeline state by media id: segments and joins are media, and the view shows where each one is. */
  async function mediaStates(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await db.query<{ id: string; state: string }>('select id, state from media where id = any($1::uuid[])', [ids]);
    return new Map(rows.map((m) => [m.id, m.state]));
  }

  async function view(session: InterrogationSession, rec: SessionRecording) {
    const room = await rooms.findRoom(rec.roomId);
    const { report, segments, events } = await recordingReport(db, session, rec, config.RECORDING_GAP_TOLERANCE_SEC);
    const stored = rec.finalizedAt ? await recordings.gaps(session.id) : null;
    const camById = new Map(rec.cameras.map((c) => [c.deviceId, c]));
    const states = await mediaStates(segments.map((s) => s.mediaId));
    const gaps = stored ? stored.map((g) => gapOut(g, camById)) : liveGaps(report, camById);
    const unexplained = stored ? unexplainedGaps(stored).length : report.gaps.length;
    return {
      sessionId: session.id,
      status: rec.status,
      room: { id: rec.roomId, name: room?.name ?? session.room },
      cameras: rec.cameras.map((c) => {
        const cov = report.cameras.find((x) => x.cameraId === c.deviceId);
        return { ...c, recordedSec: cov?.recordedSec ?? 0, coverage: cov?.coverage ?? 0, gaps: cov?.gaps ?? 0, minorGaps: cov?.minorGaps ?? 0, minorGapSec: cov?.minorGapSec ?? 0, segments: segments.filter((s) => s.deviceId === c.deviceId).length };
      }),
      startedAt: rec.startedAt,
      startedBy: rec.startedBy,
      stopRequestedAt: rec.stopRequestedAt,
      stoppedBy: rec.stoppedBy,
      finalizedAt: rec.finalizedAt,
      declaredStart: session.declaredStart,
      declaredEnd: session.declaredEnd,
      window: { start: new Date(report.windowStart).toISOString(), end: new Date(report.windowEnd).toISOString(), seconds: report.declaredSec },
      toleranceSec: config.RECORDING_GAP_TOLERANCE_SEC,
      recordedSec: report.recordedSec,
      coverage: rec.finalizedAt && rec.coverage !== null ? rec.coverage : report.coverage,
      fullRecording: rec.finalizedAt && rec.fullRecording !== null ? rec.fullRecording : report.fullRecording,
      gaps,
      unexplainedGaps: unexplained,
      canMarkFull: rec.status === 'stopped' && unexplained === 0 && !rec.markedFullAt,
      markedFullAt: rec.markedFullAt,
      markedFullBy: rec.markedFullBy,
      segments: segments.map((s) => ({ ...s, state: states.get(s.mediaId) ?? 'unknown' })),
      events: events.slice(-500).map((e) => ({ at: e.at, deviceId: e.deviceId, kind: e.kind, cause: e.cause, details: e.details })),
      ...(await joinedView(session.id)),
    };
  }

  /** The session's current joined recordings (with their media state) and its PiP proxy, if made. */
  async function joinedView(sessionId: string) {
    const current = await joins.current(sessionId);
    const states = await mediaStates(current.map((j) => j.mediaId));
    const overview = current.find((j) => j.role === 'overview');
    const pip = overview ? await derivatives.find(overview.mediaId, 'pip') : null;
    return {
      joined: current.map((j) => ({
        joinId: j.id,
        deviceId: j.deviceId,
        role: j.role,
        mediaId: j.mediaId,
        sha256: j.sha256,
        state: states.get(j.mediaId) ?? 'unknown',
        wallStart: j.wallStart,
        wallEnd: j.wallEnd,
        durationSec: j.durationSec,
        segments: j.segments.length,
        derivedFrom: j.segments.map((x) => ({ mediaId: x.mediaId, sha256: x.sha256 })),
        excluded: j.excluded,
        offsets: j.offsets,
        jumps: gapsInJoin(j.offsets),
        operation: j.operation,
        createdAt: j.createdAt,
      })),
      pip: pip
        ? {
            sha256: pip.sha256,
            sizeBytes: Number(pip.sizeBytes),
            width: pip.details.width as number,
            height: pip.details.height as number,
            windowStart: pip.details.windowStart as string,
            windowEnd: pip.details.windowEnd as string,
            parents: (pip.operation.inputs as unknown[]) ?? [],
            createdAt: pip.createdAt,
          }
        : null,
    };
  }

  app.post<{ Params: { id: string } }>(
    '/api/v1/interrogation-sessions/:id/recording/start',
    {
      onRequest: operators,
      schema: {
        summary: "Switch on the platform's recording of a session: every camera of its room, in segments (a custody event)",
        description:
          "The session's room must exist (by name) with cameras attached. Allowed to the session's interrogating officers, reviewers and unit heads of the case's unit, and admins. Answers at once; a recorder picks the session up within a second. Switching on again after a stop resumes recording (the time between is a not-recording gap).",
        tags: TAGS,
        security: SECURITY,
        params: sessionParams,
        response: { 202: recordingViewSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { session, c } = await load(req.params.id, req.principal!, 'operate');
      const room = await rooms.findRoomByName(session.room);
      if (!room) throw new Errors.ROOM_NOT_CONFIGURED(session.room);
      const actor = actorOf(req.principal!);
      const rec = await db.transaction(async (tx) => {
        const r = new RoomsRepository(tx);
        await r.lockRoom(room.id);
        const cameras = await r.camerasOf(room.id);
        if (!cameras.length) throw new Errors.ROOM_NOT_CONFIGURED(session.room);
        const busy = await r.activeSessionOf(room.id);
        const repo = new RecordingsRepository(tx);
        const current = await repo.findForUpdate(session.id);
        if (current?.desired === 'recording') throw new Errors.RECORDING_ACTIVE(session.id, current.startedAt, current.startedBy);
        if (busy && busy !== session.id) throw new Errors.ROOM_RECORDING(room.name, busy);
        const started = await repo.switchOn({ sessionId: session.id, roomId: room.id, cameras: cameras.map((x) => ({ deviceId: x.deviceId, serial: x.serial, role: x.role })), actor });
        await repo.insertEvent({ id: randomUUID(), sessionId: session.id, deviceId: null, at: new Date(), kind: 'recording-started', cause: null, details: { actor, resumed: current !== null } });
        await appendSessionCustody(tx, 'recording.started', actor, { sessionId: session.id, caseId: c.id, caseNumber: c.caseNumber, room: room.name, cameras: started.cameras, resumed: current !== null });
        return started;
      });
      req.log.info({ sessionId: session.id, room: room.name }, 'recording switched on');
      return reply.code(202).send(await view(session, rec));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/interrogation-sessions/:id/recording/stop',
    {
      onRequest: operators,
      schema: {
        summary: 'Switch the recording of a session off (a custody event); gaps are computed once the last segments are in',
        description: 'The recording goes to status "stopping", then "stopped" once the recorder has closed and ingested the open segments and stored the gaps.',
        tags: TAGS,
        security: SECURITY,
        params: sessionParams,
        response: { 202: recordingViewSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { session, c } = await load(req.params.id, req.principal!, 'operate');
      const actor = actorOf(req.principal!);
      const rec = await db.transaction(async (tx) => {
        const repo = new RecordingsRepository(tx);
        const current = await repo.findForUpdate(session.id);
        if (!current || current.desired !== 'recording') throw new Errors.RECORDING_NOT_ACTIVE(session.id);
        const stopped = (await repo.switchOff(session.id, actor))!;
        await repo.insertEvent({ id: randomUUID(), sessionId: session.id, deviceId: null, at: new Date(), kind: 'recording-stopped', cause: null, details: { actor } });
        await appendSessionCustody(tx, 'recording.stopped', actor, { sessionId: session.id, caseId: c.id, caseNumber: c.caseNumber });
        return stopped;
      });
      return reply.code(202).send(await view(session, rec));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/interrogation-sessions/:id/recording',
    {
      onRequest: operators,
      schema: {
        summary: "A session's recording: segments (each a media), gaps with causes and reasons, coverage, and whether it is a full recording",
        description: 'While recording runs, gaps are computed live up to now (id null); once stopped they are stored and need reasons.',
        tags: TAGS,
        security: SECURITY,
        params: sessionParams,
        response: { 200: recordingViewSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const { session } = await load(req.params.id, req.principal!, 'read');
      const rec = await recordings.find(session.id);
      if (!rec) throw new Errors.NOT_FOUND(`recording of interrogation session ${session.id} (it was never switched on)`);
      return view(session, rec);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { purpose?: string } }>(
    '/api/v1/interrogation-sessions/:id/recording/pip',
    {
      onRequest: operators,
      schema: {
        summary: 'Stream the picture-in-picture review proxy of a session (H.264/AAC MP4 ≤720p, HTTP Range). Recorded in the custody chain as a view.',
        description:
          "Frontal camera inset over the room overview, made from the two joined recordings on one wall-clock timeline (gaps show as NO RECORDING), with the time burned in. Authorised like the overview's joined recording itself (EVM_FORBIDDEN, logged); 404 until it is made. The view is logged once per opening request (no Range, or a Range from byte 0), with the stated purpose.",
        tags: TAGS,
        security: SECURITY,
        params: sessionParams,
        querystring: { type: 'object', properties: { purpose: { type: 'string', maxLength: 500 } } },
        response: errorResponses(401, 403, 404, 416),
      },
    },
    async (req, reply) => {
      const session = await cases.findSession(req.params.id);
      if (!session) throw new Errors.NOT_FOUND(`interrogation session ${req.params.id}`);
      const overview = (await joins.current(session.id)).find((j) => j.role === 'overview');
      const m = overview ? await new MediaRepository(db).findById(overview.mediaId) : null;
      if (!overview || !m) throw new Errors.NOT_FOUND(`picture-in-picture proxy of session ${session.id} (no joined overview recording yet)`);
      await authorizeMedia(db, req.principal!, m, 'view');
      const d = await derivatives.find(m.id, 'pip');
      if (!d) throw new Errors.NOT_FOUND(`picture-in-picture proxy of session ${session.id} (not made yet)`);
      const onOpening = async () =>
        void (await appendCustody(db, {
          mediaId: m.id,
          uploadId: null,
          type: 'media.viewed',
          actor: actorOf(req.principal!),
          details: { derivative: 'pip', sha256: d.sha256, sessionId: session.id, parents: d.operation.inputs ?? null, ip: req.ip, purpose: purposeOf(req.query) },
        }));
      return sendObject(req, reply, opts.services.store, d.objectKey, { contentType: d.contentType, etag: `"${d.sha256}"`, onOpening });
    },
  );

  app.post<{ Params: { id: string; gapId: string }; Body: { reason: string } }>(
    '/api/v1/interrogation-sessions/:id/gaps/:gapId/reason',
    {
      onRequest: operators,
      schema: {
        summary: 'Give the reason for a recording gap (who, when and why are kept; a custody event)',
        description: 'Once given, a reason is kept as given (EVM_GAP_ALREADY_EXPLAINED).',
        tags: TAGS,
        security: SECURITY,
        params: gapParams,
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 4000 } }, required: ['reason'] },
        response: { 200: gapSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { session, c } = await load(req.params.id, req.principal!, 'read');
      const reason = req.body.reason.trim();
      if (!reason) throw new Errors.VALIDATION('reason must not be blank');
      const actor = actorOf(req.principal!);
      const gap = await db.transaction(async (tx) => {
        const repo = new RecordingsRepository(tx);
        const g = await repo.findGapForUpdate(req.params.gapId);
        if (!g || g.sessionId !== session.id || g.supersededAt) throw new Errors.NOT_FOUND(`gap ${req.params.gapId} of session ${session.id}`);
        if (g.reason) throw new Errors.GAP_ALREADY_EXPLAINED(g.id, g.reasonBy, g.reasonAt);
        const explained = await repo.explainGap(g.id, reason, actor, userIdOf(req.principal!));
        await appendSessionCustody(tx, 'recording.gap_explained', actor, { gapId: g.id, sessionId: session.id, caseId: c.id, deviceId: g.deviceId, startedAt: g.startedAt, endedAt: g.endedAt, durationSec: g.durationSec, cause: g.cause, reason });
        return explained;
      });
      const rec = await recordings.find(session.id);
      return gapOut(gap, new Map((rec?.cameras ?? []).map((x) => [x.deviceId, x])));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/interrogation-sessions/:id/recording/mark-full',
    {
      onRequest: attesters,
      schema: {
        summary: 'Mark the session as recorded in full (reviewer; a custody event)',
        description:
          'Only once the recording has stopped (EVM_RECORDING_NOT_FINALIZED), and only when every gap has a reason (EVM_RECORDING_GAPS_UNEXPLAINED). The verdict fullRecording (no gap above the tolerance) is recorded with the mark.',
        tags: TAGS,
        security: SECURITY,
        params: sessionParams,
        response: { 200: recordingViewSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { session, c } = await load(req.params.id, req.principal!, 'attest');
      const actor = actorOf(req.principal!);
      const rec = await db.transaction(async (tx) => {
        const repo = new RecordingsRepository(tx);
        const current = await repo.findForUpdate(session.id);
        if (!current) throw new Errors.NOT_FOUND(`recording of interrogation session ${session.id}`);
        if (current.status !== 'stopped') throw new Errors.RECORDING_NOT_FINALIZED(session.id, current.status);
        if (current.markedFullAt) throw new Errors.RECORDING_ALREADY_MARKED(session.id, current.markedFullAt, current.markedFullBy);
        const gaps = await repo.gaps(session.id);
        const missing = unexplainedGaps(gaps);
        if (missing.length) throw new Errors.RECORDING_GAPS_UNEXPLAINED(session.id, missing.length);
        const marked = await repo.markFull(session.id, actor);
        await appendSessionCustody(tx, 'recording.marked_full', actor, { sessionId: session.id, caseId: c.id, caseNumber: c.caseNumber, coverage: current.coverage, fullRecording: current.fullRecording, explainedGaps: gaps.map((g) => ({ gapId: g.id, durationSec: g.durationSec, cause: g.cause, reason: g.reason })) });
        return marked;
      });
      return view(session, rec);
    },
  );
}

type GapFields = Pick<RecordingGap, 'deviceId' | 'startedAt' | 'endedAt' | 'durationSec' | 'cause' | 'reason' | 'reasonBy' | 'reasonAt'> & { id: string | null };

function gapOut(g: GapFields, cams: Map<string, { serial: string; role: string }>) {
  const cam = cams.get(g.deviceId);
  return {
    id: g.id,
    deviceId: g.deviceId,
    serial: cam?.serial ?? null,
    role: cam?.role ?? null,
    startedAt: g.startedAt,
    endedAt: g.endedAt,
    durationSec: g.durationSec,
    cause: g.cause,
    reason: g.reason,
    reasonBy: g.reasonBy,
    reasonAt: g.reasonAt,
  };
}

/** Gaps of a recording still running are not stored yet, so they have no id and no reason. */
function liveGaps(report: GapReport, cams: Map<string, { serial: string; role: string }>) {
  return report.gaps.map((g) =>
    gapOut({ id: null, deviceId: g.cameraId, startedAt: new Date(g.start).toISOString(), endedAt: new Date(g.end).toISOString(), durationSec: g.durationSec, cause: g.cause, reason: null, reasonBy: null, reasonAt: null }, cams),
  );
}

/** A recording's custody events belong to its session, not to one media or upload. */
function appendSessionCustody(tx: Sql, type: CustodyEventType, actor: string, details: Record<string, unknown>) {
  return new CustodyRepository(tx).append({ mediaId: null, uploadId: null, type, actor, details });
}

/**
 * Who may act on a session's recording: its interrogating officers operate it and explain its gaps; reviewers and
 * unit heads within the case's scope do all of that and attest it; admins everything. Refusals are custody events.
 */
async function authorizeSession(db: Db, p: Principal, session: InterrogationSession, c: Case, action: SessionAction): Promise<void> {
  if (p.kind === 'user' && p.user.role === 'officer') {
    const interrogator = p.user.officerNumber !== null && session.interrogators.includes(p.user.officerNumber);
    if (interrogator && action !== 'attest') return;
    const reason = interrogator ? 'an interrogating officer cannot attest their own recording' : 'only the interrogating officers of this session';
    await appendCustody(db, { mediaId: null, uploadId: null, type: 'access.refused', actor: actorOf(p), details: { action: `recording-${action}`, sessionId: session.id, caseId: c.id, reason } });
    throw new Errors.FORBIDDEN(reason);
  }
  await authorizeCase(db, p, c, `recording-${action}`);
}
