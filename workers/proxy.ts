import path from 'node:path';
import { timeoutFor } from '../src/domain/ffmpeg-timeout.js';
import { planProxy } from '../src/domain/proxy-plan.js';
import { DerivativesRepository } from '../src/db/repositories/derivatives-repository.js';
import { runFfmpeg } from '../src/media/ffmpeg-process.js';
import { toolVersions } from '../src/media/tool-versions.js';
import type { JobHandler } from '../src/queue/registry.js';
import { advance } from './lib/advance.js';
import { processingStage } from './lib/processing-stage.js';
import { withLocalCopy, withScratch } from './lib/local-copy.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';
import { storeDerivative } from './lib/store-derivative.js';

// Expected speeds relative to realtime, set below what this machine does (remux ~400×; 720p veryfast ~4× from
// H.264 but ~3.4× from HEVC, slower still on a busy host); timeoutFor() gives 3× that, and each retry doubles it,
// so a loaded machine does not turn a slow transcode into five restarts from zero.
const REALTIME = { remux: 200, transcode: 2 } as const;

/** Browser-playable review proxy: a remux when the original already plays in a browser, else a ≤720p transcode. */
export function proxyHandler(deps: PipelineDeps): JobHandler<'proxy'> {
  return (job) =>
    processingStage(deps, job, async (media) => {
      if (await new DerivativesRepository(deps.db).find(media.id, 'proxy')) return void (await advance(deps, media.id));
      const probe = media.probe!;
      const burnClock = deps.config.PROXY_BURN_CLOCK && media.recordedAt ? { startIso: media.recordedAt, utcOffsetMinutes: deps.config.CLOCK_UTC_OFFSET_MINUTES } : null;
      const plan = planProxy(probe, { burnClock });
      await withScratch(deps.scratch, (dir) =>
        withLocalCopy(deps.store, media.objectKey, deps.scratch, async (input) => {
          const output = path.join(dir, 'proxy.mp4');
          const args = plan.args(input, output);
          await runFfmpeg({
            args,
            timeoutMs: timeoutFor(probe.durationSec, REALTIME[plan.mode]) * 2 ** job.attemptsMade,
            durationSec: probe.durationSec,
            onProgress: (p) => void job.updateProgress(Math.round(p)).catch(() => undefined),
          });
          const tools = await toolVersions();
          // Paths are per run; provenance keeps the arguments with stable placeholders.
          const recorded = args.map((a) => a.replace(input, '{original}').replace(output, '{output}'));
          await storeDerivative(deps, media, 'proxy', output, { tool: 'ffmpeg', tools, mode: plan.mode, reason: plan.reason, args: recorded });
        }),
      );
      await advance(deps, media.id);
    });
}
