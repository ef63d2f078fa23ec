import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Config } from '../config.js';
import type { Db, Sql } from '../db/db.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import { DerivativesRepository } from '../db/repositories/derivatives-repository.js';
import { DisposalsRepository, whollyOfUnitSql, type DisposalBatch, type DisposalItem } from '../db/repositories/disposals-repository.js';
import { LinksRepository } from '../db/repositories/links-repository.js';
import { RetentionRepository } from '../db/repositories/retention-repository.js';
import { addDays, batchSettled, checkApproval, mayDispose, purgeDue, type DisposalScope } from '../domain/disposal.js';
import { isAcknowledged } from '../domain/media-state.js';
import { COMPOSITE_DERIVATIVE_KINDS, DERIVATIVE_KINDS, derivativeKey } from '../domain/object-keys.js';
import type { Reason } from '../domain/retention.js';
import { Errors } from '../errors.js';
import type { JobQueues } from '../queue/queues.js';
import { purgeTimingOf } from './policy.js';
import { RetentionService, type Decided } from './retention-service.js';

export interface DisposalDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  log: Logger;
  config: Pick<
    Config,
    'RETENTION_FIELD_MONTHS' | 'RETENTION_CRIMINAL_CASE' | 'RETENTION_ADMINISTRATIVE_CASE' | 'OBJECT_LOCK' | 'DISPOSAL_RECYCLE_DAYS' | 'DISPOSAL_DERIVATIVE_RECYCLE_DAYS'
  >;
}

export interface DryRunItem {
  mediaId: string;
  sha256: string;
  sizeBytes: number;
  filename: string;
  kind: 'field' | 'interrogation';
  recordedEnd: string | null;
  eligibleSince: string;
  reasons: Reason[];
  derivatives: Array<{ kind: string; sizeBytes: number }>;
}

export interface DryRunReport {
  generatedAt: string;
  policy: Record<string, unknown>;
  totals: { media: number; bytes: number; derivativeBytes: number };
  items: DryRunItem[];
}

export interface BatchView extends DisposalBatch {
  items: DisposalItem[];
}

export interface PurgeResult {
  derivativesPurged: number;
  originalsPurged: number;
  blocked: number;
  errors: Array<{ mediaId: string; error: string }>;
}

const SYSTEM = 'system:disposal';
const ALL: DisposalScope = { kind: 'all' };

/** A short sentence of why a decision keeps a file, for error messages. */
function keepSummary(d: Decided['decision']): string {
  if (d.keep === 'no') return 'it may go';
  const rules = [...new Set(d.reasons.map((r) => r.rule))].join(', ');
  return d.keep === 'until' ? `kept until ${d.until.toISOString()} (${rules})` : `kept (${rules})`;
}

/**
 * Disposal, the only way an original ever leaves the store: a dry-run report → a batch approved by two different
 * people → the recycle bin (restorable) → deletion, leaving a tombstone custody event with the hash. The rules are
 * re-checked at every step, in the same transaction as the step and under the retention lock, so a hold placed, a
 * case reopened or an evidence link added after approval stops the deletion. Nothing here runs because storage is
 * full: the only callers are people (API) and the purge of batches they approved.
 */
export class DisposalService {
  readonly retention: RetentionService;
  private readonly timing;

  constructor(private readonly deps: DisposalDeps) {
    this.retention = new RetentionService(deps);
    this.timing = purgeTimingOf(deps.config);
  }

  private policySnapshot(): Record<string, unknown> {
    return { ...this.retention.policy, recycleDays: this.timing.recycleDays, derivativeRecycleDays: this.timing.derivativeRecycleDays };
  }

