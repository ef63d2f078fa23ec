import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device tokens are 256 random bits, so a plain SHA-256 is enough to store them: unlike passwords they cannot be
 * guessed, and a fast hash keeps per-request authentication cheap.
 */
export function newDeviceToken(): string {
  return `evd_${randomBytes(32).toString('base64url')}`;
}

export const USER_TOKEN_PREFIX = 'evu_';

/** A login session token for a person; like device tokens, random enough that SHA-256 storage suffices. */
export function newUserToken(): string {
  return `${USER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(hashToken(a), 'hex');
  const y = Buffer.from(hashToken(b), 'hex');
  return timingSafeEqual(x, y);
}

export function bearerToken(header: string | undefined | null): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1] ?? null;
}
