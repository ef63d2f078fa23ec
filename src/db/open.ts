import { mkdir } from 'node:fs/promises';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenDbOptions {
  /** postgres:// URL of a server; when absent, PGlite stores its files in `pgliteDir`. */
  databaseUrl?: string;
  pgliteDir?: string;
  /** Told about idle server connections that dropped (they are replaced on the next query). */
  onIdleError?: (err: Error) => void;
}

/** Opens the metadata database and brings its schema up to date before anything else touches it. */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    db = openPostgres(options.databaseUrl, options.onIdleError);
  } else {
    if (!options.pgliteDir) throw new Error('openDb: pgliteDir is required without databaseUrl');
    await mkdir(options.pgliteDir, { recursive: true });
    db = await openPglite(options.pgliteDir);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
