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

export type FileRole = 'original' | 'proxy' | 'pip-proxy' | 'verifier' | 'public-key' | 'readme';

/**
 * What a media is, so a court clerk knows which file is the recording to watch: a dock's field recording, one short
 * segment the room recorder cut, or the joined recording of one camera made from those segments.
 */
export type MediaKind = 'field-recording' | 'recording-segment' | 'joined-recording';

export const MEDIA_KIND_LABELS: Record<MediaKind, string> = {
  'field-recording': '现场执法录像（原始文件）/ field recording (original)',
  'recording-segment': '讯问录像分段（数秒的片段，审看请用合并录像）/ interrogation recording segment (a few seconds: watch the joined recording)',
  'joined-recording': '讯问合并录像（审看此文件）/ joined interrogation recording (the recording to watch)',
};

/** A media is a segment or a joined recording when the recorder's tables say so; anything else came from a dock. */
export function mediaKindOf(recorded: { segment: boolean; joined: boolean }): MediaKind {
  if (recorded.joined) return 'joined-recording';
  if (recorded.segment) return 'recording-segment';
  return 'field-recording';
}

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
  kind: MediaKind;
  /** MEDIA_KIND_LABELS[kind], written out so the verifier can print it without knowing the kinds. */
  kindLabel: string;
  /** Path of the original inside the package. */
  original: string;
  proxy: DerivativeEntry | null;
  /** The session's picture-in-picture review copy (both cameras in one picture): a derivative of this joined overview recording. */
  pip?: DerivativeEntry | null;
  /** Every custody event of the media (and of the uploads that delivered it), in seq order, verifiable offline. */
  custody: CustodyEvent[];
}

export interface DerivativeEntry {
  path: string;
  sha256: string;
  sizeBytes: number;
  parentSha256: string;
  operation: Record<string, unknown>;
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

/** Where a media's original, proxy and picture-in-picture copy go in the package. The media id keeps equal file names apart. */
export function packagePaths(media: { id: string; filename: string }): { original: string; proxy: string; pip: string } {
  const name = safeFileName(media.filename, `${media.id}.bin`);
  const stem = name.replace(/\.[^.]*$/, '') || media.id;
  return {
    original: `originals/${media.id}/${name}`,
    proxy: `proxies/${media.id}/${safeFileName(`${stem}.proxy.mp4`)}`,
    pip: `pip/${media.id}/${safeFileName(`${stem}.pip.mp4`)}`,
  };
}

/** The manifest's exact bytes: pretty JSON (people read it), UTF-8, one trailing newline. The signature covers these. */
export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`, 'utf8');
}

/** How an agency publishes its fingerprint, and how the clerk checks it: the package alone cannot prove who made it. */
function trustAnchorLines(keyId: string): string[] {
  return [
    '校验 To verify (Node.js 18 or later, no network needed):',
    '  node verify.mjs --key <签发机构公布的指纹 / the fingerprint the issuing agency publishes>',
    '（指纹须从包以外取得，不要照抄本包中的指纹 / take it from outside the package, never from this file）',
    '',
    `本包签名公钥指纹 Signing key fingerprint of this package: ${keyId}`,
    '只有当该指纹与签发机构公布的指纹一致时，签名才能证明本包出自该机构：任何人都能生成新密钥并重新签名伪造的包。',
    '请从包以外的渠道取得机构公布的指纹（机构公文、官方网站，或其平台 GET /api/v1/custody/public-key 返回的 keyId），',
    '作为 --key 参数传给 verify.mjs。不带 --key 时，校验程序只确认内容完整，并明确提示“未确认签发者”（退出码 3）。',
    'The signature proves who made this package only if this fingerprint is the one the issuing agency publishes: anyone',
    'can make a new key and re-sign a forged package. Obtain the published fingerprint outside the package (the',
    "agency's official notice or web site, or the keyId of its platform's GET /api/v1/custody/public-key) and pass it",
    'to verify.mjs with --key. Without --key the verifier only confirms the package is intact and says plainly that',
    'authenticity was not established (exit code 3). A package without a signed custody checkpoint never verifies.',
  ];
}

/** A short text for the person who opens the package (Chinese first, English second). */
export function readmeText(
  m: Pick<Manifest, 'exportId' | 'createdAt' | 'purpose' | 'case' | 'signing'> & {
    mediaCount: number;
    media?: Array<Pick<ManifestMedia, 'kind' | 'original'> & { pip: { path: string } | null }>;
  },
): string {
  const caseLine = m.case ? `案件 Case: ${m.case.caseNumber} ${m.case.title}`.trim() : '';
  const watch = (m.media ?? []).flatMap((x) => [`  ${MEDIA_KIND_LABELS[x.kind]}: ${x.original}`, ...(x.pip ? [`    画中画审看文件（非原件）picture-in-picture review copy (not an original): ${x.pip.path}`] : [])]);
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
    '  proxies/         审看代理文件（如有，非原件）/ review proxies, where included (not originals)',
    '  pip/             画中画审看文件（如有，两路画面合成，非原件）/ picture-in-picture review copies, where included',
    '  manifest.json    每个文件的 SHA-256/SM3 及保管链摘录 / hashes of every file and each media\'s custody excerpt',
    '  manifest.sig     manifest.json 的 Ed25519 签名 / detached Ed25519 signature over manifest.json',
    '  public-key.pem   签名公钥 / the signing public key',
    '  verify.mjs       离线校验程序 / the offline verifier',
    '',
    ...(watch.length ? ['各录像是什么 What each recording is:', ...watch, ''] : []),
    ...trustAnchorLines(m.signing.keyId),
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
}
