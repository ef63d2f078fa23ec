import { describe, expect, it } from 'vitest';
import { canonicalize } from 'json-canonicalize';
import { GENESIS_HASH, canonicalEventBody, newCursor, sealEvent, verifyEvents, type CustodyEvent, type CustodyEventInput, type UnsealedEvent } from './custody-chain.js';

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

describe('canonical event body', () => {
  const base: Omit<UnsealedEvent, 'details'> = { seq: 7, at: '2026-11-23T08:00:00.123Z', mediaId: 'm1', uploadId: null, type: 'media.viewed', actor: 'user:1', prevHash: 'a'.repeat(64), mediaPrevHash: null };
  const reference = (e: UnsealedEvent) =>
    canonicalize({ seq: e.seq, at: e.at, mediaId: e.mediaId, uploadId: e.uploadId, type: e.type, actor: e.actor, details: e.details, prevHash: e.prevHash, mediaPrevHash: e.mediaPrevHash });

  it('is byte for byte what json-canonicalize makes of the same values (RFC 8785)', () => {
    const details: unknown[] = [
      {},
      { purpose: '案件审查', ip: '10.0.0.1', range: null, n: 0 },
      { z: 1, a: [1, 'x', null, true, false, { b: 2, a: [] }], ä: 'ü', '\u20ac': 1, '\ud83d\ude00': '\ud83d\ude00', A: 'B', '': 0 },
      { numbers: [0, -0, 1e21, 1e-7, 5e-324, 123.456, -1.5, 2 ** 53, 0.1 + 0.2, 1e300] },
      { esc: 'quote " backslash \\ tab \t nl \n nul \u0000 del \u007f ls \u2028 lone \ud800 end', '\u0001k': 'v' },
      { deep: { a: { b: { c: [[[{ d: 'e' }]]] } } } },
      JSON.parse('{"b":{"x":1},"a":[{"y":2},{"y":2}],"c":"\\u00e9"}'),
      Object.assign(Object.create(null), { b: 1, a: 2 }),
    ];
    for (const d of details) {
      const e = { ...base, details: d as Record<string, unknown> };
      expect(canonicalEventBody(e)).toBe(reference(e));
    }
    // Top-level values of other kinds and other seq/at forms too.
    for (const over of [{ mediaId: null, uploadId: 'u-1', mediaPrevHash: 'b'.repeat(64) }, { seq: 2 ** 52 + 1 }, { actor: 'device:"quoted"\\' }]) {
      const e = { ...base, ...over, details: { k: 'v' } };
      expect(canonicalEventBody(e)).toBe(reference(e));
    }
  });

  it('leaves anything but plain JSON data to json-canonicalize: same output, same errors', () => {
    const shared = { s: 1 };
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: unknown[] = [
      { u: undefined, k: 1 },
      [1, undefined, 2],
      { d: new Date(Date.UTC(2026, 0, 1)) },
      { m: new Map([['a', 1]]) },
      { s: new String('boxed') },
      { a: shared, ab: shared },
      { a: shared, b: [shared] },
      { nested: { x: circular } },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { f: () => 1 },
      // eslint-disable-next-line no-sparse-arrays
      { sparse: [1, , 3] },
    ];
    for (const d of cases) {
      const e = { ...base, details: d as Record<string, unknown> };
      let expected: string | Error;
      try {
        expected = reference(e);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) expect(() => canonicalEventBody(e)).toThrow(expected.message);
      else expect(canonicalEventBody(e)).toBe(expected);
    }
    const odd = { ...base, uploadId: undefined, details: {} } as unknown as UnsealedEvent;
    expect(canonicalEventBody(odd)).toBe(reference(odd));
  });
});
