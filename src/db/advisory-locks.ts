import pg from 'pg';

/** Releases a held lock; safe to call more than once. */
export type Release = () => Promise<void>;

/**
 * Named locks shared by every process on one database. A holder's `onReleaseRequested` is called when it should
 * stop what the lock guards and release it: another process asked (`askRelease`), or the holder's connection
 * dropped, so PostgreSQL has already let go of the lock.
 */
export interface NamedLocks {
  /** Takes the lock, or answers null at once when someone else holds it. */
  tryAcquire(namespace: LockNamespace, key: string, onReleaseRequested?: () => void): Promise<Release | null>;
  /** Asks whoever holds the lock, in any process, to finish early and release it. */
  askRelease(namespace: LockNamespace, key: string): Promise<void>;
  close(): Promise<void>;
}

/** One number per kind of lock (the first key of the two-key advisory lock), so kinds never collide. */
export const LOCK_NAMESPACES = { 'tus-upload': 15_001, 'upload-finish': 15_002 } as const;
export type LockNamespace = keyof typeof LOCK_NAMESPACES;

const RELEASE_CHANNEL = 'evm_lock_release';

/** Callbacks of the locks this process holds, by `namespace:key`. */
class Holders {
  private readonly byName = new Map<string, () => void>();
  set(name: string, onReleaseRequested: (() => void) | undefined) {
    if (onReleaseRequested) this.byName.set(name, onReleaseRequested);
  }
  delete(name: string) {
    this.byName.delete(name);
  }
  ask(name: string) {
    this.byName.get(name)?.();
  }
}

/**
 * Session-level PostgreSQL advisory locks, each on its own pooled connection held for as long as the lock is. The
 * lock lives exactly as long as that session: a replica that is killed, or loses its network, loses its locks at
 * once without anyone having to expire them (PostgreSQL ends the backend when the socket closes). Chosen over
 * Redis because uploads must keep working while Redis is away, and PostgreSQL is already the truth they commit to.
 * Release requests travel by LISTEN/NOTIFY; one that is missed (listener reconnecting) only makes the asker wait.
 */
export function postgresLocks(connectionString: string, maxConnections: number, onError: (err: Error) => void = () => undefined): NamedLocks {
  const pool = new pg.Pool({ connectionString, max: maxConnections, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle lock connection dropping holds nothing
  const holders = new Holders();
  let closed = false;
  let listener: pg.Client | null = null;
  const listen = async (): Promise<void> => {
    if (closed) return;
    const client = new pg.Client({ connectionString });
    client.on('notification', (n) => n.channel === RELEASE_CHANNEL && n.payload && holders.ask(n.payload));
    client.on('error', (err) => {
      onError(err);
      listener = null;
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void listen(), 1_000).unref();
    });
    try {
      await client.connect();
      await client.query(`listen ${RELEASE_CHANNEL}`);
    } catch (err) {
      // PostgreSQL not reachable yet: locks still work, release requests are heard once this reconnects.
      onError(err as Error);
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void listen(), 1_000).unref();
      return;
    }
    if (closed) await client.end();
    else listener = client;
  };
  const listening = listen();

  return {
    async tryAcquire(namespace, key, onReleaseRequested) {
      await listening;
      const client = await pool.connect();
      const ns = LOCK_NAMESPACES[namespace];
      let ok = false;
      try {
        const rows = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [ns, key]);
        ok = rows.rows[0]!.ok;
      } finally {
        if (!ok) client.release();
      }
      if (!ok) return null;
      const name = `${namespace}:${key}`;
      holders.set(name, onReleaseRequested);
      let lost = false;
      const onConnectionError = () => {
        lost = true;
        onReleaseRequested?.();
      };
      client.on('error', onConnectionError);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        holders.delete(name);
        client.off('error', onConnectionError);
        if (lost) return client.release(true);
        try {
          await client.query('select pg_advisory_unlock($1, hashtext($2))', [ns, key]);
          client.release();
        } catch (err) {
          // A connection we cannot unlock on is destroyed, which unlocks it on the server.
          client.release(err as Error);
        }
      };
    },
    async askRelease(namespace, key) {
      await pool.query('select pg_notify($1, $2)', [RELEASE_CHANNEL, `${namespace}:${key}`]);
    },
    async close() {
      closed = true;
      await listening;
      await listener?.end().catch(() => undefined);
      await pool.end();
    },
  };
}

/** The embedded default (PGlite: one process, one session, whose advisory locks would not exclude anything). */
export function inProcessLocks(): NamedLocks {
  const held = new Set<string>();
  const holders = new Holders();
  return {
    async tryAcquire(namespace, key, onReleaseRequested) {
      const name = `${namespace}:${key}`;
      if (held.has(name)) return null;
      held.add(name);
      holders.set(name, onReleaseRequested);
      let released = false;
      return async () => {
        if (!released) {
          held.delete(name);
          holders.delete(name);
        }
        released = true;
      };
    },
    async askRelease(namespace, key) {
      holders.ask(`${namespace}:${key}`);
    },
    close: async () => undefined,
  };
}
