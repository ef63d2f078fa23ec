import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { canonicalize as serverCanonicalize } from 'json-canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendCustody, CustodyRepository } from '../src/db/repositories/custody-repository.js';
import { DerivativesRepository } from '../src/db/repositories/derivatives-repository.js';
import type { Media } from '../src/db/repositories/media-repository.js';
import { hashEvent as serverHashEvent } from '../src/domain/custody-chain.js';
import { derivativeKey } from '../src/domain/object-keys.js';
import { MEDIA_KIND_LABELS, packagePaths, safeFileName } from '../src/export/manifest.js';
import { canonicalize, checkpointStatement, hashEvent, keyIdOf, normalizeFingerprint, verifyCustodyExcerpt } from '../src/export/offline-verifier/verify.mjs';
import { ContentHasher } from '../src/ingest/content-hasher.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { call, ensureOfficer, ensureUnit, makeUser, seedMedia, waitUntil } from './helpers/custody-fixtures.js';

const exec = promisify(execFile);
const UNIT_A = '110000000001';
const UNIT_B = '110000000002';

/** Runs the package's own verifier as a separate Node process, as a court clerk would. */
async function runVerifier(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec(process.execPath, [path.join(dir, 'verify.mjs'), ...args], { cwd: tmpdir() });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

async function download(h: Harness, token: string, id: string, format: 'zip' | 'iso', to: string): Promise<string> {
  const res = await fetch(`${h.baseUrl}/api/v1/exports/${id}/download?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const file = path.join(to, `package.${format}`);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

async function extractZip(file: string, dir: string) {
  await exec('unzip', ['-q', file, '-d', dir]);
}

async function extractIso(file: string, dir: string) {
  await exec('xorriso', ['-osirrox', 'on', '-indev', file, '-extract', '/', dir]);
}

async function flipByte(file: string, at = 10) {
  await chmod(file, 0o644);
  const b = await readFile(file);
  b[at] = b[at]! ^ 0x01;
  await writeFile(file, b);
}

/** The fingerprint the service publishes: what an agency hands to whoever receives its packages. */
async function publishedKey(h: Harness): Promise<string> {
  const res = await fetch(`${h.baseUrl}/api/v1/custody/public-key`);
  const body = (await res.json()) as { keyId: string };
  return body.keyId;
}

/**
 * What a forger with another key can do to a package: change the manifest, swap in their own public key (updating
 * its listed hash) and re-sign; optionally sign a checkpoint of the same chain head with their key too.
 */
async function reSign(dir: string, o: { keepCheckpoint: boolean }): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = keyIdOf(publicKey);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  manifest.purpose = '伪造 forged';
  manifest.signing.keyId = keyId;
  if (o.keepCheckpoint) {
    manifest.checkpoint.keyId = keyId;
    manifest.checkpoint.signature = sign(null, checkpointStatement(manifest.checkpoint), privateKey).toString('base64');
  } else delete manifest.checkpoint;
  const keyEntry = manifest.files.find((f: { path: string }) => f.path === 'public-key.pem');
  const kh = new ContentHasher(true);
  kh.update(Buffer.from(pem));
  const kd = kh.digest();
  Object.assign(keyEntry, { sha256: kd.sha256, sm3: kd.sm3, sizeBytes: Buffer.byteLength(pem) });
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of ['manifest.json', 'manifest.sig', 'public-key.pem']) await chmod(path.join(dir, f), 0o644);
  await writeFile(path.join(dir, 'manifest.json'), bytes);
  await writeFile(path.join(dir, 'manifest.sig'), `${sign(null, bytes, privateKey).toString('base64')}\n`);
  await writeFile(path.join(dir, 'public-key.pem'), pem);
  return keyId;
}

async function waitReady(h: Harness, token: string, id: string) {
  return waitUntil(async () => {
    const r = await call(h.baseUrl, token, 'GET', `/api/v1/exports/${id}`);
    if (r.body.status === 'failed') throw new Error(`export failed: ${r.body.errorCode} ${r.body.errorMessage}`);
    return r.body.status === 'ready' && r.body;
  }, 60_000, `export ${id}`);
}

describe('the offline verifier computes custody hashes exactly as the server does', () => {
  it('canonicalises like json-canonicalize (RFC 8785): key order by UTF-16 units, numbers, Chinese text, escapes', () => {
    const samples: unknown[] = [
      { 讯问: '张三', b: [1, 2.5, -0, 1e21, 1e-7, 0.1 + 0.2, 123456789012345680000, -1.5e-300], a: { z: null, y: true, 'é': 'é' } },
      { '\u{1F600}': 'emoji key', '\uFB01': 'ligature key', '\u00e9': 1, e: 2, E: 3, '': 'empty' },
      { s: 'line\nbreak "quoted" \\ back\u2028\u0001 tab\t', n: Number.MAX_SAFE_INTEGER, neg: -987654.321 },
      [{ b: 1, a: 2 }, [], {}, 'x', null, false],
      '民警 013579 于 2026-11-23 08:30 执法记录仪',
      4.35,
    ];
    for (const s of samples) {
      // The shipped verifier and the library the server hashes with agree byte for byte.
      expect(canonicalize(s)).toBe(serverCanonicalize(s));
    }
  });

  it('recomputes the stored hash of real events read back from PostgreSQL, including Chinese text and numbers', async () => {
    const h = await startHarness({ db: 'postgres', store: 'local', workers: false, env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    try {
      const dock = await h.registerDevice('dock');
      const { media } = await seedMedia(h.services.db, h.services.store, dock.id, { officerId: '013579' });
      await appendCustody(h.services.db, {
        mediaId: media.id,
        uploadId: null,
        type: 'media.viewed',
        actor: 'user:法制员李四',
        details: { purpose: '案件审查：讯问同步录音录像', 案件编号: 'A1101052026110001', offsetSec: 12.5, big: 1e21, tiny: 1.5e-7, neg: -3, ok: true, list: [3, '三', null], '\u{1F600}': 1, '\uFB01': 2 },
      });
      const events = await new CustodyRepository(h.services.db).forMedia(media.id);
      expect(events.length).toBeGreaterThanOrEqual(4);
      for (const e of events) {
        // Through the manifest's JSON, as the verifier sees it.
        const fromManifest = JSON.parse(JSON.stringify(e));
        expect(hashEvent(fromManifest)).toBe(e.hash);
        expect(hashEvent(fromManifest)).toBe(serverHashEvent(e));
        const { hash: _hash, ...body } = e;
        expect(createHash('sha256').update(serverCanonicalize(body)).digest('hex')).toBe(e.hash);
      }
      expect(verifyCustodyExcerpt({ id: media.id, sha256: media.sha256, custody: JSON.parse(JSON.stringify(events)) })).toEqual([]);
      const altered = JSON.parse(JSON.stringify(events));
      altered[altered.length - 1].details.purpose = '改';
      expect(verifyCustodyExcerpt({ id: media.id, sha256: media.sha256, custody: altered })[0]).toMatch(/was altered/);
    } finally {
      await h.stop();
    }
  });

  it('keeps package file names safe and distinct', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('讯问室1_20261123.mp4')).toBe('讯问室1_20261123.mp4');
    expect(safeFileName('a'.repeat(300) + '.mp4')).toHaveLength(100);
    expect(packagePaths({ id: 'x', filename: 'a/b=c.mp4' })).toEqual({ original: 'originals/x/a_b_c.mp4', proxy: 'proxies/x/a_b_c.proxy.mp4', pip: 'pip/x/a_b_c.pip.mp4' });
    expect(normalizeFingerprint(` SHA256:${'AB:'.repeat(31)}AB `)).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(normalizeFingerprint('sha256:abc')).toBeNull();
  });
});

describe('evidence export on PostgreSQL + local disk', () => {
  let h: Harness;
  let work: string;
  let caseId: string;
  let linked: Media[];
  let own: Media;
  let officer: { id: string; token: string };
  let head1: { id: string; token: string; username: string };
  let head2: { id: string; token: string; username: string };
  let otherHead: { id: string; token: string };

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', store: 'local', env: { CHECKPOINT_INTERVAL_MINUTES: '0.01' } });
    work = await mkdtemp(path.join(tmpdir(), 'evm-export-'));
    const db = h.services.db;
    const dock = await h.registerDevice('dock');
    await ensureUnit(db, UNIT_A);
    await ensureUnit(db, UNIT_B);
    await ensureOfficer(db, '013579', UNIT_A);
    officer = await makeUser(db, { role: 'officer', unitCode: UNIT_A, officerNumber: '013579' });
    head1 = await makeUser(db, { role: 'unit_head', unitCode: UNIT_A });
    head2 = await makeUser(db, { role: 'unit_head', unitCode: UNIT_A });
    otherHead = await makeUser(db, { role: 'unit_head', unitCode: UNIT_B });

    // A case with media linked directly, through a 110 incident and through an interrogation session.
    caseId = randomUUID();
    await db.query(`insert into cases (id, case_number, kind, title, unit_code) values ($1, 'A1101052026110001', 'criminal', '盗窃案', $2)`, [caseId, UNIT_A]);
    await db.query(`insert into incidents (id, case_id, unit_code, officer_numbers, started_at, ended_at) values ('JQ-1', $1, $2, '{013579}', now() - interval '2 hours', now() - interval '1 hour')`, [caseId, UNIT_A]);
    const sessionId = randomUUID();
    await db.query(`insert into interrogation_sessions (id, case_id, room, declared_start) values ($1, $2, '讯问室1', now() - interval '3 hours')`, [sessionId, caseId]);
    linked = [];
    for (const [i, link] of (['case', 'incident', 'session'] as const).entries()) {
      const { media } = await seedMedia(db, h.services.store, dock.id, { officerId: '024680', filename: i === 2 ? '讯问室1_正面_20261123.mp4' : undefined, sm3: i === 0 });
      linked.push(media);
      await db.query(
        `insert into media_links (id, media_id, case_id, incident_id, session_id, source, created_by) values ($1, $2, $3, $4, $5, 'manual', 'admin')`,
        [randomUUID(), media.id, link === 'case' ? caseId : null, link === 'incident' ? 'JQ-1' : null, link === 'session' ? sessionId : null],
      );
    }
    // A removed link does not export.
    const { media: unlinked } = await seedMedia(db, h.services.store, dock.id, { officerId: '024680' });
    await db.query(`insert into media_links (id, media_id, case_id, source, created_by, removed_at, removed_by) values ($1, $2, $3, 'manual', 'admin', now(), 'admin')`, [randomUUID(), unlinked.id, caseId]);
    // The officer's own footage, in no case.
    own = (await seedMedia(db, h.services.store, dock.id, { officerId: '013579' })).media;

    // A review proxy of the first media, as the pipeline would record it.
    const proxyBytes = Buffer.from('not really an mp4, but bytes with a hash');
    const ph = new ContentHasher(false);
    ph.update(proxyBytes);
    const proxyKey = derivativeKey(linked[0]!.sha256, 'proxy');
    await h.services.store.put(proxyKey, Readable.from([proxyBytes]));
    await new DerivativesRepository(db).insertOnce({
      id: randomUUID(),
      mediaId: linked[0]!.id,
      kind: 'proxy',
      objectKey: proxyKey,
      contentType: 'video/mp4',
      sha256: ph.digest().sha256,
      sizeBytes: proxyBytes.length,
      parentSha256: linked[0]!.sha256,
      operation: { tool: 'ffmpeg', args: ['-c', 'copy'] },
      details: {},
    });
  });
  afterAll(async () => {
    await h?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds a ZIP and an ISO of a case that the offline verifier accepts, and rejects one flipped byte by name', async () => {
    const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { caseId, includeProxies: true, destination: 'internal', purpose: '移送检察院审查起诉' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', mediaIds: expect.arrayContaining(linked.map((m) => m.id)), formats: ['zip', 'iso'] });
    expect(created.body.mediaIds).toHaveLength(3);
    const ready = await waitReady(h, h.adminToken, created.body.id);
    expect(ready).toMatchObject({ progress: 100, packages: { zip: { sha256: expect.any(String) }, iso: { sha256: expect.any(String) } } });
    expect(ready.downloads.zip).toBe(`/api/v1/exports/${created.body.id}/download?format=zip`);

    // ZIP: extracted with Debian's unzip, verified by the shipped verify.mjs in a separate Node process.
    const zipDir = path.join(work, 'zip');
    await extractZip(await download(h, h.adminToken, created.body.id, 'zip', work), zipDir);
    const published = await publishedKey(h);
    const ok = await runVerifier(zipDir, '--key', published);
    expect(ok.out).toContain('VERIFIED: ');
    expect(ok.out).not.toContain('NOT VERIFIED');
    expect(ok.code).toBe(0);
    // The fingerprint as people copy it (upper case, colons) is the same fingerprint.
    const hex = published.slice('sha256:'.length).toUpperCase();
    expect((await runVerifier(zipDir, '--key', `SHA256:${hex.match(/../g)!.join(':')}`)).code).toBe(0);
    // Without --key: intact, but the verifier says plainly that who signed it was not established.
    const unanchored = await runVerifier(zipDir);
    expect(unanchored.code).toBe(3);
    expect(unanchored.out).toContain('INTACT BUT AUTHENTICITY NOT ESTABLISHED');
    expect(unanchored.out).toContain(`请将上面的指纹 ${published}`);
    expect(unanchored.out).not.toMatch(/^通过校验 VERIFIED/m);
    // Another agency's (or a forger's) fingerprint: not verified.
    const wrong = await runVerifier(zipDir, '--key', `sha256:${'ab'.repeat(32)}`);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain(`the signing key is ${published}, not the expected sha256:${'ab'.repeat(32)}`);
    expect(wrong.out).toContain('NOT VERIFIED');
    expect((await runVerifier(zipDir, '--key', 'not-a-fingerprint')).code).toBe(2);
    const readme = await readFile(path.join(zipDir, 'README.txt'), 'utf8');
    // The README never offers its own fingerprint as the one to pass: a forger rewrites the README too.
    expect(readme).not.toContain(`--key ${published}`);
    expect(readme).toContain('node verify.mjs --key <签发机构公布的指纹');
    expect(readme).toContain(`本包签名公钥指纹 Signing key fingerprint of this package: ${published}`);
    expect(readme).toContain('GET /api/v1/custody/public-key');
    const manifest = JSON.parse(await readFile(path.join(zipDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ exportId: created.body.id, purpose: '移送检察院审查起诉', case: { caseNumber: 'A1101052026110001', title: '盗窃案' } });
    expect(manifest.media).toHaveLength(3);
    expect(manifest.media.find((m: { id: string }) => m.id === linked[0]!.id).proxy).toMatchObject({ parentSha256: linked[0]!.sha256 });
    expect(manifest.files.every((f: { sha256: string; sm3: string }) => /^[0-9a-f]{64}$/.test(f.sha256) && /^[0-9a-f]{64}$/.test(f.sm3))).toBe(true);
    const session = manifest.media.find((m: { id: string }) => m.id === linked[2]!.id);
    expect(session.original).toBe(`originals/${linked[2]!.id}/讯问室1_正面_20261123.mp4`);
    expect(await readdir(path.join(zipDir, 'originals'))).toHaveLength(3);

    // ISO 9660: extracted with xorriso, verified the same way.
    const isoDir = path.join(work, 'iso');
    await extractIso(await download(h, h.adminToken, created.body.id, 'iso', work), isoDir);
    const isoOk = await runVerifier(isoDir, '--key', published);
    expect(isoOk.out).toContain('VERIFIED: ');
    expect(isoOk.code).toBe(0);
    expect(await readFile(path.join(isoDir, 'manifest.json'))).toEqual(await readFile(path.join(zipDir, 'manifest.json')));

    // One flipped byte in an original: rejected, naming the file.
    const victim = path.join(zipDir, session.original);
    await flipByte(victim);
    const bad = await runVerifier(zipDir, '--key', published);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAIL  ${session.original}: SHA-256 is`);
    expect(bad.out).toContain('NOT VERIFIED: 发现 1 个问题 / 1 problem(s) found.');

    // One flipped byte in the manifest: the signature no longer holds.
    await flipByte(path.join(isoDir, 'manifest.json'), 40);
    const badManifest = await runVerifier(isoDir);
    expect(badManifest.code).toBe(1);
    expect(badManifest.out).toContain('FAIL  manifest.sig: the signature does not match manifest.json');

    // The export and each download are custody events of every media in it.
    for (const m of linked) {
      const events = await new CustodyRepository(h.services.db).forMedia(m.id);
      expect(events).toContainEqual(expect.objectContaining({ type: 'media.exported', actor: 'admin', details: expect.objectContaining({ exportId: created.body.id, purpose: '移送检察院审查起诉', destination: 'internal' }) }));
      expect(events.filter((e) => e.type === 'export.downloaded')).toHaveLength(2);
    }
  });

  it('sends an external export through approval by another unit head; the requester cannot approve it', async () => {
    const created = await call(h.baseUrl, head1.token, 'POST', '/api/v1/exports', { caseId, destination: 'external', purpose: '律师阅卷', formats: ['zip'] });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending_approval');
    const self = await call(h.baseUrl, head1.token, 'POST', `/api/v1/exports/${created.body.id}/approve`, {});
    expect(self).toMatchObject({ status: 403, body: { code: 'EVM_EXPORT_SELF_APPROVAL' } });
    expect((await call(h.baseUrl, officer.token, 'POST', `/api/v1/exports/${created.body.id}/approve`, {})).status).toBe(403);
    expect((await call(h.baseUrl, otherHead.token, 'POST', `/api/v1/exports/${created.body.id}/approve`, {})).status).toBe(404);
    expect((await call(h.baseUrl, head1.token, 'GET', `/api/v1/exports/${created.body.id}/download?format=zip`)).body.code).toBe('EVM_EXPORT_NOT_READY');

    const approved = await call(h.baseUrl, head2.token, 'POST', `/api/v1/exports/${created.body.id}/approve`, { note: '同意' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'queued', decidedBy: `user:${head2.username}`, decisionNote: '同意' });
    expect((await call(h.baseUrl, head2.token, 'POST', `/api/v1/exports/${created.body.id}/approve`, {})).body.code).toBe('EVM_EXPORT_NOT_PENDING');
    await waitReady(h, head1.token, created.body.id);

    const dir = path.join(work, 'external');
    await extractZip(await download(h, head1.token, created.body.id, 'zip', work), dir);
    expect((await runVerifier(dir, '--key', await publishedKey(h))).code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ destination: 'external', requestedBy: `user:${head1.username}`, approvedBy: `user:${head2.username}` });
    expect((await call(h.baseUrl, head1.token, 'GET', `/api/v1/exports/${created.body.id}/download?format=iso`)).body.code).toBe('EVM_EXPORT_FORMAT_NOT_BUILT');
    const events = await new CustodyRepository(h.services.db).forMedia(linked[1]!.id);
    expect(events).toContainEqual(expect.objectContaining({ type: 'media.exported', actor: `user:${head1.username}`, details: expect.objectContaining({ approvedBy: `user:${head2.username}`, purpose: '律师阅卷' }) }));
  });

  it('gates each media with the access rules: an officer exports own footage only, and a refusal is logged', async () => {
    const refused = await call(h.baseUrl, officer.token, 'POST', '/api/v1/exports', { mediaIds: [own.id, linked[0]!.id], destination: 'internal', purpose: '自查' });
    expect(refused.status).toBe(403);
    const events = await new CustodyRepository(h.services.db).forMedia(linked[0]!.id);
    expect(events).toContainEqual(expect.objectContaining({ type: 'access.refused', details: expect.objectContaining({ action: 'export' }) }));

    const mine = await call(h.baseUrl, officer.token, 'POST', '/api/v1/exports', { mediaIds: [own.id], destination: 'internal', purpose: '自查', formats: ['iso'] });
    expect(mine.status).toBe(201);
    await waitReady(h, officer.token, mine.body.id);
    const dir = path.join(work, 'own-iso');
    await extractIso(await download(h, officer.token, mine.body.id, 'iso', work), dir);
    expect((await runVerifier(dir, '--key', await publishedKey(h))).code).toBe(0);
    // An external request of the same footage, rejected by the unit head (no body needed).
    const external = await call(h.baseUrl, officer.token, 'POST', '/api/v1/exports', { mediaIds: [own.id], destination: 'external', purpose: '律师复制' });
    expect(external.body.status).toBe('pending_approval');
    const rejected = await call(h.baseUrl, head1.token, 'POST', `/api/v1/exports/${external.body.id}/reject`);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: `user:${head1.username}` });
    expect((await call(h.baseUrl, officer.token, 'GET', `/api/v1/exports/${external.body.id}/download?format=zip`)).body.code).toBe('EVM_EXPORT_NOT_READY');
    const decisions = await call(h.baseUrl, h.adminToken, 'GET', `/api/v1/custody/events?type=export.rejected`);
    expect(decisions.body.items).toEqual([expect.objectContaining({ actor: `user:${head1.username}`, details: expect.objectContaining({ exportId: external.body.id }) })]);
    // Others' exports are not visible to an officer.
    expect((await call(h.baseUrl, officer.token, 'GET', `/api/v1/exports/${mine.body.id}`)).status).toBe(200);
    const list = await call(h.baseUrl, officer.token, 'GET', '/api/v1/exports');
    expect(list.body.map((e: { id: string }) => e.id)).toEqual([external.body.id, mine.body.id]);
    expect((await call(h.baseUrl, officer.token, 'GET', `/api/v1/exports/${list.body.length ? 'x' : 'y'}`)).status).toBe(400);
  });

  it('refuses a package re-signed with another key: without a checkpoint always, with a forged checkpoint against --key', async () => {
    const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { mediaIds: [own.id], destination: 'internal', purpose: '真实 genuine', formats: ['zip'] });
    await waitReady(h, h.adminToken, created.body.id);
    const genuine = path.join(work, 'forge-genuine');
    await extractZip(await download(h, h.adminToken, created.body.id, 'zip', work), genuine);
    const published = await publishedKey(h);
    expect((await runVerifier(genuine, '--key', published)).code).toBe(0);

    // Re-signed with another key and its checkpoint removed: not verified, even without --key.
    const noCheckpoint = path.join(work, 'forge-no-checkpoint');
    await cp(genuine, noCheckpoint, { recursive: true });
    const forgedKey = await reSign(noCheckpoint, { keepCheckpoint: false });
    const plain = await runVerifier(noCheckpoint);
    expect(plain.code).toBe(1);
    expect(plain.out).toContain('FAIL  checkpoint: 清单中没有保管链签名检查点');
    expect(plain.out).toContain('NOT VERIFIED');
    expect(plain.out).not.toMatch(/^通过校验 VERIFIED/m);
    expect(plain.out).toContain(`Signing key fingerprint: ${forgedKey}`);
    expect((await runVerifier(noCheckpoint, '--key', published)).code).toBe(1);

    // Re-signed with a checkpoint the forger signed too: self-consistent, so only the trust anchor catches it.
    const withCheckpoint = path.join(work, 'forge-checkpoint');
    await cp(genuine, withCheckpoint, { recursive: true });
    const forgedKey2 = await reSign(withCheckpoint, { keepCheckpoint: true });
    const unanchored = await runVerifier(withCheckpoint);
    expect(unanchored.code).toBe(3);
    expect(unanchored.out).toContain(`AUTHENTICITY NOT ESTABLISHED`);
    expect(unanchored.out).toContain(`Compare the fingerprint ${forgedKey2}`);
    const anchored = await runVerifier(withCheckpoint, '--key', published);
    expect(anchored.code).toBe(1);
    expect(anchored.out).toContain(`the signing key is ${forgedKey2}, not the expected ${published}`);
    // The forger's own fingerprint "verifies" only for someone who takes the forger's word for the key.
    expect((await runVerifier(withCheckpoint, '--key', forgedKey2)).code).toBe(0);
  });

  it('names segments, joined recordings and picture-in-picture copies apart in the manifest, the README and the output', async () => {
    const db = h.services.db;
    const camera = await h.registerDevice('camera');
    const sessionId = randomUUID();
    await db.query(`insert into interrogation_sessions (id, case_id, room, declared_start) values ($1, $2, '讯问室2', now() - interval '1 hour')`, [sessionId, caseId]);
    const segment = (await seedMedia(db, h.services.store, camera.id, { officerId: '013579', filename: 'seg-00001.mp4' })).media;
    const joined = (await seedMedia(db, h.services.store, camera.id, { officerId: '013579', filename: '讯问室2_全景_合并.mp4' })).media;
    await db.query(
      `insert into recording_segments (id, session_id, device_id, media_id, run_id, file, started_at, ended_at, duration_sec, sha256, size_bytes)
       values ($1, $2, $3, $4, 'run-1', 'seg-00001.mp4', now() - interval '50 minutes', now() - interval '50 minutes' + interval '4 seconds', 4, $5, $6)`,
      [randomUUID(), sessionId, camera.id, segment.id, segment.sha256, segment.sizeBytes],
    );
    await db.query(
      `insert into recording_joins (id, session_id, device_id, role, media_id, sha256, segments_fingerprint, recording_finalized_at, segments, offsets, wall_start, wall_end, duration_sec, operation)
       values ($1, $2, $3, 'overview', $4, $5, 'fp', now(), '[]', '[]', now() - interval '50 minutes', now() - interval '10 minutes', 2400, '{}')`,
      [randomUUID(), sessionId, camera.id, joined.id, joined.sha256],
    );
    const pipBytes = Buffer.from('picture-in-picture review copy bytes');
    const pipHash = new ContentHasher(false);
    pipHash.update(pipBytes);
    const pipKey = derivativeKey(joined.sha256, 'pip');
    await h.services.store.put(pipKey, Readable.from([pipBytes]));
    await new DerivativesRepository(db).insertOnce({
      id: randomUUID(),
      mediaId: joined.id,
      kind: 'pip',
      objectKey: pipKey,
      contentType: 'video/mp4',
      sha256: pipHash.digest().sha256,
      sizeBytes: pipBytes.length,
      parentSha256: joined.sha256,
      operation: { tool: 'ffmpeg', inputs: [joined.sha256] },
      details: {},
    });

    const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { mediaIds: [segment.id, joined.id, own.id], includeProxies: true, destination: 'internal', purpose: '审查', formats: ['zip'] });
    expect(created.status).toBe(201);
    await waitReady(h, h.adminToken, created.body.id);
    const dir = path.join(work, 'kinds');
    await extractZip(await download(h, h.adminToken, created.body.id, 'zip', work), dir);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const byId = (id: string) => manifest.media.find((m: { id: string }) => m.id === id);
    expect(byId(segment.id)).toMatchObject({ kind: 'recording-segment', kindLabel: MEDIA_KIND_LABELS['recording-segment'], pip: null });
    expect(byId(joined.id)).toMatchObject({ kind: 'joined-recording', kindLabel: MEDIA_KIND_LABELS['joined-recording'], pip: { path: packagePaths(joined).pip, parentSha256: joined.sha256 } });
    expect(byId(own.id)).toMatchObject({ kind: 'field-recording' });
    expect(MEDIA_KIND_LABELS['joined-recording']).toMatch(/^讯问合并录像（审看此文件）/);
    expect(manifest.files).toContainEqual(expect.objectContaining({ path: packagePaths(joined).pip, role: 'pip-proxy', mediaId: joined.id }));
    expect(await readFile(path.join(dir, packagePaths(joined).pip))).toEqual(pipBytes);
    const readme = await readFile(path.join(dir, 'README.txt'), 'utf8');
    expect(readme).toContain(`${MEDIA_KIND_LABELS['joined-recording']}: ${packagePaths(joined).original}`);
    expect(readme).toContain(`${MEDIA_KIND_LABELS['recording-segment']}: ${packagePaths(segment).original}`);
    expect(readme).toContain(`picture-in-picture review copy (not an original): ${packagePaths(joined).pip}`);

    const r = await runVerifier(dir, '--key', await publishedKey(h));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`  ${MEDIA_KIND_LABELS['joined-recording']}\n      原始文件 original: ${packagePaths(joined).original}\n      画中画审看文件`);
    expect(r.out).toContain(`  ${MEDIA_KIND_LABELS['recording-segment']}\n      原始文件 original: ${packagePaths(segment).original}`);
    // The picture-in-picture copy is bound to its joined recording like a proxy: a swapped one fails by name.
    await flipByte(path.join(dir, packagePaths(joined).pip), 3);
    expect((await runVerifier(dir, '--key', await publishedKey(h))).out).toContain(`FAIL  ${packagePaths(joined).pip}: SHA-256 is`);
  });

  it('stops an export whose stored original no longer matches its hash, naming the media', async () => {
    const victim = own;
    const chunks: Buffer[] = [];
    for await (const c of await h.services.store.get(victim.objectKey)) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const swapped = Buffer.from(bytes);
    swapped[0] = swapped[0]! ^ 0xff;
    await h.services.store.put(victim.objectKey, Readable.from([swapped]));
    try {
      const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { mediaIds: [victim.id], destination: 'internal', purpose: 'test' });
      const failed = await waitUntil(async () => {
        const r = await call(h.baseUrl, h.adminToken, 'GET', `/api/v1/exports/${created.body.id}`);
        return r.body.status === 'failed' && r.body;
      }, 30_000, 'failed export');
      expect(failed.errorCode).toBe('EVM_EXPORT_SOURCE_MISMATCH');
      expect(failed.errorMessage).toContain(victim.id);
    } finally {
      await h.services.store.put(victim.objectKey, Readable.from([bytes]));
    }
  });

  it('signs checkpoints periodically (CHECKPOINT_INTERVAL_MINUTES)', async () => {
    const count = async () => (await h.services.db.query<{ n: number }>(`select count(*)::int as n from custody_checkpoints where created_by = 'system:checkpoint'`))[0]!.n;
    const before = await count();
    await waitUntil(async () => (await count()) > before, 10_000, 'a periodic checkpoint');
  });
});

describe('evidence export with originals in S3', () => {
  let h: Harness;
  let work: string;

  beforeAll(async () => {
    h = await startHarness({ db: 'pglite', store: 's3', env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    work = await mkdtemp(path.join(tmpdir(), 'evm-export-s3-'));
  });
  afterAll(async () => {
    await h?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('streams the ZIP into the bucket and stages the ISO from it; both verify offline', async () => {
    const dock = await h.registerDevice('dock');
    const a = await seedMedia(h.services.db, h.services.store, dock.id);
    const b = await seedMedia(h.services.db, h.services.store, dock.id, { sm3: true });
    const created = await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/exports', { mediaIds: [a.media.id, b.media.id], destination: 'internal', purpose: 'S3' });
    expect(created.status).toBe(201);
    await waitReady(h, h.adminToken, created.body.id);
    for (const format of ['zip', 'iso'] as const) {
      const dir = path.join(work, format);
      const file = await download(h, h.adminToken, created.body.id, format, work);
      await (format === 'zip' ? extractZip(file, dir) : extractIso(file, dir));
      const r = await runVerifier(dir, '--key', await publishedKey(h));
      expect(r.out).toContain('VERIFIED: 5 files, 2 media');
      expect(r.code).toBe(0);
    }
  });
});
