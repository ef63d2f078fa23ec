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

/**
 * Browsers cannot put an Authorization header on <video>, <img> or a download link: the web UI's login also sets
 * this httpOnly, SameSite=Strict cookie holding the same session token, and the auth plugin accepts it only on the
 * GET routes that stream bytes to such elements (see cookieAuthAllowed). Every view stays a custody event as before.
 */
export const SESSION_COOKIE = 'evm_session';

const COOKIE_ROUTES =
  /^\/api\/v1\/(media\/[0-9a-f-]{36}\/(proxy|poster|sprite|original)|exports\/[0-9a-f-]{36}\/download|interrogation-sessions\/[0-9a-f-]{36}\/recording\/pip)(\?|$)/i;

export function cookieAuthAllowed(method: string, url: string): boolean {
  return (method === 'GET' || method === 'HEAD') && COOKIE_ROUTES.test(url);
}

/** The session token from the parsed cookie (@fastify/cookie), or null: only person tokens are ever taken from it. */
export function cookieToken(value: string | undefined): string | null {
  return value?.startsWith(USER_TOKEN_PREFIX) ? value : null;
}

/** Where and how long the session cookie lives: the API only, as long as the session, never readable by scripts. */
export function sessionCookieOptions(expiresAt: Date | null, secure: boolean) {
  return {
    path: '/api/v1/',
    maxAge: expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)) : 0,
    httpOnly: true,
    sameSite: 'strict' as const,
    secure,
  };
}
