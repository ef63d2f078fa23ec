import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Digests {
  sha256: string;
  sm3: string | null;
  sizeBytes: number;
  /** MD5, only when asked for (pull docks whose vendor declares one); absent otherwise. */
  md5?: string | null;
}

/** SHA-256, plus SM3 (GB/T 32905) and MD5 (a vendor's integrity value) when asked, over one stream of bytes. */
export class ContentHasher {
  private readonly sha256 = createHash('sha256');
  private readonly sm3: Hash | null;
  private readonly md5: Hash | null;
  bytes = 0;

  constructor(withSm3: boolean, opts: { md5?: boolean } = {}) {
    this.sm3 = withSm3 ? createHash('sm3') : null;
    this.md5 = opts.md5 ? createHash('md5') : null;
  }

  update(chunk: Buffer): void {
    this.sha256.update(chunk);
    this.sm3?.update(chunk);
    this.md5?.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): Digests {
    const d: Digests = { sha256: this.sha256.digest('hex'), sm3: this.sm3?.digest('hex') ?? null, sizeBytes: this.bytes };
    if (this.md5) d.md5 = this.md5.digest('hex');
    return d;
  }

  /** Hashes the first `length` bytes of a file (all of it when omitted), streaming in 1 MiB reads. */
  static async ofFile(path: string, withSm3: boolean, length?: number): Promise<ContentHasher> {
    const h = new ContentHasher(withSm3);
    if (length === 0) return h;
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(length !== undefined ? { end: length - 1 } : {}) });
    for await (const chunk of stream) h.update(chunk as Buffer);
    return h;
  }

  static async ofStream(stream: AsyncIterable<Buffer>, withSm3: boolean): Promise<Digests> {
    const h = new ContentHasher(withSm3);
    for await (const chunk of stream) h.update(chunk);
    return h.digest();
  }
}
