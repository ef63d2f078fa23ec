/**
 * Rules for the files a pull dock (FTP or shared folder) exposes: which names are safe to touch, what each file
 * is (footage, sidecar, acknowledgement marker), and when a file is complete. Pure: no I/O.
 */

export const DEFAULT_MEDIA_EXTENSIONS = ['mp4', 'mov', 'avi', 'mkv', 'ts', '3gp', 'wav', 'mp3', 'aac', 'm4a', 'amr', 'jpg', 'jpeg', 'png'] as const;
export const SIDECAR_SUFFIX = '.json';
export const ACK_SUFFIX = '.ack';
export const ACK_MODES = ['rename', 'ack-file', 'delete'] as const;
export type AckMode = (typeof ACK_MODES)[number];

/**
 * Why a remote name must not be used, or null when it is fine. A name is only ever sent back to the dock as a
 * single path segment inside the configured folder, and never becomes a local path; still, separators, dot
 * segments and control characters (FTP command injection, listing spoofing) are refused outright.
 */
export function remoteNameProblem(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return 'empty or a dot segment';
  if (/[/\\]/.test(name)) return 'contains a path separator';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (Buffer.byteLength(name) > 255) return 'longer than 255 bytes';
  return null;
}

export type RemoteFileKind = 'media' | 'sidecar' | 'ack' | 'other';

/** Footage by extension (case-insensitive); "<media>.json" is a sidecar, "<media>.ack" our marker. */
export function classifyRemoteName(name: string, extensions: readonly string[]): RemoteFileKind {
  const lower = name.toLowerCase();
  if (lower.endsWith(SIDECAR_SUFFIX)) return 'sidecar';
  if (lower.endsWith(ACK_SUFFIX)) return 'ack';
  if (name.startsWith('.')) return 'other'; // hidden files: editor swaps, rsync/SMB temporaries
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return 'other';
  return extensions.includes(lower.slice(dot + 1)) ? 'media' : 'other';
}

export const sidecarNameOf = (name: string) => `${name}${SIDECAR_SUFFIX}`;
export const ackNameOf = (name: string) => `${name}${ACK_SUFFIX}`;

/** The size (and mtime, where the dock reports one) of a file, and since when it has looked like that. */
export interface Observation {
  size: number;
  mtimeMs: number | null;
  since: number;
}

/** Folds one listing into what we knew: unchanged keeps its `since`, anything else starts the clock again. */
export function observe(prev: Observation | undefined, size: number, mtimeMs: number | null, now: number): Observation {
  if (prev && prev.size === size && prev.mtimeMs === mtimeMs) return prev;
  return { size, mtimeMs, since: now };
}

/**
 * A file is complete when it has looked the same for `stableMs`. Docks and SMB/NFS writers give no "closed"
 * signal that survives a network mount, so polling for a stable size is the portable test.
 */
export function isStable(o: Observation, now: number, stableMs: number): boolean {
  return now - o.since >= stableMs;
}

/**
 * When a file whose fetch failed may be tried again: the delay doubles with every failed attempt, from `baseMs`
 * up to `maxMs`, so a broken file or sidecar does not cost a transfer on every poll.
 */
export function retryAt(attempts: number, lastAttemptMs: number, baseMs: number, maxMs = 3_600_000): number {
  return lastAttemptMs + Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxMs);
}

/** ftp://host:port or ftps://host:port (explicit TLS); credentials never ride in the URL, and it names no path. */
export function parseFtpLocation(location: string): { host: string; port: number; secure: boolean } | null {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return null;
  }
  if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:') return null;
  if (url.username || url.password || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash || !url.hostname) return null;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 21, secure: url.protocol === 'ftps:' };
}

/**
 * Why a configured folder on the dock (pull folder, done folder) is unacceptable, or null. POSIX style; relative
 * or absolute below the source's root; never climbing out of it.
 */
export function dockFolderProblem(p: string): string | null {
  if (p.length === 0 || p.length > 500) return 'must be 1 to 500 characters';
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return 'must not contain control characters or backslashes';
  if (p.split('/').some((seg) => seg === '..')) return 'must not contain ".." segments';
  return null;
}
