/**
 * Who may watch an interrogation room live. Live view is not footage (nothing is stored), but it shows a person
 * being questioned as it happens, so it is narrower than footage access: administrators, and reviewers (法制) of the
 * unit that owns the room. Officers, unit heads and auditors never; a room with no unit only to administrators.
 */
import type { Role } from './roles.js';

export type LiveViewDecision = { allowed: true; basis: 'admin' | 'unit-reviewer' } | { allowed: false; reason: string };

export function decideLiveView(user: { role: Role; unitCode: string | null }, room: { name: string; unitCode: string | null }): LiveViewDecision {
  if (user.role === 'admin') return { allowed: true, basis: 'admin' };
  if (user.role !== 'reviewer') return { allowed: false, reason: `live view is for reviewers and admins, not the ${user.role} role` };
  if (!room.unitCode) return { allowed: false, reason: `room ${room.name} belongs to no unit: only admins may watch it live` };
  if (user.unitCode !== room.unitCode) return { allowed: false, reason: `room ${room.name} belongs to unit ${room.unitCode}, not yours` };
  return { allowed: true, basis: 'unit-reviewer' };
}
