/**
 * The pipeline's job names and payloads, defined once. Each job name is also its BullMQ queue, so concurrency
 * is set per stage. A payload only names the media: PostgreSQL holds the truth, and a handler always re-reads it.
 */
export const JOB_NAMES = ['verify', 'probe', 'proxy', 'thumbnails'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export interface JobPayloads {
  /** Read the stored original back, hash it and compare with the declared hash. */
  verify: { mediaId: string };
  /** ffprobe the verified original: container, codecs, duration, resolution, frame rate, creation time, timecode. */
  probe: { mediaId: string };
  /** Browser-playable review proxy (remux when possible, else ≤720p H.264/AAC). */
  proxy: { mediaId: string };
  /** Poster frame and timeline sprite (WebP); the last stage before ready. */
  thumbnails: { mediaId: string };
}

export type JobPayload<N extends JobName> = JobPayloads[N];

/**
 * Deterministic job id: adding the same stage for the same media while one is waiting or running is a no-op,
 * so a reconciler and a retrying ingest can both enqueue without doubling work.
 */
export function jobId<N extends JobName>(name: N, payload: JobPayload<N>): string {
  return `${name}-${payload.mediaId}`;
}
