import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from '../pglite.js';
import { hasCluster, initdbOutOfProcess } from './run.js';

describe('PGlite initdb out of process', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the cluster in a child process, and the service opens it', async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'evm-initdb-')), 'pglite');
    expect(await hasCluster(dir)).toBe(false);
    const pid = await initdbOutOfProcess(dir, 'shared_buffers=16MB');
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    expect(await hasCluster(dir)).toBe(true);
    const db = await openPglite(dir);
    try {
      expect(await db.query<{ one: number }>('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('says why when initdb cannot run', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'evm-initdb-'));
    // A file where the data directory should be: initdb cannot create the cluster.
    const blocked = path.join(dir, 'not-a-dir');
    await writeFile(blocked, 'x');
    await expect(initdbOutOfProcess(blocked, '')).rejects.toThrow(/PGlite initdb for .*not-a-dir failed/);
  }, 120_000);
});
