import { mkdir } from 'node:fs/promises';
import type { Db } from './db.js';
import { MIGRATION_LOCK, migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { grantServiceRole } from './service-role.js';

export interface OpenDbOptions {
  /** postgres:// URL of a server; when absent, PGlite stores its files in `pgliteDir`. */
  databaseUrl?: string;
  pgliteDir?: string;
  /**
   * postgres:// URL of the role that owns the schema: migrations run as it, and it grants the role of `databaseUrl`
   * what the service needs (src/db/service-role.ts). Without it, migrations run over `databaseUrl` as before.
   */
  migrationUrl?: string;
  /** Told about idle server connections that dropped (they are replaced on the next query). */
  onIdleError?: (err: Error) => void;
}

/** Opens the metadata database and brings its schema up to date before anything else touches it. */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl && options.migrationUrl) {
    const owner = openPostgres(options.migrationUrl, options.onIdleError);
    try {
      await migrate(owner);
      const appRole = decodeURIComponent(new URL(options.databaseUrl).username);
      if (!appRole) throw new Error('DATABASE_URL must name its role (postgres://ROLE@host/db) when DATABASE_MIGRATION_URL is set');
      // One transaction under the migration lock: a replica serving meanwhile never sees the revoke without the
      // grant, and two replicas booting at once do not grant over each other.
      await owner.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await grantServiceRole(tx, appRole);
      });
    } finally {
      await owner.close();
    }
  }
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
