/**
 * The life of an original, as PostgreSQL records it:
 *
 *   stored → verified → processing → ready
 *      ↘ rejected            ↘ failed
 *
 * `rejected`: the stored bytes do not match the declared hash; kept for inspection, never acknowledged.
 * `failed`: the original is verified and kept, but review derivatives could not be made (reason recorded).
 * `disposed`: deleted after an approved disposal (src/domain/disposal.ts); the row and a tombstone custody event
 * carrying its hash remain. Only the disposal purge sets it.
 */
export const MEDIA_STATES = ['stored', 'verified', 'processing', 'ready', 'failed', 'rejected', 'disposed'] as const;
export type MediaState = (typeof MEDIA_STATES)[number];

const NEXT: Record<MediaState, readonly MediaState[]> = {
  stored: ['verified', 'rejected'],
  verified: ['processing', 'failed'],
  processing: ['ready', 'failed'],
  ready: [],
  failed: [],
  rejected: [],
  disposed: [],
};

export function canTransition(from: MediaState, to: MediaState): boolean {
  return NEXT[from].includes(to);
}

/** True once the dock may free the camera's copy: stored and read back with a matching hash. */
export function isAcknowledged(state: MediaState): boolean {
  return state === 'verified' || state === 'processing' || state === 'ready' || state === 'failed';
}

/** Non-terminal states: work is still owed, and a reconciler must push them on if Redis forgot. */
export function isPending(state: MediaState): boolean {
  return NEXT[state].length > 0;
}
