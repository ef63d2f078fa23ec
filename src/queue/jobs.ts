/**
 * The pipeline's job names and payloads, defined once. Each job name is also its BullMQ queue, so concurrency
 * is set per stage. A payload only names the media: PostgreSQL holds the truth, and a handler always re-reads it.
 */
export const JOB_NAMES = ['verify', 'probe', 'proxy', 'thumbnails', 'custody-verify', 'export', 'link', 'join-recording', 'pip-proxy', 'retention-sweep', 'disposal-purge'] as const;
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
  /** One time-boxed slice of a custody verification run (chain, checkpoints, originals); progress lives in PostgreSQL. */
  'custody-verify': { runId: string; slice: number; maxSeconds: number; continueUntilDone: boolean };
  /** Build an evidence export package (ZIP and/or ISO 9660) into the object store. */
  export: { exportId: string };
  /** Link verified footage automatically: the case its dock named, the one 110 incident of its officer at the time. */
  link: { mediaId: string };
  /** Join one camera's segments of a finalized session recording into one MP4, ingested as its own media. */
  'join-recording': { sessionId: string; deviceId: string };
  /** Picture-in-picture review proxy of a session (frontal inset over overview, wall-clock time burned in). */
  'pip-proxy': { sessionId: string };
  /** Recompute stale retention decisions (and their Object Lock), and queue the purge of approved disposals now due. */
  'retention-sweep': { trigger: 'schedule' | 'manual' };
  /** Delete what is due in one approved disposal batch (derivatives first, originals after the recycle period). */
  'disposal-purge': { batchId: string };
}

export type JobPayload<N extends JobName> = JobPayloads[N];

/**
 * Deterministic job id: adding the same stage for the same media while one is waiting or running is a no-op,
 * so a reconciler and a retrying ingest can both enqueue without doubling work.
 */
export function jobId<N extends JobName>(name: N, payload: JobPayload<N>): string {
  const p = payload as { mediaId?: string; runId?: string; slice?: number; exportId?: string; sessionId?: string; deviceId?: string; batchId?: string };
  // One sweep at a time, one purge per disposal batch: the running one does whatever is due when it runs.
  if (name === 'retention-sweep') return name;
  if (p.batchId !== undefined) return `${name}-${p.batchId}`;
  if (p.runId !== undefined) return `${name}-${p.runId}-${p.slice ?? 0}`;
  // One join per session and camera, one PiP per session: enqueued again while queued or running is a no-op.
  if (p.sessionId !== undefined) return p.deviceId !== undefined ? `${name}-${p.sessionId}-${p.deviceId}` : `${name}-${p.sessionId}`;
  if (p.exportId !== undefined) return `${name}-${p.exportId}`;
  return `${name}-${p.mediaId}`;
}
