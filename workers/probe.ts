import { assertProcessable } from '../src/domain/probe-result.js';
import { MediaRepository } from '../src/db/repositories/media-repository.js';
import { probeMedia } from '../src/media/probe.js';
import type { JobHandler } from '../src/queue/registry.js';
import { advance } from './lib/advance.js';
import { processingStage } from './lib/processing-stage.js';
import { withLocalCopy } from './lib/local-copy.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';

/** Reads container, codecs, duration, resolution, frame rate, creation time and timecode of a verified original. */
export function probeHandler(deps: PipelineDeps): JobHandler<'probe'> {
  return (job) =>
    processingStage(deps, job, async (media) => {
      const probe = await withLocalCopy(deps.store, media.objectKey, deps.scratch, (file) => probeMedia(file));
      await new MediaRepository(deps.db).saveProbe(media.id, probe);
      assertProcessable(probe);
      await advance(deps, media.id);
    });
}
