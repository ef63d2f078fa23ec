/**
 * What the custody chain sealed about an original: the digests in its media.received event (computed while the bytes
 * streamed in) and media.verified event (read back from the store). The `media` row is mutable by anyone holding the
 * application's database role; these events are not (the chain walk and the checkpoints vouch for them), so every
 * check of an original's bytes compares with them, never with the row alone.
 */
export interface SealedDigests {
  sha256: string;
  sizeBytes: number;
  /** null when no SM3 was computed. */
  sm3: string | null;
  /** The event the digests were taken from (the latest verified one, else the received one). */
  fromType: 'media.received' | 'media.verified';
  fromSeq: number;
}

export interface SealEvent {
  seq: number;
  type: string;
  details: Record<string, unknown>;
}

export interface MediaDigests {
  sha256: string;
  sizeBytes: number;
  sm3: string | null;
}

export interface SealDisagreement {
  field: 'sha256' | 'sizeBytes' | 'sm3' | 'unsealed' | 'received-verified';
  row: string | number | null;
  sealed: string | number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The digests the chain sealed for one media, from its events in seq order; null when it sealed none. */
export function sealedDigests(events: Iterable<SealEvent>): { sealed: SealedDigests | null; received: SealedDigests | null } {
  let received: SealedDigests | null = null;
  let verified: SealedDigests | null = null;
  for (const e of events) {
    if (e.type !== 'media.received' && e.type !== 'media.verified') continue;
    const sha256 = str(e.details.sha256);
    const sizeBytes = num(e.details.sizeBytes);
    if (!sha256 || sizeBytes === null) continue;
    const d: SealedDigests = { sha256, sizeBytes, sm3: str(e.details.sm3), fromType: e.type, fromSeq: e.seq };
    if (e.type === 'media.received') received ??= d;
    else verified = d;
  }
  return { sealed: verified ?? received, received };
}

/**
 * Where a media row disagrees with what the chain sealed for it. An SM3 absent on either side is not a
 * disagreement (SM3 is optional per deployment); a row SM3 the chain never sealed is.
 */
export function compareWithSealed(row: MediaDigests, seal: { sealed: SealedDigests | null; received: SealedDigests | null }): SealDisagreement[] {
  const { sealed, received } = seal;
  if (!sealed) return [{ field: 'unsealed', row: row.sha256, sealed: null }];
  const out: SealDisagreement[] = [];
  if (row.sha256 !== sealed.sha256) out.push({ field: 'sha256', row: row.sha256, sealed: sealed.sha256 });
  if (row.sizeBytes !== sealed.sizeBytes) out.push({ field: 'sizeBytes', row: row.sizeBytes, sealed: sealed.sizeBytes });
  if (row.sm3 !== null && row.sm3 !== sealed.sm3) out.push({ field: 'sm3', row: row.sm3, sealed: sealed.sm3 });
  // A verified read-back that differs from what was received means the chain itself sealed two different originals.
  if (received && sealed !== received && (received.sha256 !== sealed.sha256 || received.sizeBytes !== sealed.sizeBytes)) {
    out.push({ field: 'received-verified', row: received.sha256, sealed: sealed.sha256 });
  }
  return out;
}
