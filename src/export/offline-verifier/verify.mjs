#!/usr/bin/env node
// Offline verifier for an evidence export package (evidence-media/export-manifest/1).
//
// Needs nothing but Node.js 18 or later: no dependencies, no network, nothing from the issuing service.
//
//   node verify.mjs [package-folder] --key sha256:<fingerprint> [--public-key key.pem] [--json]
//
// It checks, and says exactly what failed:
//   1. manifest.sig is a valid Ed25519 signature over the exact bytes of manifest.json (with public-key.pem, or the
//      key given by --public-key);
//   2. the trust anchor: anyone can make a key and re-sign a forged package, so the signature proves authorship only
//      when the key's fingerprint is the one the issuing agency publishes. --key <fingerprint> checks it; without
//      --key authenticity is NOT established and the fingerprint to compare is printed;
//   3. every file listed in the manifest is present with the listed size, SHA-256 and (where Node supports it) SM3;
//   4. each media's custody excerpt: every event's hash is recomputed from its content (RFC 8785 canonical JSON,
//      SHA-256), the media's own chain links are unbroken, and the chain's "media.verified" event holds the same
//      SHA-256 as the original in the package;
//   5. the signed checkpoint of the custody chain head included in the manifest (a package without one fails).
// Exit code 0: everything verified, including the key fingerprint given with --key. 1: something did not (or the
// key is not the expected one). 2: the package or the arguments could not be read. 3: the package is intact and
// self-consistent, but no --key was given, so who signed it was not established.

import { createHash, createPublicKey, getHashes, verify as ed25519Verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MANIFEST_FORMAT = 'evidence-media/export-manifest/1';
export const CHECKPOINT_STATEMENT_KIND = 'evidence-media/custody-checkpoint/1';

/**
 * RFC 8785 JSON Canonicalization Scheme, exactly as the issuing service computes it: object keys sorted by UTF-16
 * code units, no whitespace, numbers and strings serialised as ECMAScript JSON.stringify does (which is what RFC
 * 8785 specifies), undefined members left out and undefined array elements written as null.
 */
export function canonicalize(value) {
  if (value === null || typeof value !== 'object' || value.toJSON != null) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`non-finite number ${value} is not JSON (RFC 8785 3.2.2.3)`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  }
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  keys.sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(value[k])}`).join(',')}}`;
}

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');

/** The hash of a custody event: SHA-256 over the canonical JSON of every field but the hash itself. */
export function hashEvent(e) {
  return sha256Hex(
    canonicalize({
      seq: e.seq,
      at: e.at,
      mediaId: e.mediaId,
      uploadId: e.uploadId,
      type: e.type,
      actor: e.actor,
      details: e.details,
      prevHash: e.prevHash,
      mediaPrevHash: e.mediaPrevHash,
    }),
  );
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointStatement(c) {
  return Buffer.from(canonicalize({ kind: CHECKPOINT_STATEMENT_KIND, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }), 'utf8');
}

export function keyIdOf(publicKey) {
  return `sha256:${sha256Hex(publicKey.export({ type: 'spki', format: 'der' }))}`;
}

/**
 * A fingerprint as people copy it: "sha256:AB:CD…", upper or lower case, with spaces or colons between byte pairs.
 * Returns "sha256:<64 lowercase hex>", or null when it is not a SHA-256 fingerprint at all.
 */
export function normalizeFingerprint(text) {
  const hex = String(text).trim().toLowerCase().replace(/^sha-?256:/, '').replace(/[\s:]/g, '');
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : null;
}

/** What a media is, for people (the signed manifest names it, Chinese first; manifests before kinds say nothing). */
export function kindLabelOf(media) {
  return typeof media.kindLabel === 'string' && media.kindLabel ? media.kindLabel : '录像（未注明类别）/ recording (kind not stated)';
}

function safeJoin(root, relative) {
  if (typeof relative !== 'string' || relative === '' || relative.startsWith('/') || relative.includes('\\') || relative.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`unsafe path in manifest: ${JSON.stringify(relative)}`);
  }
  return path.join(root, ...relative.split('/'));
}

async function hashFile(file, withSm3) {
  const sha = createHash('sha256');
  const sm3 = withSm3 ? createHash('sm3') : null;
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    sha.update(chunk);
    sm3?.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: sha.digest('hex'), sm3: sm3 ? sm3.digest('hex') : null, bytes };
}

