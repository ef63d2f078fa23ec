// Serves one PGlite database to its parent process over the IPC channel (child_process.fork, advanced
// serialization), so PGlite's WASM heap (~140 MB, and WebAssembly memory never shrinks) lives here and not in the
// service. Started by src/db/pglite-host/client.ts; exits when the parent closes it or goes away. Plain JavaScript
// so the compiled build and the sources run the same file.
import v8 from 'node:v8';

// Before PGlite's WASM is compiled: baseline code only (V8's Liftoff). With TurboFan tiering up PostgreSQL's hot
// functions this process settled at ~225 MB RSS after 6,000 small queries; with Liftoff alone at ~165 MB, its
// queries ~18 % slower (6.0 → 7.0 s for the 6,000) for the same CPU in all (TurboFan's compiling no longer runs
// beside them). Our queries are small and few per upload: the memory matters more on the embedded default.
v8.setFlagsFromString('--liftoff-only');
const { PGlite, types } = await import('@electric-sql/pglite');

const [dir, conf] = process.argv.slice(2);
if (!dir || !process.send) {
  process.stderr.write('usage: fork host.mjs <data-dir> [postgresql.conf lines] (with an IPC channel)\n');
  process.exit(2);
}

const pg = await PGlite.create(dir, {
  ...(conf ? { postgresqlconf: conf } : {}),
  // Match the pg driver: bigint as number (all our values stay below 2^53).
  parsers: { [types.INT8]: (v) => Number(v) },
});

/** Open transactions by id: the PGlite transaction object, and how to end it. */
const transactions = new Map();
let closing = false;

/** An error as plain data: PostgreSQL's fields (code, detail, constraint, ...) are what the service reads. */
function plain(err) {
  const out = { name: err?.name ?? 'Error', message: err?.message ?? String(err) };
  for (const [k, v] of Object.entries(err ?? {})) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

async function handle(m) {
  switch (m.op) {
    case 'query':
      return (await (m.tx ? transactions.get(m.tx).tx : pg).query(m.text, m.params)).rows;
    case 'exec':
      await (m.tx ? transactions.get(m.tx).tx : pg).exec(m.script);
      return null;
    case 'begin':
      return new Promise((began, failed) => {
        const entry = {};
        transactions.set(m.tx, entry);
        entry.done = pg
          .transaction(
            (tx) =>
              new Promise((commit, rollback) => {
                Object.assign(entry, { tx, commit, rollback });
                began(null);
              }),
          )
          .finally(() => transactions.delete(m.tx));
        entry.done.catch(failed);
      });
    case 'commit':
    case 'rollback': {
      const t = transactions.get(m.tx);
      const { done } = t;
      if (m.op === 'commit') t.commit(null);
      else t.rollback(new Error('rolled back'));
      await done.catch((err) => {
        if (m.op === 'commit') throw err;
      });
      return null;
    }
    case 'close':
      await shutdown(0);
      return null;
    default:
      throw new Error(`unknown op ${m.op}`);
  }
}

async function shutdown(code) {
  if (closing) return;
  closing = true;
  await pg.close().catch(() => undefined);
  process.exit(code);
}

process.on('message', (m) => {
  handle(m).then(
    (value) => process.send?.({ id: m.id, value }),
    (err) => process.send?.({ id: m.id, error: plain(err) }),
  );
});
// Ctrl-C in a terminal signals the whole process group, this child too: the service still needs its database
// while it shuts down, and closes it last. The parent going away (closed, or killed) ends this process.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The parent went away (closed, or killed): close the database cleanly rather than leave it to the OS.
process.on('disconnect', () => void shutdown(0));
process.send({ ready: true });
