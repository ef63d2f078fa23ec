import { describe, expect, it } from 'vitest';
import { canTransition, isAcknowledged, isPending, MEDIA_STATES } from './media-state.js';

describe('media states', () => {
  it('acknowledges to a dock only once verified, never when stored or rejected', () => {
    expect(MEDIA_STATES.filter(isAcknowledged)).toEqual(['verified', 'processing', 'ready', 'failed']);
  });
  it('has no way back from a terminal state', () => {
    for (const from of ['ready', 'failed', 'rejected'] as const) for (const to of MEDIA_STATES) expect(canTransition(from, to)).toBe(false);
    expect(MEDIA_STATES.filter(isPending)).toEqual(['stored', 'verified', 'processing']);
  });
  it('never goes from stored straight to ready', () => {
    expect(canTransition('stored', 'ready')).toBe(false);
    expect(canTransition('stored', 'verified')).toBe(true);
  });
});