async function listFiles(root, prefix = '') {
  const out = [];
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

/** Checks one media's custody excerpt; returns the problems found (empty when it verifies). */
export function verifyCustodyExcerpt(media) {
  const problems = [];
  const events = Array.isArray(media.custody) ? media.custody : [];
  const who = `media ${media.id}`;
  if (events.length === 0) problems.push(`${who}: the manifest carries no custody events for it`);
  let previous = null;
  let mediaHead = null;
  let sawMediaEvent = false;
  for (const e of events) {
    const label = `${who}: custody event ${e.seq} (${e.type} by ${e.actor} at ${e.at})`;
    if (previous && !(e.seq > previous.seq)) problems.push(`${label} is out of order (after event ${previous.seq})`);
    const recomputed = hashEvent(e);
    if (recomputed !== e.hash) problems.push(`${label} was altered: its content hashes to ${recomputed}, but it was sealed as ${e.hash}`);
    if (previous && e.seq === previous.seq + 1 && e.prevHash !== previous.hash) {
      problems.push(`${label} does not link to event ${previous.seq}: it records ${e.prevHash}, event ${previous.seq} is ${previous.hash}`);
    }
    if (e.mediaId === media.id) {
      const expected = sawMediaEvent ? mediaHead : null;
      if (e.mediaPrevHash !== expected) {
        problems.push(`${label} breaks the media's own chain: it links to ${e.mediaPrevHash}, the previous event of this media is ${expected}`);
      }
      mediaHead = e.hash;
      sawMediaEvent = true;
    } else if (e.mediaId !== null) {
      problems.push(`${label} belongs to another media (${e.mediaId})`);
    }
    previous = e;
  }
  const verified = events.filter((e) => e.mediaId === media.id && e.type === 'media.verified');
  if (verified.length === 0) problems.push(`${who}: no "media.verified" event in its custody excerpt binds the original's hash to the chain`);
  else if (!verified.some((e) => e.details && e.details.sha256 === media.sha256)) {
    problems.push(`${who}: the chain verified SHA-256 ${verified[0].details?.sha256}, but the package's original is ${media.sha256}`);
  }
  return problems;
}

function parseArgs(argv) {
  const o = { dir: null, publicKey: null, keyId: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--public-key') o.publicKey = argv[++i];
    else if (a === '--key' || a === '--key-id') {
      const given = argv[++i];
      o.keyId = given === undefined ? null : normalizeFingerprint(given);
      if (!o.keyId) throw new Error(`${a} needs a SHA-256 key fingerprint (sha256:<64 hex digits>), got ${JSON.stringify(given ?? '')}`);
    }
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (o.dir === null) o.dir = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  return o;
}

/** Verifies the package in `dir`; returns a report (never throws for a bad package, only for an unreadable one). */
export async function verifyPackage(dir, options = {}) {
  const failures = [];
  const warnings = [];
  const passed = [];
  const fail = (subject, message) => failures.push({ subject, message });

  // 1. The signature over the manifest's exact bytes (checked before anything in it is believed).
  const manifestBytes = await readFile(path.join(dir, 'manifest.json'));
  const keyFile = options.publicKey ?? path.join(dir, 'public-key.pem');
  const publicKey = createPublicKey(await readFile(keyFile, 'utf8'));
  const keyId = keyIdOf(publicKey);
  const signature = Buffer.from((await readFile(path.join(dir, 'manifest.sig'), 'utf8')).trim(), 'base64');
  if (publicKey.asymmetricKeyType !== 'ed25519') fail(keyFile, `is a ${publicKey.asymmetricKeyType} key, not Ed25519`);
  else if (!ed25519Verify(null, manifestBytes, publicKey, signature)) {
    fail('manifest.sig', 'the signature does not match manifest.json: the manifest was altered after signing, or it was signed by another key');
  } else passed.push(`manifest.json signature (Ed25519, key ${keyId})`);
  // The trust anchor: a valid signature by a key nobody vouched for proves nothing about who made the package.
  const expectedKey = options.keyId ? normalizeFingerprint(options.keyId) : null;
  if (options.keyId && !expectedKey) fail('--key', `${JSON.stringify(options.keyId)} is not a SHA-256 key fingerprint`);
  else if (expectedKey && expectedKey !== keyId) {
    fail(keyFile, `签名公钥指纹 ${keyId} 与预期的 ${expectedKey} 不符：此包不是由该机构的密钥签名的 / the signing key is ${keyId}, not the expected ${expectedKey}: the package was not signed by that agency's key`);
  }
  const anchored = Boolean(expectedKey) && expectedKey === keyId;

  let manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (err) {
    fail('manifest.json', `is not valid JSON (${err.message})`);
    return { ok: false, anchored, keyId, failures, warnings, passed };
  }
  if (manifest.format !== MANIFEST_FORMAT) warnings.push({ subject: 'manifest.json', message: `format ${manifest.format}, this verifier knows ${MANIFEST_FORMAT}` });
  if (manifest.signing?.keyId && manifest.signing.keyId !== keyId) fail('manifest.json', `names signing key ${manifest.signing.keyId}, but the key used is ${keyId}`);

  // 2. Every file, byte for byte.
  const withSm3 = getHashes().includes('sm3');
  const listed = new Set(['manifest.json', 'manifest.sig']);
  const files = Array.isArray(manifest.files) ? manifest.files : [];
  let bytes = 0;
  for (const f of files) {
    listed.add(f.path);
    let file;
    try {
      file = safeJoin(dir, f.path);
    } catch (err) {
      fail(String(f.path), err.message);
      continue;
    }
    const info = await stat(file).catch(() => null);
    if (!info || !info.isFile()) {
      fail(f.path, 'is missing from the package');
      continue;
    }
    const got = await hashFile(file, withSm3 && Boolean(f.sm3));
    bytes += got.bytes;
    if (got.bytes !== f.sizeBytes) fail(f.path, `is ${got.bytes} bytes, the manifest says ${f.sizeBytes}: the file was altered or damaged`);
    else if (got.sha256 !== f.sha256) fail(f.path, `SHA-256 is ${got.sha256}, the manifest says ${f.sha256}: the file was altered or damaged`);
    else if (got.sm3 && got.sm3 !== f.sm3) fail(f.path, `SM3 is ${got.sm3}, the manifest says ${f.sm3}: the file was altered or damaged`);
  }
  const fileFailures = failures.filter((x) => listed.has(x.subject) && x.subject !== 'manifest.json' && x.subject !== 'manifest.sig').length;
  if (files.length > 0 && fileFailures === 0) passed.push(`${files.length} files, ${bytes} bytes (SHA-256${withSm3 ? ', SM3' : ''})`);
  for (const rel of await listFiles(dir)) {
    if (!listed.has(rel)) warnings.push({ subject: rel, message: 'is not listed in the manifest (not part of the signed package)' });
  }

  // 3. Custody excerpts, and that the manifest's media, files and chain agree.
  const byPath = new Map(files.map((f) => [f.path, f]));
  const mediaList = Array.isArray(manifest.media) ? manifest.media : [];
  let events = 0;
  for (const m of mediaList) {
    const before = failures.length;
    for (const problem of verifyCustodyExcerpt(m)) fail(`media ${m.id}`, problem.replace(`media ${m.id}: `, ''));
    const original = byPath.get(m.original);
    if (!original) fail(`media ${m.id}`, `its original ${m.original} is not listed in the manifest's files`);
    else if (original.sha256 !== m.sha256) fail(`media ${m.id}`, `its original ${m.original} is listed with SHA-256 ${original.sha256}, the media record says ${m.sha256}`);
    if (m.proxy) {
      const proxy = byPath.get(m.proxy.path);
      if (!proxy) fail(`media ${m.id}`, `its proxy ${m.proxy.path} is not listed in the manifest's files`);
      else if (proxy.sha256 !== m.proxy.sha256) fail(`media ${m.id}`, `its proxy ${m.proxy.path} is listed with SHA-256 ${proxy.sha256}, the derivative record says ${m.proxy.sha256}`);
      if (m.proxy.parentSha256 !== m.sha256) fail(`media ${m.id}`, `its proxy was made from ${m.proxy.parentSha256}, not from this original (${m.sha256})`);
    }
    if (!(m.custody ?? []).some((e) => e.type === 'media.exported' && e.details?.exportId === manifest.exportId)) {
      warnings.push({ subject: `media ${m.id}`, message: `its custody excerpt does not record this export (${manifest.exportId})` });
    }
    events += (m.custody ?? []).length;
    if (m.pip) {
      const pip = byPath.get(m.pip.path);
      if (!pip) fail(`media ${m.id}`, `its picture-in-picture proxy ${m.pip.path} is not listed in the manifest's files`);
      else if (pip.sha256 !== m.pip.sha256) fail(`media ${m.id}`, `its picture-in-picture proxy ${m.pip.path} is listed with SHA-256 ${pip.sha256}, the derivative record says ${m.pip.sha256}`);
      if (m.pip.parentSha256 !== m.sha256) fail(`media ${m.id}`, `its picture-in-picture proxy was made from ${m.pip.parentSha256}, not from this recording (${m.sha256})`);
    }
    if (failures.length === before) passed.push(`media ${m.id} (${m.filename}): ${(m.custody ?? []).length} custody events, chain intact`);
  }

  // 4. The signed checkpoint of the chain head, which covers every event in the excerpts.
  const cp = manifest.checkpoint;
  if (cp) {
    if (cp.keyId !== keyId) fail('checkpoint', `was signed with key ${cp.keyId}, not ${keyId}`);
    else if (!ed25519Verify(null, checkpointStatement(cp), publicKey, Buffer.from(String(cp.signature), 'base64'))) {
      fail('checkpoint', `the signature of checkpoint seq ${cp.seq} (${cp.at}) does not verify`);
    } else passed.push(`checkpoint: chain head seq ${cp.seq} = ${cp.hash}, signed ${cp.at}`);
    for (const m of mediaList) {
      for (const e of m.custody ?? []) {
        if (e.seq > cp.seq) fail(`media ${m.id}`, `custody event ${e.seq} is later than the signed checkpoint (seq ${cp.seq})`);
        if (e.seq === cp.seq && e.hash !== cp.hash) fail(`media ${m.id}`, `custody event ${e.seq} is ${e.hash}, the signed checkpoint says ${cp.hash}`);
      }
    }
  } else {
    // Without a signed chain head the excerpts could be invented along with the key that signs them.
    fail('checkpoint', '清单中没有保管链签名检查点，无法证明保管记录出自签发机构 / the manifest carries no signed checkpoint of the custody chain, so its custody excerpts are not bound to the issuing service');
  }

  const guide = mediaList.map((m) => ({
    id: m.id,
    kind: m.kind ?? 'field-recording',
    label: kindLabelOf(m),
    original: m.original,
    proxy: m.proxy?.path ?? null,
    pip: m.pip?.path ?? null,
  }));
  return { ok: failures.length === 0, anchored, exportId: manifest.exportId, createdAt: manifest.createdAt, keyId, media: mediaList.length, files: files.length, events, guide, failures, warnings, passed };
}

const USAGE = 'usage: node verify.mjs [package-folder] --key sha256:<fingerprint> [--public-key key.pem] [--json]';

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    console.log('  --key  签发机构公布的签名公钥指纹 / the signing key fingerprint the issuing agency publishes');
    return 0;
  }
  const dir = path.resolve(o.dir ?? path.dirname(fileURLToPath(import.meta.url)));
  let report;
  try {
    report = await verifyPackage(dir, { publicKey: o.publicKey, keyId: o.keyId });
  } catch (err) {
    console.error(`无法校验 / Cannot verify ${dir}: ${err.message}`);
    return 2;
  }
  const code = !report.ok ? 1 : report.anchored ? 0 : 3;
  if (o.json) {
    console.log(JSON.stringify(report, null, 2));
    return code;
  }
  console.log(`证据导出包 Evidence package ${report.exportId ?? '?'}，生成于 created ${report.createdAt ?? '?'}`);
  console.log(`签名公钥指纹 Signing key fingerprint: ${report.keyId}`);
  for (const p of report.passed) console.log(`  OK    ${p}`);
  for (const w of report.warnings) console.log(`  WARN  ${w.subject}: ${w.message}`);
  for (const f of report.failures) console.log(`  FAIL  ${f.subject}: ${f.message}`);
  if (report.guide?.length) {
    console.log('包内录像 What is in the package:');
    for (const g of report.guide) {
      console.log(`  ${g.label}`);
      console.log(`      原始文件 original: ${g.original}`);
      if (g.proxy) console.log(`      审看代理（非原件）review proxy (not the original): ${g.proxy}`);
      if (g.pip) console.log(`      画中画审看文件（两路画面合成，非原件）picture-in-picture review copy (both cameras, not an original): ${g.pip}`);
    }
  }
  if (!report.ok) {
    console.log(`未通过校验 NOT VERIFIED: 发现 ${report.failures.length} 个问题 / ${report.failures.length} problem(s) found.`);
    return code;
  }
  if (report.anchored) {
    console.log(`通过校验 VERIFIED: ${report.files} files, ${report.media} media, ${report.events} custody events; 签名公钥与预期指纹一致 / signed by the expected key ${report.keyId}.`);
    return code;
  }
  console.log('内容完整，但未确认签发者 / INTACT BUT AUTHENTICITY NOT ESTABLISHED:');
  console.log(`  文件、签名与保管链相互一致，但任何人都能生成密钥并重新签名伪造的包。请将上面的指纹 ${report.keyId}`);
  console.log('  与签发机构公布的指纹（其服务的 GET /api/v1/custody/public-key，或机构的公文/网站）核对，并以 --key <指纹> 重新运行。');
  console.log(`  Files, signature and custody chain agree with each other, but anyone can make a key and re-sign a forged package.`);
  console.log(`  Compare the fingerprint ${report.keyId} with the one the issuing agency publishes (its service's`);
  console.log('  GET /api/v1/custody/public-key, or its official notice) and run again with --key <fingerprint>.');
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
