/**
 * Joins one camera's segments of a finalized session recording into one MP4 (ffmpeg concat demuxer, stream copy,
 * +faststart) and hands it to the one ingest path as its own media, so it is hashed, stored, verified, probed,
 * proxied and thumbnailed like any footage. The join row records what it was made from (segment media ids and
 * hashes in order), exactly how (ffmpeg arguments, tool versions), where each segment landed (offset table), and
 * the joined media is linked to the session: it is what the case review asks a reviewer to watch.
 *
 * Idempotent: the same segments always give the same fingerprint and (bit-exact muxing) the same bytes, so a retry
 * after a crash lands on the same media through the content index, and the unique indexes on recording_joins let
 * exactly one row stand. Nothing is held in memory: segments are read in place (local disk) or streamed to a
 * scratch folder (S3) one by one, and the output streams to the store.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { LocalDiskStore } from '../storage/local-disk-store.js';
import { timeoutFor } from '../src/domain/ffmpeg-timeout.js';
import type { MediaState } from '../src/domain/media-state.js';
import { concatList, joinArgs, joinedFilename, planJoin } from '../src/domain/recording-join.js';
import type { DeclaredMedia } from '../src/domain/upload-metadata.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DevicesRepository } from '../src/db/repositories/devices-repository.js';
import { LinksRepository } from '../src/db/repositories/links-repository.js';
import { RecordingJoinsRepository } from '../src/db/repositories/recording-joins-repository.js';
import { RecordingsRepository } from '../src/db/repositories/recordings-repository.js';
import { ContentHasher } from '../src/ingest/content-hasher.js';
import type { IngestService } from '../src/ingest/ingest-service.js';
import { addLink } from '../src/ingest/link-writer.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';
import { toolVersions } from '../src/media/tool-versions.js';
import type { JobPayload } from '../src/queue/jobs.js';
import { withScratch } from './lib/local-copy.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';

export const JOIN_ACTOR = 'system:recording-join';
/** Segments still on their way through verify and probe: look again after this long (not counted as a failure). */
const WAIT_MS = 2_000;
// A stream copy runs at ~400 × realtime here; 100 × leaves room for a busy host and for S3 downloads.
const REALTIME = 100;

export interface JoinDeps extends PipelineDeps {
  ingest: IngestService;
  sm3: boolean;
}

