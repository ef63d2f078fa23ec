import type { AckMode } from '../../domain/dock-files.js';
import type { Sql } from '../db.js';

export type PullProtocol = 'ftp' | 'folder';

/** A dock the service pulls from. `passwordSealed` never leaves the service (see toPublicPullSource). */
export interface PullSource {
  id: string;
  deviceId: string;
  protocol: PullProtocol;
  location: string;
  username: string | null;
  passwordSealed: string | null;
  remoteDir: string;
  doneDir: string;
  ackMode: AckMode;
  patterns: string[];
  extensions: string[];
  pollIntervalSec: number;
  stableSec: number;
  requireSidecar: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastPollAt: string | null;
  lastOkAt: string | null;
  lastErrorCode: string | null;
  lastError: string | null;
}

export type PullSourceSettings = Pick<
  PullSource,
  'protocol' | 'location' | 'username' | 'passwordSealed' | 'remoteDir' | 'doneDir' | 'ackMode' | 'patterns' | 'extensions' | 'pollIntervalSec' | 'stableSec' | 'requireSidecar' | 'enabled'
>;

interface Row {
  id: string;
  device_id: string;
  protocol: PullProtocol;
  location: string;
  username: string | null;
  password_sealed: string | null;
  remote_dir: string;
  done_dir: string;
  ack_mode: AckMode;
  patterns: string[];
  extensions: string[];
  poll_interval_sec: number;
  stable_sec: number;
  require_sidecar: boolean;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  last_poll_at: Date | null;
  last_ok_at: Date | null;
  last_error_code: string | null;
  last_error: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toSource = (r: Row): PullSource => ({
  id: r.id,
  deviceId: r.device_id,
  protocol: r.protocol,
  location: r.location,
  username: r.username,
  passwordSealed: r.password_sealed,
  remoteDir: r.remote_dir,
  doneDir: r.done_dir,
  ackMode: r.ack_mode,
  patterns: r.patterns,
  extensions: r.extensions,
  pollIntervalSec: Number(r.poll_interval_sec),
  stableSec: Number(r.stable_sec),
  requireSidecar: r.require_sidecar,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  lastPollAt: iso(r.last_poll_at),
  lastOkAt: iso(r.last_ok_at),
  lastErrorCode: r.last_error_code,
  lastError: r.last_error,
});

/** What the API shows: everything but the password, and whether one is set. */
export function toPublicPullSource(s: PullSource) {
  const { passwordSealed, ...rest } = s;
  return { ...rest, hasPassword: passwordSealed !== null };
}

export class PullSourcesRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Creates the dock's pull source or replaces its settings (keeping its id, so the record of which files were
   * already fetched stays with it). `passwordSealed: undefined` keeps the stored password.
   */
  async upsert(id: string, deviceId: string, s: Omit<PullSourceSettings, 'passwordSealed'> & { passwordSealed: string | null | undefined }): Promise<{ source: PullSource; created: boolean }> {
    const rows = await this.sql.query<Row & { inserted: boolean }>(
      `insert into dock_pull_sources (id, device_id, protocol, location, username, password_sealed, remote_dir, done_dir, ack_mode,
                                      patterns, extensions, poll_interval_sec, stable_sec, require_sidecar, enabled)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       on conflict (device_id) do update set
         protocol = excluded.protocol, location = excluded.location, username = excluded.username,
         password_sealed = case when $16 then excluded.password_sealed else dock_pull_sources.password_sealed end,
         remote_dir = excluded.remote_dir, done_dir = excluded.done_dir, ack_mode = excluded.ack_mode,
         patterns = excluded.patterns, extensions = excluded.extensions, poll_interval_sec = excluded.poll_interval_sec,
         stable_sec = excluded.stable_sec, require_sidecar = excluded.require_sidecar, enabled = excluded.enabled,
         updated_at = now(), last_error_code = null, last_error = null
       returning *, (xmax = 0) as inserted`,
      [id, deviceId, s.protocol, s.location, s.username, s.passwordSealed ?? null, s.remoteDir, s.doneDir, s.ackMode,
        s.patterns, s.extensions, s.pollIntervalSec, s.stableSec, s.requireSidecar, s.enabled, s.passwordSealed !== undefined],
    );
    const row = rows[0]!;
    return { source: toSource(row), created: row.inserted };
  }

  async findByDevice(deviceId: string): Promise<PullSource | null> {
    const rows = await this.sql.query<Row>('select * from dock_pull_sources where device_id = $1', [deviceId]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async findById(id: string): Promise<PullSource | null> {
    const rows = await this.sql.query<Row>('select * from dock_pull_sources where id = $1', [id]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async listEnabled(): Promise<PullSource[]> {
    return (await this.sql.query<Row>('select * from dock_pull_sources where enabled order by created_at')).map(toSource);
  }

  async listAll(): Promise<PullSource[]> {
    return (await this.sql.query<Row>('select * from dock_pull_sources order by created_at')).map(toSource);
  }

  /**
   * Takes (or renews) the source for `owner` until `leaseSec` from now, unless another poller holds an unexpired
   * lease. Atomic in one statement, so two replicas never pull the same dock at once.
   */
  async tryLease(id: string, owner: string, leaseSec: number): Promise<boolean> {
    const rows = await this.sql.query(
      `update dock_pull_sources set lease_owner = $2, lease_until = now() + make_interval(secs => $3)
        where id = $1 and enabled and (lease_owner is null or lease_owner = $2 or lease_until < now())
        returning id`,
      [id, owner, leaseSec],
    );
    return rows.length === 1;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.sql.query('update dock_pull_sources set lease_owner = null, lease_until = null where id = $1 and lease_owner = $2', [id, owner]);
  }

  async recordPoll(id: string, error: { code: string; message: string } | null): Promise<void> {
    await this.sql.query(
      `update dock_pull_sources set last_poll_at = now(),
              last_ok_at = case when $2::text is null then now() else last_ok_at end,
              last_error_code = $2, last_error = $3
        where id = $1`,
      [id, error?.code ?? null, error?.message.slice(0, 1000) ?? null],
    );
  }
}
