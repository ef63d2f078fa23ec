import { readdir } from 'node:fs/promises';
import type { Harness } from './harness.js';

/** JSON request to the service; returns status and parsed body. */
export async function api<T = any>(h: Harness, method: string, url: string, token: string | null, body?: unknown): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(`${h.baseUrl}${url}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, text };
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs` with what it last saw. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Files under a folder, recursively (objects on local disk, spool files). */
export async function filesUnder(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => `${e.parentPath}/${e.name}`);
  } catch {
    return [];
  }
}

export async function countRows(h: Harness, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await h.services.db.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}