  /** Media within `scope` that may go now and are not in a disposal already, oldest-eligible first, decided live. */
  private async candidates(limit: number, scope: DisposalScope, sql: Sql = this.deps.db): Promise<Decided[]> {
    if (scope.kind === 'none') return [];
    // Stored decisions find candidates fast; every one is decided again from the live facts before it is listed.
    await this.retention.recomputeOwed();
    const rows = await sql.query<{ media_id: string }>(
      `select r.media_id from media_retention r join media m on m.id = r.media_id
        where r.decision = 'no' and m.state in ('verified', 'processing', 'ready', 'failed')
          and not exists (select 1 from disposal_items i where i.media_id = r.media_id and i.status in ('pending', 'recycled', 'purging'))
          ${scope.kind === 'unit' ? `and ${whollyOfUnitSql('r.media_id', '$2')}` : ''}
        order by r.eligible_since, r.media_id limit $1`,
      scope.kind === 'unit' ? [limit, scope.unitCode] : [limit],
    );
    const decided = await this.retention.decide(rows.map((r) => r.media_id), sql);
    return rows.map((r) => decided.get(r.media_id)).filter((d): d is Decided => d !== undefined && d.decision.keep === 'no');
  }

  /** Refuses (403) when any of the media is not wholly within the person's scope, naming the first. */
  private async assertInScope(sql: Sql, scope: DisposalScope, mediaIds: readonly string[]): Promise<void> {
    if (scope.kind === 'all') return;
    const units = await new DisposalsRepository(sql).owningUnits(mediaIds);
    for (const id of mediaIds) {
      const owning = units.get(id) ?? [];
      if (!mayDispose(scope, owning)) {
        const yours = scope.kind === 'unit' ? scope.unitCode : 'none';
        throw new Errors.FORBIDDEN(`media ${id} belongs to ${owning.length ? `unit ${owning.join(', ')}` : 'no unit'}; a unit head disposes only of footage wholly their own unit's (yours: ${yours})`);
      }
    }
  }

  async dryRun(limit = 1000, scope: DisposalScope = ALL): Promise<DryRunReport> {
    const list = await this.candidates(limit, scope);
    const derivs = await this.deps.db.query<{ media_id: string; kind: string; size_bytes: number }>(
      'select media_id, kind, size_bytes from derivatives where media_id = any($1::uuid[]) order by kind',
      [list.map((d) => d.input.mediaId)],
    );
    const items: DryRunItem[] = list.map(({ input, decision }) => ({
      mediaId: input.mediaId,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      filename: input.filename,
      kind: input.facts.kind,
      recordedEnd: input.recordedEnd,
      eligibleSince: (decision as { eligibleSince: Date }).eligibleSince.toISOString(),
      reasons: decision.reasons,
      derivatives: derivs.filter((d) => d.media_id === input.mediaId).map((d) => ({ kind: d.kind, sizeBytes: Number(d.size_bytes) })),
    }));
    return {
      generatedAt: new Date().toISOString(),
      policy: this.policySnapshot(),
      totals: {
        media: items.length,
        bytes: items.reduce((n, i) => n + i.sizeBytes, 0),
        derivativeBytes: items.reduce((n, i) => n + i.derivatives.reduce((m, d) => m + d.sizeBytes, 0), 0),
      },
      items,
    };
  }

  /** Proposes a batch: the given media (each must be eligible now) or the dry run's list. Approvals come separately. */
  async create(o: { mediaIds?: string[]; limit: number; note: string; actor: string; scope?: DisposalScope }): Promise<BatchView> {
    const scope = o.scope ?? ALL;
    const pre = o.mediaIds ? null : await this.candidates(o.limit, scope);
    const id = randomUUID();
    await this.deps.db.transaction(async (tx) => {
      await new RetentionRepository(tx).lock();
      const ids = o.mediaIds ?? pre!.map((d) => d.input.mediaId);
      if (ids.length === 0) throw new Errors.DISPOSAL_EMPTY('no media may go under the rules now (see GET /api/v1/disposals/dry-run)');
      await this.assertInScope(tx, scope, ids);
      const decided = await this.retention.decide(ids, tx);
      const disposals = new DisposalsRepository(tx);
      for (const mediaId of ids) {
        const d = decided.get(mediaId);
        if (!d) throw new Errors.NOT_FOUND(`media ${mediaId}`);
        if (!isAcknowledged(d.input.state)) throw new Errors.DISPOSAL_NOT_ELIGIBLE(mediaId, `it is ${d.input.state}`);
        if (d.decision.keep !== 'no') throw new Errors.DISPOSAL_NOT_ELIGIBLE(mediaId, keepSummary(d.decision));
        const live = await disposals.liveItemOf(mediaId);
        if (live) throw new Errors.DISPOSAL_NOT_ELIGIBLE(mediaId, `it is already in disposal batch ${live.batchId}`);
      }
      await disposals.insertBatch({ id, createdBy: o.actor, note: o.note, policy: this.policySnapshot() });
      const custody = new CustodyRepository(tx);
      for (const mediaId of ids) {
        const { input, decision } = decided.get(mediaId)!;
        const eligibleSince = decision.keep === 'no' ? decision.eligibleSince : null;
        await disposals.insertItem({ batchId: id, mediaId, sha256: input.sha256, objectKey: input.objectKey, sizeBytes: input.sizeBytes, reasons: decision.reasons, eligibleSince });
        await custody.append({ mediaId, uploadId: null, type: 'disposal.proposed', actor: o.actor, details: { batchId: id, sha256: input.sha256, eligibleSince, reasons: decision.reasons } });
      }
    });
    return (await this.view(id))!;
  }

