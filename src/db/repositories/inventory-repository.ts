import { deadlineBounds, type DeadlineRules, type InventoryCounts, type InventoryFilter } from '../../domain/inventory.js';
import type { Sql } from '../db.js';

export type InventoryVia = 'push' | 'ftp' | 'folder';

/** One file as a dock reported it. */
export interface InventoryEntry {
  /** Camera serial, or the dock's serial when the dock did not say which camera (see inventoryOrigin). */
  origin: string;
  cameraSerial: string | null;
  name: string;
  sizeBytes: number;
  fileId?: string | null;
  sha256?: string | null;
  md5?: string | null;
  recordedAt?: string | null;
  recordedEnd?: string | null;
  flags?: string[];
}

export interface InventoryFile {
  id: number;
  origin: string;
  name: string;
  sizeBytes: number;
  dockId: string;
  cameraSerial: string | null;
  fileId: string | null;
  sha256: string | null;
  md5: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  flags: string[];
  via: InventoryVia;
  onDock: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  mediaId: string | null;
  storedAt: string | null;
}

interface Row {
  id: number;
  origin_serial: string;
  name: string;
  size_bytes: number;
  dock_id: string;
  camera_serial: string | null;
  file_id: string | null;
  sha256: string | null;
  md5: string | null;
  recorded_at: Date | null;
  recorded_end: Date | null;
  flags: string[];
  via: InventoryVia;
  on_dock: boolean;
  first_seen_at: Date;
  last_seen_at: Date;
  media_id: string | null;
  stored_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const toFile = (r: Row): InventoryFile => ({
  id: Number(r.id),
  origin: r.origin_serial,
  name: r.name,
  sizeBytes: Number(r.size_bytes),
  dockId: r.dock_id,
  cameraSerial: r.camera_serial,
  fileId: r.file_id,
  sha256: r.sha256,
  md5: r.md5,
  recordedAt: iso(r.recorded_at),
  recordedEnd: iso(r.recorded_end),
  flags: r.flags,
  via: r.via,
  onDock: r.on_dock,
  firstSeenAt: r.first_seen_at.toISOString(),
  lastSeenAt: r.last_seen_at.toISOString(),
  mediaId: r.media_id,
  storedAt: iso(r.stored_at),
});

const noNul = (s: string) => s.replace(/\0/g, '\uFFFD');
const REF = 'coalesce(recorded_end, recorded_at, first_seen_at)';
const BATCH = 500;

export interface DockHealth {
  diskUsedBytes: number | null;
  diskTotalBytes: number | null;
  cameraCount: number | null;
  lastInventoryAt: string | null;
}

export class InventoryRepository {
  /** Pass a transaction for recordReport: the snapshot and "no longer on the dock" must land together. */
  constructor(private readonly sql: Sql) {}

