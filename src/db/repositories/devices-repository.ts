import type { Sql } from '../db.js';

export type DeviceKind = 'dock' | 'camera';

export interface Device {
  id: string;
  kind: DeviceKind;
  serial: string;
  name: string;
  createdAt: string;
  lastSeenAt: string | null;
}

interface Row {
  id: string;
  kind: DeviceKind;
  serial: string;
  name: string;
  created_at: Date;
  last_seen_at: Date | null;
}

const toDevice = (r: Row): Device => ({
  id: r.id,
  kind: r.kind,
  serial: r.serial,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  lastSeenAt: r.last_seen_at?.toISOString() ?? null,
});

export class DevicesRepository {
  constructor(private readonly sql: Sql) {}

  /** Returns null when the serial is taken. */
  async insert(d: { id: string; kind: DeviceKind; serial: string; name: string; tokenHash: string }): Promise<Device | null> {
    const rows = await this.sql.query<Row>(
      `insert into devices (id, kind, serial, name, token_hash) values ($1, $2, $3, $4, $5)
       on conflict (serial) do nothing returning *`,
      [d.id, d.kind, d.serial, d.name, d.tokenHash],
    );
    return rows[0] ? toDevice(rows[0]) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<Device | null> {
    const rows = await this.sql.query<Row>('select * from devices where token_hash = $1', [tokenHash]);
    return rows[0] ? toDevice(rows[0]) : null;
  }

  async findById(id: string): Promise<Device | null> {
    const rows = await this.sql.query<Row>('select * from devices where id = $1', [id]);
    return rows[0] ? toDevice(rows[0]) : null;
  }

  async findBySerials(serials: string[]): Promise<Device[]> {
    if (!serials.length) return [];
    return (await this.sql.query<Row>('select * from devices where serial = any($1::text[])', [serials])).map(toDevice);
  }

  async list(): Promise<Device[]> {
    return (await this.sql.query<Row>('select * from devices order by created_at')).map(toDevice);
  }

  async touch(id: string): Promise<void> {
    await this.sql.query('update devices set last_seen_at = now() where id = $1', [id]);
  }
}
