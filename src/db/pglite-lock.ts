import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';

const FLOCK = '/usr/bin/flock';
/** flock(1)'s exit code when another process holds the lock (sysexits' EX_TEMPFAIL). */
export const LOCKED_EXIT_CODE = 75;

/**
 * PGlite is a single-user PostgreSQL: two processes opening one directory each trust their own view of the files
 * and overwrite each other's pages. A second `./scripts/start.sh` on the same DATA_DIR did just that (it came up,
 * and its workers failed jobs on rows they could not see). So every process that opens a PGlite directory runs
 * under flock(1) on `<dir>.lock` with --no-fork: the PGlite process itself holds the lock, the kernel drops it
 * the moment that process ends (kill -9 included: no stale lock to wait out), and a second opener exits at once
 * with LOCKED_EXIT_CODE. Without util-linux's flock (not Linux), the command runs unlocked.
 */
export function lockedCommand(dataDir: string, command: string, args: string[]): [string, string[]] {
  if (!existsSync(FLOCK)) return [command, args];
  return [FLOCK, ['--exclusive', '--nonblock', '--conflict-exit-code', String(LOCKED_EXIT_CODE), '--no-fork', lockFileOf(dataDir), command, ...args]];
}

function lockFileOf(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

export function dataDirInUse(dataDir: string): ConfigError {
  const dir = path.resolve(dataDir);
  // An operator reads it at start-up: Chinese first, then English.
  return new ConfigError(
    `内置数据库（${dir}）正被另一个进程使用（本服务的另一个实例，或在同一 DATA_DIR 上运行的工具）：请先停止它，或为本实例另设 DATA_DIR。\n` +
      `the embedded database in ${dir} is in use by another process (another instance of this service, or a tool run on the same DATA_DIR): ` +
      'stop it first, or give this one a DATA_DIR of its own',
  );
}
