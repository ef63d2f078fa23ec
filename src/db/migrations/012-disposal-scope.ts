import type { Migration } from './index.js';

/**
 * The units a media belongs to, for scoping disposal to the unit head who answers for the footage
 * (src/domain/disposal.ts mayDispose): its officer's unit, and the unit of every case it is linked to. The case units
 * alone are what reviewers and unit heads see footage by (src/domain/access.ts), so hold listings use those.
 */
export const m012DisposalScope: Migration = {
  id: '012-disposal-scope',
  sql: /* sql */ `
-- The units of the cases a media is linked to, directly or through an incident or an interrogation session (the
-- links access decisions follow).
create view media_case_units as
  select distinct l.media_id, c.unit_code::text as unit_code
    from media_links l
    left join incidents i on i.id = l.incident_id
    left join interrogation_sessions s on s.id = l.session_id
    join cases c on c.id = coalesce(l.case_id, i.case_id, s.case_id)
   where l.removed_at is null;

-- ... and with its officer's unit: the units that answer for the footage.
create view media_owning_units as
  select m.id as media_id, o.unit_code::text as unit_code
    from media m
    join officers o on o.number = m.officer_id
  union
  select media_id, unit_code from media_case_units;
`,
};
