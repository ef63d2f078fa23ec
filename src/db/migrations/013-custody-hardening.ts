import type { Migration } from './index.js';

/**
 * Checkpoints become a chain of their own: each carries its number and the hash of the one before it, under a
 * second signature, so deleting or reordering checkpoints is itself a finding. Checkpoints signed before this
 * migration keep number null and verify as before; the first numbered one marks the start of the chain.
 */
export const m013CustodyHardening: Migration = {
  id: '013-custody-hardening',
  sql: /* sql */ `
alter table custody_checkpoints add column number bigint;
alter table custody_checkpoints add column prev_hash text;
-- base64 Ed25519 signature over the link statement (src/custody/checkpoint-statement.ts: checkpointLinkStatement)
alter table custody_checkpoints add column link_signature text;
create unique index custody_checkpoints_number on custody_checkpoints (number) where number is not null;
`,
};
