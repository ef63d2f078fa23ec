import type { Logger } from 'pino';

/** Longest a graceful shutdown may take before the process ends regardless. */
export const SHUTDOWN_GRACE_MS = 15_000;

/**
 * Arms the end of a graceful shutdown: a dependency gone first (the private Redis, the database) must not leave a
 * half-stopped process hanging. PostgreSQL and the job locks make sure nothing is lost when it ends this way.
 */
export function exitAfterGrace(log: Logger, signal: string, graceMs = SHUTDOWN_GRACE_MS): void {
  setTimeout(() => {
    log.error({ signal, graceMs }, 'graceful shutdown did not finish in time; exiting');
    process.exit(1);
  }, graceMs).unref();
}
