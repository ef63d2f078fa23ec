import type { DerivativeKind } from './object-keys.js';
import type { MediaState } from './media-state.js';

export type PipelineStage = 'verify' | 'probe' | 'proxy' | 'thumbnails';

/**
 * What is still owed for a media, from what PostgreSQL knows: its state, whether it was probed, which derivatives
 * exist. The reconciler and the handlers both ask this, so a crash anywhere resumes at the right stage.
 * 'ready' means every derivative exists and only the state change is left.
 */
export function nextStage(m: { state: MediaState; probed: boolean }, have: ReadonlySet<DerivativeKind>): PipelineStage | 'ready' | null {
  switch (m.state) {
    case 'stored':
      return 'verify';
    case 'verified':
    case 'processing':
      if (!m.probed) return 'probe';
      if (!have.has('proxy')) return 'proxy';
      if (!have.has('poster') || !have.has('sprite')) return 'thumbnails';
      return 'ready';
    default:
      return null;
  }
}
