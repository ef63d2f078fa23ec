import type { DisposalBatchStatus, DisposalItemStatus } from '../../domain/disposal.js';
import type { Reason } from '../../domain/retention.js';
import type { Sql } from '../db.js';

export interface DisposalApproval {
  approver: string;
  approvedAt: string;
  note: string;
}

export interface DisposalItem {
  batchId: string;
  mediaId: string;
  sha256: string;
  objectKey: string;
  sizeBytes: number;
  status: DisposalItemStatus;
  reasons: Reason[];
  eligibleSince: string | null;
  blockedReasons: Reason[] | null;
  derivativesPurgedAt: string | null;
  purgedAt: string | null;
  restoredAt: string | null;
  restoredBy: string | null;
  restoreReason: string | null;
  error: string | null;
}

export interface DisposalBatch {
  id: string;
  status: DisposalBatchStatus;
  createdBy: string;
  createdAt: string;
  note: string;
  policy: Record<string, unknown>;
  approvals: DisposalApproval[];
  approvedAt: string | null;
  recycleUntil: string | null;
  derivativesAfter: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  cancelledBy: string | null;
  cancelReason: string | null;
}

interface BatchRow {
  id: string;
  status: DisposalBatchStatus;
  created_by: string;
  created_at: Date;
  note: string;
  policy: Record<string, unknown>;
  approved_at: Date | null;
  recycle_until: Date | null;
  derivatives_after: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
}

interface ItemRow {
  batch_id: string;
  media_id: string;
  sha256: string;
  object_key: string;
  size_bytes: number;
  status: DisposalItemStatus;
  reasons: Reason[];
  eligible_since: Date | null;
  blocked_reasons: Reason[] | null;
  derivatives_purged_at: Date | null;
  purged_at: Date | null;
  restored_at: Date | null;
  restored_by: string | null;
  restore_reason: string | null;
  error: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toItem = (r: ItemRow): DisposalItem => ({
  batchId: r.batch_id,
  mediaId: r.media_id,
  sha256: r.sha256,
  objectKey: r.object_key,
  sizeBytes: Number(r.size_bytes),
  status: r.status,
  reasons: r.reasons,
  eligibleSince: iso(r.eligible_since),
  blockedReasons: r.blocked_reasons,
  derivativesPurgedAt: iso(r.derivatives_purged_at),
  purgedAt: iso(r.purged_at),
  restoredAt: iso(r.restored_at),
  restoredBy: r.restored_by,
  restoreReason: r.restore_reason,
  error: r.error,
});

/**
 * SQL that is true when the media in column `col` belongs wholly to the unit in parameter `param`: mayDispose
 * (src/domain/disposal.ts) for a unit scope, for listings that must filter before they limit.
 */
export const whollyOfUnitSql = (col: string, param: string) =>
  `(exists (select 1 from media_owning_units u where u.media_id = ${col} and u.unit_code = ${param})` +
  ` and not exists (select 1 from media_owning_units u where u.media_id = ${col} and u.unit_code <> ${param}))`;

/** disposal_batches, their approvals and items. Rows are never deleted: a finished batch is the record of what went. */
export class DisposalsRepository {
  constructor(private readonly sql: Sql) {}

