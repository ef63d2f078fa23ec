import { GENESIS_HASH } from '../../domain/custody-chain.js';
import type { Sql } from '../db.js';

export const VERIFICATION_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export type FindingKind = 'chain' | 'checkpoint' | 'original';

/** One thing a verification found wrong, named precisely enough to act on. */
export interface Finding {
  kind: FindingKind;
  /** chain: hash-mismatch, prev-link-broken, media-link-broken, sequence-gap; checkpoint: checkpoint-*; original: original-*. */
  reason: string;
  /** The custody event that broke (chain) or the checkpointed seq (checkpoint). */
  seq?: number;
  mediaId?: string;
  checkpointId?: number;
  message: string;
  detail?: string;
}

/** At most this many findings are kept on a run (all are counted): a wholesale rewrite should not fill the table. */
export const MAX_STORED_FINDINGS = 1000;

export interface VerificationRun {
  id: string;
  status: VerificationStatus;
  /** clean or tampered once completed; tampered as soon as anything is found; null while nothing is known yet. */
  result: 'clean' | 'tampered' | null;
  percent: number;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
  slices: number;
  elapsedMs: number;
  chain: { lastSeq: number; lastHash: string; total: number; done: boolean };
  checkpoints: { verified: number; total: number; done: boolean };
  originals: { lastMediaId: string | null; verified: number; total: number; bytesVerified: number; bytesTotal: number; done: boolean };
  findingsCount: number;
  findings: Finding[];
  error: string | null;
}

interface Row {
  id: string;
  status: VerificationStatus;
  requested_by: string;
  created_at: Date;
  started_at: Date | null;
  updated_at: Date;
  finished_at: Date | null;
  slices: number;
  elapsed_ms: number;
  chain_last_seq: number;
  chain_last_hash: string;
  chain_total: number;
  chain_done: boolean;
  checkpoints_total: number;
  checkpoints_verified: number;
  checkpoints_done: boolean;
  media_last_id: string | null;
  media_total: number;
  media_verified: number;
  bytes_total: number;
  bytes_verified: number;
  media_done: boolean;
  findings: Finding[];
  findings_count: number;
  error: string | null;
}

// Rough costs on one core, to weigh the phases into one percent: ~100k events/s, ~150 MB/s of originals.
const EVENT_COST = 1 / 100_000;
const BYTE_COST = 1 / 150e6;
const MEDIA_COST = 0.005;

