import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { LocalDiskStore } from '../../storage/local-disk-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { createCheckpoint } from '../custody/checkpoints.js';
import { signBytes, type SigningKey } from '../custody/signing-key.js';
import type { Db } from '../db/db.js';
import { CustodyRepository, appendCustody } from '../db/repositories/custody-repository.js';
import { DerivativesRepository } from '../db/repositories/derivatives-repository.js';
import { ExportsRepository, type BuiltPackage, type ExportFormat, type ExportRecord } from '../db/repositories/exports-repository.js';
import type { Media } from '../db/repositories/media-repository.js';
import { isAcknowledged } from '../domain/media-state.js';
import { compareWithSealed, sealedDigests, type SealedDigests } from '../domain/sealed-original.js';
import { Errors } from '../errors.js';
import { ContentHasher, type Digests } from '../ingest/content-hasher.js';
import {
  MANIFEST_FORMAT,
  MEDIA_KIND_LABELS,
  mediaKindOf,
  PACKAGE_FILES,
  packagePaths,
  readmeText,
  serializeManifest,
  type Manifest,
  type ManifestFile,
  type ManifestMedia,
} from './manifest.js';
import { offlineVerifierPath } from './offline-verifier/locate.js';
import { verifyingTap, writeIso, writeZip, type MadeEntry, type StoredEntry } from './package-writers.js';

export interface ExportDeps {
  db: Db;
  store: ObjectStore;
  key: SigningKey;
  /** Directory for the ISO's staging (S3 originals are copied here first; xorriso reads files from disk). */
  scratch: string;
  log?: Logger;
}

export function packageKey(exportId: string, format: ExportFormat): string {
  return `exports/${exportId}/evidence-${exportId}.${format}`;
}

/** Bytes a build streams: the files once into a ZIP; for an ISO, once to check (and stage) them and once more as the image. */
export function plannedBytes(fileBytes: number, formats: ExportFormat[]): number {
  return (formats.includes('zip') ? fileBytes : 0) + (formats.includes('iso') ? 2 * fileBytes : 0);
}

/**
 * Builds the package(s) of one export: records the export in every media's custody chain (once), signs the chain
 * head, streams the originals (and proxies) into a ZIP and/or an ISO 9660 image in the object store, checking
 * every byte against the recorded hashes on the way, and writes a signed manifest with each media's custody
 * excerpt and the offline verifier beside them.
 */
