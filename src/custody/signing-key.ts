import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * The service's Ed25519 key: it signs custody checkpoints and export manifests. Taken from CUSTODY_SIGNING_KEY when
 * set (the production shape: every replica signs with the same key), otherwise generated once and kept in
 * DATA_DIR/custody-signing-key.pem with mode 0600. The public half is published at GET /api/v1/custody/public-key.
 */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  /** 'config' (CUSTODY_SIGNING_KEY) or the path of the generated key file. */
  source: string;
}

export const SIGNING_KEY_FILE = 'custody-signing-key.pem';

/** 'sha256:' + hex SHA-256 of the public key's SPKI DER: the fingerprint people compare by eye or by script. */
export function keyIdOf(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

function fromPrivatePem(pem: string, source: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`custody signing key (${source}) is ${privateKey.asymmetricKeyType}, not ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey), source };
}

const cache = new Map<string, Promise<SigningKey>>();

export function loadSigningKey(config: Pick<Config, 'CUSTODY_SIGNING_KEY'> & { paths: Pick<Config['paths'], 'data'> }): Promise<SigningKey> {
  if (config.CUSTODY_SIGNING_KEY) {
    const pem = config.CUSTODY_SIGNING_KEY;
    const k = `config:${createHash('sha256').update(pem).digest('hex')}`;
    let p = cache.get(k);
    if (!p) cache.set(k, (p = Promise.resolve(fromPrivatePem(pem, 'config'))));
    return p;
  }
  const file = path.join(config.paths.data, SIGNING_KEY_FILE);
  let p = cache.get(file);
  if (!p) {
    p = loadOrCreateKeyFile(file);
    cache.set(file, p);
    p.catch(() => cache.delete(file));
  }
  return p;
}

async function loadOrCreateKeyFile(file: string): Promise<SigningKey> {
  try {
    return fromPrivatePem(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(path.dirname(file), { recursive: true });
  // Written whole under a temporary name, then linked into place: link() fails if the file exists, so when two
  // processes start at once exactly one key wins and nobody ever reads a half-written file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fromPrivatePem(await readFile(file, 'utf8'), file);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return fromPrivatePem(pem, file);
}

export function signBytes(key: SigningKey, bytes: Buffer): string {
  return sign(null, bytes, key.privateKey).toString('base64');
}

export function verifyBytes(publicKey: KeyObject, bytes: Buffer, signatureBase64: string): boolean {
  try {
    return verify(null, bytes, publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
