import { nextStage } from '../../src/domain/pipeline.js';
import { DerivativesRepository } from '../../src/db/repositories/derivatives-repository.js';
import { MediaRepository } from '../../src/db/repositories/media-repository.js';
import { LinksRepository } from '../../src/db/repositories/links-repository.js';
import type { Db } from '../../src/db/db.js';
import type { JobQueues } from '../../src/queue/queues.js';

/**
 * Moves a media to whatever PostgreSQL says is owed next: enqueue that stage, or mark it ready. Handlers call it
 * when they finish and the reconciler calls it for anything Redis forgot, so the two can never disagree.
 */
export async function advance(deps: { db: Db; queues: JobQueues }, mediaId: string): Promise<string | null> {
  const media = await new MediaRepository(deps.db).findById(mediaId);
  if (!media) return null;
  // Verified footage is owed automatic linking once (PostgreSQL records when it ran); it runs beside the stages.
  if (await new LinksRepository(deps.db).autoLinkOwed(mediaId)) await deps.queues.enqueue('link', { mediaId });
  const have = new Set((await new DerivativesRepository(deps.db).forMedia(mediaId)).map((d) => d.kind));
  const stage = nextStage({ state: media.state, probed: media.probe !== null }, have);
  if (stage === 'ready') {
    await new MediaRepository(deps.db).markReady(mediaId);
    return 'ready';
  }
  if (stage) await deps.queues.enqueue(stage, { mediaId });
  return stage;
}
