import { hash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';

/**
 * The custody chain: every event carries the hash of the store-wide event before it (and of the previous event of
 * the same media), and its own hash covers its content plus those links. Editing, deleting or reordering any past
 * event changes a hash that a later event has already committed to, so a verifier pinpoints the first broken one.
 */
export const GENESIS_HASH = '0'.repeat(64);

export const CUSTODY_EVENT_TYPES = [
  'upload.started',
  'upload.terminated',
  'media.received',
  'media.stored',
  'media.verified',
  'media.rejected',
  'media.duplicate',
  'media.failed',
  'derivative.created',
  'access.refused',
  'access.requested',
  'access.decided',
  'media.viewed',
  'media.downloaded',
  'link.added',
  'link.removed',
  'review.bookmark',
  'review.recording_reviewed',
  'case.review_completed',
  'dock.released',
  // custody verification and evidence export
  'media.exported',
  'export.approved',
  'export.rejected',
  'export.downloaded',
  // interrogation rooms and the platform's own recording of sessions
  'room.camera_attached',
  'room.camera_detached',
  'recording.started',
  'recording.stopped',
  'recording.gap_detected',
  'recording.gap_explained',
  'recording.marked_full',
  // one joined recording per camera per session; live view of a room camera (opened, closed)
  'recording.joined',
  'live_view.opened',
  'live_view.closed',
  // retention, legal holds and disposal (a tombstone, media.disposed, carries the hash of what was deleted)
  'retention.classified',
  'retention.marked_important',
  'retention.object_locked',
  'hold.placed',
  'hold.released',
  'disposal.proposed',
  'disposal.approved',
  'disposal.blocked',
  'disposal.cancelled',
  'media.recycled',
  'media.restored',
  'derivative.disposed',
  // A composite derivative (the PiP proxy) replaced because one of its parents changed (a camera's join superseded).
  'derivative.superseded',
  'media.disposed',
  // the stretches of a recording a person played (watched coverage)
  'media.watched',
  // An export stopped because a media row disagrees with the digests its custody events sealed.
  'export.refused',
] as const;
export type CustodyEventType = (typeof CUSTODY_EVENT_TYPES)[number];

/** What a caller supplies; the chain fields are filled in by whoever appends. */
export interface CustodyEventInput {
  mediaId: string | null;
  uploadId: string | null;
  type: CustodyEventType;
  /** Who did it: `device:<serial>`, `user:<id>`, `admin`, `system:<component>`. */
  actor: string;
  details: Record<string, unknown>;
}

export interface CustodyEvent extends CustodyEventInput {
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  prevHash: string;
  mediaPrevHash: string | null;
  hash: string;
}

export type UnsealedEvent = Omit<CustodyEvent, 'hash'>;

const q = JSON.stringify;
const BAIL = Symbol('bail');

/**
 * RFC 8785 serialisation of plain JSON data (what JSON.parse yields), byte for byte what json-canonicalize produces
 * (it too writes primitives with JSON.stringify and sorts Object.keys), without its per-property closures, path
 * strings and WeakMap, which cost more than the SHA-256 itself. Anything else (undefined, toJSON, non-finite numbers,
 * non-plain objects, an object met twice: cycles and shared references) returns BAIL, and the caller hands the whole
 * body to json-canonicalize, so its result or its error stays exactly what it was.
 */
function plainCanonical(v: unknown, seen: Set<object> | null): string | typeof BAIL {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return q(v);
    case 'number':
      return Number.isFinite(v) ? q(v) : BAIL;
    case 'object': {
      if (v === null) return 'null';
      if ((v as { toJSON?: unknown }).toJSON != null) return BAIL;
      // Nested containers are remembered so a shared or circular one goes to the library (which rejects some).
      if (seen) {
        if (seen.has(v)) return BAIL;
        seen.add(v);
      }
      // Created at the first nested container only: flat details (the usual case) allocate no Set.
      let inner = seen;
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) return BAIL;
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const c: unknown = v[i];
          if (inner === null && typeof c === 'object' && c !== null) inner = new Set();
          const s = plainCanonical(c, inner);
          if (s === BAIL) return BAIL;
          out += i === 0 ? s : `,${s}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return BAIL;
      const keys = Object.keys(v).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const c = (v as Record<string, unknown>)[k];
        if (inner === null && typeof c === 'object' && c !== null) inner = new Set();
        const s = plainCanonical(c, inner);
        if (s === BAIL) return BAIL;
        out += `${i === 0 ? '' : ','}${q(k)}:${s}`;
      }
      return `${out}}`;
    }
    default:
      return BAIL;
  }
}

const isScalar = (v: unknown) => typeof v === 'string' || v === null || (typeof v === 'number' && Number.isFinite(v));

/** The canonical JSON hashEvent hashes; exported so a test can hold it to json-canonicalize. */
export function canonicalEventBody(e: UnsealedEvent): string {
  // The body's keys are fixed, so their RFC 8785 order (UTF-16 code units) is written out rather than sorted.
  if (isScalar(e.actor) && isScalar(e.at) && isScalar(e.mediaId) && isScalar(e.mediaPrevHash) && isScalar(e.prevHash) && isScalar(e.seq) && isScalar(e.type) && isScalar(e.uploadId)) {
    const details = plainCanonical(e.details, null);
    if (details !== BAIL) {
      return `{"actor":${q(e.actor)},"at":${q(e.at)},"details":${details},"mediaId":${q(e.mediaId)},"mediaPrevHash":${q(e.mediaPrevHash)},"prevHash":${q(e.prevHash)},"seq":${q(e.seq)},"type":${q(e.type)},"uploadId":${q(e.uploadId)}}`;
    }
  }
  return canonicalize({
    seq: e.seq,
    at: e.at,
    mediaId: e.mediaId,
    uploadId: e.uploadId,
    type: e.type,
    actor: e.actor,
    details: e.details,
    prevHash: e.prevHash,
    mediaPrevHash: e.mediaPrevHash,
  });
}

/** SHA-256 over the RFC 8785 canonical JSON of every field but the hash itself. */
export function hashEvent(e: UnsealedEvent): string {
  // One-shot crypto.hash (Node >= 20.12): no Hash object per event, about twice the speed of createHash here.
  return hash('sha256', canonicalEventBody(e), 'hex');
}

/** Builds the next event given the current heads of the store-wide chain and of the media's own chain. */
export function sealEvent(
  input: CustodyEventInput,
  link: { seq: number; at: string; prevHash: string; mediaPrevHash: string | null },
): CustodyEvent {
  const unsealed: UnsealedEvent = {
    mediaId: input.mediaId,
    uploadId: input.uploadId,
    type: input.type,
    actor: input.actor,
    details: input.details,
    seq: link.seq,
    at: link.at,
    prevHash: link.prevHash,
    mediaPrevHash: link.mediaPrevHash,
  };
  return { ...unsealed, hash: hashEvent(unsealed) };
}

export interface ChainBreak {
  seq: number;
  reason: 'hash-mismatch' | 'prev-link-broken' | 'media-link-broken' | 'sequence-gap';
  detail: string;
}

export interface ChainCursor {
  /** Hash of the last event already verified (GENESIS_HASH before the first). */
  lastHash: string;
  lastSeq: number;
  /** Last verified hash per media id, to check each media's own chain. */
  mediaHeads: Map<string, string>;
}

export function newCursor(): ChainCursor {
  return { lastHash: GENESIS_HASH, lastSeq: 0, mediaHeads: new Map() };
}

/**
 * Verifies events in seq order, continuing from `cursor` (so a long chain can be checked in resumable batches).
 * Returns the first break, or null; the cursor advances past every event that verified.
 */
export function verifyEvents(events: Iterable<CustodyEvent>, cursor: ChainCursor): ChainBreak | null {
  for (const e of events) {
    if (e.seq !== cursor.lastSeq + 1) {
      return { seq: e.seq, reason: 'sequence-gap', detail: `expected seq ${cursor.lastSeq + 1}, found ${e.seq}` };
    }
    const recomputed = hashEvent(e);
    if (recomputed !== e.hash) {
      return { seq: e.seq, reason: 'hash-mismatch', detail: `stored hash ${e.hash} but content hashes to ${recomputed}` };
    }
    if (e.prevHash !== cursor.lastHash) {
      return { seq: e.seq, reason: 'prev-link-broken', detail: `links to ${e.prevHash}, previous event hashes to ${cursor.lastHash}` };
    }
    if (e.mediaId) {
      const head = cursor.mediaHeads.get(e.mediaId) ?? null;
      if (e.mediaPrevHash !== head) {
        return { seq: e.seq, reason: 'media-link-broken', detail: `media chain links to ${e.mediaPrevHash}, expected ${head}` };
      }
      cursor.mediaHeads.set(e.mediaId, e.hash);
    }
    cursor.lastHash = e.hash;
    cursor.lastSeq = e.seq;
  }
  return null;
}
