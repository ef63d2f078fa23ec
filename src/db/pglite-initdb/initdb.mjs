// Creates an empty PGlite data directory, then exits. Run as a child process by src/db/pglite-initdb/run.ts: initdb
// grows the WASM heap to ~800 MB, and WebAssembly memory never shrinks, so a service that ran initdb itself kept
// that for its whole life. Plain JavaScript so the compiled build and the sources run the same file.
import { PGlite } from '@electric-sql/pglite';

const [dir, conf] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: initdb.mjs <data-dir> [postgresql.conf lines]\n');
  process.exit(2);
}
const pg = await PGlite.create(dir, conf ? { postgresqlconf: conf } : {});
await pg.close();
