import { buildRegistry, type HandlerMap } from '../src/queue/registry.js';
import type { Services } from '../src/runtime/services.js';
import type { PipelineDeps } from './lib/pipeline-deps.js';
import { probeHandler } from './probe.js';
import { proxyHandler } from './proxy.js';
import { thumbnailsHandler } from './thumbnails.js';
import { verifyHandler } from './verify.js';
import { custodyVerifyHandler } from './custody-verify.js';
import { exportHandler } from './export.js';
import { linkHandler } from './link.js';
import { joinRecordingHandler } from './join-recording.js';
import { pipProxyHandler } from './pip-proxy.js';
import { retentionSweepHandler } from './retention-sweep.js';
import { disposalPurgeHandler } from './disposal-purge.js';

/** Every job handler, keyed by job name; start-up fails if one is missing or doubled. */
export function handlers(s: Services, stopping?: AbortSignal): HandlerMap {
  const deps: PipelineDeps = { db: s.db, store: s.store, queues: s.queues, log: s.log, config: s.config, scratch: s.config.paths.scratch, stopping };
  return buildRegistry([
    ['verify', verifyHandler({ ...deps, sm3Mode: s.config.SM3_MODE }) as never],
    ['probe', probeHandler(deps) as never],
    ['proxy', proxyHandler(deps) as never],
    ['thumbnails', thumbnailsHandler(deps) as never],
    ['custody-verify', custodyVerifyHandler({ db: s.db, store: s.store, queues: s.queues, log: s.log, config: s.config }) as never],
    ['export', exportHandler({ db: s.db, store: s.store, log: s.log, config: s.config }) as never],
    ['link', linkHandler({ db: s.db, log: s.log, bufferMinutes: s.config.AUTO_LINK_BUFFER_MINUTES }) as never],
    ['join-recording', joinRecordingHandler({ ...deps, ingest: s.ingest, sm3: s.config.SM3_MODE === 'always' }) as never],
    ['pip-proxy', pipProxyHandler(deps) as never],
    ['retention-sweep', retentionSweepHandler({ db: s.db, store: s.store, queues: s.queues, log: s.log, config: s.config }) as never],
    ['disposal-purge', disposalPurgeHandler({ db: s.db, store: s.store, queues: s.queues, log: s.log, config: s.config }) as never],
  ]);
}
