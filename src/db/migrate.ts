import type { Db } from './db.js';
import { MIGRATIONS } from './migrations/index.js';

// Any constant works; it only has to be the same for every process migrating this database.
export const MIGRATION_LOCK = 4_711_001;

/**
 * Applies pending migrations. Several processes (API, worker replicas) may start at once: an advisory lock makes
 * one of them migrate while the others wait, then find nothing left to do.
 */
export async function migrate(db: Db): Promise<string[]> {
  // A schema already current needs no DDL, so a role without CREATE (the application role) can open it too.
  if (await upToDate(db)) return [];
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())');
    const done = new Set((await tx.query<{ id: string }>('select id from schema_migrations')).map((r) => r.id));
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (id) values ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}

async function upToDate(db: Db): Promise<boolean> {
  const [t] = await db.query<{ ok: boolean }>(`select to_regclass('schema_migrations') is not null as ok`);
  if (!t?.ok) return false;
  const done = new Set((await db.query<{ id: string }>('select id from schema_migrations')).map((r) => r.id));
  return MIGRATIONS.every((m) => done.has(m.id));
}
