import { buildRegistry, type HandlerMap } from '../src/queue/registry.js';
import type { Services } from '../src/runtime/services.js';
import { verifyHandler } from './verify.js';

/** Every job handler, keyed by job name; start-up fails if one is missing or doubled. */
export function handlers(s: Services): HandlerMap {
  return buildRegistry([
    ['verify', verifyHandler({ db: s.db, store: s.store, queues: s.queues, log: s.log, sm3Mode: s.config.SM3_MODE }) as never],
  ]);
}
