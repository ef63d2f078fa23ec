import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from './jobs.js';
import { buildRegistry } from './registry.js';

const noop = async () => undefined;

describe('job handler registry', () => {
  it('accepts exactly one handler per job name', () => {
    expect(Object.keys(buildRegistry(JOB_NAMES.map((n) => [n, noop])))).toEqual([...JOB_NAMES]);
  });
  it('refuses a missing handler', () => {
    expect(() => buildRegistry(JOB_NAMES.slice(1).map((n) => [n, noop]))).toThrow(`job "${JOB_NAMES[0]}" has no handler`);
  });
  it('refuses a doubled or unknown handler', () => {
    const entries: Array<[string, typeof noop]> = JOB_NAMES.map((n) => [n, noop]);
    expect(() => buildRegistry([...entries, [JOB_NAMES[0], noop]])).toThrow('has 2 handlers');
    expect(() => buildRegistry([...entries, ['transmogrify', noop]])).toThrow('unknown job "transmogrify"');
  });
});
