import type { Role } from './roles.js';

/**
 * Disposal of originals, as a court would want to see it done: a dry-run report of what would go and why, a batch
 * approved by two different people, a recycle period in which anything can be restored, then deletion leaving a
 * tombstone. Pure: the API and the purge job ask these functions, so the rules live in one tested place.
 *
 *   batch:  pending_approval ──(2nd distinct approval)──► recycling ──(every item settled)──► completed
 *                   └──────────────(cancel)──────────────────┴──► cancelled
 *   item:   pending ──► recycled ──► purging ──► purged
 *              │           ├──► restored (a person restored it)
 *              └───────────┴──► blocked (a rule re-checked at a later step keeps it: hold, case reopened, new link)
 */

export const DISPOSAL_BATCH_STATUSES = ['pending_approval', 'recycling', 'completed', 'cancelled'] as const;
export type DisposalBatchStatus = (typeof DISPOSAL_BATCH_STATUSES)[number];

export const DISPOSAL_ITEM_STATUSES = ['pending', 'recycled', 'purging', 'purged', 'restored', 'blocked'] as const;
export type DisposalItemStatus = (typeof DISPOSAL_ITEM_STATUSES)[number];

/** Who may propose, approve, restore and cancel disposals: the unit heads who answer for the footage, and admins. */
export const DISPOSAL_ROLES: readonly Role[] = ['admin', 'unit_head'];

/**
 * Whose footage a person may propose, approve, restore or cancel the disposal of (the route guards decide who may
 * act at all): a unit head their own unit's; admins, and auditors reading, everyone's.
 */
export type DisposalScope = { kind: 'all' } | { kind: 'unit'; unitCode: string } | { kind: 'none' };

export function disposalScopeOf(user: { role: Role; unitCode: string | null } | null): DisposalScope {
  if (user?.role !== 'unit_head') return { kind: 'all' };
  return user.unitCode ? { kind: 'unit', unitCode: user.unitCode } : { kind: 'none' };
}

/**
 * May footage belonging to `owningUnits` (its officer's unit, its cases' units) be disposed of within `scope`? A
 * unit head answers only for footage that is wholly their unit's: one linked to another unit's case is that unit's
 * concern too, and footage no unit claims is left to admins.
 */
export function mayDispose(scope: DisposalScope, owningUnits: readonly string[]): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'none') return false;
  return owningUnits.length > 0 && owningUnits.every((u) => u === scope.unitCode);
}

/** Distinct people needed to approve a batch. */
export const APPROVALS_REQUIRED = 2;

export type ApprovalCheck =
  | { ok: true; approvalsAfter: number; complete: boolean }
  | { ok: false; reason: 'not-pending' | 'same-approver' };

/**
 * May `approver` add an approval? Two different people are needed; the batch's creator may be one of them (the
 * report they ran is their proposal), but nobody counts twice, however they log in.
 */
export function checkApproval(batch: { status: DisposalBatchStatus; approvers: readonly string[] }, approver: string): ApprovalCheck {
  if (batch.status !== 'pending_approval') return { ok: false, reason: 'not-pending' };
  if (batch.approvers.includes(approver)) return { ok: false, reason: 'same-approver' };
  const approvalsAfter = batch.approvers.length + 1;
  return { ok: true, approvalsAfter, complete: approvalsAfter >= APPROVALS_REQUIRED };
}

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

export interface PurgeTiming {
  /** Days after approval before an original may be deleted (restorable until then). */
  recycleDays: number;
  /** Days after approval before review derivatives (proxy, poster, sprite) may go: they can be re-made, so sooner. */
  derivativeRecycleDays: number;
}

export interface PurgeDue {
  derivatives: boolean;
  original: boolean;
}

/** What of an approved item may be deleted at `now`. Only items still in the recycle bin (or mid-purge) qualify. */
export function purgeDue(
  item: { status: DisposalItemStatus; derivativesPurgedAt: Date | null },
  batch: { approvedAt: Date | null; recycleUntil: Date | null },
  timing: Pick<PurgeTiming, 'derivativeRecycleDays'>,
  now: Date,
): PurgeDue {
  if (item.status === 'purging') return { derivatives: item.derivativesPurgedAt === null, original: true };
  if (item.status !== 'recycled' || !batch.approvedAt || !batch.recycleUntil) return { derivatives: false, original: false };
  const original = batch.recycleUntil <= now;
  const derivatives = item.derivativesPurgedAt === null && (original || addDays(batch.approvedAt, timing.derivativeRecycleDays) <= now);
  return { derivatives, original };
}

/** A batch is finished once no item can still change (each purged, restored or blocked). */
export function batchSettled(items: ReadonlyArray<{ status: DisposalItemStatus }>): boolean {
  return items.every((i) => i.status === 'purged' || i.status === 'restored' || i.status === 'blocked');
}
