import { describe, expect, it } from 'vitest';
import { addDays, batchSettled, checkApproval, disposalScopeOf, mayDispose, purgeDue } from './disposal.js';

describe('disposal approvals', () => {
  it('needs two different people; the creator may be one; nobody counts twice', () => {
    expect(checkApproval({ status: 'pending_approval', approvers: [] }, 'user:a')).toEqual({ ok: true, approvalsAfter: 1, complete: false });
    expect(checkApproval({ status: 'pending_approval', approvers: ['user:a'] }, 'user:a')).toEqual({ ok: false, reason: 'same-approver' });
    expect(checkApproval({ status: 'pending_approval', approvers: ['user:a'] }, 'user:b')).toEqual({ ok: true, approvalsAfter: 2, complete: true });
  });

  it('refuses approvals once the batch is approved, completed or cancelled', () => {
    for (const status of ['recycling', 'completed', 'cancelled'] as const) {
      expect(checkApproval({ status, approvers: ['user:a'] }, 'user:b')).toEqual({ ok: false, reason: 'not-pending' });
    }
  });
});

describe('purge timing', () => {
  const approvedAt = new Date('2026-01-01T00:00:00Z');
  const batch = { approvedAt, recycleUntil: addDays(approvedAt, 30) };
  const recycled = { status: 'recycled' as const, derivativesPurgedAt: null };

  it('lets derivatives go before the original (they can be re-made), and the original only after the recycle period', () => {
    expect(purgeDue(recycled, batch, { derivativeRecycleDays: 0 }, approvedAt)).toEqual({ derivatives: true, original: false });
    expect(purgeDue(recycled, batch, { derivativeRecycleDays: 7 }, addDays(approvedAt, 6))).toEqual({ derivatives: false, original: false });
    expect(purgeDue(recycled, batch, { derivativeRecycleDays: 7 }, addDays(approvedAt, 30))).toEqual({ derivatives: true, original: true });
    expect(purgeDue({ ...recycled, derivativesPurgedAt: approvedAt }, batch, { derivativeRecycleDays: 0 }, addDays(approvedAt, 31))).toEqual({ derivatives: false, original: true });
  });

  it('never purges anything not approved, restored or blocked; finishes what a crash interrupted', () => {
    const later = addDays(approvedAt, 100);
    for (const status of ['pending', 'restored', 'blocked', 'purged'] as const) {
      expect(purgeDue({ status, derivativesPurgedAt: null }, batch, { derivativeRecycleDays: 0 }, later)).toEqual({ derivatives: false, original: false });
    }
    expect(purgeDue(recycled, { approvedAt: null, recycleUntil: null }, { derivativeRecycleDays: 0 }, later)).toEqual({ derivatives: false, original: false });
    expect(purgeDue({ status: 'purging', derivativesPurgedAt: approvedAt }, batch, { derivativeRecycleDays: 0 }, approvedAt)).toEqual({ derivatives: false, original: true });
  });

  it('a batch is settled when every item is purged, restored or blocked', () => {
    expect(batchSettled([{ status: 'purged' }, { status: 'restored' }, { status: 'blocked' }])).toBe(true);
    expect(batchSettled([{ status: 'purged' }, { status: 'recycled' }])).toBe(false);
  });
});

describe('disposal scope', () => {
  it('admins (and the bootstrap admin token) reach all footage; a unit head their unit; a unit head without a unit none', () => {
    expect(disposalScopeOf(null)).toEqual({ kind: 'all' });
    expect(disposalScopeOf({ role: 'admin', unitCode: '110000000001' })).toEqual({ kind: 'all' });
    expect(disposalScopeOf({ role: 'unit_head', unitCode: '110000000001' })).toEqual({ kind: 'unit', unitCode: '110000000001' });
    expect(disposalScopeOf({ role: 'unit_head', unitCode: null })).toEqual({ kind: 'none' });
  });

  it("a unit head only disposes of footage wholly of their unit; footage no unit claims is left to admins", () => {
    const unit = { kind: 'unit', unitCode: 'A' } as const;
    expect(mayDispose(unit, ['A'])).toBe(true);
    expect(mayDispose(unit, ['A', 'A'])).toBe(true);
    expect(mayDispose(unit, ['B'])).toBe(false);
    expect(mayDispose(unit, ['A', 'B'])).toBe(false);
    expect(mayDispose(unit, [])).toBe(false);
    expect(mayDispose({ kind: 'all' }, [])).toBe(true);
    expect(mayDispose({ kind: 'all' }, ['A', 'B'])).toBe(true);
    expect(mayDispose({ kind: 'none' }, ['A'])).toBe(false);
  });
});
