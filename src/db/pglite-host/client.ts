import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { locateSourceFile } from '../../runtime/source-file.js';
import type { Db, Sql } from '../db.js';
import { dataDirInUse, LOCKED_EXIT_CODE, lockedCommand } from '../pglite-lock.js';

const RELATIVE = path.join('src', 'db', 'pglite-host', 'host.mjs');

type Reply = { id: number; value?: unknown; error?: Record<string, unknown> & { message: string; name: string } };

/**
 * The embedded database (PGlite) in a child process of its own, reached over the IPC channel: PGlite's WASM heap
 * (~140 MB at idle, more after large queries, and WebAssembly memory never shrinks) is the child's, so the service
 * stays small. Queries, scripts and transactions keep PGlite's own semantics: one session, where a transaction
 * holds the database until it ends and queries outside it wait (the child runs them through PGlite's own queue).
 * PostgreSQL errors arrive with their fields (code, detail, constraint) as the in-process driver gave them.
 */
export async function openPgliteHost(dataDir: string, postgresqlConf: string): Promise<Db & { readonly pid: number }> {
  const script = await locateSourceFile(import.meta.url, RELATIVE);
  // Under flock(1), exec'd: this child holds DATA_DIR's database lock for as long as it lives (src/db/pglite-lock.ts).
  const [execPath, execArgv] = lockedCommand(dataDir, process.execPath, []);
  const child = fork(script, [dataDir, postgresqlConf], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execPath, execArgv });
  let ended: Error | null = null;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let nextTx = 1;

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on('exit', (code, signal) => {
    ended = new Error(`embedded database process ended (${signal ?? `exit ${code}`})`);
    failAll(ended);
  });
  child.on('message', (m: Reply | { ready: true }) => {
    if ('ready' in m) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error));
    else p.resolve(m.value);
  });

  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { ready?: boolean }).ready) {
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(code === LOCKED_EXIT_CODE ? dataDirInUse(dataDir) : new Error(`embedded database (PGlite) for ${dataDir} failed to start (exit ${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  const call = (message: Record<string, unknown>): Promise<unknown> => {
    if (ended) return Promise.reject(ended);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...message, id }, (err) => {
        if (!err) return;
        pending.delete(id);
        reject(err);
      });
    });
  };
  const sql = (tx?: number): Sql => ({
    query: async (text, params) => (await call({ op: 'query', tx, text, params })) as never[],
    exec: async (script) => void (await call({ op: 'exec', tx, script })),
  });

  return {
    engine: 'pglite',
    pid: child.pid ?? 0,
    ...sql(),
    async transaction(fn) {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      let result;
      try {
        result = await fn(sql(tx));
      } catch (err) {
        await call({ op: 'rollback', tx });
        throw err;
      }
      await call({ op: 'commit', tx });
      return result;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      await call({ op: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}

