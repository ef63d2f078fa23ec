import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db.js';
import { openPglite } from '../pglite.js';
import { isAlive } from '../../runtime/process-alive.js';

describe('PGlite in its own process', () => {
  let dir: string;
  let db: Db & { pid?: number };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pglite-host-'));
    db = await openPglite(path.join(dir, 'db'));
    await db.exec('create table t (id int primary key, at timestamptz, data bytea, n bigint, doc jsonb)');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs in a child process, not in this one', () => {
    expect(db.pid).toBeGreaterThan(0);
    expect(db.pid).not.toBe(process.pid);
    expect(isAlive(db.pid!)).toBe(true);
  });

  it('carries dates, bytes, bigints (as numbers) and JSON both ways', async () => {
    const at = new Date('2026-12-06T08:00:00.123Z');
    await db.query('insert into t values ($1, $2, $3, $4, $5)', [1, at, Buffer.from([0, 1, 255]), 2 ** 40, { a: ['b'] }]);
    const [row] = await db.query<{ at: Date; data: Uint8Array; n: number; doc: unknown }>('select at, data, n, doc from t where id = 1');
    expect(row!.at).toEqual(at);
    expect([...row!.data]).toEqual([0, 1, 255]);
    expect(row!.n).toBe(2 ** 40);
    expect(row!.doc).toEqual({ a: ['b'] });
  });

  it("gives PostgreSQL's errors with their fields, as the service maps them", async () => {
    const err = await db.query('insert into t (id) values (1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey' });
    await expect(db.query("select 'x'::int")).rejects.toMatchObject({ code: '22P02' });
  });

  it('commits a transaction that resolves, rolls back one that throws, and queries outside one wait for it', async () => {
    await db.transaction(async (tx) => tx.query('insert into t (id) values (2)'));
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (3)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    let inside = false;
    const tx = db.transaction(async (t) => {
      await t.query('insert into t (id) values (4)');
      inside = true;
      await sleep(200);
      await t.query('update t set n = 4 where id = 4');
    });
    while (!inside) await sleep(5);
    // Issued while the transaction is open: PGlite has one session, so it sees the committed result only.
    const [row] = await db.query<{ n: number | null }>('select n from t where id = 4');
    await tx;
    expect(row!.n).toBe(4);
    expect((await db.query<{ id: number }>('select id from t where id in (2, 3, 4) order by id')).map((r) => r.id)).toEqual([2, 4]);
  });

  it('refuses a second process on the same directory, saying why, and leaves the first untouched', async () => {
    const started = Date.now();
    await expect(openPglite(path.join(dir, 'db'))).rejects.toThrow(/embedded database in .*db is in use by another process/);
    // Refused at once (flock --nonblock), not after a timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await db.query<{ n: number }>('select count(*)::int as n from t'))[0]!.n).toBeGreaterThan(0);
  });

  it('lets the next process in as soon as the holder ends: closed, or SIGKILLed (no stale lock)', async () => {
    const other = path.join(dir, 'other');
    const first = await openPglite(other);
    await first.exec('create table kept (id int)');
    await first.close();
    const second = (await openPglite(other)) as Db & { pid: number };
    expect(await second.query('select * from kept')).toEqual([]);
    process.kill(second.pid, 'SIGKILL');
    for (let i = 0; i < 100 && isAlive(second.pid); i++) await sleep(50);
    const third = await openPglite(other);
    try {
      expect(await third.query('select * from kept')).toEqual([]);
    } finally {
      await third.close();
    }
  }, 60_000);

  it('goes away with its parent, also when the parent is SIGKILLed', async () => {
    const script = `
      const { openPglite } = await import(${JSON.stringify(path.resolve('src/db/pglite.ts'))});
      const db = await openPglite(${JSON.stringify(path.join(dir, 'orphan'))});
      process.stdout.write(String(db.pid) + '\\n');
      setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(isAlive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && isAlive(childPid); i++) await sleep(100);
    expect(isAlive(childPid)).toBe(false);
  }, 60_000);
});