  /** One batch with its items; a batch with footage outside `scope` is refused like the actions on it. */
  async view(id: string, scope: DisposalScope = ALL): Promise<BatchView | null> {
    const repo = new DisposalsRepository(this.deps.db);
    const batch = await repo.find(id);
    if (!batch) return null;
    const items = await repo.items(id);
    await this.assertInScope(this.deps.db, scope, items.map((i) => i.mediaId));
    return { ...batch, items };
  }

  /** Re-checks one item inside `tx`; blocks it (with a custody event) when a rule now keeps it. Returns true when it may still go. */
  private async recheck(tx: Sql, batchId: string, item: DisposalItem, step: string, actor: string): Promise<boolean> {
    const d = (await this.retention.decide([item.mediaId], tx)).get(item.mediaId);
    if (d && d.decision.keep === 'no') return true;
    const reasons = d?.decision.reasons ?? [];
    await new DisposalsRepository(tx).setItemStatus(batchId, item.mediaId, 'blocked', { blockedReasons: reasons });
    await new CustodyRepository(tx).append({ mediaId: item.mediaId, uploadId: null, type: 'disposal.blocked', actor, details: { batchId, step, reasons, decision: d?.decision.keep ?? 'unknown' } });
    if (item.derivativesPurgedAt) await remakeDerivatives(tx, item.mediaId);
    return false;
  }

  async approve(batchId: string, approver: string, userId: string | null, note: string, scope: DisposalScope = ALL): Promise<BatchView> {
    let complete = false;
    await this.deps.db.transaction(async (tx) => {
      const disposals = new DisposalsRepository(tx);
      const batch = await disposals.findForUpdate(batchId);
      if (!batch) throw new Errors.NOT_FOUND(`disposal batch ${batchId}`);
      const check = checkApproval({ status: batch.status, approvers: batch.approvals.map((a) => a.approver) }, approver);
      if (!check.ok && check.reason === 'not-pending') throw new Errors.DISPOSAL_NOT_PENDING(batchId, batch.status);
      if (!check.ok) throw new Errors.DISPOSAL_SAME_APPROVER(batchId, approver);
      const items = await disposals.items(batchId);
      await this.assertInScope(tx, scope, items.map((i) => i.mediaId));
      await new RetentionRepository(tx).lock();
      await disposals.addApproval(batchId, approver, userId, note);
      const custody = new CustodyRepository(tx);
      const live: DisposalItem[] = [];
      for (const item of items.filter((i) => i.status === 'pending')) {
        if (!(await this.recheck(tx, batchId, item, `approval ${check.approvalsAfter}`, approver))) continue;
        live.push(item);
        await custody.append({ mediaId: item.mediaId, uploadId: null, type: 'disposal.approved', actor: approver, details: { batchId, approval: check.approvalsAfter, note } });
      }
      if (!check.complete) return;
      complete = true;
      const now = new Date();
      const recycleUntil = addDays(now, this.timing.recycleDays);
      await disposals.approveBatch(batchId, recycleUntil, addDays(now, this.timing.derivativeRecycleDays));
      for (const item of live) {
        await disposals.setItemStatus(batchId, item.mediaId, 'recycled');
        await custody.append({ mediaId: item.mediaId, uploadId: null, type: 'media.recycled', actor: approver, details: { batchId, recycleUntil: recycleUntil.toISOString(), approvers: [...batch.approvals.map((a) => a.approver), approver] } });
      }
      if (live.length === 0) await disposals.completeBatch(batchId);
    });
    // Derivatives may be due at once (they can be re-made); the sweep catches anything this enqueue misses.
    if (complete) await this.deps.queues.enqueue('disposal-purge', { batchId });
    return (await this.view(batchId))!;
  }

