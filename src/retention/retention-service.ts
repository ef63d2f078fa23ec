import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Config } from '../config.js';
import type { Db, Sql } from '../db/db.js';
import { RetentionFactsRepository, type MediaRetentionInput } from '../db/repositories/retention-facts-repository.js';
import { RetentionRepository } from '../db/repositories/retention-repository.js';
import { decideRetention, type RetentionDecision, type RetentionPolicy } from '../domain/retention.js';
import { applyObjectLock } from './object-lock-applier.js';
import { retentionPolicyOf } from './policy.js';

export interface RetentionDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  config: Pick<Config, 'RETENTION_FIELD_MONTHS' | 'RETENTION_CRIMINAL_CASE' | 'RETENTION_ADMINISTRATIVE_CASE' | 'OBJECT_LOCK'>;
}

export interface Decided {
  input: MediaRetentionInput;
  decision: RetentionDecision;
}

/**
 * Applies the pure retention rules to what PostgreSQL knows. Decisions are always computed from the facts at the
 * moment they are needed (the API view, the dry run, each disposal step); the stored copy in media_retention serves
 * listings and Object Lock, and is kept fresh by the sweep from the stale marks the database triggers leave.
 */
export class RetentionService {
  readonly policy: RetentionPolicy;

  constructor(private readonly deps: RetentionDeps) {
    this.policy = retentionPolicyOf(deps.config);
  }

  /** Live decisions for these media, read on `sql` (a transaction, to decide consistently with a change in it). */
  async decide(ids: readonly string[], sql: Sql = this.deps.db, now = new Date()): Promise<Map<string, Decided>> {
    const inputs = await new RetentionFactsRepository(sql).forMedia(ids);
    const out = new Map<string, Decided>();
    for (const [id, input] of inputs) out.set(id, { input, decision: decideRetention(input.facts, now, this.policy) });
    return out;
  }

  /** Recomputes, stores and locks the decisions owed (stale, never computed, or past their date); returns how many. */
  async recomputeOwed(batchSize = 500, maxBatches = 20): Promise<number> {
    const repo = new RetentionRepository(this.deps.db);
    let done = 0;
    for (let b = 0; b < maxBatches; b++) {
      const owed = await repo.owed(batchSize);
      if (owed.length === 0) break;
      await this.recompute(owed);
      done += owed.length;
      if (owed.length < batchSize) break;
    }
    return done;
  }

  async recompute(owed: ReadonlyArray<{ mediaId: string; since: Date | null }>): Promise<void> {
    const repo = new RetentionRepository(this.deps.db);
    // The database's time before the facts are read: a mark set after it (a hold placed while this batch is decided
    // and locked) is newer than the decision and must stay for the next sweep.
    const [{ t: readAt }] = (await this.deps.db.query<{ t: Date }>('select clock_timestamp() as t')) as [{ t: Date }];
    const decided = await this.decide(owed.map((o) => o.mediaId));
    for (const o of owed) {
      const d = decided.get(o.mediaId);
      if (!d || d.input.state === 'disposed') continue;
      const before = await repo.find(o.mediaId);
      await repo.saveDecision(o.mediaId, d.decision, o.since ?? readAt);
      await applyObjectLock({ db: this.deps.db, store: this.deps.store, log: this.deps.log, mode: this.deps.config.OBJECT_LOCK }, d.input, d.decision, before);
    }
  }
}
