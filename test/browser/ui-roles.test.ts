/**
 * The UI walked as each role would (issue 13): an admin account sees the cameras and media the README marks
 * "(admin)"; each sign-in lands on that person's own start page, never the previous person's; the favicon loads;
 * units and people by name; server refusals in Chinese by their error code; the audit page newest first with the
 * chain's verification status and every event type in words; the case list's triage columns; 讯问录像审看率
 * counting recordings that wait. Screenshots (zh-CN) go to test-results/screenshots/ (20-… for this file).
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, newPage, prepareWebUi, shot, signIn, SPA } from '../helpers/browser.js';
import { apiOf, createPeople, eventually, insertVerifiedMedia, PASSWORD } from '../helpers/case-fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const UNIT = '330100000031';
const OTHER_UNIT = '330100000032';
const localDay = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const T0 = Date.parse(`${localDay}T00:10:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();

describe.skipIf(!hasChromium)('web UI by role', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let browser: Browser;
  let tokens: Record<string, string>;
  let caseId: string;
  let otherCaseId: string;

  beforeAll(async () => {
    await prepareWebUi();
    h = await startHarness();
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [
          { code: UNIT, name: '刑侦一大队' },
          { code: OTHER_UNIT, name: '治安二大队' },
        ],
        officers: [{ number: '013579', name: '张三', unitCode: UNIT }],
        cases: [
          { caseNumber: 'A3301002026120001', kind: 'criminal', title: '王某抢劫案', unitCode: UNIT },
          { caseNumber: 'B3301002026120002', kind: 'criminal', title: '赵某诈骗案', unitCode: OTHER_UNIT },
        ],
        persons: [{ externalId: 'P-1', caseNumber: 'A3301002026120001', name: '王某', role: 'suspect' }],
        incidents: [
          { id: 'JJ-901', caseNumber: 'A3301002026120001', unitCode: UNIT, officerNumbers: ['013579'], startedAt: iso(T0 - 7200_000), endedAt: iso(T0 - 5400_000), place: '中山路' },
          { id: 'JJ-902', unitCode: UNIT, officerNumbers: ['013579'], startedAt: iso(T0 - 6000_000), endedAt: iso(T0 - 4800_000), place: '解放路' },
        ],
        sessions: [
          { externalId: 'S-1', caseNumber: 'A3301002026120001', suspectExternalId: 'P-1', room: '第一讯问室', interrogators: ['013579'], declaredStart: iso(T0), declaredEnd: iso(T0 + 3600_000) },
        ],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'A3301002026120001'`))[0]!.id;
    otherCaseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'B3301002026120002'`))[0]!.id;
    const sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-1'`))[0]!.id;
    ({ tokens } = await createPeople(h, [
      { username: 'reviewer1', role: 'reviewer', unitCode: UNIT },
      { username: 'admin1', role: 'admin' },
      { username: 'officer1', role: 'officer', unitCode: UNIT, officerNumber: '013579' },
    ]));
    // Two room recordings of the session, waiting for review; two room cameras the admin must see.
    const overview = await h.registerDevice('camera', 'IRC-OVERVIEW-9');
    await h.registerDevice('camera', 'IRC-FRONTAL-9');
    for (let i = 0; i < 2; i++) {
      const m = await insertVerifiedMedia(h, overview.id, { recordedAt: iso(T0), durationSec: 1800 });
      expect((await api(h.adminToken, `/api/v1/media/${m}/links`, { body: { sessionId, reason: '讯问录像' } })).status).toBe(201);
    }
    // A file an FTP dock delivered (the pull path has no tus upload): the uploads screen lists it too.
    const ftpDock = await h.registerDevice('dock', 'FTP-DOCK-9');
    const source = randomUUID();
    await h.services.db.query(
      `insert into dock_pull_sources (id, device_id, protocol, location, remote_dir, done_dir, ack_mode, extensions, poll_interval_sec, stable_sec)
       values ($1, $2, 'ftp', 'ftp://127.0.0.1:2121', '/', '/done', 'rename', '{mp4}', 30, 5)`,
      [source, ftpDock.id],
    );
    await h.services.db.query(`insert into dock_remote_files (source_id, name, size_bytes, status) values ($1, 'FTP_BWC_0900.mp4', 4096, 'pending')`, [source]);
    // The officer's own body-cam file, linked to the case: what 我的视频 lists.
    const bwc = await h.registerDevice('camera', 'BWC-OFFICER-1');
    const own = await insertVerifiedMedia(h, bwc.id, { officerId: '013579', recordedAt: iso(T0 - 3600_000), durationSec: 600 });
    expect((await api(h.adminToken, `/api/v1/media/${own}/links`, { body: { caseId, reason: '现场执法' } })).status).toBe(201);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('shows an admin account the cameras and media, names the person once, and serves the favicon without console errors', async () => {
    const page = await newPage(browser);
    const consoleErrors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
    await signIn(page, h.baseUrl, 'admin1');
    await page.waitForURL(/\/admin\/uploads$/, SPA);
    // The person by name and the role once (createPeople makes the display name the user name) …
    await expect(page.getByTestId('current-user').textContent()).resolves.toBe('admin1 · 系统管理员');
    // The uploads screen shows the FTP dock's file waiting, marked as pulled.
    await page.getByTestId('uploads-in-flight').getByText('FTP_BWC_0900.mp4').waitFor();
    expect(await page.getByTestId('upload-via').allTextContents()).toContain('FTP 拉取');
    await shot(page, '27-admin-uploads-pulled');
    await page.goto(`${h.baseUrl}/admin/devices`);
    await page.getByText('IRC-FRONTAL-9').first().waitFor();
    expect(await page.getByTestId('forbidden').count()).toBe(0);
    expect(await page.getByText('尚未登记摄像机').count()).toBe(0);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await shot(page, '20-admin-devices');
    for (const icon of ['/favicon.ico', '/favicon.svg']) {
      expect(await page.evaluate(async (u) => (await fetch(u)).status, icon)).toBe(200);
    }
    expect(consoleErrors).toEqual([]);
    await page.context().close();

    // … and an account named after its role (as the demo's were) reads once, not "系统管理员 · 系统管理员".
    const made = await api(h.adminToken, '/api/v1/users', { body: { username: 'sysadmin', displayName: '系统管理员', role: 'admin', password: PASSWORD } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const second = await newPage(browser);
    await signIn(second, h.baseUrl, 'sysadmin');
    await expect(second.getByTestId('current-user').textContent()).resolves.toBe('系统管理员');
    await second.context().close();
  });

  it("lands each sign-in on that person's start page, not the previous person's", async () => {
    const page = await newPage(browser);
    await signIn(page, h.baseUrl, 'admin1');
    await page.goto(`${h.baseUrl}/admin/devices`);
    await page.getByTestId('dock-table').waitFor();
    // The admin's session ends while the page is open (signed out elsewhere): the next request sends this tab to
    // the login form, and the officer who signs in next must not inherit the admin's page.
    const token = await page.evaluate('sessionStorage.getItem("evm.token")') as string | null;
    expect((await api(token, '/api/v1/auth/logout', { method: 'POST' })).status).toBeLessThan(300);
    await page.reload();
    await page.waitForURL(/\/login/, SPA);
    await signIn(page, h.baseUrl, 'officer1');
    await page.waitForURL(/\/cases$/, SPA);
    expect(await page.getByTestId('forbidden').count()).toBe(0);
    // The officer's own footage, from the menu: its state and the case it is linked to.
    await page.getByRole('link', { name: '我的视频' }).click();
    await page.waitForURL(/\/my-media$/, SPA);
    const row = page.getByTestId('my-media-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    await expect(row.getByTestId('my-media-links').textContent()).resolves.toContain('A3301002026120001');
    await expect(row.textContent()).resolves.toContain('可播放');
    await shot(page, '25-officer-my-media');
    // And by the menu: the officer signs out, the admin signs in and starts on the admin's own page.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/login/, SPA);
    await signIn(page, h.baseUrl, 'admin1');
    await page.waitForURL(/\/admin\/uploads$/, SPA);
    await page.context().close();
  });

  it('gives a reviewer the triage columns, unit names and a Chinese refusal', async () => {
    const page = await newPage(browser);
    await signIn(page, h.baseUrl, 'reviewer1');
    await page.waitForURL(/\/cases$/, SPA);
    const row = page.getByTestId('case-table').locator('tr', { hasText: 'A3301002026120001' });
    await row.waitFor();
    await expect(row.getByTestId('case-unit').textContent()).resolves.toBe('刑侦一大队');
    await expect(row.getByTestId('case-suspects').textContent()).resolves.toBe('王某');
    await expect(row.getByTestId('case-pending').textContent()).resolves.toBe('待审阅 2/2');
    await shot(page, '21-reviewer-case-triage');
    await page.getByLabel('只看有待审阅录像的案件').check();
    await page.getByRole('button', { name: /查询/ }).click();
    await page.waitForURL(/pendingReview=true/, SPA);
    await page.getByTestId('case-table').getByRole('link', { name: 'A3301002026120001' }).click();
    await page.waitForURL(new RegExp(`/cases/${caseId}`), SPA);
    await expect(page.getByTestId('case-unit').textContent()).resolves.toBe('刑侦一大队');
    // A case of another unit: the API refuses (EVM_FORBIDDEN) and the page says so in Chinese, English second.
    await page.goto(`${h.baseUrl}/cases/${otherCaseId}`);
    await page.getByTestId('forbidden').waitFor();
    await expect(page.getByTestId('error-text').textContent()).resolves.toContain('无权进行此操作');
    await expect(page.getByTestId('error-detail').textContent()).resolves.toMatch(/^Not allowed/);
    await shot(page, '22-reviewer-refused-in-chinese');
    await page.context().close();
  });

  it('lets a reviewer decide an ambiguous match and link footage by hand, each with a reason', async () => {
    // An ambiguous match as the link job leaves it: footage overlapping both incidents of its officer. Both files
    // carry the case (as a dock's caseNumber would) so they are in the reviewer's scope: footage outside one's scope
    // cannot be linked, and the page says so.
    const camera = await h.registerDevice('camera', 'BWC-AMBIGUOUS');
    const ambiguous = await insertVerifiedMedia(h, camera.id, { officerId: '013579', recordedAt: iso(T0 - 6600_000), recordedEnd: iso(T0 - 5000_000) });
    await h.services.db.query(`insert into link_suggestions (id, media_id, incident_ids) values (gen_random_uuid(), $1, '{JJ-901,JJ-902}')`, [ambiguous]);
    const loose = await insertVerifiedMedia(h, camera.id, { officerId: '013579', recordedAt: iso(T0 - 3600_000) });
    for (const m of [ambiguous, loose]) expect((await api(h.adminToken, `/api/v1/media/${m}/links`, { body: { caseId, reason: '采集站登记案件编号' } })).status).toBe(201);
    const page = await newPage(browser);
    await signIn(page, h.baseUrl, 'reviewer1');
    await page.getByRole('link', { name: '视频关联' }).click();
    await page.waitForURL(/\/links$/, SPA);
    const card = page.getByTestId('suggestion');
    await card.waitFor();
    expect(await card.getByTestId('candidate').count()).toBe(2);
    await shot(page, '26-reviewer-link-suggestions');
    await card.getByLabel('JJ-901').check();
    await card.getByTestId('suggestion-reason').fill('视频内容为中山路警情现场');
    await card.getByTestId('suggestion-resolve').click();
    await page.getByTestId('no-suggestions').waitFor();
    const links = await api(tokens.reviewer1!, `/api/v1/media/${ambiguous}/links`);
    expect(links.body.map((l: { incidentId: string | null }) => l.incidentId).filter(Boolean)).toEqual(['JJ-901']);

    const manual = page.getByTestId('manual-link');
    await manual.getByLabel('视频 ID').fill(loose);
    await manual.getByLabel('警情编号（填写则关联警情）').fill('JJ-902');
    await manual.getByLabel('理由').fill('视频内容为解放路警情现场');
    await page.getByTestId('manual-link-submit').click();
    await page.getByTestId('manual-link-done').waitFor();
    const linked = await api(tokens.reviewer1!, `/api/v1/media/${loose}/links`);
    expect(linked.body).toContainEqual(expect.objectContaining({ incidentId: 'JJ-902', reason: '视频内容为解放路警情现场', source: 'manual' }));
    await page.context().close();
  });

  it('shows the audit newest first with the verification result and every event type in words, and counts waiting recordings', async () => {
    // A few more events of kinds the old page left as raw keys (refusals are logged in the chain).
    for (let i = 0; i < 2; i++) expect((await api(tokens.reviewer1!, `/api/v1/cases/${otherCaseId}`)).status).toBe(403);
    const run = await api(h.adminToken, '/api/v1/custody/verifications', { body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    // The media rows made for this test have no stored bytes, so the run reports them: the page must say what the
    // latest run found, whichever it is.
    const done = await eventually(async () => {
      const r = await api(h.adminToken, `/api/v1/custody/verifications/${run.body.id}`);
      return r.body.finishedAt ? r.body : null;
    }, 60_000);
    const page = await newPage(browser);
    await signIn(page, h.baseUrl, 'admin1');
    await page.goto(`${h.baseUrl}/audit`);
    await page.getByTestId('audit-table').waitFor();
    const status = await page.getByTestId('chain-status').textContent();
    if (done.result === 'clean') expect(status).toContain('保管链校验通过');
    else expect(status).toContain(`保管链校验发现问题`), expect(status).toContain(`${done.findingsCount} 项`);
    const seqs = (await page.getByTestId('audit-table').locator('tbody tr td:first-child').allTextContents()).map(Number);
    expect(seqs.length).toBeGreaterThan(3);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const types = await page.getByTestId('event-type').allTextContents();
    expect(types.filter((ty) => /^[a-z_]+\.[a-z_]+$/.test(ty))).toEqual([]);
    // Who acted, by name: the person's display name, the bootstrap token and the service's parts in words.
    const actors = await page.getByTestId('event-actor').allTextContents();
    expect(actors.filter((a) => /^(user|device|system):/.test(a))).toEqual([]);
    expect(actors).toContain('reviewer1');
    expect(actors).toContain('管理令牌（初始化用）');
    // The reviewer's refusals read in Chinese: what was refused and why, not the recorded English.
    const details = (await page.getByTestId('audit-table').locator('td.details').allTextContents()).join('\n');
    expect(details).toContain('操作: 查看案件');
    expect(details).toContain('原因: 超出您的权限范围');
    expect(details).not.toContain('outside your scope');
    await shot(page, '23-admin-audit-newest-first');

    await page.goto(`${h.baseUrl}/admin?from=${localDay}&to=${localDay}`);
    const review = page.getByTestId('rate-interrogation-review');
    await review.waitFor();
    await expect(review.getByTestId('rate-fraction').textContent()).resolves.toContain('0 / 2');
    // The weekly report downloads from the page (the API takes the bearer token only) …
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-download').click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    // … and a supervisory sample of this month is drawn there, its period in Chinese.
    const [year, month] = localDay.split('-');
    await page.getByTestId('supervisory-sample').getByLabel('抽样期间').fill(`${year}-${month}`);
    await page.getByTestId('sample-draw').click();
    await expect(page.getByTestId('sample-summary').textContent()).resolves.toContain(`${year}年${Number(month)}月`);
    await shot(page, '24-admin-coverage-reports-sample');
    await page.context().close();
  });
});
