/**
 * The one SQL interface the repositories use, so the same code runs on PostgreSQL (server) and PGlite
 * (embedded). Parameters are positional ($1, $2 ...) as both engines speak them.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Rows as arrays, for bulk reads where the driver's per-row objects and default type parsing dominate (the custody
   * verifier). `parsers` replaces the parser of a column type (by OID) for this query only and receives the standard
   * one. Only the server engine has it; callers fall back to query().
   */
  queryArrays?(text: string, params: unknown[], parsers?: Record<number, ArrayParser>): Promise<unknown[][]>;
}

export type ArrayParser = (text: string, standard: (text: string) => unknown) => unknown;

export interface Db extends Sql {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
