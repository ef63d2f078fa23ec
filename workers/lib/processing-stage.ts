import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../../src/db/db.js';
import { CustodyRepository } from '../../src/db/repositories/custody-repository.js';
import { MediaRepository, type Media } from '../../src/db/repositories/media-repository.js';
import { codeOf, isEvmError } from '../../src/errors.js';

/**
 * Runs a processing stage; when it fails for good (bad input, or the last retry) the media is marked failed with
 * the error's code, once, while its original stays stored and verified. Bad input is not retried.
 */
export async function processingStage(
  deps: { db: Db; log: Logger; stopping?: AbortSignal },
  job: Job<{ mediaId: string }>,
  work: (media: Media) => Promise<void>,
): Promise<unknown> {
  const { mediaId } = job.data;
  const repo = new MediaRepository(deps.db);
  const media = await repo.findById(mediaId);
  if (!media) throw new UnrecoverableError(`media ${mediaId} does not exist`);
  if (media.state !== 'verified' && media.state !== 'processing') return { skipped: media.state };
  await repo.markProcessing(mediaId);
  try {
    await work(media);
    return { done: job.name };
  } catch (err) {
    // The worker is shutting down and killed this stage's tools: a killed ffprobe reads like a truncated file, and
    // a good original was marked failed for it. The job is left to run again (another worker, or this one restarted).
    if (deps.stopping?.aborted) throw err;
    // A full disk is the deployment's condition, not the footage's: the media is never marked failed for it, the job
    // fails visibly with EVM_STORAGE_FULL and is retried (or retried by an admin) once there is space.
    if (isEvmError(err) && err.code === codeOf('STORAGE_FULL')) throw err;
    const badInput = isEvmError(err) && err.statusCode === 422;
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (badInput || lastTry) {
      const code = isEvmError(err) ? err.code : codeOf('INTERNAL');
      const message = (err as Error).message;
      await deps.db.transaction(async (tx) => {
        if (await new MediaRepository(tx).markFailed(mediaId, code, message)) {
          await new CustodyRepository(tx).append({ mediaId, uploadId: null, type: 'media.failed', actor: 'system:pipeline', details: { stage: job.name, code, message } });
        }
      });
      deps.log.warn({ mediaId, stage: job.name, code, message }, 'processing failed; original kept');
      if (badInput) throw new UnrecoverableError(`${code}: ${message}`);
    }
    throw err;
  }
}