function percentOf(r: Row): number {
  if (r.status === 'completed') return 100;
  const total = r.chain_total * EVENT_COST + r.bytes_total * BYTE_COST + r.media_total * MEDIA_COST;
  if (total <= 0) return 0;
  const done =
    (r.chain_done ? r.chain_total : Math.min(r.chain_last_seq, r.chain_total)) * EVENT_COST +
    (r.media_done ? r.bytes_total : Math.min(r.bytes_verified, r.bytes_total)) * BYTE_COST +
    (r.media_done ? r.media_total : Math.min(r.media_verified, r.media_total)) * MEDIA_COST;
  return Math.min(99.9, Math.floor((done / total) * 1000) / 10);
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toRun = (r: Row): VerificationRun => ({
  id: r.id,
  status: r.status,
  result: r.findings_count > 0 ? 'tampered' : r.status === 'completed' ? 'clean' : null,
  percent: percentOf(r),
  requestedBy: r.requested_by,
  createdAt: r.created_at.toISOString(),
  startedAt: iso(r.started_at),
  updatedAt: r.updated_at.toISOString(),
  finishedAt: iso(r.finished_at),
  slices: r.slices,
  elapsedMs: r.elapsed_ms,
  chain: { lastSeq: r.chain_last_seq, lastHash: r.chain_last_hash, total: r.chain_total, done: r.chain_done },
  checkpoints: { verified: r.checkpoints_verified, total: r.checkpoints_total, done: r.checkpoints_done },
  originals: {
    lastMediaId: r.media_last_id,
    verified: r.media_verified,
    total: r.media_total,
    bytesVerified: r.bytes_verified,
    bytesTotal: r.bytes_total,
    done: r.media_done,
  },
  findingsCount: r.findings_count,
  findings: r.findings,
  error: r.error,
});

/** Progress a slice reports; only the given fields change. */
export interface RunProgress {
  chainLastSeq?: number;
  chainLastHash?: string;
  chainTotal?: number;
  chainDone?: boolean;
  checkpointsTotal?: number;
  checkpointsVerified?: number;
  checkpointsDone?: boolean;
  mediaLastId?: string | null;
  mediaTotal?: number;
  mediaVerified?: number;
  bytesTotal?: number;
  bytesVerified?: number;
  mediaDone?: boolean;
}

const COLUMNS: Record<keyof RunProgress, string> = {
  chainLastSeq: 'chain_last_seq',
  chainLastHash: 'chain_last_hash',
  chainTotal: 'chain_total',
  chainDone: 'chain_done',
  checkpointsTotal: 'checkpoints_total',
  checkpointsVerified: 'checkpoints_verified',
  checkpointsDone: 'checkpoints_done',
  mediaLastId: 'media_last_id',
  mediaTotal: 'media_total',
  mediaVerified: 'media_verified',
  bytesTotal: 'bytes_total',
  bytesVerified: 'bytes_verified',
  mediaDone: 'media_done',
};

export class VerificationsRepository {
  constructor(private readonly sql: Sql) {}

  async create(id: string, requestedBy: string): Promise<VerificationRun> {
    const [row] = await this.sql.query<Row>(
      'insert into custody_verifications (id, requested_by, chain_last_hash) values ($1, $2, $3) returning *',
      [id, requestedBy, GENESIS_HASH],
    );
    return toRun(row!);
  }

  async findById(id: string): Promise<VerificationRun | null> {
    const [row] = await this.sql.query<Row>('select * from custody_verifications where id = $1', [id]);
    return row ? toRun(row) : null;
  }

  /** The newest run not yet finished, which the next slice continues. */
  async findOpen(): Promise<VerificationRun | null> {
    const [row] = await this.sql.query<Row>(
      `select * from custody_verifications where status in ('queued', 'running', 'paused') order by created_at desc limit 1`,
    );
    return row ? toRun(row) : null;
  }

  async list(limit: number): Promise<VerificationRun[]> {
    const rows = await this.sql.query<Row>('select * from custody_verifications order by created_at desc limit $1', [limit]);
    return rows.map(toRun);
  }

  /** Takes the run for one slice unless another live process holds it; null when busy or already finished. */
  async acquire(id: string, owner: string, leaseSeconds: number): Promise<VerificationRun | null> {
    const [row] = await this.sql.query<Row>(
      `update custody_verifications
          set status = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
              started_at = coalesce(started_at, now()), updated_at = now(), error = null
        where id = $1 and status in ('queued', 'running', 'paused')
          and (lease_until is null or lease_until < now() or lease_owner = $2)
        returning *`,
      [id, owner, leaseSeconds],
    );
    return row ? toRun(row) : null;
  }

  /** Saves progress and new findings, and extends the lease; false when the lease was lost. */
  async saveProgress(id: string, owner: string, p: RunProgress, newFindings: Finding[], leaseSeconds: number): Promise<VerificationRun | null> {
    const sets: string[] = [];
    const params: unknown[] = [id, owner, leaseSeconds, JSON.stringify(newFindings), newFindings.length, MAX_STORED_FINDINGS];
    for (const [k, v] of Object.entries(p) as Array<[keyof RunProgress, unknown]>) {
      if (v === undefined) continue;
      params.push(v);
      sets.push(`${COLUMNS[k]} = $${params.length}`);
    }
    const [row] = await this.sql.query<Row>(
      `update custody_verifications
          set ${sets.map((s) => `${s}, `).join('')}
              findings = case when jsonb_array_length(findings) >= $6 then findings
                              else findings || (select coalesce(jsonb_agg(f), '[]'::jsonb) from (
                                     select f from jsonb_array_elements($4::jsonb) with ordinality as t(f, n)
                                      where n <= $6 - jsonb_array_length(findings)) x) end,
              findings_count = findings_count + $5,
              lease_until = now() + make_interval(secs => $3), updated_at = now()
        where id = $1 and lease_owner = $2 and status = 'running'
        returning *`,
      params,
    );
    return row ? toRun(row) : null;
  }

  /** Ends a slice: completed when every phase is done, else paused for the next slice; the lease is released. */
  async endSlice(id: string, owner: string, status: 'completed' | 'paused' | 'failed', elapsedMs: number, error: string | null = null): Promise<VerificationRun | null> {
    const [row] = await this.sql.query<Row>(
      `update custody_verifications
          set status = $3, slices = slices + 1, elapsed_ms = elapsed_ms + $4, error = $5,
              finished_at = case when $3 in ('completed', 'failed') then now() else null end,
              lease_owner = null, lease_until = null, updated_at = now()
        where id = $1 and lease_owner = $2
        returning *`,
      [id, owner, status, Math.round(elapsedMs), error],
    );
    return row ? toRun(row) : null;
  }
}
