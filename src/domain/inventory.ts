/**
 * The dock's file inventory is the denominator of the audio/video storage rate: every file a camera or dock
 * reported counts, stored or not. A file not yet stored is `pending`; from the warning mark (20 h after it was
 * recorded, by default) it is `due`, and past the upload deadline (24 h) it is `overdue`. Pure: no I/O.
 */

export interface DeadlineRules {
  /** Upload deadline after the recording ends (the rules: 24 hours after the duty ends). */
  deadlineHours: number;
  /** Flag a file as due this long after it ends, so it can still be fetched before the deadline. */
  warningHours: number;
}

export const DEFAULT_DEADLINE_RULES: DeadlineRules = { deadlineHours: 24, warningHours: 20 };

export const INVENTORY_STATUSES = ['stored', 'pending', 'due', 'overdue'] as const;
export type InventoryStatus = (typeof INVENTORY_STATUSES)[number];
/** Query filters: `missing` is every file not stored (pending, due or overdue). */
export const INVENTORY_FILTERS = ['missing', 'stored', 'pending', 'due', 'overdue'] as const;
export type InventoryFilter = (typeof INVENTORY_FILTERS)[number];

const HOUR = 3_600_000;

export function checkDeadlineRules(r: DeadlineRules): string | null {
  if (!(r.deadlineHours > 0)) return 'deadline must be positive';
  if (!(r.warningHours > 0 && r.warningHours < r.deadlineHours)) return 'warning must be positive and before the deadline';
  return null;
}

export interface InventoryTimes {
  recordedEnd: string | null;
  recordedAt: string | null;
  /** When a dock first reported the file: the clock of last resort when the camera gave no times. */
  firstSeenAt: string;
}

/** The moment the deadline counts from: the recording's end, else its start, else when the dock first saw it. */
export function deadlineReference(f: InventoryTimes): Date {
  return new Date(f.recordedEnd ?? f.recordedAt ?? f.firstSeenAt);
}

export interface Classified {
  status: InventoryStatus;
  warnAt: string;
  dueAt: string;
}

/**
 * Boundaries: exactly at the warning mark a file is `due`; exactly at the deadline it is still `due` ("within 24
 * hours" includes the 24th); one millisecond later it is `overdue`. A stored file is `stored` whatever the time.
 */
export function classifyInventoryFile(f: InventoryTimes & { stored: boolean }, now: Date, rules: DeadlineRules = DEFAULT_DEADLINE_RULES): Classified {
  const ref = deadlineReference(f).getTime();
  const warnAt = ref + rules.warningHours * HOUR;
  const dueAt = ref + rules.deadlineHours * HOUR;
  const t = now.getTime();
  const status: InventoryStatus = f.stored ? 'stored' : t > dueAt ? 'overdue' : t >= warnAt ? 'due' : 'pending';
  return { status, warnAt: new Date(warnAt).toISOString(), dueAt: new Date(dueAt).toISOString() };
}

/**
 * The same rule as bounds on the reference time, for filtering in SQL: a not-stored file is
 *   overdue  when ref <  overdueBefore,
 *   due      when overdueBefore <= ref <= dueAtOrBefore,
 *   pending  when ref >  dueAtOrBefore.
 */
export function deadlineBounds(now: Date, rules: DeadlineRules = DEFAULT_DEADLINE_RULES): { overdueBefore: Date; dueAtOrBefore: Date } {
  return {
    overdueBefore: new Date(now.getTime() - rules.deadlineHours * HOUR),
    dueAtOrBefore: new Date(now.getTime() - rules.warningHours * HOUR),
  };
}

/**
 * The identity of a reported file: the camera's serial when the dock named the camera, else the dock's own serial
 * (a pull listing), plus name and size. The same file reported again, by any dock, is the same row.
 */
export function inventoryOrigin(o: { cameraSerial: string | null; dockSerial: string }): string {
  return o.cameraSerial ?? o.dockSerial;
}

export interface InventoryCounts {
  total: number;
  stored: number;
  pending: number;
  due: number;
  overdue: number;
}

/** Share of reported files that reached the platform; 1 when nothing was reported (nothing is missing). */
export function storageRate(c: Pick<InventoryCounts, 'total' | 'stored'>): number {
  return c.total === 0 ? 1 : c.stored / c.total;
}
