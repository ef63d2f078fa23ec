import type { Device } from '../../db/repositories/devices-repository.js';
import type { Role, UserIdentity } from '../../domain/roles.js';

/**
 * Who is calling: the bootstrap admin token, a registered device (dock or camera), or a person who logged in.
 * Route guards demand a kind or a role; scope (which case, which footage) is decided by src/domain/access.ts.
 */
export type Principal = { kind: 'admin' } | { kind: 'device'; device: Device } | { kind: 'user'; user: UserIdentity };

export function actorOf(p: Principal): string {
  switch (p.kind) {
    case 'admin':
      return 'admin';
    case 'device':
      return `device:${p.device.serial}`;
    case 'user':
      return `user:${p.user.username}`;
  }
}

/** The role a principal acts with; the bootstrap admin token acts as admin, devices have none. */
export function roleOf(p: Principal): Role | null {
  if (p.kind === 'admin') return 'admin';
  if (p.kind === 'user') return p.user.role;
  return null;
}
