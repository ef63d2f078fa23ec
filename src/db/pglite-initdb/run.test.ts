import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from '../pglite.js';
import { hasCluster, initdbOutOfProcess } from './run.js';

describe('PGlite initdb out of process', () => {
  // Each test's own temporary directory, removed whole: the lock file sits beside the data directory in it.
  let root: string;
  afterEach(() => rm(root, { recursive: true, force: true }));
  const dataDirIn = async () => path.join((root = await mkdtemp(path.join(tmpdir(), 'evm-initdb-'))), 'pglite');

  it('creates the cluster in a child process, and the service opens it', async () => {
    const dir = await dataDirIn();
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

  it('does not run initdb in a directory another process holds', async () => {
    const dir = await dataDirIn();
    const db = await openPglite(dir);
    try {
      await expect(initdbOutOfProcess(dir, '')).rejects.toThrow(/is in use by another process/);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('says why when initdb cannot run', async () => {
    // A file where the data directory should be: initdb cannot create the cluster.
    const blocked = path.join(path.dirname(await dataDirIn()), 'not-a-dir');
    await writeFile(blocked, 'x');
    await expect(initdbOutOfProcess(blocked, '')).rejects.toThrow(/PGlite initdb for .*not-a-dir failed/);
  }, 120_000);
});
