import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointLinkStatement, checkpointStatement } from '../src/custody/checkpoint-statement.js';
import { keyIdOf, loadSigningKey, signBytes, type SigningKey } from '../src/custody/signing-key.js';
import { BUNDLE_FILES, verifyBundle } from '../src/custody/store-bundle.js';
import { appendCustody } from '../src/db/repositories/custody-repository.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { call, seedMedia } from './helpers/custody-fixtures.js';

const exec = promisify(execFile);
const script = path.resolve('scripts/verify-custody.ts');

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec('npx', ['tsx', script, ...args], { env });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

/** A copy of the bundle to damage, so each case starts from the clean export. */
async function copyOf(dir: string): Promise<string> {
  const to = await mkdtemp(path.join(tmpdir(), 'evm-bundle-copy-'));
  await cp(dir, to, { recursive: true });
  return to;
}

describe('store-wide custody export, verified offline', () => {
  let h: Harness;
  let work: string;
  let bundle: string;
  let key: SigningKey;

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres', store: 'local', workers: false, env: { CHECKPOINT_INTERVAL_MINUTES: '0' } });
    work = await mkdtemp(path.join(tmpdir(), 'evm-bundle-'));
    bundle = path.join(work, 'bundle');
    key = await loadSigningKey(h.services.config);
    const dock = await h.registerDevice('dock');
    for (let i = 0; i < 3; i++) {
      const { media } = await seedMedia(h.services.db, h.services.store, dock.id);
      await appendCustody(h.services.db, { mediaId: media.id, uploadId: null, type: 'media.viewed', actor: `user:v${i}`, details: { purpose: '案件审查' } });
      expect((await call(h.baseUrl, h.adminToken, 'POST', '/api/v1/custody/checkpoints')).status).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exports the whole chain with checkpoints, witnesses, key and README, and verifies it clean with no service or database', async () => {
    const env = { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL!, DATA_DIR: h.dataDir, LOG_LEVEL: 'silent' };
    const exported = await cli(['--export', bundle], env);
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/已导出 \d+ 条保管事件/);
    expect((await readdir(path.join(bundle, BUNDLE_FILES.witnesses))).length).toBe(3);
    const readme = await readFile(path.join(bundle, BUNDLE_FILES.readme), 'utf8');
    expect(readme.indexOf('离线核验')).toBeLessThan(readme.indexOf('Verify it offline'));
    // No DATABASE_URL, no DATA_DIR: nothing but the directory and the trusted fingerprint.
    const clean = await cli(['--offline', bundle, '--key', key.keyId], { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(clean.code).toBe(0);
    expect(clean.out.indexOf('核验通过')).toBeLessThan(clean.out.indexOf('CLEAN'));
    expect(clean.out).toContain('CLEAN');
    expect((await cli(['--offline', bundle], { PATH: process.env.PATH, HOME: process.env.HOME })).code).toBe(2);
  });

  it('finds one tampered line, naming the event', async () => {
    const dir = await copyOf(bundle);
    const file = path.join(dir, BUNDLE_FILES.chain);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[4] = lines[4]!.replace(/"actor":"[^"]*"/, '"actor":"user:mallory"');
    await writeFile(file, lines.join('\n'));
    const r = await verifyBundle(dir, key.keyId);
    expect(r.findings).toContainEqual(expect.objectContaining({ kind: 'chain', reason: 'hash-mismatch', seq: 5 }));
    const out = await cli(['--offline', dir, '--key', key.keyId], { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/发现问题 FINDING chain hash-mismatch seq 5 .*事件内容被篡改 \/ event 5 .* was altered/);
  });

  it('finds a dropped checkpoint through the checkpoint chain and its witness', async () => {
    const dir = await copyOf(bundle);
    const file = path.join(dir, BUNDLE_FILES.checkpoints);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    await writeFile(file, `${[lines[0], lines[2]].join('\n')}\n`);
    const reasons = (await verifyBundle(dir, key.keyId)).findings.map((f) => f.reason);
    expect(reasons).toEqual(['checkpoint-missing', 'checkpoint-row-missing']);
  });

  it('refuses a bundle re-signed with another key, against the trusted fingerprint', async () => {
    const dir = await copyOf(bundle);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const forger: SigningKey = { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey), source: 'test' };
    const file = path.join(dir, BUNDLE_FILES.checkpoints);
    const resigned = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => {
        const c = JSON.parse(l);
        const body = { ...c, keyId: forger.keyId };
        return JSON.stringify({ ...body, signature: signBytes(forger, checkpointStatement(body)), linkSignature: signBytes(forger, checkpointLinkStatement(body)) });
      });
    await writeFile(file, `${resigned.join('\n')}\n`);
    await writeFile(path.join(dir, BUNDLE_FILES.publicKey), forger.publicKeyPem);
    const r = await verifyBundle(dir, key.keyId);
    expect(r.findings[0]).toMatchObject({ reason: 'key-not-trusted' });
    expect(r.findings.filter((f) => f.reason === 'checkpoint-unknown-key')).toHaveLength(3);
    // Against the forger's own fingerprint the checkpoints verify, but their witnesses still say otherwise.
    expect((await verifyBundle(dir, forger.keyId)).findings.map((f) => f.reason)).toContain('checkpoint-witness-mismatch');
  });
});
