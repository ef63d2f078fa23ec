import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Db } from '../db/db.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import type { MediaRetentionInput } from '../db/repositories/retention-facts-repository.js';
import { RetentionRepository, type MediaRetentionRecord } from '../db/repositories/retention-repository.js';
import type { RetentionDecision } from '../domain/retention.js';

export interface LockDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  mode: 'auto' | 'off';
}

/**
 * Puts an original under S3 Object Lock matching its retention decision, where the bucket enforces it:
 * - kept until a date → COMPLIANCE retention until that date, only ever extended (the store refuses to shorten it);
 * - kept permanently (or with no computable end: open case, unknowns, open-ended hold) → a legal hold, because a
 *   retention date could never be taken back once the rule gets shorter (a case closed, a hold released);
 * - may go → left as it is: the legal hold, if any, is lifted only by the purge, at the very last step.
 * Each change is a custody event. Stores without Object Lock are recorded as `unsupported` (local disk; s3rver).
 */
export async function applyObjectLock(deps: LockDeps, input: MediaRetentionInput, decision: RetentionDecision, record: MediaRetentionRecord | null): Promise<void> {
  if (deps.mode === 'off') return;
  // Only stored, verified originals: a rejected upload is kept for inspection as it is, a disposed one is gone.
  if (!['verified', 'processing', 'ready', 'failed'].includes(input.state)) return;
  const retention = new RetentionRepository(deps.db);
  const lock = deps.store.objectLock;
  if (!lock) {
    if (record?.lock.status !== 'unsupported') {
      await retention.saveLock(input.mediaId, { status: 'unsupported', until: null, legalHold: false, detail: `the ${deps.store.kind} object store has no Object Lock` });
    }
    return;
  }
  try {
    const support = await lock.probe();
    if (!support.supported) {
      if (record?.lock.status !== 'unsupported') await retention.saveLock(input.mediaId, { status: 'unsupported', until: null, legalHold: false, detail: support.reason });
      return;
    }
    const current = { until: record?.lock.until ? new Date(record.lock.until) : null, legalHold: record?.lock.legalHold ?? false };
    const next = { ...current };
    if (decision.keep === 'permanent') next.legalHold = true;
    if (decision.keep === 'until') {
      if (!current.until || decision.until > current.until) next.until = decision.until;
      next.legalHold = false;
    }
    if (next.until === current.until && next.legalHold === current.legalHold && record?.lock.status === 'applied') return;
    // Order matters: the new retention date is in place before the legal hold comes off, so the object is never unprotected.
    if (next.until !== current.until && next.until) await lock.retainUntil(input.objectKey, next.until);
    if (next.legalHold !== current.legalHold) await lock.setLegalHold(input.objectKey, next.legalHold);
    await deps.db.transaction(async (tx) => {
      await new RetentionRepository(tx).saveLock(input.mediaId, { status: 'applied', until: next.until, legalHold: next.legalHold, detail: null });
      await new CustodyRepository(tx).append({
        mediaId: input.mediaId,
        uploadId: null,
        type: 'retention.object_locked',
        actor: 'system:retention',
        details: { objectKey: input.objectKey, sha256: input.sha256, mode: 'COMPLIANCE', retainUntil: next.until?.toISOString() ?? null, legalHold: next.legalHold, decision: decision.keep },
      });
    });
  } catch (err) {
    deps.log.warn({ err, mediaId: input.mediaId }, 'object lock could not be applied; retried on the next sweep');
    await retention.saveLock(input.mediaId, { status: 'failed', until: current(record).until, legalHold: current(record).legalHold, detail: (err as Error).message.slice(0, 500) });
  }
}

function current(record: MediaRetentionRecord | null) {
  return { until: record?.lock.until ? new Date(record.lock.until) : null, legalHold: record?.lock.legalHold ?? false };
}
