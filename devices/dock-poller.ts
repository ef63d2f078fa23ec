import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { BUILTIN_FILENAME_PATTERNS, compilePatterns, parseUtcOffset } from '../src/domain/filename-patterns.js';
import { InventoryRepository } from '../src/db/repositories/inventory-repository.js';
import { PullSourcesRepository, type PullSource } from '../src/db/repositories/pull-sources-repository.js';
import { codeOf, isEvmError } from '../src/errors.js';
import type { Services } from '../src/runtime/services.js';
import { DockPuller, type DockPullerDeps, type PullSummary } from './dock-puller.js';
import { folderConnector } from './folder-dock.js';
import { ftpConnector } from './ftp-dock.js';

export interface DockPollerOptions {
  /** Identifies this poller in leases; unique per process. */
  owner?: string;
  /** How often the poller looks for sources that are due. */
  tickMs?: number;
  concurrency?: number;
  leaseSec?: number;
  /** Links inventory files to media that arrived by other paths (tus) this often, even if nobody reads. */
  matchEveryMs?: number;
}

/**
 * Runs every enabled pull source on its own interval. In the all-in-one service it runs in-process; with several
 * API replicas each may run one: a source is leased in PostgreSQL (renewed before every file), so exactly one
 * poller pulls a dock at a time, and a crashed poller's sources are taken over when its lease runs out. Sources
 * are re-read every tick, so a source an admin registers or changes takes effect without a restart.
 */
export class DockPoller {
  readonly owner: string;
  private readonly puller: DockPuller;
  private readonly sources: PullSourcesRepository;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** When each source is next due (ms since epoch); absent: due now. */
  private readonly nextDue = new Map<string, number>();
  private readonly tickMs: number;
  private readonly concurrency: number;
  private readonly leaseSec: number;
  private readonly matchEveryMs: number;
  private lastMatch = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  /** Summaries of finished passes, newest last (bounded); for tests and diagnostics. */
  readonly history: Array<{ sourceId: string; at: number; summary?: PullSummary; error?: { code: string; message: string } }> = [];

  constructor(
    private readonly services: Pick<Services, 'db' | 'log'>,
    private readonly pullerDeps: DockPullerDeps,
    o: DockPollerOptions = {},
  ) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.puller = new DockPuller(pullerDeps);
    this.sources = new PullSourcesRepository(services.db);
    this.tickMs = o.tickMs ?? 1000;
    this.concurrency = o.concurrency ?? 4;
    this.leaseSec = o.leaseSec ?? 120;
    this.matchEveryMs = o.matchEveryMs ?? 60_000;
  }

  start(): this {
    this.stopped = false;
    void sweepDockSpool(this.pullerDeps.spoolDir, this.leaseSec * 1000).catch(() => undefined);
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
    return this;
  }

  /** Stops polling, interrupts passes under way (their files are fetched again by the next poller), frees leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.ticking?.catch(() => undefined);
  }

  /** Runs one pass over each enabled source now (or just the one given) and waits for it. */
  async pollNow(sourceId?: string): Promise<void> {
    const all = await this.sources.listEnabled();
    await Promise.all(all.filter((s) => !sourceId || s.id === sourceId).map((s) => this.run(s)));
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        const now = Date.now();
        for (const s of await this.sources.listEnabled()) {
          if (this.stopped || this.running.size >= this.concurrency) break;
          if (this.running.has(s.id) || now < (this.nextDue.get(s.id) ?? 0)) continue;
          void this.run(s);
        }
        if (now - this.lastMatch >= this.matchEveryMs) {
          this.lastMatch = now;
          await new InventoryRepository(this.services.db).matchUnstored();
        }
      } catch (err) {
        this.services.log.error({ err }, 'dock poller tick failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  private run(source: PullSource): Promise<void> {
    const existing = this.running.get(source.id);
    if (existing) return existing.done;
    const abort = new AbortController();
    const done = (async () => {
      try {
        if (!(await this.sources.tryLease(source.id, this.owner, this.leaseSec))) return;
        const keepAlive = () => this.sources.tryLease(source.id, this.owner, this.leaseSec);
        let delayMs = source.pollIntervalSec * 1000;
        try {
          const summary = await this.puller.pullOnce(source, { signal: abort.signal, keepAlive });
          await this.sources.recordPoll(source.id, null);
          this.remember({ sourceId: source.id, at: Date.now(), summary });
          // Files still settling: look again once they can be complete rather than a whole interval later.
          if (summary.waiting) delayMs = Math.min(delayMs, Math.max(source.stableSec * 1000, 500));
        } catch (err) {
          if (!abort.signal.aborted) {
            const error = { code: isEvmError(err) ? err.code : codeOf('DOCK_UNREACHABLE'), message: (err as Error).message };
            this.services.log.warn({ err, sourceId: source.id }, 'dock pull failed');
            await this.sources.recordPoll(source.id, error).catch(() => undefined);
            this.remember({ sourceId: source.id, at: Date.now(), error });
          }
        } finally {
          this.nextDue.set(source.id, Date.now() + delayMs);
          if (this.stopped) await this.sources.releaseLease(source.id, this.owner).catch(() => undefined);
        }
      } catch (err) {
        this.services.log.error({ err, sourceId: source.id }, 'dock poller could not run a source');
      } finally {
        // Not leased (another poller holds it) or failed before pulling: try again after the interval.
        if ((this.nextDue.get(source.id) ?? 0) <= Date.now()) this.nextDue.set(source.id, Date.now() + source.pollIntervalSec * 1000);
        this.running.delete(source.id);
      }
    })();
    this.running.set(source.id, { abort, done });
    return done;
  }

  private remember(entry: DockPoller['history'][number]) {
    this.history.push(entry);
    if (this.history.length > 200) this.history.shift();
  }
}

/** The poller with the service's configuration: connectors, patterns, spool under DATA_DIR, SM3 mode. */
export function createDockPoller(services: Services, o: DockPollerOptions = {}): DockPoller {
  const { config } = services;
  return new DockPoller(
    services,
    {
      db: services.db,
      store: services.store,
      ingest: services.ingest,
      log: services.log,
      connectors: { ftp: ftpConnector, folder: folderConnector },
      spoolDir: config.paths.dockSpool,
      patterns: compilePatterns([...BUILTIN_FILENAME_PATTERNS, ...(config.DOCK_FILENAME_PATTERNS ?? [])]),
      defaultOffsetMinutes: parseUtcOffset(config.DOCK_NAME_UTC_OFFSET)!,
      sm3Mode: config.SM3_MODE,
      minFreeBytes: config.STORAGE_MIN_FREE_BYTES,
      credentialsKey: config.DOCK_CREDENTIALS_KEY,
    },
    { concurrency: config.DOCK_POLL_CONCURRENCY, leaseSec: config.DOCK_LEASE_SEC, ...o },
  );
}

/**
 * Removes spool files a crashed poller left behind: any copy untouched for longer than a lease cannot belong to
 * a live transfer (a live one writes continuously, and its poller would have lost the lease by then anyway).
 */
export async function sweepDockSpool(spoolDir: string, olderThanMs: number): Promise<number> {
  let removed = 0;
  const cutoff = Date.now() - olderThanMs;
  let entries;
  try {
    entries = await readdir(spoolDir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.part')) continue;
    const file = path.join(e.parentPath, e.name);
    try {
      if ((await stat(file)).mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed++;
      }
    } catch {
      // raced with its own cleanup
    }
  }
  return removed;
}
