/**
 * The picture-in-picture review proxy of an interrogation session: the frontal camera's joined recording inset
 * over the overview's, both on one wall-clock timeline with gaps shown as "NO RECORDING", the time burned in;
 * H.264/AAC ≤720p. Stored as a derivative of the overview's joined recording (kind 'pip') whose provenance names
 * both parents' hashes, the exact ffmpeg arguments and the tool versions. Made from verified, probed joins only.
 */
import path from 'node:path';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { timeoutFor } from '../src/domain/ffmpeg-timeout.js';
import { planPip } from '../src/domain/pip-plan.js';
import { CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DerivativesRepository } from '../src/db/repositories/derivatives-repository.js';
import { MediaRepository, type Media } from '../src/db/repositories/media-repository.js';
import { RecordingJoinsRepository } from '../src/db/repositories/recording-joins-repository.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';
import { toolVersions } from '../src/media/tool-versions.js';
import type { JobPayload } from '../src/queue/jobs.js';
import { withLocalCopy, withScratch } from './lib/local-copy.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';
import { storeDerivative } from './lib/store-derivative.js';

const WAIT_MS = 2_000;
// Two decodes and one 720p encode share the two cores: well below the 4 × of a single transcode.
const REALTIME = 1;

export function pipProxyHandler(deps: PipelineDeps) {
  return async (job: Job<JobPayload<'pip-proxy'>>, token?: string): Promise<unknown> => {
    const { sessionId } = job.data;
    const joins = await new RecordingJoinsRepository(deps.db).current(sessionId);
    const ov = joins.find((j) => j.role === 'overview');
    const fr = joins.find((j) => j.role === 'frontal');
    if (!ov || !fr) return { skipped: 'needs an overview and a frontal joined recording' };
    const repo = new MediaRepository(deps.db);
    const [om, fm] = await Promise.all([repo.findById(ov.mediaId), repo.findById(fr.mediaId)]);
    if (!om || !fm) throw new UnrecoverableError(`joined media of session ${sessionId} not found`);
    const existing = await new DerivativesRepository(deps.db).find(om.id, 'pip');
    if (existing) {
      if (pipParentsAre(existing.operation, om.id, fm.id)) return { existing: true };
      // Made from a joined recording since replaced (the session was resumed and stopped again): made anew, not kept stale.
      await deps.db.transaction(async (tx) => {
        await new DerivativesRepository(tx).remove(om.id, 'pip');
        await new CustodyRepository(tx).append({
          mediaId: om.id,
          uploadId: null,
          type: 'derivative.superseded',
          actor: 'system:pip-proxy',
          details: { kind: 'pip', sha256: existing.sha256, sessionId, parents: existing.operation.inputs ?? null, now: { overviewMediaId: om.id, frontalMediaId: fm.id } },
        });
      });
    }
    for (const m of [om, fm]) {
      if (m.state === 'rejected' || (m.state === 'failed' && !m.probe)) throw new UnrecoverableError(`joined recording ${m.id} is ${m.state}: no picture-in-picture from it`);
    }
    // Verified and probed first: the proxy is made from bytes that match their hash, at their real size and rate.
    if (!ready(om) || !ready(fm)) {
      if (!token) throw new Error('joined recordings not yet verified and probed');
      await job.moveToDelayed(Date.now() + WAIT_MS, token);
      throw new DelayedError();
    }
    const [op, fp] = [om.probe!, fm.probe!];
    if (!op.video || !fp.video) throw new UnrecoverableError('a joined recording has no video');
    const plan = planPip({
      overview: { width: op.video.width, height: op.video.height, fps: op.video.fps, hasAudio: op.audio !== null, offsets: ov.offsets },
      frontal: { width: fp.video.width, height: fp.video.height, fps: fp.video.fps, hasAudio: fp.audio !== null, offsets: fr.offsets },
      utcOffsetMinutes: deps.config.CLOCK_UTC_OFFSET_MINUTES,
    });
    await withScratch(deps.scratch, (dir) =>
      withLocalCopy(deps.store, om.objectKey, deps.scratch, (overviewPath) =>
        withLocalCopy(deps.store, fm.objectKey, deps.scratch, async (frontalPath) => {
          const output = path.join(dir, 'pip.mp4');
          const args = plan.args(overviewPath, frontalPath, output);
          await runFfmpeg({
            args,
            timeoutMs: timeoutFor(plan.durationSec, REALTIME) * 2 ** job.attemptsMade,
            durationSec: plan.durationSec,
            onProgress: (p) => void job.updateProgress(Math.round(p)).catch(() => undefined),
          });
          const tools = await toolVersions();
          const recorded = args.map((a) => a.replace(overviewPath, '{overview}').replace(frontalPath, '{frontal}').replace(output, '{output}'));
          await storeDerivative(
            deps,
            om,
            'pip',
            output,
            {
              tool: 'ffmpeg',
              tools,
              mode: 'transcode',
              reason: 'picture-in-picture: frontal inset over overview on one wall-clock timeline, gaps shown, time burned in; libx264 veryfast crf 23, AAC 128k',
              inputs: [
                { role: 'overview', mediaId: om.id, sha256: om.sha256, joinId: ov.id },
                { role: 'frontal', mediaId: fm.id, sha256: fm.sha256, joinId: fr.id },
              ],
              args: recorded,
            },
            {
              sessionId,
              width: plan.layout.width,
              height: plan.layout.height,
              inset: plan.layout.inset,
              fps: plan.fps,
              audioFrom: plan.audioFrom,
              windowStart: plan.windowStart,
              windowEnd: plan.windowEnd,
              durationSec: plan.durationSec,
              utcOffsetMinutes: deps.config.CLOCK_UTC_OFFSET_MINUTES,
            },
          );
        }),
      ),
    );
    deps.log.info({ sessionId, mediaId: om.id, width: plan.layout.width, height: plan.layout.height }, 'picture-in-picture proxy made');
    return { pip: om.id };
  };
}

/**
 * Was this PiP made from exactly these two joined recordings? By media, not by join row: a join re-derived from the
 * same segments lands on the same media (bit-exact), and its PiP stays valid.
 */
export function pipParentsAre(operation: Record<string, unknown>, overviewMediaId: string, frontalMediaId: string): boolean {
  const inputs = (operation.inputs ?? []) as Array<{ role?: string; mediaId?: string }>;
  const mediaOf = (role: string) => inputs.find((i) => i.role === role)?.mediaId;
  return mediaOf('overview') === overviewMediaId && mediaOf('frontal') === frontalMediaId;
}

function ready(m: Media): boolean {
  return m.probe !== null && (m.state === 'verified' || m.state === 'processing' || m.state === 'ready' || m.state === 'failed');
}
