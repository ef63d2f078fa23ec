import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/** The machine's PostgreSQL server (trust auth). Tests never touch an existing database: each makes its own. */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const exec = promisify(execFile);

export interface TempDatabase {
  /** The superuser on this database (benchmarks, db tests, and tests that tamper as an insider with full power). */
  url: string;
  /** With `roles`: the service's application role (DATABASE_URL) and the schema owner (DATABASE_MIGRATION_URL). */
  appUrl?: string;
  ownerUrl?: string;
  drop(): Promise<void>;
}

function urlFor(name: string, user?: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  if (user) url.username = user;
  return url.toString();
}

/**
 * A fresh database; with `roles`, set up as production is: scripts/db-roles.sql (the shipped script, run with psql)
 * creates an owner and an application role unique to this database, dropped with it.
 */
export async function createTempDatabase(o: { roles?: boolean } = {}): Promise<TempDatabase> {
  const name = `evm_test_${randomBytes(6).toString('hex')}`;
  const owner = `${name}_owner`;
  const app = `${name}_app`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  if (o.roles) {
    await exec('psql', ['-q', '-X', '-f', path.resolve('scripts/db-roles.sql'), urlFor(name)], {
      env: { ...process.env, EVM_DB_OWNER: owner, EVM_DB_APP: app },
    });
  }
  return {
    url: urlFor(name),
    ...(o.roles ? { appUrl: urlFor(name, app), ownerUrl: urlFor(name, owner) } : {}),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      if (o.roles) await c.query(`drop role if exists ${app}, ${owner}`);
      await c.end();
    },
  };
}
