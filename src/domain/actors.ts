/**
 * Who an event names as its actor, as recorded in the custody chain: `user:<username>`, `device:<serial>`, `admin`
 * (the bootstrap token) or one of the service's own parts below. The record keeps the string; people read names.
 */
export const ADMIN_TOKEN_ACTOR = 'admin';

/** The service's own actors. test/locale-coverage.test.ts holds every `system:` literal in the code to this list. */
export const SYSTEM_ACTORS = [
  'system:auto-link',
  'system:checkpoint',
  'system:disposal',
  'system:dock-poller',
  'system:export',
  'system:ingest',
  'system:pip-proxy',
  'system:pipeline',
  'system:recorder',
  'system:recording-join',
  'system:retention',
  'system:uploads',
  'system:verify',
] as const;

export type ActorRef = { kind: 'user'; username: string } | { kind: 'device'; serial: string } | { kind: 'other' };

/** What kind of account an actor string names, for looking its name up. */
export function actorRef(actor: string): ActorRef {
  if (actor.startsWith('user:') && actor.length > 5) return { kind: 'user', username: actor.slice(5) };
  if (actor.startsWith('device:') && actor.length > 7) return { kind: 'device', serial: actor.slice(7) };
  return { kind: 'other' };
}
