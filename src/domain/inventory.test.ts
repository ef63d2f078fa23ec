import { describe, expect, it } from 'vitest';
import { checkDeadlineRules, classifyInventoryFile, deadlineBounds, deadlineReference, inventoryOrigin, storageRate, type DeadlineRules } from './inventory.js';

const HOUR = 3_600_000;
const end = new Date('2026-11-23T00:30:00.000Z');
const at = (hoursAfterEnd: number, ms = 0) => new Date(end.getTime() + hoursAfterEnd * HOUR + ms);
const file = (o: Partial<{ stored: boolean; recordedEnd: string | null; recordedAt: string | null; firstSeenAt: string }> = {}) => ({
  stored: false,
  recordedEnd: end.toISOString(),
  recordedAt: null,
  firstSeenAt: '2026-11-23T02:00:00.000Z',
  ...o,
});
const status = (now: Date, f = file(), rules?: DeadlineRules) => classifyInventoryFile(f, now, rules).status;

describe('storage deadline (24 h to upload, flagged from 20 h)', () => {
  it('is pending before the warning mark', () => {
    expect(status(at(0))).toBe('pending');
    expect(status(at(20, -1))).toBe('pending');
  });

  it('is due exactly at 20 h and up to and including 24 h', () => {
    expect(status(at(20))).toBe('due');
    expect(status(at(23.99))).toBe('due');
    expect(status(at(24))).toBe('due');
  });

  it('is overdue one millisecond after 24 h', () => {
    expect(status(at(24, 1))).toBe('overdue');
    expect(status(at(24 * 30))).toBe('overdue');
  });

  it('a stored file is stored whatever the time', () => {
    expect(status(at(100), file({ stored: true }))).toBe('stored');
    expect(status(at(0), file({ stored: true }))).toBe('stored');
  });

  it('reports when the warning and the deadline fall', () => {
    expect(classifyInventoryFile(file(), at(1))).toMatchObject({ warnAt: at(20).toISOString(), dueAt: at(24).toISOString() });
  });

  it('counts from the end, else the start, else when the dock first saw the file', () => {
    expect(deadlineReference(file()).toISOString()).toBe(end.toISOString());
    expect(deadlineReference(file({ recordedEnd: null, recordedAt: '2026-11-22T23:00:00.000Z' })).toISOString()).toBe('2026-11-22T23:00:00.000Z');
    const unknown = file({ recordedEnd: null, recordedAt: null });
    expect(deadlineReference(unknown).toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(classifyInventoryFile(unknown, new Date('2026-11-23T22:00:00.000Z')).status).toBe('due');
  });

  it('follows configured rules', () => {
    const rules = { deadlineHours: 48, warningHours: 36 };
    expect(status(at(30), file(), rules)).toBe('pending');
    expect(status(at(36), file(), rules)).toBe('due');
    expect(status(at(48, 1), file(), rules)).toBe('overdue');
    expect(checkDeadlineRules(rules)).toBeNull();
    expect(checkDeadlineRules({ deadlineHours: 24, warningHours: 24 })).toMatch(/before the deadline/);
    expect(checkDeadlineRules({ deadlineHours: 0, warningHours: -1 })).toMatch(/positive/);
  });

  it('SQL bounds agree with the classifier at every boundary', () => {
    const now = new Date('2026-11-24T12:00:00.000Z');
    const { overdueBefore, dueAtOrBefore } = deadlineBounds(now);
    const bySql = (ref: Date) => (ref < overdueBefore ? 'overdue' : ref <= dueAtOrBefore ? 'due' : 'pending');
    for (const hoursAgo of [0, 19.999, 20, 22, 24, 24.0001, 30]) {
      const ref = new Date(now.getTime() - hoursAgo * HOUR);
      expect(bySql(ref), `${hoursAgo} h`).toBe(status(now, file({ recordedEnd: ref.toISOString() })));
    }
  });
});

describe('inventory identity and rate', () => {
  it('uses the camera serial when the dock names the camera, else the dock serial', () => {
    expect(inventoryOrigin({ cameraSerial: 'BWC-1', dockSerial: 'DOCK-1' })).toBe('BWC-1');
    expect(inventoryOrigin({ cameraSerial: null, dockSerial: 'DOCK-1' })).toBe('DOCK-1');
  });

  it('computes the storage rate with nothing reported as complete', () => {
    expect(storageRate({ total: 0, stored: 0 })).toBe(1);
    expect(storageRate({ total: 4, stored: 3 })).toBe(0.75);
  });
});
