/**
 * Object keys are derived from content, never from names a device sent: a retry, a duplicate or a second dock
 * lands on the same key, so no file is ever stored twice and no hostile name reaches the store.
 */
export function originalKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a lowercase hex SHA-256: ${sha256}`);
  return `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** Per-media review derivatives, each served at /api/v1/media/{id}/{kind}. */
export const DERIVATIVE_KINDS = ['proxy', 'poster', 'sprite'] as const;
/**
 * Derivatives made from several originals: 'pip' is a session's picture-in-picture review proxy (overview with the
 * frontal camera inset), recorded on the overview's joined recording and served by the recording API.
 */
export const COMPOSITE_DERIVATIVE_KINDS = ['pip'] as const;
export type DerivativeKind = (typeof DERIVATIVE_KINDS)[number] | (typeof COMPOSITE_DERIVATIVE_KINDS)[number];

const EXT: Record<DerivativeKind, string> = { proxy: 'mp4', poster: 'webp', sprite: 'webp', pip: 'mp4' };

/** One key per (original, kind): a re-run handler overwrites its own output instead of adding a second one. */
export function derivativeKey(parentSha256: string, kind: DerivativeKind): string {
  return `derivatives/${parentSha256.slice(0, 2)}/${parentSha256}/${kind}.${EXT[kind]}`;
}