  async restore(batchId: string, mediaId: string, actor: string, reason: string, scope: DisposalScope = ALL): Promise<BatchView> {
    await this.deps.db.transaction(async (tx) => {
      const disposals = new DisposalsRepository(tx);
      const batch = await disposals.findForUpdate(batchId);
      if (!batch) throw new Errors.NOT_FOUND(`disposal batch ${batchId}`);
      const item = await disposals.itemForUpdate(batchId, mediaId);
      if (!item) throw new Errors.NOT_FOUND(`media ${mediaId} in disposal batch ${batchId}`);
      await this.assertInScope(tx, scope, [mediaId]);
      if (item.status !== 'pending' && item.status !== 'recycled') throw new Errors.DISPOSAL_NOT_RESTORABLE(mediaId, batchId, item.status);
      await restoreItem(tx, batchId, item, actor, reason);
      const items = await disposals.items(batchId);
      if (batchSettled(items)) {
        if (batch.status === 'recycling') await disposals.completeBatch(batchId);
        else if (batch.status === 'pending_approval') await disposals.cancelBatch(batchId, actor, 'every item was restored');
      }
    });
    return (await this.view(batchId))!;
  }

  async cancel(batchId: string, actor: string, reason: string, scope: DisposalScope = ALL): Promise<BatchView> {
    await this.deps.db.transaction(async (tx) => {
      const disposals = new DisposalsRepository(tx);
      const batch = await disposals.findForUpdate(batchId);
      if (!batch) throw new Errors.NOT_FOUND(`disposal batch ${batchId}`);
      if (batch.status !== 'pending_approval' && batch.status !== 'recycling') throw new Errors.DISPOSAL_CLOSED(batchId, batch.status);
      const items = await disposals.items(batchId);
      await this.assertInScope(tx, scope, items.map((i) => i.mediaId));
      // An original already tombstoned is being deleted: the purge must finish it, so the batch cannot stop now.
      if (items.some((i) => i.status === 'purging')) throw new Errors.DISPOSAL_CLOSED(batchId, 'deleting originals (an item is purging)');
      for (const item of items) {
        if (item.status === 'pending' || item.status === 'recycled') await restoreItem(tx, batchId, item, actor, reason);
      }
      await disposals.cancelBatch(batchId, actor, reason);
      await new CustodyRepository(tx).append({ mediaId: null, uploadId: null, type: 'disposal.cancelled', actor, details: { batchId, reason } });
    });
    return (await this.view(batchId))!;
  }

