/**
 * Roles of people (2016 field-footage rules and case review practice):
 * - officer: their own footage;
 * - reviewer (法制): cases of their unit or assigned to them;
 * - unit_head: their unit's cases; approves access requests from their unit;
 * - admin: everything, including devices and users;
 * - auditor: read-only audit of the custody chain; sees no footage unless granted.
 */
export const ROLES = ['officer', 'reviewer', 'unit_head', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface UserIdentity {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitCode: string | null;
  officerNumber: string | null;
}