  private async withApprovals(rows: BatchRow[]): Promise<DisposalBatch[]> {
    if (rows.length === 0) return [];
    const approvals = await this.sql.query<{ batch_id: string; approver: string; approved_at: Date; note: string }>(
      'select batch_id, approver, approved_at, note from disposal_approvals where batch_id = any($1::uuid[]) order by approved_at',
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      note: r.note,
      policy: r.policy,
      approvals: approvals.filter((a) => a.batch_id === r.id).map((a) => ({ approver: a.approver, approvedAt: a.approved_at.toISOString(), note: a.note })),
      approvedAt: iso(r.approved_at),
      recycleUntil: iso(r.recycle_until),
      derivativesAfter: iso(r.derivatives_after),
      completedAt: iso(r.completed_at),
      cancelledAt: iso(r.cancelled_at),
      cancelledBy: r.cancelled_by,
      cancelReason: r.cancel_reason,
    }));
  }

  async insertBatch(b: { id: string; createdBy: string; note: string; policy: Record<string, unknown> }): Promise<void> {
    await this.sql.query(`insert into disposal_batches (id, status, created_by, note, policy) values ($1, 'pending_approval', $2, $3, $4)`, [b.id, b.createdBy, b.note, JSON.stringify(b.policy)]);
  }

  async insertItem(i: { batchId: string; mediaId: string; sha256: string; objectKey: string; sizeBytes: number; reasons: Reason[]; eligibleSince: Date | null }): Promise<void> {
    await this.sql.query(
      `insert into disposal_items (batch_id, media_id, sha256, object_key, size_bytes, status, reasons, eligible_since) values ($1, $2, $3, $4, $5, 'pending', $6, $7)`,
      [i.batchId, i.mediaId, i.sha256, i.objectKey, i.sizeBytes, JSON.stringify(i.reasons), i.eligibleSince],
    );
  }

  async find(id: string): Promise<DisposalBatch | null> {
    return (await this.withApprovals(await this.sql.query<BatchRow>('select * from disposal_batches where id = $1', [id])))[0] ?? null;
  }

  /** Locks the batch row: approvals, cancels and purges of one batch happen one at a time. */
  async findForUpdate(id: string): Promise<DisposalBatch | null> {
    return (await this.withApprovals(await this.sql.query<BatchRow>('select * from disposal_batches where id = $1 for update', [id])))[0] ?? null;
  }

  /** Newest first; with `unitCode`, only batches whose every item is wholly that unit's footage. */
  async list(q: { status?: DisposalBatchStatus; limit: number; offset: number; unitCode?: string }): Promise<DisposalBatch[]> {
    const params: unknown[] = [q.limit, q.offset];
    const where: string[] = [];
    if (q.status) where.push(`b.status = $${params.push(q.status)}`);
    if (q.unitCode) {
      const unit = `$${params.push(q.unitCode)}`;
      where.push(`not exists (select 1 from disposal_items i where i.batch_id = b.id and not ${whollyOfUnitSql('i.media_id', unit)})`);
    }
    const rows = await this.sql.query<BatchRow>(
      `select b.* from disposal_batches b ${where.length ? `where ${where.join(' and ')}` : ''} order by b.created_at desc limit $1 offset $2`,
      params,
    );
    return this.withApprovals(rows);
  }

  /** The units each media belongs to (media_owning_units): what mayDispose decides on. */
  async owningUnits(mediaIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(mediaIds.map((id) => [id, []]));
    const rows = await this.sql.query<{ media_id: string; unit_code: string }>(
      'select media_id, unit_code from media_owning_units where media_id = any($1::uuid[]) order by unit_code',
      [mediaIds],
    );
    for (const r of rows) out.get(r.media_id)?.push(r.unit_code);
    return out;
  }

  async items(batchId: string): Promise<DisposalItem[]> {
    return (await this.sql.query<ItemRow>('select * from disposal_items where batch_id = $1 order by media_id', [batchId])).map(toItem);
  }

  async itemForUpdate(batchId: string, mediaId: string): Promise<DisposalItem | null> {
    const rows = await this.sql.query<ItemRow>('select * from disposal_items where batch_id = $1 and media_id = $2 for update', [batchId, mediaId]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** The live (pending, recycled or purging) disposal item of a media, if any. */
  async liveItemOf(mediaId: string): Promise<DisposalItem | null> {
    const rows = await this.sql.query<ItemRow>(`select * from disposal_items where media_id = $1 and status in ('pending', 'recycled', 'purging')`, [mediaId]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  async addApproval(batchId: string, approver: string, userId: string | null, note: string): Promise<void> {
    await this.sql.query('insert into disposal_approvals (batch_id, approver, approver_user_id, note) values ($1, $2, $3, $4)', [batchId, approver, userId, note]);
  }

  async setItemStatus(batchId: string, mediaId: string, status: DisposalItemStatus, extra: { blockedReasons?: Reason[]; error?: string | null } = {}): Promise<void> {
    await this.sql.query(
      `update disposal_items set status = $3, blocked_reasons = coalesce($4, blocked_reasons), error = $5,
              purged_at = case when $3 = 'purged' then now() else purged_at end
        where batch_id = $1 and media_id = $2`,
      [batchId, mediaId, status, extra.blockedReasons ? JSON.stringify(extra.blockedReasons) : null, extra.error ?? null],
    );
  }

  async setItemError(batchId: string, mediaId: string, error: string | null): Promise<void> {
    await this.sql.query('update disposal_items set error = $3 where batch_id = $1 and media_id = $2', [batchId, mediaId, error]);
  }

  async markDerivativesPurged(batchId: string, mediaId: string): Promise<void> {
    await this.sql.query('update disposal_items set derivatives_purged_at = now() where batch_id = $1 and media_id = $2 and derivatives_purged_at is null', [batchId, mediaId]);
  }

  async restoreItem(batchId: string, mediaId: string, by: string, reason: string): Promise<void> {
    await this.sql.query(
      `update disposal_items set status = 'restored', restored_at = now(), restored_by = $3, restore_reason = $4 where batch_id = $1 and media_id = $2`,
      [batchId, mediaId, by, reason],
    );
  }

  async approveBatch(id: string, recycleUntil: Date, derivativesAfter: Date): Promise<void> {
    await this.sql.query(`update disposal_batches set status = 'recycling', approved_at = now(), recycle_until = $2, derivatives_after = $3 where id = $1`, [id, recycleUntil, derivativesAfter]);
  }

  async completeBatch(id: string): Promise<void> {
    await this.sql.query(`update disposal_batches set status = 'completed', completed_at = now() where id = $1 and status = 'recycling'`, [id]);
  }

  async cancelBatch(id: string, by: string, reason: string): Promise<void> {
    await this.sql.query(`update disposal_batches set status = 'cancelled', cancelled_at = now(), cancelled_by = $2, cancel_reason = $3 where id = $1`, [id, by, reason]);
  }

  /** Approved batches with something that may be due: items still in the recycle bin or mid-purge. */
  async batchesWithOpenItems(): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select b.id from disposal_batches b where b.status = 'recycling'
          and exists (select 1 from disposal_items i where i.batch_id = b.id and i.status in ('recycled', 'purging'))
          and (b.derivatives_after <= now() or b.recycle_until <= now()
               or exists (select 1 from disposal_items i where i.batch_id = b.id and i.status = 'purging'))
        order by b.approved_at`,
    );
    return rows.map((r) => r.id);
  }
}
