import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import type { AckMode } from '../src/domain/dock-files.js';
import type { PullProtocol, PullSource } from '../src/db/repositories/pull-sources-repository.js';

/** One file in the dock's pull folder, as the dock lists it. */
export interface RemoteEntry {
  name: string;
  sizeBytes: number;
  /** Modification time where the dock reports one precisely (a local or mounted folder); null over FTP. */
  mtimeMs: number | null;
}

/** What is written into an acknowledgement marker (`<name>.ack`). */
export interface AckRecord {
  mediaId: string;
  sha256: string;
  state: string;
  verifiedAt: string | null;
}

/**
 * One session with a pull dock. Names are always single path segments already checked by remoteNameProblem, and
 * only ever name files inside the source's folder on the dock; they never become local paths.
 */
export interface DockConnection {
  /** Regular files (not folders, not symbolic links) in the pull folder. */
  list(): Promise<RemoteEntry[]>;
  /** A small text file (sidecar) in full, or null when it is not there; throws past `maxBytes`. */
  readSmall(name: string, maxBytes: number): Promise<string | null>;
  /** Streams the file into `into` and ends it. */
  download(name: string, into: Writable): Promise<void>;
  /**
   * Marks the file (and its sidecar, if any) deletable on the dock. Idempotent: a file already moved, marked or
   * deleted by an earlier attempt counts as done.
   */
  release(name: string, mode: AckMode, ack: AckRecord): Promise<void>;
  /** The dock's disk, where the protocol can tell (a folder's file system); null otherwise. */
  diskUsage(): Promise<{ usedBytes: number; totalBytes: number } | null>;
  /** Ends the session; also interrupts a transfer under way. */
  close(): void;
  /** True once the session is over (closed, or lost with an error): the pass stops and the next one reconnects. */
  readonly closed: boolean;
}

export interface DockConnector {
  readonly protocol: PullProtocol;
  open(source: PullSource, password: string | null): Promise<DockConnection>;
}

/** The pull folder and the done folder as POSIX paths below the source's root. */
export function sourcePaths(source: Pick<PullSource, 'remoteDir' | 'doneDir'>): { dir: string; done: string } {
  const dir = posix.join('/', source.remoteDir);
  const done = source.doneDir.startsWith('/') ? posix.normalize(source.doneDir) : posix.join(dir, source.doneDir);
  return { dir, done };
}

export const ackBody = (ack: AckRecord) => `${JSON.stringify({ ...ack, acknowledgedBy: 'evidence-media' })}\n`;
