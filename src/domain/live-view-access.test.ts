import { describe, expect, it } from 'vitest';
import { decideLiveView } from './live-view-access.js';

const room = { name: '讯问室A', unitCode: '330100000009' };

describe('decideLiveView', () => {
  it('admits admins anywhere and reviewers of the room’s unit', () => {
    expect(decideLiveView({ role: 'admin', unitCode: null }, { ...room, unitCode: null }).allowed).toBe(true);
    expect(decideLiveView({ role: 'reviewer', unitCode: room.unitCode }, room)).toEqual({ allowed: true, basis: 'unit-reviewer' });
  });
  it('refuses reviewers of other units, rooms of no unit, and every other role', () => {
    expect(decideLiveView({ role: 'reviewer', unitCode: '330100000001' }, room).allowed).toBe(false);
    expect(decideLiveView({ role: 'reviewer', unitCode: room.unitCode }, { ...room, unitCode: null }).allowed).toBe(false);
    for (const role of ['officer', 'unit_head', 'auditor'] as const) {
      const d = decideLiveView({ role, unitCode: room.unitCode }, room);
      expect(d.allowed).toBe(false);
      expect(!d.allowed && d.reason).toContain(role);
    }
  });
});
