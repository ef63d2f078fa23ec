import pg from 'pg';
import type { Sql } from './db.js';

/**
 * The production shape on PostgreSQL: migrations run as an owner role (DATABASE_MIGRATION_URL), the service as an
 * application role (DATABASE_URL) that may only append to the custody tables. A role that owns them could
 * `ALTER TABLE ... DISABLE TRIGGER` and then edit or delete events, so the service refuses to start as one.
 */
export const CUSTODY_TABLES = ['custody_events', 'custody_checkpoints'] as const;

/**
 * What the application role is granted, per table, after every migration: the custody tables are append-only,
 * schema_migrations is read to see that the schema is current, views are read, everything else gets row access (no
 * TRUNCATE, REFERENCES, TRIGGER, and no DDL: only the owner alters tables).
 */
const APPEND_ONLY: Record<string, string> = {
  custody_events: 'select, insert',
  custody_checkpoints: 'select, insert',
  schema_migrations: 'select',
};
const DEFAULT_GRANT = 'select, insert, update, delete';

/** Grants `appRole` what the service needs on every table, as the owner, after migrating. Idempotent. */
export async function grantServiceRole(owner: Sql, appRole: string): Promise<void> {
  const app = pg.escapeIdentifier(appRole);
  const tables = await owner.query<{ name: string; view: boolean }>(
    `select c.relname as name, c.relkind in ('v', 'm') as view from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm') order by 1`,
  );
  const schema = pg.escapeIdentifier((await owner.query<{ s: string }>('select current_schema() as s'))[0]!.s);
  const statements = [`grant usage on schema ${schema} to ${app}`];
  for (const { name, view } of tables) {
    const t = pg.escapeIdentifier(name);
    statements.push(`revoke all on ${t} from ${app}`, `grant ${view ? 'select' : (APPEND_ONLY[name] ?? DEFAULT_GRANT)} on ${t} to ${app}`);
  }
  statements.push(`grant usage, select on all sequences in schema ${schema} to ${app}`);
  for (const s of statements) await owner.query(s);
}

/** Why the connected role could rewrite the custody log; empty when it can only append to it. */
export async function custodyRoleProblems(db: Sql): Promise<string[]> {
  const [who] = await db.query<{ role: string; superuser: boolean }>(
    'select current_user as role, (select rolsuper from pg_roles where rolname = current_user) as superuser',
  );
  if (who!.superuser) return [`${who!.role} is a superuser`];
  const problems: string[] = [];
  const rows = await db.query<{ name: string; owner: string; member: boolean; privs: string[] }>(
    `select c.relname as name, pg_get_userbyid(c.relowner) as owner, pg_has_role(current_user, c.relowner, 'MEMBER') as member,
            array_remove(array[
              case when has_table_privilege(c.oid, 'TRUNCATE') then 'TRUNCATE' end,
              case when has_table_privilege(c.oid, 'UPDATE') then 'UPDATE' end,
              case when has_table_privilege(c.oid, 'DELETE') then 'DELETE' end,
              case when has_table_privilege(c.oid, 'TRIGGER') then 'TRIGGER' end,
              case when has_table_privilege(c.oid, 'REFERENCES') then 'REFERENCES' end], null) as privs
       from pg_class c where c.relname = any($1) and c.relnamespace = current_schema()::regnamespace`,
    [CUSTODY_TABLES],
  );
  for (const r of rows) {
    // MEMBER covers the owner itself and any role that can SET ROLE to it.
    if (r.member) problems.push(r.owner === who!.role ? `${who!.role} owns ${r.name}` : `${who!.role} can SET ROLE to ${r.owner}, the owner of ${r.name}`);
    else if (r.privs.length) problems.push(`${who!.role} holds ${r.privs.join(', ')} on ${r.name}`);
  }
  // The owner of the schema may drop any table in it; the owner of the trigger functions may replace them.
  const [schema] = await db.query<{ owner: string; member: boolean }>(
    `select pg_get_userbyid(n.nspowner) as owner, pg_has_role(current_user, n.nspowner, 'MEMBER') as member from pg_namespace n where n.oid = current_schema()::regnamespace`,
  );
  if (schema?.member) problems.push(`${who!.role} owns (or can SET ROLE to ${schema.owner}, the owner of) the schema, and may drop the custody tables`);
  const fns = await db.query<{ name: string }>(
    `select p.proname as name from pg_proc p where p.proname in ('custody_events_append_only', 'custody_checkpoints_append_only') and pg_has_role(current_user, p.proowner, 'MEMBER')`,
  );
  for (const f of fns) problems.push(`${who!.role} owns (or can SET ROLE to the owner of) the trigger function ${f.name}, and may replace it`);
  return problems;
}

/** The refusal people read: Chinese first, English second, naming the fix. */
export function ownerRoleMessage(problems: string[]): string {
  return [
    '拒绝启动：服务使用的数据库角色可以修改或删除证据保管链（custody_events / custody_checkpoints）。',
    '请用 scripts/db-roles.sql 创建属主角色和应用角色：DATABASE_MIGRATION_URL 使用属主角色（执行迁移），DATABASE_URL 使用只能追加保管记录的应用角色。',
    '仅限开发环境：设置 DATABASE_ALLOW_OWNER=true 可跳过此检查（会记录警告）。',
    'Refusing to start: the service database role can alter or delete the custody chain (custody_events / custody_checkpoints).',
    'Create an owner role and an application role with scripts/db-roles.sql: DATABASE_MIGRATION_URL uses the owner (runs migrations), DATABASE_URL the application role, which can only append custody records.',
    'Development only: DATABASE_ALLOW_OWNER=true skips this check (logged as a warning).',
    ...problems.map((p) => `  - ${p}`),
  ].join('\n');
}