  /** Does what is due in one approved batch at `now`: derivatives first (they can be re-made), then originals. */
  async purge(batchId: string, now = new Date()): Promise<PurgeResult> {
    const result: PurgeResult = { derivativesPurged: 0, originalsPurged: 0, blocked: 0, errors: [] };
    const disposals = new DisposalsRepository(this.deps.db);
    const batch = await disposals.find(batchId);
    if (!batch || batch.status !== 'recycling') return result;
    const when = { approvedAt: batch.approvedAt ? new Date(batch.approvedAt) : null, recycleUntil: batch.recycleUntil ? new Date(batch.recycleUntil) : null };
    for (const item of await disposals.items(batchId)) {
      const due = purgeDue({ status: item.status, derivativesPurgedAt: item.derivativesPurgedAt ? new Date(item.derivativesPurgedAt) : null }, when, this.timing, now);
      try {
        if (due.derivatives) {
          const outcome = await this.purgeDerivatives(batch, item);
          if (outcome === 'blocked') {
            result.blocked++;
            continue;
          }
          result.derivativesPurged += outcome;
        }
        if (due.original) {
          const outcome = await this.purgeOriginal(batch, item, now);
          if (outcome === 'blocked') result.blocked++;
          if (outcome === 'purged') result.originalsPurged++;
        }
      } catch (err) {
        const message = (err as Error).message.slice(0, 500);
        this.deps.log.warn({ err, batchId, mediaId: item.mediaId }, 'disposal purge step failed; retried on the next sweep');
        await disposals.setItemError(batchId, item.mediaId, message);
        result.errors.push({ mediaId: item.mediaId, error: message });
      }
    }
    if (batchSettled(await disposals.items(batchId))) await disposals.completeBatch(batchId);
    return result;
  }

  /** Locks the item and the media's link changes, takes the retention lock and re-checks; null when it may not go on. */
  private async lockedRecheck(tx: Sql, batch: DisposalBatch, item: DisposalItem, step: string): Promise<DisposalItem | 'blocked' | null> {
    const current = await new DisposalsRepository(tx).itemForUpdate(batch.id, item.mediaId);
    if (!current || (current.status !== 'recycled' && current.status !== 'purging')) return null;
    await new RetentionRepository(tx).lock();
    await new LinksRepository(tx).lockMedia(item.mediaId);
    if (current.status === 'purging') return current;
    return (await this.recheck(tx, batch.id, current, step, SYSTEM)) ? current : 'blocked';
  }

  private async purgeDerivatives(batch: DisposalBatch, item: DisposalItem): Promise<number | 'blocked'> {
    const keys: string[] = [];
    const outcome = await this.deps.db.transaction(async (tx) => {
      const current = await this.lockedRecheck(tx, batch, item, 'derivative purge');
      if (current === 'blocked') return 'blocked' as const;
      if (!current) return 0;
      keys.push(...(await disposeDerivativeRows(tx, batch.id, item.mediaId)));
      await new DisposalsRepository(tx).markDerivativesPurged(batch.id, item.mediaId);
      return keys.length;
    });
    for (const key of keys) await this.deleteObject(key);
    return outcome;
  }

  private async purgeOriginal(batch: DisposalBatch, item: DisposalItem, now: Date): Promise<'purged' | 'blocked' | 'waiting' | null> {
    const step = await this.deps.db.transaction(async (tx) => {
      const current = await this.lockedRecheck(tx, batch, item, 'purge');
      if (current === 'blocked' || current === null) return current;
      if (current.status === 'purging') return 'delete' as const;
      // A COMPLIANCE retention date the store still enforces cannot be beaten: wait for it rather than fail later.
      const lock = (await new RetentionRepository(tx).find(item.mediaId))?.lock;
      if (lock?.status === 'applied' && lock.until && new Date(lock.until) > now) {
        await new DisposalsRepository(tx).setItemError(batch.id, item.mediaId, `the object is under COMPLIANCE retention until ${lock.until}; it is purged after that`);
        return 'waiting' as const;
      }
      const [media] = await tx.query<{ sha256: string; sm3: string | null; size_bytes: number; object_key: string; filename: string; state: string }>(
        'select sha256, sm3, size_bytes, object_key, filename, state from media where id = $1 for update',
        [item.mediaId],
      );
      const derivativeKeys = await disposeDerivativeRows(tx, batch.id, item.mediaId);
      await tx.query(`update media set state = 'disposed', updated_at = now() where id = $1`, [item.mediaId]);
      await new DisposalsRepository(tx).setItemStatus(batch.id, item.mediaId, 'purging');
      // The tombstone: what was deleted (its hashes and size), on whose approval, and under which rules.
      await new CustodyRepository(tx).append({
        mediaId: item.mediaId,
        uploadId: null,
        type: 'media.disposed',
        actor: SYSTEM,
        details: {
          batchId: batch.id,
          sha256: media!.sha256,
          sm3: media!.sm3,
          sizeBytes: Number(media!.size_bytes),
          objectKey: media!.object_key,
          filename: media!.filename,
          previousState: media!.state,
          approvers: batch.approvals.map((a) => a.approver),
          recycleUntil: batch.recycleUntil,
          eligibleSince: item.eligibleSince,
          reasons: item.reasons,
          derivativesDeleted: derivativeKeys.length,
        },
      });
      return 'delete' as const;
    });
    if (step !== 'delete') return step;
    await this.deleteOriginalObject(item);
    await new DisposalsRepository(this.deps.db).setItemStatus(batch.id, item.mediaId, 'purged', { error: null });
    return 'purged';
  }

