import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Db } from '../db/db.js';
import { CheckpointsRepository } from '../db/repositories/checkpoints-repository.js';
import { CustodyRepository } from '../db/repositories/custody-repository.js';
import {
  VerificationsRepository,
  type Finding,
  type RunProgress,
  type VerificationRun,
} from '../db/repositories/verifications-repository.js';
import type { ChainCursor, CustodyEvent } from '../domain/custody-chain.js';
import { Errors } from '../errors.js';
import { compareWithSealed, sealedDigests, type SealedDigests } from '../domain/sealed-original.js';
import { ContentHasher } from '../ingest/content-hasher.js';
import { walkBatch } from './chain-walk.js';
import { CheckpointChainChecker } from './checkpoint-chain.js';
import { parseWitness, witnessKey } from './checkpoint-witness.js';

export interface VerifierDeps {
  db: Db;
  store: ObjectStore;
  /** The trusted checkpoint key: the service's own public key, never one read from the database. */
  publicKey: KeyObject;
  keyId: string;
  log?: Logger;
}

export interface SliceOptions {
  /** Time budget of this slice; the run pauses cleanly when it is spent and the next slice continues. */
  maxSeconds: number;
  /** Events read and verified per query (default 5000). */
  batchSize?: number;
  /** Called whenever progress is saved (after each batch of events and each original). */
  onProgress?: (run: VerificationRun) => void | Promise<void>;
  /** Identifies the worker holding the run (default host:pid:random). */
  owner?: string;
  /** Media heads the chain walk keeps between pages (default 200,000, ~200 bytes each); past this it starts again. */
  mediaHeadsCached?: number;
}

const MEDIA_PAGE = 100;

/**
 * Recomputes the store-wide custody chain (and with it each media's own chain), checks every signed checkpoint and
 * re-hashes every stored original, in time-boxed, resumable slices. Everything found is recorded on the run; the
 * chain walk re-synchronises after a break so one edit is reported once, at the event it broke.
 */
export class CustodyVerifier {
  private readonly runs: VerificationsRepository;

  constructor(private readonly deps: VerifierDeps) {
    this.runs = new VerificationsRepository(deps.db);
  }

  /** The run the next slice should work on: the open one, or a new one (always new with `fresh`). */
  async startOrResume(requestedBy: string, fresh = false): Promise<{ run: VerificationRun; resumed: boolean }> {
    if (!fresh) {
      const open = await this.runs.findOpen();
      if (open) return { run: open, resumed: true };
    }
    return { run: await this.runs.create(randomUUID(), requestedBy), resumed: false };
  }

