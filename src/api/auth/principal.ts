import type { Device } from '../../db/repositories/devices-repository.js';

/** Who is calling. People and roles arrive with the cases issue; for now: the admin, or a registered device. */
export type Principal = { kind: 'admin' } | { kind: 'device'; device: Device };

export function actorOf(p: Principal): string {
  return p.kind === 'admin' ? 'admin' : `device:${p.device.serial}`;
}
