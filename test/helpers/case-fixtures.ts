import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { MediaRepository } from '../../src/db/repositories/media-repository.js';
import type { Harness } from './harness.js';

export const PASSWORD = 'correct horse battery';

/** Calls the API as `token`; a body is sent as JSON unless a content type is given. */
export function apiOf(h: Harness) {
  return async (token: string | null, url: string, init: { method?: string; body?: unknown; contentType?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['Content-Type'] = init.contentType ?? 'application/json';
      body = typeof init.body === 'string' && init.contentType ? init.body : JSON.stringify(init.body);
    }
    const res = await fetch(`${h.baseUrl}${url}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };
}

export interface PersonSpec {
  username: string;
  role: 'officer' | 'reviewer' | 'unit_head' | 'admin' | 'auditor';
  unitCode?: string;
  officerNumber?: string;
}

/** Creates real accounts through the admin API and logs each in; returns tokens and user ids by username. */
export async function createPeople(h: Harness, people: PersonSpec[]): Promise<{ tokens: Record<string, string>; ids: Record<string, string> }> {
  const api = apiOf(h);
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const p of people) {
    const created = await api(h.adminToken, '/api/v1/users', { body: { ...p, displayName: p.username, password: PASSWORD } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[p.username] = created.body.id;
    const login = await api(null, '/api/v1/auth/login', { body: { username: p.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    tokens[p.username] = login.body.token;
  }
  return { tokens, ids };
}

/**
 * A verified (state ready) media row without bytes, for linking and review tests that do not need to play it (the upload path
 * is covered elsewhere). Times are ISO strings.
 */
export async function insertVerifiedMedia(
  h: Harness,
  deviceId: string,
  m: { officerId?: string | null; recordedAt?: string | null; recordedEnd?: string | null; caseNumber?: string | null; durationSec?: number },
): Promise<string> {
  const sha = randomBytes(32).toString('hex');
  // One transaction: the pipeline's reconciler and the link job never see the row half made (stored, or verified
  // with its auto-link still owed), which once let the link job link it before a test's own manual link (409).
  return h.services.db.transaction(async (tx) => {
    const repo = new MediaRepository(tx);
    const { media } = await repo.insertOrGetExisting({
      id: randomUUID(),
      sha256: sha,
      sizeBytes: 1000,
      objectKey: `originals/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`,
      uploadedBy: deviceId,
      declared: {
        sha256: sha,
        sm3: null,
        filename: `${m.officerId ?? 'x'}-${sha.slice(0, 8)}.mp4`,
        originalFilename: null,
        deviceSerial: 'BWC-TEST',
        officerId: m.officerId ?? null,
        recordedAt: m.recordedAt ? new Date(m.recordedAt).toISOString() : null,
        recordedEnd: m.recordedEnd ? new Date(m.recordedEnd).toISOString() : null,
        flags: [],
        caseNumber: m.caseNumber ?? null,
        vendor: {},
      },
      rejected: null,
    });
    await repo.markVerified(media.id, null);
    // 'ready' keeps the pipeline's reconciler away from a row that has no bytes (it pushes on only pending states),
    // and a set auto_link_checked_at keeps the link job away: tests run the matcher themselves, deterministically.
    await tx.query(`update media set state = 'ready', duration_sec = $2, auto_link_checked_at = now() where id = $1`, [media.id, m.durationSec ?? null]);
    return media.id;
  });
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The reviewer's player reporting that `token` played the whole recording at normal speed (watched coverage), as
 * the "recording reviewed" step needs before it accepts a finding without a written reason.
 */
export async function reportWatchedWhole(h: Harness, token: string, mediaId: string): Promise<void> {
  const [m] = await h.services.db.query<{ duration_sec: number | null }>('select duration_sec from media where id = $1', [mediaId]);
  const res = await apiOf(h)(token, `/api/v1/media/${mediaId}/watched`, { body: { ranges: [{ startSec: 0, endSec: m?.duration_sec ?? 0, rate: 1 }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}
