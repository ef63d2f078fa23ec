import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { isAlive } from '../../src/runtime/process-alive.js';

/** `w-<host>-<pid>-<random>`: the host and pid say who owns a folder; the random part tells a reused pid apart. */
const OWNER = /^w-(.+)-(\d+)-([0-9a-f]{8})$/;
const HEARTBEAT = '.alive';

export interface ScratchOwnerOptions {
  log: Logger;
  /** How often this process touches its heartbeat file. */
  heartbeatMs?: number;
  /** A folder whose heartbeat is older than this belongs to a dead process (another host, a reused pid). */
  staleMs?: number;
  /** How often dead processes' folders are looked for (besides at start). */
  sweepMs?: number;
}

export interface ScratchOwner {
  /** This process's own scratch folder: job folders go inside it. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Each worker process keeps its scratch (S3 local copies of originals, partial proxies, export builds) in a folder
 * of its own under the shared scratch root, and removes the folders of processes that are dead, at start and
 * periodically. Seen: a SIGKILLed worker's 16 MB local copy and partial proxy stayed forever; with real originals
 * (2.6 GB per hour of footage) that fills the disk. Dead means: on this host with a pid that no longer runs, or a
 * heartbeat older than `staleMs` (the only test that works across hosts sharing the folder and for reused pids,
 * as in containers where every worker is pid 1). Nothing here is evidence: every file is a copy or re-makeable.
 */
export async function claimScratch(root: string, o: ScratchOwnerOptions): Promise<ScratchOwner> {
  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const staleMs = o.staleMs ?? Math.max(60_000, 6 * heartbeatMs);
  const name = `w-${hostname().replace(/[^A-Za-z0-9.]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const beat = path.join(dir, HEARTBEAT);
  await writeFile(beat, '');
  await sweepDeadScratch(root, name, staleMs, o.log);
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(beat, now, now).catch((err) => o.log.warn({ err: (err as Error).message }, 'scratch heartbeat not written'));
  }, heartbeatMs);
  const sweeper = setInterval(() => void sweepDeadScratch(root, name, staleMs, o.log), o.sweepMs ?? 60_000);
  heartbeat.unref();
  sweeper.unref();
  return {
    dir,
    async stop() {
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** Removes every folder under `root` whose owner is dead; returns their names. Never throws (logs instead). */
export async function sweepDeadScratch(root: string, ownName: string, staleMs: number, log: Logger): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (err) {
    log.warn({ err: (err as Error).message, root }, 'scratch folder not readable');
    return removed;
  }
  for (const entry of entries) {
    if (entry === ownName) continue;
    try {
      const why = await deadBecause(path.join(root, entry), entry, staleMs);
      if (!why) continue;
      const full = path.join(root, entry);
      const bytes = await sizeOf(full);
      await rm(full, { recursive: true, force: true });
      removed.push(entry);
      log.info({ folder: entry, bytes, why }, 'removed the scratch folder of a dead worker');
    } catch (err) {
      log.warn({ folder: entry, err: (err as Error).message }, 'scratch folder of a dead worker not removed');
    }
  }
  return removed;
}

async function deadBecause(full: string, entry: string, staleMs: number): Promise<string | null> {
  const owner = OWNER.exec(entry);
  const heartbeatAt = await stat(owner ? path.join(full, HEARTBEAT) : full).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (owner && owner[1] === hostname().replace(/[^A-Za-z0-9.]/g, '_') && !isAlive(Number(owner[2]))) return `process ${owner[2]} is not running`;
  const age = Date.now() - heartbeatAt;
  // Folders of older versions (job-*, src-*, export-* right under the root) have no heartbeat: judged by age.
  if (age > staleMs) return owner ? `no heartbeat for ${Math.round(age / 1000)} s` : `left by an earlier version ${Math.round(age / 1000)} s ago`;
  return null;
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) total += (await stat(path.join(f.parentPath, f.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
