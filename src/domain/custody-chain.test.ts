import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, newCursor, sealEvent, verifyEvents, type CustodyEvent, type CustodyEventInput } from './custody-chain.js';

function chain(inputs: CustodyEventInput[]): CustodyEvent[] {
  const out: CustodyEvent[] = [];
  const heads = new Map<string, string>();
  for (const [i, input] of inputs.entries()) {
    const e = sealEvent(input, {
      seq: i + 1,
      at: new Date(Date.UTC(2026, 10, 23, 8, 0, i)).toISOString(),
      prevHash: out.at(-1)?.hash ?? GENESIS_HASH,
      mediaPrevHash: input.mediaId ? (heads.get(input.mediaId) ?? null) : null,
    });
    if (input.mediaId) heads.set(input.mediaId, e.hash);
    out.push(e);
  }
  return out;
}

const ev = (type: CustodyEventInput['type'], mediaId: string | null, details: Record<string, unknown> = {}): CustodyEventInput => ({
  mediaId,
  uploadId: null,
  type,
  actor: 'device:DOCK-1',
  details,
});

const linkOf = (e: CustodyEvent) => ({ seq: e.seq, at: e.at, prevHash: e.prevHash, mediaPrevHash: e.mediaPrevHash });

const sample = () =>
  chain([
    ev('upload.started', null, { sizeBytes: 10 }),
    ev('media.received', 'm1', { sha256: 'a'.repeat(64) }),
    ev('media.received', 'm2', { sha256: 'b'.repeat(64) }),
    ev('media.verified', 'm1'),
    ev('media.viewed', 'm2', { purpose: '案件审核' }),
  ]);

describe('custody chain', () => {
  it('verifies an untouched chain, also in resumable batches', () => {
    const events = sample();
    expect(verifyEvents(events, newCursor())).toBeNull();
    const cursor = newCursor();
    expect(verifyEvents(events.slice(0, 2), cursor)).toBeNull();
    expect(cursor.lastSeq).toBe(2);
    expect(verifyEvents(events.slice(2), cursor)).toBeNull();
    expect(cursor.lastSeq).toBe(5);
  });

  it('names the edited event when details are changed after the fact', () => {
    const events = sample();
    events[3] = { ...events[3]!, details: { note: 'edited' } };
    expect(verifyEvents(events, newCursor())).toMatchObject({ seq: 4, reason: 'hash-mismatch' });
  });

  it('detects an edit that recomputes the edited event\'s own hash: the next event no longer links to it', () => {
    const events = sample();
    const forged = sealEvent({ ...events[1]!, actor: 'user:intruder' }, linkOf(events[1]!));
    events[1] = forged;
    expect(verifyEvents(events, newCursor())).toMatchObject({ seq: 3, reason: 'prev-link-broken' });
  });

  it('detects a deleted event', () => {
    const events = sample();
    events.splice(2, 1);
    expect(verifyEvents(events, newCursor())).toMatchObject({ seq: 4, reason: 'sequence-gap' });
  });

  it('detects reordered events', () => {
    const events = sample();
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyEvents(events, newCursor())?.seq).toBe(3);
  });

  it('detects a media event moved to another media (per-media chain)', () => {
    const events = sample();
    const moved = sealEvent({ ...events[3]!, mediaId: 'm2' }, linkOf(events[3]!));
    expect(verifyEvents([...events.slice(0, 3), moved], newCursor())).toMatchObject({ seq: 4, reason: 'media-link-broken' });
  });

  it('hashes canonically: key order in details does not matter, values do', () => {
    const a = sealEvent(ev('media.viewed', 'm1', { a: 1, b: 2 }), { seq: 1, at: '2026-11-23T00:00:00.000Z', prevHash: GENESIS_HASH, mediaPrevHash: null });
    const b = sealEvent(ev('media.viewed', 'm1', { b: 2, a: 1 }), { seq: 1, at: '2026-11-23T00:00:00.000Z', prevHash: GENESIS_HASH, mediaPrevHash: null });
    const c = sealEvent(ev('media.viewed', 'm1', { a: 1, b: 3 }), { seq: 1, at: '2026-11-23T00:00:00.000Z', prevHash: GENESIS_HASH, mediaPrevHash: null });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});
