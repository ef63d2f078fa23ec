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

// Speeds relative to realtime on this machine (machine-notes: remux ~400×, 720p veryfast ~4×); the timeout gives 3×.
const REALTIME = { remux: 400, transcode: 4 } as const;

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
            timeoutMs: timeoutFor(probe.durationSec, REALTIME[plan.mode]),
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