export function joinRecordingHandler(deps: JoinDeps) {
  return async (job: Job<JobPayload<'join-recording'>>, token?: string): Promise<unknown> => {
    const { sessionId, deviceId } = job.data;
    const { db, store } = deps;
    const rec = await new RecordingsRepository(db).find(sessionId);
    if (!rec) throw new UnrecoverableError(`no recording of session ${sessionId}`);
    // Not finalized (still recording, or switched on again): the next finalization enqueues the join again.
    if (!rec.finalizedAt) return { skipped: rec.status };
    const camera = rec.cameras.find((c) => c.deviceId === deviceId);
    const segments = (await new RecordingsRepository(db).segments(sessionId)).filter((s) => s.deviceId === deviceId);
    if (!segments.length) return { skipped: 'no segments' };
    const media = await db.query<{ id: string; state: MediaState; duration_sec: number | null; error_code: string | null; object_key: string }>(
      'select id, state, duration_sec, error_code, object_key from media where id = any($1::uuid[])',
      [segments.map((s) => s.mediaId)],
    );
    const byId = new Map(media.map((m) => [m.id, m]));
    const plan = planJoin(
      segments.map((s) => {
        const m = byId.get(s.mediaId);
        return { mediaId: s.mediaId, sha256: s.sha256, state: m?.state ?? 'stored', startedAt: s.startedAt, endedAt: s.endedAt, mediaDurationSec: m?.duration_sec ?? null, errorCode: m?.error_code ?? null };
      }),
    );
    if (plan.status === 'pending') {
      if (!token) throw new Error(`segments not yet verified and probed: ${plan.waitingFor.length}`);
      await job.moveToDelayed(Date.now() + WAIT_MS, token);
      throw new DelayedError();
    }
    if (plan.status === 'empty') throw new UnrecoverableError(`session ${sessionId}, camera ${deviceId}: no segment is usable (${plan.excluded.map((e) => e.reason).join('; ')})`);

    const joins = new RecordingJoinsRepository(db);
    const same = await joins.byFingerprint(sessionId, deviceId, plan.fingerprint);
    if (same) {
      // Joined before (a duplicate job, or a recording switched on again that added nothing): that join stands.
      if (!same.supersededAt && same.recordingFinalizedAt !== rec.finalizedAt) await joins.coverFinalization(same.id, rec.finalizedAt);
      return { existing: same.id, mediaId: same.mediaId };
    }

    const device = await new DevicesRepository(db).findById(deviceId);
    if (!device) throw new UnrecoverableError(`camera ${deviceId} is not registered`);
    const role = camera?.role ?? 'overview';
    const serial = camera?.serial ?? device.serial;

    const created = await withScratch(deps.scratch, async (dir) => {
      // The concat demuxer needs every input as a file it can open; originals on local disk are read in place.
      const inputs: string[] = [];
      for (const [i, s] of plan.segments.entries()) {
        const key = byId.get(s.mediaId)!.object_key;
        if (store instanceof LocalDiskStore) inputs.push(store.pathFor(key));
        else {
          const file = path.join(dir, `seg-${String(i).padStart(6, '0')}.mp4`);
          await pipeline(await store.get(key), createWriteStream(file, { highWaterMark: 1024 * 1024 }));
          inputs.push(file);
        }
      }
      const list = path.join(dir, 'segments.ffconcat');
      await writeFile(list, concatList(inputs));
      const output = path.join(dir, 'joined.mp4');
      const args = joinArgs(list, output);
      await runFfmpeg({
        args,
        timeoutMs: timeoutFor(plan.durationSec, REALTIME) * 2 ** job.attemptsMade,
        durationSec: plan.durationSec,
        onProgress: (p) => void job.updateProgress(Math.round(p)).catch(() => undefined),
      });
      const tools = await toolVersions();
      const digests = (await ContentHasher.ofFile(output, deps.sm3)).digest();
      const declared: DeclaredMedia = {
        sha256: digests.sha256,
        sm3: digests.sm3,
        filename: joinedFilename(serial, role, plan.wallStart, deps.config.CLOCK_UTC_OFFSET_MINUTES),
        originalFilename: null,
        deviceSerial: serial,
        officerId: null,
        recordedAt: plan.wallStart,
        recordedEnd: plan.wallEnd,
        flags: [],
        caseNumber: null,
        vendor: {
          source: 'recording-join',
          sessionId,
          role,
          segments: String(plan.segments.length),
          segmentsFingerprint: plan.fingerprint,
          joinedDurationSec: String(plan.durationSec),
        },
      };
      const result = await deps.ingest.ingest({ path: output, digests, declared, device, uploadId: null });
      // Paths are per run; provenance keeps the arguments with stable placeholders.
      const recordedArgs = args.map((a) => a.replace(list, '{concatList}').replace(output, '{output}'));
      const operation = { tool: 'ffmpeg', tools, mode: 'concat-copy', args: recordedArgs, concatList: 'ffconcat version 1.0; one "file" line per segment, in the order of "segments"' };
      return { media: result.media, outcome: result.outcome, operation, digests };
    });
    if (created.outcome === 'rejected') throw new Error(`the joined file of session ${sessionId} was rejected on ingest`);

    const joinId = randomUUID();
    const inserted = await db.transaction(async (tx) => {
      const links = new LinksRepository(tx);
      await links.lockMedia(created.media.id);
      const row = await new RecordingJoinsRepository(tx).insertCurrent({
        id: joinId,
        sessionId,
        deviceId,
        role,
        mediaId: created.media.id,
        sha256: created.media.sha256,
        segmentsFingerprint: plan.fingerprint,
        recordingFinalizedAt: rec.finalizedAt!,
        segments: plan.segments,
        excluded: plan.excluded,
        offsets: plan.offsets,
        wallStart: plan.wallStart,
        wallEnd: plan.wallEnd,
        durationSec: plan.durationSec,
        operation: created.operation,
      });
      if (!row) return null;
      await new CustodyRepository(tx).append({
        mediaId: created.media.id,
        uploadId: null,
        type: 'recording.joined',
        actor: JOIN_ACTOR,
        details: {
          joinId,
          sessionId,
          deviceId,
          serial,
          role,
          sha256: created.media.sha256,
          derivedFrom: plan.segments.map((s) => ({ mediaId: s.mediaId, sha256: s.sha256 })),
          excluded: plan.excluded,
          segmentsFingerprint: plan.fingerprint,
          wallStart: plan.wallStart,
          wallEnd: plan.wallEnd,
          durationSec: plan.durationSec,
          operation: created.operation,
        },
      });
      const target = { sessionId };
      if (!(await links.findLive(created.media.id, target)) && !(await links.wasRemoved(created.media.id, target))) {
        await addLink(tx, {
          mediaId: created.media.id,
          target,
          source: 'auto',
          reason: `joined recording of the ${role} camera ${serial}: ${plan.segments.length} segment(s) in one file`,
          actor: JOIN_ACTOR,
          details: { joinId, recordedAt: plan.wallStart, recordedEnd: plan.wallEnd },
        });
      }
      return row;
    });
    if (!inserted) return { raced: true, mediaId: created.media.id };
    deps.log.info({ sessionId, deviceId, mediaId: created.media.id, segments: plan.segments.length, durationSec: plan.durationSec }, 'recording joined');
    // With both an overview and a frontal join in place, the session's picture-in-picture proxy is owed.
    const roles = new Set((await joins.current(sessionId)).map((j) => j.role));
    if (roles.has('overview') && roles.has('frontal')) await deps.queues.enqueue('pip-proxy', { sessionId });
    return { joined: joinId, mediaId: created.media.id };
  };
}
