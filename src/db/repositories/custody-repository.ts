import { GENESIS_HASH, sealEvent, type CustodyEvent, type CustodyEventInput } from '../../domain/custody-chain.js';
import type { SealEvent } from '../../domain/sealed-original.js';
import type { Db, Sql } from '../db.js';

// Serialises appends so the store-wide chain stays a single line even with many writers.
const CHAIN_LOCK = 4_711_002;

/** A custody_events row as the driver returns it. */
export interface CustodyRow {
  seq: number;
  media_id: string | null;
  upload_id: string | null;
  type: CustodyEvent['type'];
  actor: string;
  at: Date;
  details: Record<string, unknown>;
  prev_hash: string;
  media_prev_hash: string | null;
  hash: string;
}

const TIMESTAMPTZ_OID = 1184;
// PostgreSQL's text form of a timestamptz in a UTC session (DateStyle ISO): 2026-01-01 00:00:00.037+00.
const UTC_TIMESTAMPTZ = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?\+00$/;

/**
 * What `(standard parser(text) as Date).toISOString()` returns (the driver's postgres-date, then Date), computed
 * from the text without building a Date. Only the common form is handled here: any other (another session time
 * zone or DateStyle, BC, five-digit years, day 29-31 where month lengths matter, infinity) goes the standard way,
 * so the result, or the error, is always the one toEvent gives.
 */
export function isoFromTimestamptz(text: string, standard: (text: string) => unknown): string {
  const m = UTC_TIMESTAMPTZ.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, frac] = m as unknown as string[];
    // postgres-date passes 1000 * parseFloat(fraction) to Date.UTC, which truncates it to whole milliseconds.
    const ms = frac ? Math.trunc(1000 * Number.parseFloat(frac)) : 0;
    if (mo! >= '01' && mo! <= '12' && d! >= '01' && d! <= '28' && h! <= '23' && mi! <= '59' && s! <= '59' && ms >= 0 && ms <= 999) {
      return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    }
  }
  return (standard(text) as Date).toISOString();
}

export const toEvent = (r: CustodyRow): CustodyEvent => ({
  seq: r.seq,
  mediaId: r.media_id,
  uploadId: r.upload_id,
  type: r.type,
  actor: r.actor,
  at: r.at.toISOString(),
  details: r.details,
  prevHash: r.prev_hash,
  mediaPrevHash: r.media_prev_hash,
  hash: r.hash,
});

export class CustodyRepository {
  /** `sql` must be a transaction: the event belongs to the same commit as the change it records. */
  constructor(private readonly sql: Sql) {}

  async append(input: CustodyEventInput): Promise<CustodyEvent> {
    await this.sql.query('select pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const [head] = await this.sql.query<{ seq: number; hash: string }>('select seq, hash from custody_events order by seq desc limit 1');
    let mediaPrevHash: string | null = null;
    if (input.mediaId) {
      const [m] = await this.sql.query<{ hash: string }>(
        'select hash from custody_events where media_id = $1 order by seq desc limit 1',
        [input.mediaId],
      );
      mediaPrevHash = m?.hash ?? null;
    }
    const event = sealEvent(input, {
      seq: (head?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      prevHash: head?.hash ?? GENESIS_HASH,
      mediaPrevHash,
    });
    await this.sql.query(
      `insert into custody_events (seq, media_id, upload_id, type, actor, at, details, prev_hash, media_prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [event.seq, event.mediaId, event.uploadId, event.type, event.actor, event.at, JSON.stringify(event.details), event.prevHash, event.mediaPrevHash, event.hash],
    );
    return event;
  }

  /** A media's events, including those of the uploads that delivered it. */
  async forMedia(mediaId: string): Promise<CustodyEvent[]> {
    const rows = await this.sql.query<CustodyRow>(
      `select * from custody_events
        where media_id = $1 or upload_id in (select id from uploads where media_id = $1)
        order by seq`,
      [mediaId],
    );
    return rows.map(toEvent);
  }

  /** The events that seal each media's digests (media.received, media.verified), per media in seq order. */
  async sealEvents(mediaIds: string[]): Promise<Map<string, SealEvent[]>> {
    const out = new Map<string, SealEvent[]>(mediaIds.map((id) => [id, []]));
    if (mediaIds.length === 0) return out;
    const rows = await this.sql.query<{ media_id: string; seq: number; type: string; details: Record<string, unknown> }>(
      `select media_id, seq, type, details from custody_events
        where media_id = any($1::uuid[]) and type in ('media.received', 'media.verified') order by seq`,
      [mediaIds],
    );
    for (const r of rows) out.get(r.media_id)?.push({ seq: Number(r.seq), type: r.type, details: r.details });
    return out;
  }

  /** Events in seq order after `afterSeq`, for batch verification. */
  async page(afterSeq: number, limit: number): Promise<CustodyEvent[]> {
    if (this.sql.queryArrays) {
      // The verifier's hot path on the server: rows as arrays and `at` turned into its ISO string without a Date,
      // which together halve the driver's work per row. Each field is the same value toEvent would produce.
      const rows = await this.sql.queryArrays(
        'select seq, media_id, upload_id, type, actor, at, details, prev_hash, media_prev_hash, hash from custody_events where seq > $1 order by seq limit $2',
        [afterSeq, limit],
        { [TIMESTAMPTZ_OID]: isoFromTimestamptz },
      );
      const events: CustodyEvent[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        events[i] = {
          seq: r[0] as number,
          mediaId: r[1] as string | null,
          uploadId: r[2] as string | null,
          type: r[3] as CustodyEvent['type'],
          actor: r[4] as string,
          at: r[5] as string,
          details: r[6] as Record<string, unknown>,
          prevHash: r[7] as string,
          mediaPrevHash: r[8] as string | null,
          hash: r[9] as string,
        };
      }
      return events;
    }
    const rows = await this.sql.query<CustodyRow>('select * from custody_events where seq > $1 order by seq limit $2', [afterSeq, limit]);
    return rows.map(toEvent);
  }
}

/** Appends one event in a transaction of its own, for actions that change nothing else (views, downloads). */
export function appendCustody(db: Db, input: CustodyEventInput): Promise<CustodyEvent> {
  return db.transaction((tx) => new CustodyRepository(tx).append(input));
}
