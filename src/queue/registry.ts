import type { Job } from 'bullmq';
import { JOB_NAMES, type JobName, type JobPayload } from './jobs.js';

export type JobHandler<N extends JobName> = (job: Job<JobPayload<N>>) => Promise<unknown>;
export type HandlerMap = { [N in JobName]: JobHandler<N> };

/**
 * Checks at start-up that every job name has exactly one handler and no handler is registered under an unknown
 * name, so a missing or doubled stage stops the worker before it takes any job.
 */
export function buildRegistry(entries: Array<[string, JobHandler<never>]>): HandlerMap {
  const seen = new Map<string, number>();
  for (const [name] of entries) seen.set(name, (seen.get(name) ?? 0) + 1);
  const problems: string[] = [];
  for (const name of JOB_NAMES) {
    const n = seen.get(name) ?? 0;
    if (n === 0) problems.push(`job "${name}" has no handler`);
    if (n > 1) problems.push(`job "${name}" has ${n} handlers`);
  }
  for (const name of seen.keys()) {
    if (!(JOB_NAMES as readonly string[]).includes(name)) problems.push(`handler for unknown job "${name}"`);
  }
  if (problems.length) throw new Error(`Job handler registry is invalid: ${problems.join('; ')}`);
  return Object.fromEntries(entries) as unknown as HandlerMap;
}
