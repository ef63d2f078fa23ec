import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Errors } from '../errors.js';

/**
 * Seals a credential the service must be able to use again (a dock's FTP password: it cannot be hashed). With a
 * key (DOCK_CREDENTIALS_KEY) it is AES-256-GCM, so a database dump alone does not reveal it; without one it is kept
 * readable and marked so, and sealing starts as soon as a key is configured and the source is saved again.
 */
export function sealSecret(plain: string, keyHex: string | undefined): string {
  if (!keyHex) return `plain:${plain}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `gcm1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
}

export function openSecret(sealed: string, keyHex: string | undefined): string {
  if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
  const [scheme, iv, tag, body] = sealed.split(':');
  if (scheme !== 'gcm1' || !iv || !tag || body === undefined || !keyHex) throw new Errors.DOCK_CREDENTIALS_LOCKED();
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Errors.DOCK_CREDENTIALS_LOCKED();
  }
}
