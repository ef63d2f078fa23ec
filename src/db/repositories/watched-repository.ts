import type { PlayedRange } from '../../domain/watched.js';
import type { Sql } from '../db.js';

/** The stretches of recordings people played, as their players reported them. Append-only. */
export class WatchedRepository {
  constructor(private readonly sql: Sql) {}

  async insert(r: { mediaId: string; actor: string; userId: string | null; caseId: string | null; ranges: readonly PlayedRange[] }): Promise<void> {
    await this.sql.query(
      `insert into watched_ranges (media_id, actor, user_id, case_id, start_sec, end_sec, rate)
       select $1, $2, $3, $4, x.s, x.e, x.r from unnest($5::float8[], $6::float8[], $7::float8[]) as x(s, e, r)`,
      [r.mediaId, r.actor, r.userId, r.caseId, r.ranges.map((x) => x.startSec), r.ranges.map((x) => x.endSec), r.ranges.map((x) => x.rate)],
    );
  }

  /** Every range this person played of these media, by media. */
  async rangesOf(actor: string, mediaIds: readonly string[]): Promise<Map<string, PlayedRange[]>> {
    const out = new Map<string, PlayedRange[]>();
    if (!mediaIds.length) return out;
    const rows = await this.sql.query<{ media_id: string; start_sec: number; end_sec: number; rate: number }>(
      'select media_id, start_sec, end_sec, rate from watched_ranges where actor = $1 and media_id = any($2::uuid[]) order by id',
      [actor, [...mediaIds]],
    );
    for (const r of rows) {
      const list = out.get(r.media_id) ?? [];
      list.push({ startSec: r.start_sec, endSec: r.end_sec, rate: r.rate });
      out.set(r.media_id, list);
    }
    return out;
  }
}
