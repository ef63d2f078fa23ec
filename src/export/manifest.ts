import type { CustodyEvent } from '../domain/custody-chain.js';

/**
 * The export package's manifest: what is in the package, the hashes of every file, and each media's custody
 * excerpt. Signed (Ed25519, detached: manifest.sig) over its exact bytes, and checked offline by verify.mjs.
 * Pure: no I/O, so its layout rules are unit-tested.
 */
export const MANIFEST_FORMAT = 'evidence-media/export-manifest/1';

export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  publicKey: 'public-key.pem',
  verifier: 'verify.mjs',
  readme: 'README.txt',
} as const;

export type FileRole = 'original' | 'proxy' | 'verifier' | 'public-key' | 'readme';

export interface ManifestFile {
  path: string;
  role: FileRole;
  mediaId?: string;
  sizeBytes: number;
  sha256: string;
  sm3: string | null;
}

export interface ManifestMedia {
  id: string;
  filename: string;
  originalFilename: string | null;
  sha256: string;
  sm3: string | null;
  sizeBytes: number;
  state: string;
  deviceSerial: string | null;
  officerId: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  caseNumber: string | null;
  /** Path of the original inside the package. */
  original: string;
  proxy: { path: string; sha256: string; sizeBytes: number; parentSha256: string; operation: Record<string, unknown> } | null;
  /** Every custody event of the media (and of the uploads that delivered it), in seq order, verifiable offline. */
  custody: CustodyEvent[];
}

export interface SignedCheckpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  exportId: string;
  createdAt: string;
  destination: 'internal' | 'external';
  purpose: string;
  requestedBy: string;
  approvedBy: string | null;
  case: { id: string; caseNumber: string; title: string; kind: string; unitCode: string } | null;
  hashAlgorithms: string[];
  signing: { algorithm: 'Ed25519'; keyId: string; publicKeyFile: string; signatureFile: string; signedFile: string };
  /** The custody chain head signed when the package was built: every excerpt event is at or before it. */
  checkpoint: SignedCheckpoint;
  verifier: { file: string; usage: string };
  files: ManifestFile[];
  media: ManifestMedia[];
}

/**
 * A file name safe on every target (ZIP readers, ISO 9660 with Rock Ridge/Joliet, Windows): path separators,
 * control and reserved characters replaced, leading dots removed, at most 100 characters (Joliet allows 103).
 * Chinese and other Unicode letters are kept.
 */
export function safeFileName(name: string, fallback = 'file'): string {
  let s = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|=;]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  if (!s) s = fallback;
  if ([...s].length > 100) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 10 ? s.slice(dot) : '';
    s = [...s.slice(0, s.length - ext.length)].slice(0, 100 - ext.length).join('') + ext;
  }
  return s;
}

/** Where a media's original and proxy go in the package. The media id keeps equal file names apart. */
export function packagePaths(media: { id: string; filename: string }): { original: string; proxy: string } {
  const name = safeFileName(media.filename, `${media.id}.bin`);
  const stem = name.replace(/\.[^.]*$/, '') || media.id;
  return { original: `originals/${media.id}/${name}`, proxy: `proxies/${media.id}/${safeFileName(`${stem}.proxy.mp4`)}` };
}

/** The manifest's exact bytes: pretty JSON (people read it), UTF-8, one trailing newline. The signature covers these. */
export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`, 'utf8');
}

/** A short text for the person who opens the package (Chinese and English). */
export function readmeText(m: Pick<Manifest, 'exportId' | 'createdAt' | 'purpose' | 'case' | 'signing'> & { mediaCount: number }): string {
  const caseLine = m.case ? `案件 Case: ${m.case.caseNumber} ${m.case.title}`.trim() : '';
  return [
    '证据导出包 / Evidence export package',
    `导出编号 Export: ${m.exportId}`,
    `生成时间 Created: ${m.createdAt}`,
    caseLine,
    `用途 Purpose: ${m.purpose}`,
    `媒体数 Media: ${m.mediaCount}`,
    '',
    '内容 Contents:',
    '  originals/       原始文件（未经修改）/ the originals, byte for byte as recorded',
    '  proxies/         审看代理文件（如有）/ review proxies, where included',
    '  manifest.json    每个文件的 SHA-256/SM3 及保管链摘录 / hashes of every file and each media\'s custody excerpt',
    '  manifest.sig     manifest.json 的 Ed25519 签名 / detached Ed25519 signature over manifest.json',
    '  public-key.pem   签名公钥 / the signing public key',
    '  verify.mjs       离线校验程序 / the offline verifier',
    '',
    '校验 To verify (Node.js 18 or later, no network needed):',
    '  node verify.mjs',
    '',
    `签名公钥指纹 Signing key id: ${m.signing.keyId}`,
    '请与签发机构公布的公钥指纹核对 / compare it with the key id the issuing service publishes.',
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
}
