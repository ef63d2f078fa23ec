import { DerivativesRepository } from '../src/db/repositories/derivatives-repository.js';
import { makeThumbnails } from '../src/media/thumbnails.js';
import { toolVersions } from '../src/media/tool-versions.js';
import type { JobHandler } from '../src/queue/registry.js';
import { advance } from './lib/advance.js';
import { processingStage } from './lib/processing-stage.js';
import { withLocalCopy, withScratch } from './lib/local-copy.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';
import { storeDerivative } from './lib/store-derivative.js';

/** Poster frame and timeline sprite from keyframes, composed with sharp as WebP; the last stage before ready. */
export function thumbnailsHandler(deps: PipelineDeps): JobHandler<'thumbnails'> {
  return (job) =>
    processingStage(deps, job, async (media) => {
      const have = (await new DerivativesRepository(deps.db).forMedia(media.id)).map((d) => d.kind);
      if (have.includes('poster') && have.includes('sprite')) return void (await advance(deps, media.id));
      const probe = media.probe!;
      await withScratch(deps.scratch, (dir) =>
        withLocalCopy(deps.store, media.objectKey, deps.scratch, async (input) => {
          const t = await makeThumbnails(input, dir, {
            durationSec: probe.durationSec,
            intervalSec: deps.config.SPRITE_INTERVAL_SEC,
            workDir: dir,
            onProgress: (p) => void job.updateProgress(Math.round(p)).catch(() => undefined),
          });
          const tools = await toolVersions();
          // Frames went to a per-run folder under the job's scratch dir; provenance keeps stable placeholders.
          const frames = new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/evm-thumbs-[A-Za-z0-9]+`, 'g');
          const args = t.ffmpegArgs.map((run) => run.map((a) => a.replace(input, '{original}').replace(frames, '{scratch}')));
          const operation = { tool: 'ffmpeg+sharp', tools, args };
          await storeDerivative(deps, media, 'poster', t.poster, operation);
          await storeDerivative(deps, media, 'sprite', t.sprite, operation, {
            frames: t.spriteFrames,
            columns: t.columns,
            rows: t.rows,
            tileWidth: t.tileWidth,
            tileHeight: t.tileHeight,
            intervalSec: t.intervalSec,
          });
        }),
      );
      await advance(deps, media.id);
    });
}
