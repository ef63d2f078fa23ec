import type { Config } from '../config.js';
import type { RetentionPolicy } from '../domain/retention.js';
import type { PurgeTiming } from '../domain/disposal.js';

/** The retention periods configuration sets (defaults: the domain's 6 months; case files kept permanently). */
export function retentionPolicyOf(config: Pick<Config, 'RETENTION_FIELD_MONTHS' | 'RETENTION_CRIMINAL_CASE' | 'RETENTION_ADMINISTRATIVE_CASE'>): RetentionPolicy {
  return {
    fieldMinimum: { months: config.RETENTION_FIELD_MONTHS },
    caseFile: { criminal: config.RETENTION_CRIMINAL_CASE, administrative: config.RETENTION_ADMINISTRATIVE_CASE },
  };
}

export function purgeTimingOf(config: Pick<Config, 'DISPOSAL_RECYCLE_DAYS' | 'DISPOSAL_DERIVATIVE_RECYCLE_DAYS'>): PurgeTiming {
  return { recycleDays: config.DISPOSAL_RECYCLE_DAYS, derivativeRecycleDays: config.DISPOSAL_DERIVATIVE_RECYCLE_DAYS };
}
