import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { locateSourceFile } from '../../runtime/source-file.js';
import { dataDirInUse, LOCKED_EXIT_CODE, lockedCommand } from '../pglite-lock.js';

const RELATIVE = path.join('src', 'db', 'pglite-initdb', 'initdb.mjs');

/** Whether `dataDir` already holds a PostgreSQL cluster (initdb writes PG_VERSION first of all). */
export async function hasCluster(dataDir: string): Promise<boolean> {
  return access(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/**
 * Runs PGlite's initdb for `dataDir` in a short-lived child process, so its ~800 MB WASM heap goes away with the
 * child instead of staying in the service (measured: first-boot idle RSS 373 MB and VmHWM 825 MB when the service
 * ran initdb itself, against ~290 MB after any restart). Resolves with the child's pid.
 */
export async function initdbOutOfProcess(dataDir: string, postgresqlConf: string): Promise<number> {
  const script = await locateSourceFile(import.meta.url, RELATIVE);
  // Under the same lock as the database process: two first boots at once must not both run initdb in one directory.
  const [cmd, args] = lockedCommand(dataDir, process.execPath, [script, dataDir, postgresqlConf]);
  const child = promisify(execFile)(cmd, args, { timeout: 120_000, maxBuffer: 1024 * 1024 });
  const pid = child.child.pid ?? 0;
  try {
    await child;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: unknown };
    if (e.code === LOCKED_EXIT_CODE) throw dataDirInUse(dataDir);
    throw new Error(`PGlite initdb for ${dataDir} failed: ${e.stderr?.trim() || e.message}`);
  }
  return pid;
}
