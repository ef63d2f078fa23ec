import { PGlite, types } from '@electric-sql/pglite';
import type { Db } from './db.js';
import { hasCluster, initdbOutOfProcess } from './pglite-initdb/run.js';

// PGlite's WASM heap holds shared_buffers; the default 128 MB doubles the service's idle memory, and the embedded
// default serves one site's metadata (the OS page cache still caches the files).
const POSTGRESQL_CONF = 'shared_buffers=16MB';

/** Embedded PostgreSQL (WASM) with its files under `dataDir`: the default when no DATABASE_URL is given. */
export async function openPglite(dataDir: string): Promise<Db> {
  // A first boot creates the cluster in a child process: initdb's heap would otherwise stay with the service.
  if (!(await hasCluster(dataDir))) await initdbOutOfProcess(dataDir, POSTGRESQL_CONF);
  const pg = await PGlite.create(dataDir, {
    postgresqlconf: POSTGRESQL_CONF,
    // Match the pg driver: bigint as number (all our values stay below 2^53).
    parsers: { [types.INT8]: (v: string) => Number(v) },
  });
  return {
    engine: 'pglite',
    query: async (text, params) => (await pg.query(text, params)).rows as never[],
    exec: async (script) => void (await pg.exec(script)),
    transaction: (fn) =>
      pg.transaction((tx) =>
        fn({
          query: async (text, params) => (await tx.query(text, params)).rows as never[],
          exec: async (script) => void (await tx.exec(script)),
        }),
      ),
    close: () => pg.close(),
  };
}
