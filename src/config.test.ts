import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to the embedded setup', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, SM3_MODE: 'declared', WORKERS_IN_PROCESS: true });
    expect([c.DATABASE_URL, c.REDIS_URL, c.S3_BUCKET]).toEqual([undefined, undefined, undefined]);
    expect(c.paths.pglite.endsWith('/data/pglite')).toBe(true);
  });
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ SM3_MODE: 'sometimes' }, 'SM3_MODE'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ S3_BUCKET: 'evidence' }, 'S3_ENDPOINT'],
    [{ UPLOAD_SPOOL: 'object-store' }, 'UPLOAD_SPOOL'],
    [{ UPLOAD_SPOOL: 'on-a-floppy' }, 'UPLOAD_SPOOL'],
    [{ S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'evidence', UPLOAD_SPOOL: 'object-store', S3_SPOOL_BUCKET: 'evidence' }, 'S3_SPOOL_BUCKET'],
  ])('stops on %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}:`));
  });
  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(8080);
  });
});
