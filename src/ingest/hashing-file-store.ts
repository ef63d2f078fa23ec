import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS } from '@tus/utils';
import { ContentHasher, type Digests } from './content-hasher.js';
import { SpoolWriter } from './spool-writer.js';
import type { SpoolContent, UploadSpool } from './upload-spool.js';

/**
 * tus file store that hashes every byte as it arrives, so the SHA-256 (and SM3) of an upload is known the moment
 * its last byte lands, without reading the file again.
 *
 * Hash state lives in memory next to the offset it covers. When the two disagree (server restarted, or a write
 * failed part-way so fewer bytes reached disk than were hashed), the state is rebuilt from the bytes on disk:
 * the file, not memory, is the truth.
 */
export class HashingFileStore extends FileStore implements UploadSpool {
  readonly kind = 'local' as const;
  private readonly hashers = new Map<string, ContentHasher>();

  constructor(
    options: ConstructorParameters<typeof FileStore>[0],
    /** Whether an upload with this metadata is hashed with SM3 too (configuration and what the dock declared). */
    private readonly wantsSm3: (metadata: Record<string, string | null>) => boolean,
  ) {
    super(options);
  }

  /**
   * Replaces FileStore.write (same contract: append at `offset`, return the new offset, FILE_WRITE_ERROR on failure)
   * to hash on the way and to write in 1 MiB batches while hashing them (see SpoolWriter): FileStore's 16 KiB
   * writes turned each ~32 KiB socket chunk into its own write().
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const hasher = await this.hasherAt(id, offset);
    let writer: SpoolWriter | undefined;
    try {
      const file = await open(this.pathOf(id), 'r+');
      try {
        writer = new SpoolWriter(file, offset, hasher);
        await pipeline(readable, writer);
      } finally {
        await file.close();
      }
    } catch (err) {
      // Bytes that reached the disk stay; the offset a client resumes from is the file's size (see getUpload). The
      // cause travels with tus's error so a full disk is answered 507, not a generic write failure.
      throw { ...ERRORS.FILE_WRITE_ERROR, cause: err };
    }
    return offset + writer.received;
  }

  /** Digests of the complete upload; rebuilt from disk if memory no longer covers every byte. */
  async digests(id: string, size: number): Promise<Digests> {
    const hasher = await this.hasherAt(id, size);
    this.hashers.delete(id);
    return hasher.digest();
  }

  override async remove(id: string): Promise<void> {
    this.hashers.delete(id);
    await super.remove(id);
  }

  async ping(): Promise<void> {
    if (!(await stat(this.directory)).isDirectory()) throw new Error(`upload spool ${this.directory} is not a directory`);
  }

  content(id: string): SpoolContent {
    return { path: this.pathOf(id) };
  }

  /** The path of an upload's bytes on disk (ids are server-generated hex, never client input). */
  pathOf(id: string): string {
    return path.join(this.directory, id);
  }

  private async hasherAt(id: string, offset: number): Promise<ContentHasher> {
    const current = this.hashers.get(id);
    if (current && current.bytes === offset) return current;
    const upload = await this.getUpload(id);
    const rebuilt = await ContentHasher.ofFile(this.pathOf(id), this.wantsSm3(upload.metadata ?? {}), offset);
    this.hashers.set(id, rebuilt);
    return rebuilt;
  }
}
