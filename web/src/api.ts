/** The one way the UI talks to the service: the documented HTTP API under /api/v1, with the session's bearer token. */

const TOKEN_KEY = 'evm.token';
const USER_KEY = 'evm.user';

export type Role = 'officer' | 'reviewer' | 'unit_head' | 'admin' | 'auditor';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitCode: string | null;
  officerNumber: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function getStoredUser(): User | null {
  const raw = sessionStorage.getItem(USER_KEY);
  return raw ? (JSON.parse(raw) as User) : null;
}

export function storeSession(token: string | null, user: User | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  else sessionStorage.removeItem(USER_KEY);
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(path, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, signal: init.signal, credentials: 'same-origin' });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  if (!res.ok) {
    const b = (json ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && token) window.dispatchEvent(new Event('evm:unauthenticated'));
    throw new ApiError(res.status, b.code ?? `HTTP_${res.status}`, b.message ?? res.statusText, json);
  }
  return json as T;
}

/** Query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Media streams and images: loaded by <video>/<img>, authenticated by the httpOnly session cookie set at login. */
export function mediaUrl(mediaId: string, kind: 'proxy' | 'poster' | 'sprite' | 'original', purpose?: string): string {
  return `/api/v1/media/${mediaId}/${kind}${purpose ? qs({ purpose }) : ''}`;
}