  /** Deletes the original's bytes (and any derivative left under its hash). Idempotent: a crash here is finished by the next run. */
  private async deleteOriginalObject(item: DisposalItem): Promise<void> {
    // A rejected upload of the same bytes shares the content-addressed key and is kept for inspection: leave the object to it.
    const [shared] = await this.deps.db.query<{ n: number }>(`select count(*)::int as n from media where object_key = $1 and state <> 'disposed'`, [item.objectKey]);
    if (!shared?.n) {
      const lock = this.deps.store.objectLock;
      if (lock && this.deps.config.OBJECT_LOCK === 'auto' && (await lock.probe()).supported) {
        const state = await lock.state(item.objectKey).catch(() => null);
        if (state?.legalHold) await lock.setLegalHold(item.objectKey, false);
      }
      await this.deleteObject(item.objectKey);
      if (await this.deps.store.head(item.objectKey)) throw new Error(`object ${item.objectKey} is still in the store after deletion`);
    }
    for (const kind of [...DERIVATIVE_KINDS, ...COMPOSITE_DERIVATIVE_KINDS]) await this.deleteObject(derivativeKey(item.sha256, kind));
  }

  private async deleteObject(key: string): Promise<void> {
    const lock = this.deps.store.objectLock;
    // A locked bucket is versioned: a plain delete would only hide the bytes behind a delete marker.
    if (lock && this.deps.config.OBJECT_LOCK === 'auto' && (await lock.probe()).supported) await lock.deleteAllVersions(key);
    else await this.deps.store.delete(key);
  }

  /** Approved batches with something that may be due now (the sweep enqueues their purge). */
  openBatches(): Promise<string[]> {
    return new DisposalsRepository(this.deps.db).batchesWithOpenItems();
  }
}

/** Removes a media's derivative rows with one custody event each; returns their object keys (deleted after commit). */
async function disposeDerivativeRows(tx: Sql, batchId: string, mediaId: string): Promise<string[]> {
  const derivatives = await new DerivativesRepository(tx).forMedia(mediaId);
  const custody = new CustodyRepository(tx);
  for (const d of derivatives) {
    await custody.append({ mediaId, uploadId: null, type: 'derivative.disposed', actor: SYSTEM, details: { batchId, kind: d.kind, sha256: d.sha256, objectKey: d.objectKey, parentSha256: d.parentSha256, sizeBytes: d.sizeBytes } });
  }
  if (derivatives.length) await new DerivativesRepository(tx).remove(mediaId);
  return derivatives.map((d) => d.objectKey);
}

/** Derivatives went early; the original stays, so they are made again: the pipeline resumes at the first missing one. */
async function remakeDerivatives(tx: Sql, mediaId: string): Promise<void> {
  await tx.query(`update media set state = 'processing', updated_at = now() where id = $1 and state = 'ready'`, [mediaId]);
}

async function restoreItem(tx: Sql, batchId: string, item: DisposalItem, actor: string, reason: string): Promise<void> {
  await new DisposalsRepository(tx).restoreItem(batchId, item.mediaId, actor, reason);
  const remade = item.derivativesPurgedAt !== null;
  if (remade) await remakeDerivatives(tx, item.mediaId);
  await new CustodyRepository(tx).append({ mediaId: item.mediaId, uploadId: null, type: 'media.restored', actor, details: { batchId, reason, from: item.status, derivativesRemade: remade } });
}
