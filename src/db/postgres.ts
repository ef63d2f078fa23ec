import pg from 'pg';
import type { ArrayParser, Db, Sql } from './db.js';

// bigint columns (sizes, sequence numbers) arrive as JS numbers: every value we store stays below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function openPostgres(connectionString: string, onIdleError: (err: Error) => void = () => undefined): Db {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle pooled connection dropped by the server (restart, failover, admin termination) must not crash the
  // process: pg emits it here, and the pool replaces the connection on the next query.
  pool.on('error', onIdleError);
  const query = async <T>(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[]) =>
    (await client.query(text, params as unknown[])).rows as T[];
  const queryArrays = async (client: pg.Pool | pg.PoolClient, text: string, params: unknown[], parsers: Record<number, ArrayParser> = {}) => {
    const types = {
      getTypeParser: (oid: number, format?: string) => {
        const standard = pg.types.getTypeParser(oid, format as 'text') as (text: string) => unknown;
        const own = parsers[oid];
        return own ? (v: string) => own(v, standard) : standard;
      },
    };
    return (await client.query({ text, values: params, rowMode: 'array', types } as pg.QueryConfig)).rows as unknown[][];
  };
  return {
    engine: 'postgres',
    query: (text, params) => query(pool, text, params),
    queryArrays: (text, params, parsers) => queryArrays(pool, text, params, parsers),
    exec: async (script) => void (await pool.query(script)),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Sql = {
          query: (text, params) => query(client, text, params),
          exec: async (script) => void (await client.query(script)),
          queryArrays: (text, params, parsers) => queryArrays(client, text, params, parsers),
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
