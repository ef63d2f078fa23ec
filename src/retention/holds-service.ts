import { randomUUID } from 'node:crypto';
import type { Db, Sql } from '../db/db.js';
import { appendCustody, CustodyRepository } from '../db/repositories/custody-repository.js';
import { DisposalsRepository } from '../db/repositories/disposals-repository.js';
import { HoldsRepository, type LegalHold } from '../db/repositories/holds-repository.js';
import { RetentionRepository } from '../db/repositories/retention-repository.js';
import { mayDispose, type DisposalScope } from '../domain/disposal.js';
import { Errors } from '../errors.js';

/**
 * Legal holds: while one holds, nothing it covers may be disposed of, whatever the rules say (every disposal step
 * re-checks). Placing and releasing are custody events of every media concerned, in the same transaction, and
 * take the retention lock so a purge deciding at the same moment either sees the hold or waits for it.
 */
export class HoldsService {
  constructor(private readonly db: Db) {}

  async place(h: { caseId: string | null; mediaId: string | null; reason: string; until: Date | null; actor: string }): Promise<LegalHold> {
    return this.db.transaction(async (tx) => {
      const retention = new RetentionRepository(tx);
      await retention.lock();
      const hold = await new HoldsRepository(tx).insert({ id: randomUUID(), caseId: h.caseId, mediaId: h.mediaId, reason: h.reason, placedBy: h.actor, until: h.until });
      await this.record(tx, hold, 'hold.placed', h.actor, { reason: h.reason, until: hold.until });
      return hold;
    });
  }

  /**
   * Releasing a hold is what lets disposal go ahead, so it is scoped like disposal: a unit head releases holds on
   * their own unit's cases and on footage wholly of their unit; admins any.
   */
  async release(id: string, actor: string, reason: string, scope: DisposalScope = { kind: 'all' }): Promise<LegalHold> {
    // Refused before the transaction, so the refusal's custody event is not rolled back with it.
    const hold = await new HoldsRepository(this.db).find(id);
    if (hold) await this.refuseOutOfScope(hold, actor, scope);
    return this.db.transaction(async (tx) => {
      const retention = new RetentionRepository(tx);
      await retention.lock();
      const holds = new HoldsRepository(tx);
      const existing = await holds.findForUpdate(id);
      if (!existing) throw new Errors.NOT_FOUND(`legal hold ${id}`);
      if (existing.releasedAt) throw new Errors.HOLD_RELEASED(id, existing.releasedAt, existing.releasedBy);
      const released = (await holds.release(id, actor, reason))!;
      await this.record(tx, released, 'hold.released', actor, { reason, placedBy: existing.placedBy, placedReason: existing.reason });
      return released;
    });
  }

  private async refuseOutOfScope(hold: LegalHold, actor: string, scope: DisposalScope): Promise<void> {
    const units = await this.unitsOf(this.db, hold);
    if (mayDispose(scope, units)) return;
    await appendCustody(this.db, { mediaId: hold.mediaId, uploadId: null, type: 'access.refused', actor, details: { action: 'release-hold', holdId: hold.id, caseId: hold.caseId, units } });
    throw new Errors.FORBIDDEN(`the hold covers footage of ${units.length ? `unit ${units.join(', ')}` : 'no unit'}; a unit head releases only holds of their own unit`);
  }

  /** The units whose footage a hold covers: its case's unit, or the units its media belongs to. */
  private async unitsOf(sql: Sql, hold: LegalHold): Promise<string[]> {
    if (hold.mediaId) return (await new DisposalsRepository(sql).owningUnits([hold.mediaId])).get(hold.mediaId) ?? [];
    const [c] = await sql.query<{ unit_code: string }>('select unit_code::text as unit_code from cases where id = $1', [hold.caseId]);
    return c ? [c.unit_code] : [];
  }

  /** One event per media the hold covers now; a case hold also gets one case-level event (it covers future media too). */
  private async record(tx: Sql, hold: LegalHold, type: 'hold.placed' | 'hold.released', actor: string, details: Record<string, unknown>) {
    const custody = new CustodyRepository(tx);
    const base = { holdId: hold.id, caseId: hold.caseId, ...details };
    if (hold.mediaId) {
      await custody.append({ mediaId: hold.mediaId, uploadId: null, type, actor, details: base });
      return;
    }
    await custody.append({ mediaId: null, uploadId: null, type, actor, details: base });
    for (const mediaId of await new RetentionRepository(tx).mediaOfCase(hold.caseId!)) {
      await custody.append({ mediaId, uploadId: null, type, actor, details: base });
    }
  }
}
