import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { retentionPolicyOf } from './retention/policy.js';

describe('retention configuration', () => {
  it('defaults to the domain rules: 6 months for field footage, case files permanent, 30-day recycle bin', () => {
    const c = loadConfig({});
    expect(retentionPolicyOf(c)).toEqual({ fieldMinimum: { months: 6 }, caseFile: { criminal: 'permanent', administrative: 'permanent' } });
    expect([c.DISPOSAL_RECYCLE_DAYS, c.DISPOSAL_DERIVATIVE_RECYCLE_DAYS, c.RETENTION_SWEEP_MINUTES, c.OBJECT_LOCK]).toEqual([30, 0, 60, 'auto']);
  });

  it('takes case-file periods in months, and refuses to go below the 6-month floor', () => {
    expect(retentionPolicyOf(loadConfig({ RETENTION_ADMINISTRATIVE_CASE: '36', RETENTION_FIELD_MONTHS: '12' }))).toEqual({
      fieldMinimum: { months: 12 },
      caseFile: { criminal: 'permanent', administrative: { months: 36 } },
    });
    expect(() => loadConfig({ RETENTION_FIELD_MONTHS: '3' })).toThrow(/RETENTION_FIELD_MONTHS/);
    expect(() => loadConfig({ RETENTION_CRIMINAL_CASE: 'forever' })).toThrow(ConfigError);
    expect(() => loadConfig({ DISPOSAL_RECYCLE_DAYS: '1', DISPOSAL_DERIVATIVE_RECYCLE_DAYS: '2' })).toThrow(/DISPOSAL_DERIVATIVE_RECYCLE_DAYS/);
  });
});
