import type { Sql } from '../db.js';

export interface Checkpoint {
  id: number;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
  createdBy: string;
  /** Position in the checkpoint chain; null on checkpoints signed before the chain started (migration 013). */
  number: number | null;
  prevHash: string | null;
  linkSignature: string | null;
}

interface Row {
  id: number;
  seq: number;
  hash: string;
  at: Date;
  key_id: string;
  signature: string;
  created_by: string;
  number: number | null;
  prev_hash: string | null;
  link_signature: string | null;
}

const toCheckpoint = (r: Row): Checkpoint => ({
  id: r.id,
  seq: r.seq,
  hash: r.hash,
  at: r.at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
  createdBy: r.created_by,
  number: r.number === null ? null : Number(r.number),
  prevHash: r.prev_hash,
  linkSignature: r.link_signature,
});

/** A checkpoint beside the hash the chain holds now at its seq (null when that event is gone). */
export interface CheckpointAgainstChain extends Checkpoint {
  chainHash: string | null;
}

export class CheckpointsRepository {
  constructor(private readonly sql: Sql) {}

  async insert(c: Omit<Checkpoint, 'id'>): Promise<Checkpoint> {
    const [row] = await this.sql.query<Row>(
      `insert into custody_checkpoints (seq, hash, at, key_id, signature, created_by, number, prev_hash, link_signature)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
      [c.seq, c.hash, c.at, c.keyId, c.signature, c.createdBy, c.number, c.prevHash, c.linkSignature],
    );
    return toCheckpoint(row!);
  }

  async latest(): Promise<Checkpoint | null> {
    const [row] = await this.sql.query<Row>('select * from custody_checkpoints order by id desc limit 1');
    return row ? toCheckpoint(row) : null;
  }

  async list(limit: number, beforeId?: number): Promise<Checkpoint[]> {
    const rows = beforeId
      ? await this.sql.query<Row>('select * from custody_checkpoints where id < $1 order by id desc limit $2', [beforeId, limit])
      : await this.sql.query<Row>('select * from custody_checkpoints order by id desc limit $1', [limit]);
    return rows.map(toCheckpoint);
  }

  /** The newest checkpoint of the checkpoint chain (the one the next links to), or null before the chain starts. */
  async lastLinked(): Promise<Checkpoint | null> {
    const [row] = await this.sql.query<Row>('select * from custody_checkpoints where number is not null order by number desc limit 1');
    return row ? toCheckpoint(row) : null;
  }

  /** The chain hash the events hold at `seq` now (null when that event is gone). */
  async chainHashAt(seq: number): Promise<string | null> {
    const [row] = await this.sql.query<{ hash: string }>('select hash from custody_events where seq = $1', [seq]);
    return row?.hash ?? null;
  }

  async count(): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>('select count(*)::int as n from custody_checkpoints');
    return row?.n ?? 0;
  }

  /** Every checkpoint with the hash the chain holds at its seq today, in id order, `limit` at a time. */
  async againstChain(afterId: number, limit: number): Promise<CheckpointAgainstChain[]> {
    const rows = await this.sql.query<Row & { chain_hash: string | null }>(
      `select c.*, e.hash as chain_hash from custody_checkpoints c left join custody_events e on e.seq = c.seq
        where c.id > $1 order by c.id limit $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ ...toCheckpoint(r), chainHash: r.chain_hash }));
  }
}
