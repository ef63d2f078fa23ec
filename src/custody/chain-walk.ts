import type { Finding } from '../db/repositories/verifications-repository.js';
import { verifyEvents, type ChainBreak, type ChainCursor, type CustodyEvent } from '../domain/custody-chain.js';

/** The reader-facing sentence for a chain break: which event, and what it means. */
export function describeBreak(b: ChainBreak, e: CustodyEvent | undefined, expectedSeq: number): string {
  const what = e ? `event ${b.seq} (${e.type} by ${e.actor} at ${e.at})` : `event ${b.seq}`;
  switch (b.reason) {
    case 'hash-mismatch':
      return `${what} was altered: its content no longer matches the hash it was sealed with`;
    case 'prev-link-broken':
      return `${what} does not link to event ${b.seq - 1}: event ${b.seq - 1} was altered or replaced after ${b.seq} was written`;
    case 'media-link-broken':
      return `${what} does not link to the previous event of media ${e?.mediaId}: an event of that media was removed, altered or reordered`;
    case 'sequence-gap':
      return b.seq > expectedSeq
        ? `${b.seq - expectedSeq === 1 ? `event ${expectedSeq} is` : `events ${expectedSeq}..${b.seq - 1} are`} missing: the chain jumps from ${expectedSeq - 1} to ${b.seq}`
        : `${what} is out of order: expected seq ${expectedSeq}`;
  }
}

const neighbour = (e: CustodyEvent | undefined, seq: number) => (e && e.seq === seq ? `event ${e.seq} (${e.type} by ${e.actor} at ${e.at}${e.mediaId ? `, media ${e.mediaId}` : ''})` : `event ${seq}`);

/** A sequence gap: what is missing and what surrounds it. Whose events were removed is not knowable from here. */
export function describeGap(expectedSeq: number, foundSeq: number, before: CustodyEvent | undefined, after: CustodyEvent | undefined): string {
  const missing = foundSeq - expectedSeq === 1 ? `event ${expectedSeq} is` : `events ${expectedSeq}..${foundSeq - 1} are`;
  return (
    `${missing} missing: the chain jumps from ${expectedSeq - 1} to ${foundSeq}, between ${neighbour(before, expectedSeq - 1)} and ${neighbour(after, foundSeq)}; ` +
    'the media of the removed event(s) is named by a media-link-broken finding at its next event, if it has one'
  );
}

/**
 * Verifies one page of events from `cursor`; after a break it re-synchronises on the broken event, so each
 * independent break is reported once. No I/O: the online verifier and the offline store verification share it.
 */
export function walkBatch(batch: CustodyEvent[], cursor: ChainCursor, prevOfBatch: CustodyEvent | undefined): Finding[] {
  const findings: Finding[] = [];
  let rest: CustodyEvent[] = batch;
  while (rest.length > 0) {
    const brk = verifyEvents(rest, cursor);
    if (!brk) break;
    // verifyEvents leaves the cursor on the last event that verified.
    const expected = cursor.lastSeq + 1;
    const i = rest.findIndex((e) => e.seq === brk.seq);
    const e = rest[i];
    // A missing event's media cannot be known from the events around it: the finding names the gap and its
    // neighbours, not the media of the next surviving event (which is innocent). The deleted event's own media
    // shows up as a media-link-broken finding at that media's next event.
    const gap = brk.reason === 'sequence-gap' && brk.seq > expected;
    const before = i > 0 ? rest[i - 1] : prevOfBatch;
    const message = gap ? describeGap(expected, brk.seq, before, e) : describeBreak(brk, e, expected);
    findings.push({ kind: 'chain', reason: brk.reason, seq: brk.seq, ...(e?.mediaId && !gap ? { mediaId: e.mediaId } : {}), message, detail: brk.detail });
    if (!e) break;
    cursor.lastSeq = e.seq;
    cursor.lastHash = e.hash;
    if (e.mediaId) cursor.mediaHeads.set(e.mediaId, e.hash);
    rest = rest.slice(i + 1);
  }
  return findings;
}
