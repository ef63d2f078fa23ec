import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { derivativeKey, type DerivativeKind } from '../../src/domain/object-keys.js';
import { CustodyRepository } from '../../src/db/repositories/custody-repository.js';
import { DerivativesRepository } from '../../src/db/repositories/derivatives-repository.js';
import type { Media } from '../../src/db/repositories/media-repository.js';
import { ContentHasher } from '../../src/ingest/content-hasher.js';
import type { PipelineDeps } from './pipeline-deps.js';

const CONTENT_TYPE: Record<DerivativeKind, string> = { proxy: 'video/mp4', poster: 'image/webp', sprite: 'image/webp', pip: 'video/mp4' };

/**
 * Stores a finished derivative under its deterministic key and records it with its provenance and a custody event,
 * once: if a crashed earlier run already recorded one, that one stands and this output is discarded.
 */
export async function storeDerivative(
  deps: PipelineDeps,
  media: Media,
  kind: DerivativeKind,
  file: string,
  operation: Record<string, unknown>,
  details: Record<string, unknown> = {},
): Promise<void> {
  const { db, store } = deps;
  const derivatives = new DerivativesRepository(db);
  if (await derivatives.find(media.id, kind)) return;
  const { sha256 } = await ContentHasher.ofStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), false);
  const sizeBytes = (await stat(file)).size;
  const key = derivativeKey(media.sha256, kind);
  await store.putFile(key, file, { sizeBytes, contentType: CONTENT_TYPE[kind] });
  await db.transaction(async (tx) => {
    const inserted = await new DerivativesRepository(tx).insertOnce({
      id: randomUUID(),
      mediaId: media.id,
      kind,
      objectKey: key,
      contentType: CONTENT_TYPE[kind],
      sha256,
      sizeBytes,
      parentSha256: media.sha256,
      operation,
      details,
    });
    if (!inserted) return;
    await new CustodyRepository(tx).append({
      mediaId: media.id,
      uploadId: null,
      type: 'derivative.created',
      actor: 'system:pipeline',
      details: { kind, objectKey: key, sha256, sizeBytes, parentSha256: media.sha256, operation },
    });
  });
}
