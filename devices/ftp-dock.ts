import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Client, FileType, FTPError } from 'basic-ftp';
import { ackNameOf, parseFtpLocation, sidecarNameOf, type AckMode } from '../src/domain/dock-files.js';
import type { PullSource } from '../src/db/repositories/pull-sources-repository.js';
import { Errors } from '../src/errors.js';
import { ackBody, sourcePaths, type AckRecord, type DockConnection, type DockConnector, type RemoteEntry } from './dock-connection.js';

const notFound = (err: unknown) => err instanceof FTPError && err.code >= 550 && err.code <= 553;

/**
 * Pull dock over FTP with basic-ftp (passive mode). Data connections always go to the control connection's host,
 * whatever address the dock's PASV reply names.
 */
export const ftpConnector: DockConnector = {
  protocol: 'ftp',
  async open(source: PullSource, password: string | null): Promise<DockConnection> {
    const where = parseFtpLocation(source.location);
    if (!where) throw new Errors.DOCK_UNREACHABLE(`not an ftp:// URL: ${source.location}`);
    const client = new Client(30_000, { allowSeparateTransferHost: false });
    try {
      await client.access({
        host: where.host,
        port: where.port,
        user: source.username ?? 'anonymous',
        password: password ?? 'anonymous@',
        secure: where.secure,
      });
    } catch (err) {
      client.close();
      throw new Errors.DOCK_UNREACHABLE(`${where.host}:${where.port}: ${(err as Error).message}`);
    }
    return new FtpDockConnection(client, source);
  },
};

class FtpDockConnection implements DockConnection {
  private readonly dir: string;
  private readonly done: string;

  constructor(
    private readonly client: Client,
    source: PullSource,
  ) {
    ({ dir: this.dir, done: this.done } = sourcePaths(source));
  }

  private path(name: string) {
    return posix.join(this.dir, name);
  }

  async list(): Promise<RemoteEntry[]> {
    const items = await this.client.list(this.dir);
    return items.filter((i) => i.type === FileType.File).map((i) => ({ name: i.name, sizeBytes: i.size, mtimeMs: null }));
  }

  async readSmall(name: string, maxBytes: number): Promise<string | null> {
    const chunks: Buffer[] = [];
    let total = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (total > maxBytes) return done(new Error(`${name} is larger than ${maxBytes} bytes`));
        chunks.push(chunk);
        done();
      },
    });
    try {
      await this.client.downloadTo(sink, this.path(name));
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async download(name: string, into: Writable): Promise<void> {
    await this.client.downloadTo(into, this.path(name));
  }

  async release(name: string, mode: AckMode, ack: AckRecord): Promise<void> {
    if (mode === 'ack-file') {
      await this.client.uploadFrom(Readable.from([ackBody(ack)]), this.path(ackNameOf(name)));
      return;
    }
    if (mode === 'delete') {
      for (const n of [name, sidecarNameOf(name)]) {
        try {
          await this.client.remove(this.path(n));
        } catch (err) {
          if (!notFound(err)) throw err; // already gone: done
        }
      }
      return;
    }
    await this.client.send(`MKD ${this.done}`, true); // exists already: fine
    await this.moveToDone(name, true);
    await this.moveToDone(sidecarNameOf(name), false);
  }

  private async moveToDone(name: string, required: boolean): Promise<void> {
    const to = posix.join(this.done, name);
    try {
      await this.client.rename(this.path(name), to);
    } catch (err) {
      if (!notFound(err)) throw err;
      // Moved by an earlier attempt (or no sidecar to move): done. Anything else is a real failure.
      if (required && !(await this.exists(to)) && (await this.exists(this.path(name)))) throw err;
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.client.size(path);
      return true;
    } catch {
      return false;
    }
  }

  async diskUsage() {
    return null;
  }

  close(): void {
    this.client.close();
  }

  get closed(): boolean {
    return this.client.closed;
  }
}