  /**
   * Records one report: every entry upserted (the same file again is the same row, whichever dock reports it),
   * and files of the reported origins that this dock listed before but not now are marked as no longer on it.
   */
  async recordReport(dockId: string, via: InventoryVia, entries: InventoryEntry[], origins: string[]): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH).map((e) => ({
        origin_serial: noNul(e.origin),
        name: noNul(e.name),
        size_bytes: e.sizeBytes,
        camera_serial: e.cameraSerial ? noNul(e.cameraSerial) : null,
        file_id: e.fileId ? noNul(e.fileId) : null,
        sha256: e.sha256?.toLowerCase() ?? null,
        md5: e.md5?.toLowerCase() ?? null,
        recorded_at: e.recordedAt ?? null,
        recorded_end: e.recordedEnd ?? null,
        flags: e.flags ?? [],
      }));
      await this.sql.query(
        `insert into inventory_files (origin_serial, name, size_bytes, dock_id, camera_serial, file_id, sha256, md5, recorded_at, recorded_end, flags, via)
         select x.origin_serial, x.name, x.size_bytes, $1, x.camera_serial, x.file_id, x.sha256, x.md5, x.recorded_at, x.recorded_end,
                array(select jsonb_array_elements_text(x.flags)), $2
           from jsonb_to_recordset($3::jsonb) as x(origin_serial text, name text, size_bytes bigint, camera_serial text, file_id text,
                                                   sha256 text, md5 text, recorded_at timestamptz, recorded_end timestamptz, flags jsonb)
         on conflict (origin_serial, name, size_bytes) do update set
           dock_id = excluded.dock_id,
           camera_serial = coalesce(excluded.camera_serial, inventory_files.camera_serial),
           file_id = coalesce(excluded.file_id, inventory_files.file_id),
           sha256 = coalesce(excluded.sha256, inventory_files.sha256),
           md5 = coalesce(excluded.md5, inventory_files.md5),
           recorded_at = coalesce(excluded.recorded_at, inventory_files.recorded_at),
           recorded_end = coalesce(excluded.recorded_end, inventory_files.recorded_end),
           flags = case when cardinality(excluded.flags) > 0 then excluded.flags else inventory_files.flags end,
           via = excluded.via, on_dock = true, last_seen_at = now()`,
        [dockId, via, JSON.stringify(batch)],
      );
    }
    if (origins.length) {
      await this.sql.query(
        `update inventory_files set on_dock = false
          where dock_id = $1 and origin_serial = any($2) and on_dock and last_seen_at < now()`,
        [dockId, origins],
      );
    }
  }

  async recordHealth(dockId: string, h: { diskUsedBytes: number | null; diskTotalBytes: number | null; cameraCount: number | null }): Promise<void> {
    await this.sql.query(
      `insert into dock_health (device_id, disk_used_bytes, disk_total_bytes, camera_count, last_inventory_at) values ($1, $2, $3, $4, now())
       on conflict (device_id) do update set
         disk_used_bytes = coalesce(excluded.disk_used_bytes, dock_health.disk_used_bytes),
         disk_total_bytes = coalesce(excluded.disk_total_bytes, dock_health.disk_total_bytes),
         camera_count = coalesce(excluded.camera_count, dock_health.camera_count),
         last_inventory_at = now()`,
      [dockId, h.diskUsedBytes, h.diskTotalBytes, h.cameraCount],
    );
  }

  async health(dockId: string): Promise<DockHealth | null> {
    const rows = await this.sql.query<{ disk_used_bytes: number | null; disk_total_bytes: number | null; camera_count: number | null; last_inventory_at: Date | null }>(
      'select * from dock_health where device_id = $1',
      [dockId],
    );
    const r = rows[0];
    return r ? { diskUsedBytes: r.disk_used_bytes, diskTotalBytes: r.disk_total_bytes, cameraCount: r.camera_count, lastInventoryAt: iso(r.last_inventory_at) } : null;
  }

  /**
   * The pull path knows exactly which media a listed file became: link it directly, and take the facts the dock's
   * metadata gave (authoritative over what the listing's file name suggested).
   */
  async linkMedia(
    origin: string,
    name: string,
    sizeBytes: number,
    m: { mediaId: string; sha256: string; cameraSerial: string | null; recordedAt: string | null; recordedEnd: string | null; fileId: string | null; md5: string | null },
  ): Promise<void> {
    await this.sql.query(
      `update inventory_files set media_id = $4, stored_at = coalesce(stored_at, now()), sha256 = $5,
              camera_serial = coalesce($6, camera_serial), recorded_at = coalesce($7, recorded_at),
              recorded_end = coalesce($8, recorded_end), file_id = coalesce($9, file_id), md5 = coalesce($10, md5)
        where origin_serial = $1 and name = $2 and size_bytes = $3`,
      [origin, noNul(name), sizeBytes, m.mediaId, m.sha256, m.cameraSerial, m.recordedAt, m.recordedEnd, m.fileId, m.md5],
    );
  }

  /**
   * Links reported files to the live media that holds them: by SHA-256 when the dock gave one, else by name and
   * size from the same camera (declared serial) or dock (uploader). Run after each report, after pulls, and before
   * every read, so a file stored later (by any path) is counted as soon as anyone looks. Links to media that were
   * rejected since are undone first: rejected bytes are not a stored file.
   */
  async matchUnstored(dockId?: string): Promise<number> {
    await this.sql.query(
      `update inventory_files i set media_id = null, stored_at = null
         from media m where i.media_id = m.id and m.state = 'rejected' and ($1::uuid is null or i.dock_id = $1)`,
      [dockId ?? null],
    );
    const bySha = await this.sql.query(
      `update inventory_files i set media_id = m.id, stored_at = now()
         from media m
        where i.media_id is null and i.sha256 is not null and m.sha256 = i.sha256 and m.state <> 'rejected'
          and ($1::uuid is null or i.dock_id = $1)
        returning i.id`,
      [dockId ?? null],
    );
    const byName = await this.sql.query(
      `update inventory_files i set media_id = m.id, stored_at = now()
         from media m
        where i.media_id is null and i.sha256 is null and m.size_bytes = i.size_bytes and m.state <> 'rejected'
          and (m.original_filename = i.name or m.filename = i.name)
          and (m.device_serial = i.origin_serial or m.device_serial = i.camera_serial or m.uploaded_by = i.dock_id)
          and ($1::uuid is null or i.dock_id = $1)
        returning i.id`,
      [dockId ?? null],
    );
    return bySha.length + byName.length;
  }

  /** A dock's reported files, newest first, filtered by status (see src/domain/inventory.ts for the rule). */
  async list(dockId: string, o: { filter?: InventoryFilter; now: Date; rules: DeadlineRules; limit: number; offset: number }): Promise<InventoryFile[]> {
    const { overdueBefore, dueAtOrBefore } = deadlineBounds(o.now, o.rules);
    const where: Record<InventoryFilter, string> = {
      stored: 'media_id is not null',
      missing: 'media_id is null',
      overdue: `media_id is null and ${REF} < b.overdue_before`,
      due: `media_id is null and ${REF} >= b.overdue_before and ${REF} <= b.due_at_or_before`,
      pending: `media_id is null and ${REF} > b.due_at_or_before`,
    };
    const rows = await this.sql.query<Row>(
      `with b as (select $2::timestamptz as overdue_before, $3::timestamptz as due_at_or_before)
       select i.* from inventory_files i, b
        where dock_id = $1 and (${o.filter ? where[o.filter] : 'true'})
        order by ${REF} desc, id desc limit $4 offset $5`,
      [dockId, overdueBefore, dueAtOrBefore, o.limit, o.offset],
    );
    return rows.map(toFile);
  }

  /** Counts per dock for the same rule; docks with no reported file are absent. */
  async countsByDock(now: Date, rules: DeadlineRules): Promise<Map<string, InventoryCounts>> {
    const { overdueBefore, dueAtOrBefore } = deadlineBounds(now, rules);
    const rows = await this.sql.query<{ dock_id: string } & InventoryCounts>(
      `select dock_id,
              count(*)::int as total,
              count(*) filter (where media_id is not null)::int as stored,
              count(*) filter (where media_id is null and ${REF} > $2)::int as pending,
              count(*) filter (where media_id is null and ${REF} >= $1 and ${REF} <= $2)::int as due,
              count(*) filter (where media_id is null and ${REF} < $1)::int as overdue
         from inventory_files group by dock_id`,
      [overdueBefore, dueAtOrBefore],
    );
    return new Map(rows.map(({ dock_id, ...c }) => [dock_id, c]));
  }

  async allHealth(): Promise<Map<string, DockHealth>> {
    const rows = await this.sql.query<{ device_id: string; disk_used_bytes: number | null; disk_total_bytes: number | null; camera_count: number | null; last_inventory_at: Date | null }>(
      'select * from dock_health',
    );
    return new Map(
      rows.map((r) => [r.device_id, { diskUsedBytes: r.disk_used_bytes, diskTotalBytes: r.disk_total_bytes, cameraCount: r.camera_count, lastInventoryAt: iso(r.last_inventory_at) }]),
    );
  }
}
