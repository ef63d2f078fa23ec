import type { Db } from './db.js';
import { hasCluster, initdbOutOfProcess } from './pglite-initdb/run.js';
import { openPgliteHost } from './pglite-host/client.js';

// PGlite's WASM heap holds shared_buffers; the default 128 MB doubles its idle memory, and the embedded default
// serves one site's metadata (the OS page cache still caches the files).
const POSTGRESQL_CONF = 'shared_buffers=16MB';

/**
 * Embedded PostgreSQL (WASM) with its files under `dataDir`: the default when no DATABASE_URL is given. It runs in
 * a child process of its own (src/db/pglite-host/), so its WASM heap is not the service's.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  // A first boot creates the cluster in a short-lived child: initdb's ~800 MB heap goes away with it.
  if (!(await hasCluster(dataDir))) await initdbOutOfProcess(dataDir, POSTGRESQL_CONF);
  return openPgliteHost(dataDir, POSTGRESQL_CONF);
}