  async runSlice(runId: string, o: SliceOptions): Promise<VerificationRun> {
    const owner = o.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const lease = Math.ceil(o.maxSeconds) + 120;
    const started = Date.now();
    const budget = new SliceBudget(started + o.maxSeconds * 1000);
    const acquired = await this.runs.acquire(runId, owner, lease);
    if (!acquired) {
      const existing = await this.runs.findById(runId);
      if (!existing) throw new Errors.NOT_FOUND(`verification run ${runId}`);
      if (existing.status === 'completed' || existing.status === 'failed') return existing;
      throw new Errors.VERIFICATION_BUSY(runId);
    }
    let run: VerificationRun = acquired;
    const save = async (p: RunProgress, findings: Finding[] = []) => {
      const saved = await this.runs.saveProgress(runId, owner, p, findings, lease);
      if (!saved) throw new Error(`verification run ${runId}: lease lost to another worker`);
      run = saved;
      await o.onProgress?.(run);
    };
    try {
      await save(await this.totals());
      if (!run.chain.done) await this.chainPhase(run, budget, { batchSize: o.batchSize ?? 5000, headsCached: o.mediaHeadsCached ?? 200_000 }, save);
      if (run.chain.done && !run.checkpoints.done && budget.open) {
        await this.checkpointPhase(save);
        budget.spent();
      }
      if (run.checkpoints.done && !run.originals.done && budget.open) await this.originalsPhase(run, budget, save, () => run);
      const done = run.chain.done && run.checkpoints.done && run.originals.done;
      const ended = await this.runs.endSlice(runId, owner, done ? 'completed' : 'paused', Date.now() - started);
      return ended ?? run;
    } catch (err) {
      // The run stays resumable: the next slice starts from the last saved progress.
      await this.runs.endSlice(runId, owner, 'paused', Date.now() - started, (err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  private async totals(): Promise<RunProgress> {
    const [[chain], [media], [cps]] = await Promise.all([
      this.deps.db.query<{ n: number }>('select coalesce(max(seq), 0)::bigint as n from custody_events'),
      this.deps.db.query<{ n: number; bytes: number }>('select count(*)::int as n, coalesce(sum(size_bytes), 0)::bigint as bytes from media'),
      this.deps.db.query<{ n: number }>('select count(*)::int as n from custody_checkpoints'),
    ]);
    return { chainTotal: chain?.n ?? 0, mediaTotal: media?.n ?? 0, bytesTotal: media?.bytes ?? 0, checkpointsTotal: cps?.n ?? 0 };
  }

  /**
   * Fills in the per-media half of the cursor for the media of `batch` it does not hold: each one's last event
   * hash up to the cursor, one index probe per media. It is what the walk itself would have left there (the walk
   * records each event's stored hash, verified or not), so the map is only a cache: bounded, and empty when a
   * slice starts, instead of every media's head rebuilt by a scan of the whole chain at each slice.
   */
  private async loadMediaHeads(batch: CustodyEvent[], cursor: ChainCursor, heads: { limit: number; complete: boolean }): Promise<void> {
    if (cursor.mediaHeads.size > heads.limit) {
      cursor.mediaHeads.clear();
      heads.complete = false;
    }
    // Walked from the first event with nothing dropped: a media not in the map has no earlier event.
    if (heads.complete) return;
    const missing = [...new Set(batch.flatMap((e) => (e.mediaId && !cursor.mediaHeads.has(e.mediaId) ? [e.mediaId] : [])))];
    if (missing.length === 0) return;
    const rows = await this.deps.db.query<{ media_id: string; hash: string }>(
      `select m.id as media_id, h.hash from unnest($1::uuid[]) as m(id)
         cross join lateral (select hash from custody_events e where e.media_id = m.id and e.seq <= $2 order by e.seq desc limit 1) h`,
      [missing, cursor.lastSeq],
    );
    for (const row of rows) cursor.mediaHeads.set(row.media_id, row.hash);
  }

  private async chainPhase(run: VerificationRun, budget: SliceBudget, { batchSize, headsCached }: { batchSize: number; headsCached: number }, save: (p: RunProgress, f?: Finding[]) => Promise<void>) {
    const custody = new CustodyRepository(this.deps.db);
    const cursor: ChainCursor = { lastSeq: run.chain.lastSeq, lastHash: run.chain.lastHash, mediaHeads: new Map() };
    const heads = { limit: headsCached, complete: cursor.lastSeq === 0 };
    // The next page is read while this one is verified: PostgreSQL and the hashing overlap.
    let next = custody.page(cursor.lastSeq, batchSize);
    let prevPage: CustodyEvent | undefined;
    try {
      while (budget.open) {
        const batch = await next;
        if (batch.length === 0) {
          await save({ chainDone: true });
          return;
        }
        next = custody.page(batch[batch.length - 1]!.seq, batchSize);
        await this.loadMediaHeads(batch, cursor, heads);
        // The previous page's last event goes along, so a gap at a page boundary still names its neighbour.
        await this.verifyBatch(batch, cursor, save, prevPage);
        budget.spent();
        prevPage = batch[batch.length - 1];
      }
    } finally {
      // A prefetch still in flight when the budget ends is dropped (its result is read again next slice).
      next.catch(() => undefined);
    }
  }

  /** Verifies one page; after a break it re-synchronises on the broken event, so each independent break is reported once. */
  private async verifyBatch(batch: CustodyEvent[], cursor: ChainCursor, save: (p: RunProgress, f?: Finding[]) => Promise<void>, prevOfBatch: CustodyEvent | undefined) {
    const findings = walkBatch(batch, cursor, prevOfBatch);
    for (const f of findings) this.deps.log?.warn({ seq: f.seq, reason: f.reason }, 'custody chain break');
    await save({ chainLastSeq: cursor.lastSeq, chainLastHash: cursor.lastHash }, findings);
  }

  private async checkpointPhase(save: (p: RunProgress, f?: Finding[]) => Promise<void>) {
    const repo = new CheckpointsRepository(this.deps.db);
    const checker = new CheckpointChainChecker(this.deps.publicKey, this.deps.keyId);
    let afterId = 0;
    let verified = 0;
    for (;;) {
      const page = await repo.againstChain(afterId, 1000);
      if (page.length === 0) break;
      const findings: Finding[] = [];
      for (const c of page) {
        const witness = c.number === null ? null : await readWitness(this.deps.store, c.number);
        // Witnesses of skipped numbers are read first (the checker is synchronous).
        const gaps = new Map<number, Buffer | null>();
        if (c.number !== null) for (let n = checker.nextNumber; n < c.number && n < checker.nextNumber + 1000; n++) gaps.set(n, await readWitness(this.deps.store, n));
        findings.push(...checker.check(c, c.chainHash, witness, (n) => gaps.get(n) ?? null));
        verified++;
      }
      afterId = page[page.length - 1]!.id;
      await save({ checkpointsVerified: verified }, findings);
    }
    // Witnesses after the last numbered row: rows deleted from the end (with the chain rewritten after them).
    const tail: Finding[] = [];
    for (let n = checker.nextNumber; ; n++) {
      const w = await readWitness(this.deps.store, n);
      if (!w) break;
      const seq = parseWitness(w)?.seq;
      tail.push(...checker.orphanWitness(n, w, seq === undefined ? undefined : await repo.chainHashAt(seq)));
    }
    await save({ checkpointsVerified: verified, checkpointsDone: true }, tail);
  }

  private async originalsPhase(
    start: VerificationRun,
    budget: SliceBudget,
    save: (p: RunProgress, f?: Finding[]) => Promise<void>,
    current: () => VerificationRun,
  ) {
    const custody = new CustodyRepository(this.deps.db);
    let lastId = start.originals.lastMediaId;
    while (budget.open) {
      const rows = await this.deps.db.query<MediaRow>(
        lastId
          ? 'select id, state, sha256, sm3, size_bytes, object_key from media where id > $1 order by id limit $2'
          : 'select id, state, sha256, sm3, size_bytes, object_key from media order by id limit $1',
        lastId ? [lastId, MEDIA_PAGE] : [MEDIA_PAGE],
      );
      if (rows.length === 0) {
        await save({ mediaDone: true });
        return;
      }
      const seals = await custody.sealEvents(rows.map((m) => m.id));
      for (const m of rows) {
        const seal = sealedDigests(seals.get(m.id) ?? []);
        // The first work of a slice always finishes, so an original longer than the budget still gets verified.
        const outcome = await this.rehash(m, seal.sealed, budget.deadlineUnlessFirst);
        if (outcome === 'out-of-time') return;
        budget.spent();
        lastId = m.id;
        const run = current();
        const found = [...rowFindings(m, seal), ...(outcome ? [outcome] : [])];
        await save({ mediaLastId: m.id, mediaVerified: run.originals.verified + 1, bytesVerified: run.originals.bytesVerified + m.size_bytes }, found);
        if (!budget.open) return;
      }
    }
  }

  /**
   * A disposed original is neither missing nor tampered when the chain holds its tombstone (media.disposed) naming
   * the hash the chain sealed when it was received (not the mutable media row); the tombstone itself is covered by
   * the chain walk.
   */
  private async checkTombstone(m: MediaRow, sealed: SealedDigests | null): Promise<Finding | null> {
    const [t] = await this.deps.db.query<{ details: { sha256?: string } }>(
      `select details from custody_events where media_id = $1 and type = 'media.disposed' order by seq desc limit 1`,
      [m.id],
    );
    const base = { kind: 'original' as const, mediaId: m.id };
    if (!t) return { ...base, reason: 'original-disposed-without-tombstone', message: `media ${m.id} is marked disposed, but the custody chain has no media.disposed event for it: it was removed outside the disposal process` };
    const expected = sealed?.sha256 ?? m.sha256;
    if (t.details.sha256 !== expected) {
      return { ...base, reason: 'original-tombstone-mismatch', message: `the tombstone of media ${m.id} names sha256 ${t.details.sha256}, but the chain sealed ${expected} for it` };
    }
    return null;
  }

  /**
   * Streams one stored original and compares it with what the chain sealed for it (the media row is only a copy,
   * checked separately by rowFindings); null when it matches.
   */
  private async rehash(m: MediaRow, sealed: SealedDigests | null, deadline: number): Promise<Finding | null | 'out-of-time'> {
    const base = { kind: 'original' as const, mediaId: m.id };
    // A disposed original was deleted on purpose: what must hold is its tombstone, not its bytes.
    if (m.state === 'disposed') return this.checkTombstone(m, sealed);
    // Nothing sealed: rowFindings reports it; the bytes can only be held to the row, which proves nothing.
    const expect = sealed ?? { sha256: m.sha256, sizeBytes: m.size_bytes, sm3: m.sm3, fromType: 'media.received' as const, fromSeq: 0 };
    let body: Readable;
    try {
      body = await this.deps.store.get(m.object_key);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') {
        return { ...base, reason: 'original-missing', message: `the stored original of media ${m.id} (${m.object_key}) is missing from the object store` };
      }
      throw err;
    }
    const hasher = new ContentHasher(expect.sm3 !== null);
    for await (const chunk of body) {
      hasher.update(chunk as Buffer);
      if (Date.now() > deadline) {
        body.destroy();
        return 'out-of-time';
      }
    }
    const got = hasher.digest();
    const sealedAt = sealed ? ` (sealed by custody event ${sealed.fromSeq}, ${sealed.fromType})` : '';
    if (got.sizeBytes !== expect.sizeBytes) {
      return { ...base, reason: 'original-size-mismatch', message: `the stored original of media ${m.id} is ${got.sizeBytes} bytes, but ${expect.sizeBytes} were recorded${sealedAt}: the object was replaced or truncated`, detail: `sha256 ${got.sha256}` };
    }
    if (got.sha256 !== expect.sha256) {
      return { ...base, reason: 'original-hash-mismatch', message: `the stored original of media ${m.id} hashes to ${got.sha256}, but ${expect.sha256} was recorded${sealedAt}: the object's bytes were replaced` };
    }
    if (expect.sm3 && got.sm3 !== expect.sm3) {
      return { ...base, reason: 'original-sm3-mismatch', message: `the stored original of media ${m.id} has SM3 ${got.sm3}, but ${expect.sm3} was recorded${sealedAt}` };
    }
    return null;
  }
}

/**
 * A slice's time budget. Its first unit of work (a page of events, the checkpoints, an original) is always granted:
 * setting up a slice (the lease, the totals, the first page's read) can take longer than a short budget on a loaded
 * host, and a slice that stopped there would pause without progress, and the next one likewise, for ever.
 */
class SliceBudget {
  private worked = false;
  constructor(private readonly deadline: number) {}

  get open(): boolean {
    return !this.worked || Date.now() < this.deadline;
  }

  /** When the unit now starting must stop: never for the slice's first. */
  get deadlineUnlessFirst(): number {
    return this.worked ? this.deadline : Infinity;
  }

  spent(): void {
    this.worked = true;
  }
}

interface MediaRow {
  id: string;
  state: string;
  sha256: string;
  sm3: string | null;
  size_bytes: number;
  object_key: string;
}

/** A media row that disagrees with the digests its custody events sealed: the row was edited (or never sealed). */
function rowFindings(m: MediaRow, seal: ReturnType<typeof sealedDigests>): Finding[] {
  const diffs = compareWithSealed({ sha256: m.sha256, sizeBytes: Number(m.size_bytes), sm3: m.sm3 }, seal);
  return diffs.map((d) => {
    const base = { kind: 'original' as const, mediaId: m.id, ...(seal.sealed ? { seq: seal.sealed.fromSeq } : {}) };
    if (d.field === 'unsealed') {
      return { ...base, reason: 'original-unsealed', message: `media ${m.id} has no media.received or media.verified event sealing its hash: the media row was inserted outside the ingest path` };
    }
    if (d.field === 'received-verified') {
      return { ...base, reason: 'original-sealed-twice', message: `media ${m.id} was received as sha256 ${d.row} but verified as ${d.sealed}: the chain sealed two different originals` };
    }
    return {
      ...base,
      reason: 'original-row-mismatch',
      message: `the media row of ${m.id} records ${d.field} ${d.row}, but custody event ${seal.sealed!.fromSeq} (${seal.sealed!.fromType}) sealed ${d.sealed}: the media row was edited`,
    };
  });
}

/** The witness object of checkpoint `number`, or null when the store has none. */
async function readWitness(store: ObjectStore, number: number): Promise<Buffer | null> {
  try {
    const chunks: Buffer[] = [];
    for await (const c of await store.get(witnessKey(number))) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
}