export async function buildExport(
  deps: ExportDeps,
  exp: ExportRecord,
  onProgress: (bytesDone: number, bytesTotal: number) => void | Promise<void>,
): Promise<{ packages: Partial<Record<ExportFormat, BuiltPackage>>; manifestSha256: string }> {
  const { db, store } = deps;
  const repo = new ExportsRepository(db);
  const media = await repo.media(exp.mediaIds);
  const missing = exp.mediaIds.filter((id) => !media.some((m) => m.id === id));
  if (missing.length) throw new Errors.EXPORT_EMPTY(`media ${missing.join(', ')} no longer exist`);
  for (const m of media) if (!isAcknowledged(m.state)) throw new Errors.EXPORT_MEDIA_NOT_EXPORTABLE(m.id, m.state);

  // Bytes are held to what the custody chain sealed (media.received / media.verified), never to the media row
  // alone: a row rewritten to match swapped bytes must stop the export, not ship a package the chain never vouched for.
  const seals = await new CustodyRepository(db).sealEvents(media.map((m) => m.id));
  const sealed = new Map<string, SealedDigests>();
  for (const m of media) {
    const seal = sealedDigests(seals.get(m.id) ?? []);
    const diffs = compareWithSealed({ sha256: m.sha256, sizeBytes: m.sizeBytes, sm3: m.sm3 }, seal);
    if (seal.sealed && diffs.length === 0) {
      sealed.set(m.id, seal.sealed);
      continue;
    }
    const what = diffs.map((d) => `${d.field}: media row ${d.row}, sealed ${d.sealed}`).join('; ');
    const err = new Errors.EXPORT_SOURCE_UNSEALED(m.id, what);
    await appendCustody(db, { mediaId: m.id, uploadId: null, type: 'export.refused', actor: 'system:export', details: { exportId: exp.id, code: err.code, disagreements: diffs } });
    throw err;
  }

  const derivatives = new DerivativesRepository(db);
  const proxies = new Map(
    exp.includeProxies ? (await Promise.all(media.map(async (m) => [m.id, await derivatives.find(m.id, 'proxy')] as const))) : [],
  );
  const pips = new Map(exp.includeProxies ? await Promise.all(media.map(async (m) => [m.id, await derivatives.find(m.id, 'pip')] as const)) : []);
  const recorded = await repo.recordedKinds(exp.mediaIds);
  const kindOf = (id: string) => mediaKindOf(recorded.get(id) ?? { segment: false, joined: false });

  // The export is itself a custody event of every media in it, recorded once even if the build is retried.
  await db.transaction(async (tx) => {
    if (!(await new ExportsRepository(tx).claimCustodyRecord(exp.id))) return;
    const custody = new CustodyRepository(tx);
    for (const m of media) {
      await custody.append({
        mediaId: m.id,
        uploadId: null,
        type: 'media.exported',
        actor: exp.requestedBy,
        details: {
          exportId: exp.id,
          caseId: exp.caseId,
          destination: exp.destination,
          purpose: exp.purpose,
          requestedBy: exp.requestedBy,
          approvedBy: exp.decidedBy,
          includeProxy: Boolean(proxies.get(m.id)),
          formats: exp.formats,
        },
      });
    }
  });
  const checkpoint = await createCheckpoint(db, store, deps.key, `system:export:${exp.id}`);
  const custody = new CustodyRepository(db);
  const excerpts = new Map(await Promise.all(media.map(async (m) => [m.id, await custody.forMedia(m.id)] as const)));
  const theCase = exp.caseId ? await repo.caseSummary(exp.caseId) : null;

  const stored: StoredEntry[] = [];
  const layout = new Map<string, { original: string; proxy: string; pip: string }>();
  for (const m of media) {
    const paths = packagePaths(m);
    layout.set(m.id, paths);
    stored.push({ path: paths.original, objectKey: m.objectKey, sizeBytes: sealed.get(m.id)!.sizeBytes, expectedSha256: sealed.get(m.id)!.sha256, what: 'original', mediaId: m.id });
    const proxy = proxies.get(m.id);
    if (proxy) stored.push({ path: paths.proxy, objectKey: proxy.objectKey, sizeBytes: proxy.sizeBytes, expectedSha256: proxy.sha256, what: 'proxy', mediaId: m.id });
    const pip = pips.get(m.id);
    if (pip) stored.push({ path: paths.pip, objectKey: pip.objectKey, sizeBytes: pip.sizeBytes, expectedSha256: pip.sha256, what: 'pip-proxy', mediaId: m.id });
  }
  const fileBytes = stored.reduce((n, s) => n + s.sizeBytes, 0);
  const total = plannedBytes(fileBytes, exp.formats);
  let done = 0;
  let lastReported = -1;
  const onBytes = (n: number) => {
    done += n;
    const step = Math.floor((done / Math.max(total, 1)) * 100);
    if (step > lastReported) {
      lastReported = step;
      void Promise.resolve(onProgress(Math.min(done, total), total)).catch(() => undefined);
    }
  };

  const createdAt = new Date().toISOString();
  const verifierBytes = await readFile(await offlineVerifierPath());
  const publicKeyBytes = Buffer.from(deps.key.publicKeyPem, 'utf8');
  const signing = { algorithm: 'Ed25519' as const, keyId: deps.key.keyId, publicKeyFile: PACKAGE_FILES.publicKey, signatureFile: PACKAGE_FILES.signature, signedFile: PACKAGE_FILES.manifest };
  const readmeBytes = Buffer.from(
    readmeText({
      exportId: exp.id,
      createdAt,
      purpose: exp.purpose,
      case: theCase,
      signing,
      mediaCount: media.length,
      media: media.map((m) => ({ kind: kindOf(m.id), original: layout.get(m.id)!.original, pip: pips.get(m.id) ? { path: layout.get(m.id)!.pip } : null })),
    }),
    'utf8',
  );

  // Built once from the digests of the bytes actually streamed, so the ZIP and the ISO carry the same manifest.
  let made: MadeEntry[] | null = null;
  let manifestSha256 = '';
  const finish = async (digests: Map<string, Digests>): Promise<MadeEntry[]> => {
    if (made) return made;
    const files: ManifestFile[] = stored.map((s) => {
      const d = digests.get(s.path)!;
      return { path: s.path, role: s.what, mediaId: s.mediaId, sizeBytes: d.sizeBytes, sha256: d.sha256, sm3: d.sm3 };
    });
    for (const [p, role, bytes] of [
      [PACKAGE_FILES.verifier, 'verifier', verifierBytes],
      [PACKAGE_FILES.publicKey, 'public-key', publicKeyBytes],
      [PACKAGE_FILES.readme, 'readme', readmeBytes],
    ] as const) {
      const h = new ContentHasher(true);
      h.update(bytes);
      const d = h.digest();
      files.push({ path: p, role, sizeBytes: d.sizeBytes, sha256: d.sha256, sm3: d.sm3 });
    }
    const manifestMedia: ManifestMedia[] = media.map((m: Media) => {
      const proxy = proxies.get(m.id);
      const pip = pips.get(m.id);
      const paths = layout.get(m.id)!;
      return {
        id: m.id,
        filename: m.filename,
        originalFilename: m.originalFilename,
        sha256: m.sha256,
        sm3: digests.get(paths.original)?.sm3 ?? m.sm3,
        sizeBytes: m.sizeBytes,
        state: m.state,
        deviceSerial: m.deviceSerial,
        officerId: m.officerId,
        recordedAt: m.recordedAt,
        recordedEnd: m.recordedEnd,
        caseNumber: m.caseNumber,
        kind: kindOf(m.id),
        kindLabel: MEDIA_KIND_LABELS[kindOf(m.id)],
        original: paths.original,
        proxy: proxy ? { path: paths.proxy, sha256: proxy.sha256, sizeBytes: proxy.sizeBytes, parentSha256: proxy.parentSha256, operation: proxy.operation } : null,
        pip: pip ? { path: paths.pip, sha256: pip.sha256, sizeBytes: pip.sizeBytes, parentSha256: pip.parentSha256, operation: pip.operation } : null,
        custody: excerpts.get(m.id) ?? [],
      };
    });
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      exportId: exp.id,
      createdAt,
      destination: exp.destination,
      purpose: exp.purpose,
      requestedBy: exp.requestedBy,
      approvedBy: exp.destination === 'external' ? exp.decidedBy : null,
      case: theCase,
      hashAlgorithms: ['sha256', 'sm3'],
      signing,
      checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at, keyId: checkpoint.keyId, signature: checkpoint.signature },
      verifier: { file: PACKAGE_FILES.verifier, usage: 'node verify.mjs   (Node.js 18 or later; no network, no dependencies)' },
      files,
      media: manifestMedia,
    };
    const manifestBytes = serializeManifest(manifest);
    manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
    made = [
      { path: PACKAGE_FILES.manifest, bytes: manifestBytes },
      { path: PACKAGE_FILES.signature, bytes: Buffer.from(`${signBytes(deps.key, manifestBytes)}\n`, 'utf8') },
      { path: PACKAGE_FILES.publicKey, bytes: publicKeyBytes },
      { path: PACKAGE_FILES.verifier, bytes: verifierBytes, mode: 0o100555 },
      { path: PACKAGE_FILES.readme, bytes: readmeBytes },
    ];
    return made;
  };

  const packages: Partial<Record<ExportFormat, BuiltPackage>> = {};
  const mtime = new Date(createdAt);
  if (exp.formats.includes('zip')) {
    const key = packageKey(exp.id, 'zip');
    const zip = await writeZip({ store, key, mtime, stored, finish, onBytes });
    packages.zip = { key, ...zip };
  }

  if (exp.formats.includes('iso')) {
    await mkdir(deps.scratch, { recursive: true });
    const work = await mkdtemp(path.join(deps.scratch, `export-${exp.id.slice(0, 8)}-`));
    try {
      const local = store instanceof LocalDiskStore ? store : null;
      const digests = new Map<string, Digests>();
      const files: Array<{ path: string; localPath: string }> = [];
      for (const [i, s] of stored.entries()) {
        // Every byte is checked against the recorded hash before it goes on the disc: read in place on local
        // disk, copied to the work directory from S3 (xorriso reads files, not streams).
        const copy = local ? null : path.join(work, `src-${i}`);
        const tap = verifyingTap(s, onBytes, (d) => digests.set(s.path, d));
        await pipeline(await store.get(s.objectKey), tap, copy ? createWriteStream(copy, { highWaterMark: 1024 * 1024 }) : devNull());
        files.push({ path: s.path, localPath: copy ?? local!.pathFor(s.objectKey) });
      }
      for (const m of await finish(digests)) {
        const file = path.join(work, 'made', m.path);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, m.bytes, { mode: (m.mode ?? 0o444) & 0o777 });
        files.push({ path: m.path, localPath: file });
      }
      const iso = await writeIso({
        store,
        key: packageKey(exp.id, 'iso'),
        workDir: work,
        volumeId: `EVIDENCE_${exp.id.replace(/-/g, '').slice(0, 12).toUpperCase()}`,
        files,
        onBytes,
      });
      packages.iso = { key: packageKey(exp.id, 'iso'), ...iso };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  await Promise.resolve(onProgress(total, total)).catch(() => undefined);
  deps.log?.info({ exportId: exp.id, media: media.length, packages, manifestSha256 }, 'export package built');
  return { packages, manifestSha256 };
}

/** A sink that discards what it is given (the bytes were only hashed). */
function devNull(): Writable {
  return new Writable({ write: (_chunk, _enc, next) => next() });
}
