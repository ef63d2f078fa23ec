import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../devices/simulators/clips.js';
import { uploadFile, waitForReceipt } from '../devices/tus-dock-client.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createUpload } from './helpers/tus-raw.js';

const UNIT_A = '330100000001';
const UNIT_B = '330100000002';
const PASSWORD = 'correct horse battery';

describe('people, roles and access grants', () => {
  let h: Harness;
  let mediaId: string;
  let caseA: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  const api = (token: string, url: string, init: RequestInit = {}) =>
    fetch(`${h.baseUrl}${url}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });

  beforeAll(async () => {
    h = await startHarness({ db: 'postgres' });
    const db = h.services.db;
    await db.query(`insert into units (code, name) values ($1, '一大队'), ($2, '二大队')`, [UNIT_A, UNIT_B]);
    await db.query(`insert into officers (number, name, unit_code) values ('013579', '张三', $1), ('024680', '李四', $1)`, [UNIT_A]);
    caseA = randomUUID();
    await db.query(`insert into cases (id, case_number, kind, unit_code) values ($1, 'A3301002026110001', 'criminal', $2)`, [caseA, UNIT_A]);

    const people = [
      { username: 'officer1', role: 'officer', unitCode: UNIT_A, officerNumber: '013579' },
      { username: 'officer2', role: 'officer', unitCode: UNIT_A, officerNumber: '024680' },
      { username: 'reviewerA', role: 'reviewer', unitCode: UNIT_A },
      { username: 'reviewerB', role: 'reviewer', unitCode: UNIT_B },
      { username: 'headA', role: 'unit_head', unitCode: UNIT_A },
      { username: 'auditor', role: 'auditor' },
    ];
    for (const p of people) {
      const res = await api(h.adminToken, '/api/v1/users', { method: 'POST', body: JSON.stringify({ ...p, displayName: p.username, password: PASSWORD }) });
      expect(res.status).toBe(201);
      ids[p.username] = ((await res.json()) as { id: string }).id;
      const login = await fetch(`${h.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: p.username, password: PASSWORD }) });
      expect(login.status).toBe(200);
      tokens[p.username] = ((await login.json()) as { token: string }).token;
    }

    const dir = await mkdtemp(path.join(tmpdir(), 'evm-access-'));
    const clip = path.join(dir, 'clip.mp4');
    await generateClip({ path: clip, seconds: 2, width: 320, height: 180 });
    const dock = await h.registerDevice('dock');
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: { filename: 'clip.mp4', officerId: '013579' } });
    mediaId = (await waitForReceipt(h.baseUrl, dock.token, url)).mediaId!;
  });
  afterAll(async () => h?.stop());

  it('refuses a wrong password or unknown user with 401, and a stored password is never returned', async () => {
    for (const body of [{ username: 'officer1', password: 'wrong password!' }, { username: 'nobody', password: PASSWORD }]) {
      const res = await fetch(`${h.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(401);
    }
    const list = await (await api(h.adminToken, '/api/v1/users')).text();
    expect(list).not.toContain('scrypt');
  });

  it('refuses an account in a unit the case system never sent, with a stable code and nothing created', async () => {
    const res = await api(h.adminToken, '/api/v1/users', {
      method: 'POST',
      body: JSON.stringify({ username: 'ghost', displayName: 'ghost', role: 'reviewer', unitCode: '999999999999', password: PASSWORD }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('EVM_VALIDATION');
    expect(await (await api(h.adminToken, '/api/v1/users')).text()).not.toContain('"ghost"');
  });

  it('sets an httpOnly SameSite=Strict session cookie at login, honoured only on the media byte routes, cleared at logout', async () => {
    const login = await fetch(`${h.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'officer1', password: PASSWORD }) });
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^evm_session=evu_[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/api\/v1\//);
    const cookie = setCookie.split(';')[0]!;
    const token = ((await login.json()) as { token: string }).token;
    // The original of the officer's own footage streams with the cookie alone (what <video> and links send) …
    const bytes = await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Cookie: cookie } });
    expect(bytes.status).toBe(200);
    await bytes.arrayBuffer();
    // … but no other route takes it: a cookie must not turn into a general credential (CSRF).
    expect((await fetch(`${h.baseUrl}/api/v1/media/${mediaId}`, { headers: { Cookie: cookie } })).status).toBe(401);
    expect((await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { method: 'DELETE', headers: { Cookie: cookie } })).status).not.toBe(200);
    const logout = await fetch(`${h.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^evm_session=;.*Max-Age=0/);
    // The session is gone server-side too: the old cookie no longer opens anything.
    expect((await fetch(`${h.baseUrl}/api/v1/media/${mediaId}/original`, { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('lets an officer see their own footage and refuses (and logs) a colleague', async () => {
    expect((await api(tokens.officer1!, `/api/v1/media/${mediaId}`)).status).toBe(200);
    const refused = await api(tokens.officer2!, `/api/v1/media/${mediaId}/original`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('EVM_FORBIDDEN');
    const events = await h.services.db.query<{ type: string; actor: string }>('select type, actor from custody_events where media_id = $1 order by seq', [mediaId]);
    expect(events).toContainEqual({ type: 'access.refused', actor: 'user:officer2' });
  });

  it('scopes reviewers and unit heads to their unit\'s cases', async () => {
    expect((await api(tokens.reviewerA!, `/api/v1/media/${mediaId}`)).status).toBe(403); // not linked to any case yet
    await h.services.db.query(`insert into media_links (id, media_id, case_id, source, created_by) values ($1, $2, $3, 'manual', 'admin')`, [randomUUID(), mediaId, caseA]);
    expect((await api(tokens.reviewerA!, `/api/v1/media/${mediaId}`)).status).toBe(200);
    expect((await api(tokens.headA!, `/api/v1/media/${mediaId}`)).status).toBe(200);
    expect((await api(tokens.reviewerB!, `/api/v1/media/${mediaId}`)).status).toBe(403);
    expect((await api(tokens.auditor!, `/api/v1/media/${mediaId}`)).status).toBe(403);
  });

  it('grants time-limited access through a request approved by someone else, and records purpose on download', async () => {
    const asked = await api(tokens.reviewerB!, '/api/v1/access-requests', { method: 'POST', body: JSON.stringify({ mediaId, purpose: '跨单位协查 cross-unit inquiry' }) });
    expect(asked.status).toBe(201);
    const request = (await asked.json()) as { id: string };
    // A unit head of another unit, and the requester, may not decide it.
    expect((await api(tokens.headA!, `/api/v1/access-requests/${request.id}/decision`, { method: 'POST', body: JSON.stringify({ approve: true, hours: 1 }) })).status).toBe(403);
    expect((await api(tokens.reviewerB!, `/api/v1/access-requests/${request.id}/decision`, { method: 'POST', body: JSON.stringify({ approve: true, hours: 1 }) })).status).toBe(403);
    const decided = await api(h.adminToken, `/api/v1/access-requests/${request.id}/decision`, { method: 'POST', body: JSON.stringify({ approve: true, hours: 1 }) });
    expect(decided.status).toBe(200);
    expect((await api(h.adminToken, `/api/v1/access-requests/${request.id}/decision`, { method: 'POST', body: JSON.stringify({ approve: false }) })).status).toBe(409);

    const dl = await api(tokens.reviewerB!, `/api/v1/media/${mediaId}/original?purpose=${encodeURIComponent('协查')}`);
    expect(dl.status).toBe(200);
    await dl.arrayBuffer();
    const [event] = await h.services.db.query<{ details: { purpose: string } }>(`select details from custody_events where media_id = $1 and type = 'media.downloaded' order by seq desc limit 1`, [mediaId]);
    expect(event!.details.purpose).toBe('协查');

    // Expired grants open nothing.
    await h.services.db.query(`update access_requests set expires_at = now() - interval '1 minute' where id = $1`, [request.id]);
    expect((await api(tokens.reviewerB!, `/api/v1/media/${mediaId}`)).status).toBe(403);
  });

  it('keeps people, devices and the admin in their lanes', async () => {
    expect((await api(tokens.auditor!, '/api/v1/users', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await api(tokens.officer1!, '/api/v1/devices')).status).toBe(403);
    expect((await createUpload(h.baseUrl, tokens.officer1!, 10, { sha256: 'a'.repeat(64) })).status).toBe(403);
    const me = (await (await api(tokens.headA!, '/api/v1/me')).json()) as { role: string; unitCode: string };
    expect(me).toMatchObject({ role: 'unit_head', unitCode: UNIT_A });
    const logout = await api(tokens.headA!, '/api/v1/auth/logout', { method: 'POST' });
    expect(logout.status).toBe(204);
    expect((await api(tokens.headA!, '/api/v1/me')).status).toBe(401);
  });
});
