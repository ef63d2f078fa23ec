/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core, against the real service (API, workers,
 * ffmpeg pipeline) with fixtures made through the API: a case, an interrogation session whose recording is a real
 * ingested clip (proxy, poster, sprite) with a gap and its reason, people in several roles. Screenshots of each main
 * screen (zh-CN) go to test-results/screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../../devices/simulators/clips.js';
import { startRtspCamera, type RtspCamera } from '../../devices/simulators/rtsp-camera.js';
import { uploadFile, waitForReceipt } from '../../devices/tus-dock-client.js';
import { RecordingsRepository } from '../../src/db/repositories/recordings-repository.js';
import { hasChromium, launchChromium, loggedIn, prepareWebUi, shot, SPA } from '../helpers/browser.js';
import { apiOf, createPeople, eventually } from '../helpers/case-fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const UNIT = '330100000031';
const OTHER_UNIT = '330100000032';
const GAP_REASON = '摄像机故障，讯问暂停，已更换设备';
const CLIP_SEC = 12;
const DECLARED_SEC = 20;
// Fixture times sit inside the current local day, so the dashboard's default period (this month) holds them.
const localDay = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const T0 = Date.parse(`${localDay}T00:10:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();
/** What the tests touch of the page's <video> (the server's tsconfig has no DOM library). */
type Video = { muted: boolean; currentTime: number; play(): Promise<void>; pause(): void };

describe.skipIf(!hasChromium)('web UI in chromium', () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let browser: Browser;
  let tokens: Record<string, string>;
  let caseId: string;
  let sessionId: string;
  let mediaId: string;
  let liveCam: RtspCamera;
  let liveDeviceId: string;

  beforeAll(async () => {
    await prepareWebUi();
    const dir = await mkdtemp(path.join(tmpdir(), 'evm-ui-'));
    const clip = path.join(dir, 'room.mp4');
    const [harness] = await Promise.all([
      startHarness({ env: { RECORDING_GAP_TOLERANCE_SEC: '2', SPRITE_INTERVAL_SEC: '3' } }),
      generateClip({ path: clip, seconds: CLIP_SEC, width: 320, height: 180, fps: 10, label: 'ROOM 1' }),
    ]);
    h = harness;
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [
          { code: UNIT, name: '刑侦一大队' },
          { code: OTHER_UNIT, name: '治安二大队' },
        ],
        officers: [
          { number: '013579', name: '张三', unitCode: UNIT },
          { number: '024680', name: '李四', unitCode: OTHER_UNIT },
        ],
        cases: [{ caseNumber: 'A3301002026110001', kind: 'criminal', title: '王某抢劫案', unitCode: UNIT }],
        persons: [{ externalId: 'P-1', caseNumber: 'A3301002026110001', name: '王某' }],
        sessions: [
          { externalId: 'S-1', caseNumber: 'A3301002026110001', suspectExternalId: 'P-1', room: '第一讯问室', interrogators: ['013579'], declaredStart: iso(T0), declaredEnd: iso(T0 + DECLARED_SEC * 1000) },
        ],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'A3301002026110001'`))[0]!.id;
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-1'`))[0]!.id;
    ({ tokens } = await createPeople(h, [
      { username: 'reviewer1', role: 'reviewer', unitCode: UNIT },
      { username: 'admin1', role: 'admin' },
      { username: 'officer1', role: 'officer', unitCode: OTHER_UNIT, officerNumber: '024680' },
    ]));

    // The room's camera recorded the first 12 s of a 20 s session: a real clip through the real ingest path.
    const dock = await h.registerDevice('dock');
    const camera = await h.registerDevice('camera', 'IRC-OVERVIEW-1');
    const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clip, metadata: { filename: 'room1-overview.mp4', deviceSerial: camera.serial, recordedAt: iso(T0) } });
    mediaId = (await waitForReceipt(h.baseUrl, dock.token, url)).mediaId!;
    const linked = await api(h.adminToken, `/api/v1/media/${mediaId}/links`, { body: { sessionId, reason: '讯问录像' } });
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    const room = await api(h.adminToken, '/api/v1/rooms', { body: { name: '第一讯问室', unitCode: UNIT } });
    expect(room.status, JSON.stringify(room.body)).toBe(201);
    // A second room with a live camera (GStreamer RTSP server) for the live view.
    liveCam = await startRtspCamera({ label: 'live', width: 320, height: 240, fps: 10, keyint: 10, audio: false });
    const liveRoom = await api(h.adminToken, '/api/v1/rooms', { body: { name: '第二讯问室', unitCode: UNIT } });
    liveDeviceId = (await h.registerDevice('camera', 'IRC-LIVE-1')).id;
    const attached = await api(h.adminToken, `/api/v1/rooms/${liveRoom.body.id}/cameras`, { body: { deviceId: liveDeviceId, role: 'overview', streamUri: liveCam.url } });
    expect(attached.status, JSON.stringify(attached.body)).toBe(201);

    // The recording as the recorder leaves it: one segment, then the camera went away (a gap with its cause), stopped.
    const rec = new RecordingsRepository(h.services.db);
    await rec.switchOn({ sessionId, roomId: room.body.id, cameras: [{ deviceId: camera.id, serial: camera.serial, role: 'overview' }], actor: 'admin' });
    const sha = (await h.services.db.query<{ sha256: string; size_bytes: string }>('select sha256, size_bytes from media where id = $1', [mediaId]))[0]!;
    await rec.insertSegment({
      id: randomUUID(), sessionId, deviceId: camera.id, mediaId, runId: 'run-1', file: 'seg-00000.mp4',
      startedAt: iso(T0), endedAt: iso(T0 + CLIP_SEC * 1000), deviceStartedAt: null, deviceEndedAt: null, durationSec: CLIP_SEC, holes: [], sha256: sha.sha256, sizeBytes: Number(sha.size_bytes),
    });
    await rec.switchOff(sessionId, 'admin');
    const [gap] = await rec.storeGaps(sessionId, [{ id: randomUUID(), deviceId: camera.id, startedAt: new Date(T0 + CLIP_SEC * 1000), endedAt: new Date(T0 + DECLARED_SEC * 1000), durationSec: DECLARED_SEC - CLIP_SEC, cause: 'camera-offline' }]);
    await h.services.db.query('update session_recordings set finalized_at = now(), coverage = $2, full_recording = false where session_id = $1', [sessionId, CLIP_SEC / DECLARED_SEC]);
    const explained = await api(tokens.reviewer1!, `/api/v1/interrogation-sessions/${sessionId}/gaps/${gap!.id}/reason`, { body: { reason: GAP_REASON } });
    expect(explained.status, JSON.stringify(explained.body)).toBe(200);

    await eventually(async () => (await h.services.db.query<{ state: string }>('select state from media where id = $1', [mediaId]))[0]!.state === 'ready', 60_000);
    // The finalized recording is joined by the pipeline (join-recording, then the joined file's own verify → ready):
    // wait until the case review lists exactly one recording and it plays, so the page shows its button.
    await eventually(async () => {
      const review = await api(tokens.reviewer1!, `/api/v1/cases/${caseId}/review`);
      const listed = review.body?.sessions?.[0]?.recordings ?? [];
      if (listed.length !== 1) return false;
      const rows = await h.services.db.query<{ state: string }>('select state from media where id = $1', [listed[0].id]);
      return rows[0]?.state === 'ready';
    }, 120_000);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await liveCam?.close();
    await h?.stop();
  });

  it('a reviewer opens the case, plays the recording, sees the gap and its reason, bookmarks and marks it reviewed', async () => {
    const page = await loggedIn(browser, h.baseUrl, 'reviewer1');
    await page.waitForURL(/\/cases$/, SPA);
    await page.getByTestId('case-table').getByRole('link', { name: 'A3301002026110001' }).waitFor();
    await shot(page, '01-reviewer-case-list');

    // Search by suspect name narrows the list to the case.
    await page.getByLabel('嫌疑人姓名').fill('王某');
    await page.getByRole('button', { name: /查询/ }).click();
    await page.waitForURL(/suspect=/, SPA);
    await page.getByTestId('case-table').getByRole('link', { name: 'A3301002026110001' }).click();

    await page.waitForURL(new RegExp(`/cases/${caseId}`), SPA);
    const session = page.getByTestId('session-card');
    await expect(session.getByTestId('gap-reason').textContent()).resolves.toContain(GAP_REASON);
    await expect(session.getByTestId('gap-row').textContent()).resolves.toContain('摄像机离线');
    await expect(session.getByTestId('session-coverage').textContent()).resolves.toContain('60.0%');
    expect(await session.getByTestId('timeline-gap').count()).toBe(1);
    // Not a technically full recording, but every gap is explained: what the full-recording rate counts.
    await expect(session.getByTestId('session-full').textContent()).resolves.toContain('均已说明');
    await expect(session.getByTestId('session-review-status').textContent()).resolves.toContain('已审阅 0/1');
    await shot(page, '02-reviewer-case-page');

    await session.getByTestId('open-recording').click();
    const video = page.getByTestId('player');
    await video.waitFor();
    // The recording under review: the session's recording as the case review lists it (the segment, or the
    // recording joined from the segments when the pipeline has joined them).
    const reviewed = (await api(tokens.reviewer1!, `/api/v1/cases/${caseId}/review`)).body.sessions[0].recordings[0].id as string;
    expect(page.url()).toContain(`/media/${reviewed}?case=${caseId}&session=${sessionId}`);
    await page.getByTestId('sprite-tile').first().waitFor();
    await video.evaluate(async (v: Video) => {
      v.muted = true;
      await v.play();
    });
    await page.waitForFunction('document.querySelector(\'[data-testid="player"]\').currentTime > 1.5', null, { timeout: 20_000 });
    const t1 = await video.evaluate((v: Video) => v.currentTime);
    await page.waitForTimeout(700);
    const t2 = await video.evaluate((v: Video) => v.currentTime);
    expect(t2).toBeGreaterThan(t1);
    await video.evaluate((v: Video) => v.pause());
    // The recorded wall-clock time follows the position: recordedAt + currentTime, in Beijing time.
    await expect(page.getByTestId('wall-clock').textContent()).resolves.toMatch(/00:10:0\d/);
    // Seeking by a sprite tile moves the player there.
    await page.getByTestId('sprite-tile').nth(2).click();
    expect(await video.evaluate((v: Video) => Math.round(v.currentTime))).toBe(6);

    await page.getByTestId('mark-text').fill('嫌疑人情绪激动');
    await page.getByTestId('add-mark').click();
    await page.getByTestId('mark-list').getByText('嫌疑人情绪激动').waitFor();
    const marks = await api(tokens.reviewer1!, `/api/v1/media/${reviewed}/review-marks`);
    expect(marks.body).toEqual([expect.objectContaining({ kind: 'bookmark', text: '嫌疑人情绪激动', offsetSec: 6, author: 'user:reviewer1', caseId })]);

    await page.getByTestId('review-finding').fill('全程录制，中断原因已说明');
    // Only a few seconds were played here: the step asks for a written reason for confirming the rest unwatched
    // (watched coverage; test/browser/review-player.test.ts plays half and is refused without one).
    await page.getByTestId('below-share').waitFor();
    await page.getByTestId('below-share-reason').fill('抽查关键时段，其余与笔录核对一致');
    await page.getByTestId('review-confirm').check();
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('reviewed-done').waitFor();
    await shot(page, '03-reviewer-player');

    const review = await api(tokens.reviewer1!, `/api/v1/cases/${caseId}/review`);
    expect(review.body.sessions[0].recordings[0].review).toMatchObject({ reviewer: 'user:reviewer1', finding: '全程录制，中断原因已说明', belowShareReason: '抽查关键时段，其余与笔录核对一致' });
    // Every view of the proxy stays a custody event, by the person (the cookie authenticated the <video>).
    const viewed = await api(h.adminToken, `/api/v1/custody/events?mediaId=${reviewed}&type=media.viewed`);
    expect(viewed.body.items.some((e: { actor: string }) => e.actor === 'user:reviewer1')).toBe(true);

    // Back on the case, the session now reads as reviewed; an export is requested from there.
    await page.goto(`${h.baseUrl}/cases/${caseId}`);
    await expect(page.getByTestId('session-review-status').textContent()).resolves.toContain('已审阅 1/1');
    // A legal hold on the case, placed from its page, is what the retention API sees.
    await page.getByTestId('legal-hold').getByLabel('原因').fill('当事人已提起行政诉讼');
    await page.getByTestId('hold-submit').click();
    await page.getByTestId('hold-active').waitFor();
    const held = await api(tokens.reviewer1!, `/api/v1/holds?caseId=${caseId}`);
    expect(held.body).toEqual([expect.objectContaining({ caseId, reason: '当事人已提起行政诉讼', placedBy: 'user:reviewer1', active: true })]);
    await page.getByTestId('export-request').getByLabel('导出事由').fill('移送检察院');
    await page.getByTestId('export-request').getByRole('button', { name: /提交导出申请/ }).click();
    await page.getByRole('link', { name: '查看进度' }).click();
    await page.getByTestId('export-row').first().waitFor();
    await page.getByTestId('download-zip').waitFor({ timeout: 60_000 });
    const href = await page.getByTestId('download-zip').getAttribute('href');
    const status = await page.evaluate(async (u) => (await fetch(u!, { method: 'GET', headers: { Range: 'bytes=0-3' } })).status, href);
    expect([200, 206]).toContain(status);
    await shot(page, '04-reviewer-exports');
    await page.context().close();
  });

  it("shows an admin the coverage figures the API computes, and a rate's drill-down", async (ctx) => {
    const probe = await api(h.adminToken, `/api/v1/coverage?from=${localDay}&to=${localDay}`);
    if (probe.status === 404) ctx.skip();
    expect(probe.status, JSON.stringify(probe.body)).toBe(200);
    const page = await loggedIn(browser, h.baseUrl, 'admin1');
    await page.goto(`${h.baseUrl}/admin?from=${localDay}&to=${localDay}&groupBy=unit`);
    await page.getByTestId('rate-full-recording').waitFor();
    for (const [rate, v] of Object.entries(probe.body.rates as Record<string, { numerator: number; denominator: number }>)) {
      await expect(page.getByTestId(`rate-${rate}`).getByTestId('rate-fraction').textContent()).resolves.toContain(`${v.numerator} / ${v.denominator}`);
    }
    const full = probe.body.rates['full-recording'];
    expect(full.denominator).toBe(1);
    await shot(page, '05-admin-coverage');

    await page.getByTestId('rate-full-recording').getByTestId('drill-down').click();
    await page.waitForURL(/\/admin\/coverage\/full-recording/, SPA);
    await page.getByTestId('missing-title').waitFor();
    const missing = await api(h.adminToken, `/api/v1/coverage/full-recording/missing?from=${localDay}&to=${localDay}`);
    await page.getByText(`共 ${missing.body.total} 项`).waitFor();
    expect(await page.getByTestId('missing-row').count()).toBe(missing.body.items.length);
    await shot(page, '06-admin-coverage-drilldown');

    for (const [url, name, testId] of [
      ['/admin/uploads', '07-admin-uploads', 'uploads-in-flight'],
      ['/admin/devices', '08-admin-devices', 'dock-table'],
      ['/admin/ops', '09-admin-storage-queues', 'queue-table'],
      ['/audit', '11-admin-audit', 'audit-table'],
    ] as const) {
      await page.goto(`${h.baseUrl}${url}`);
      if (testId) await page.getByTestId(testId).waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await shot(page, name);
    }

    // Retention: the dry run on screen lists what the API's dry run lists.
    await page.goto(`${h.baseUrl}/admin/retention`);
    await page.getByTestId('dry-run-button').click();
    await page.getByTestId('dry-run-totals').waitFor();
    const dry = await api(h.adminToken, '/api/v1/disposals/dry-run?limit=200');
    await expect(page.getByTestId('dry-run-totals').textContent()).resolves.toContain(`共 ${dry.body.totals.media} 个文件`);
    expect(await page.getByTestId('dry-run-row').count()).toBe(dry.body.items.length);
    await shot(page, '10-admin-retention');

    // Live view: the admin picks the live room's camera; MPEG-1 arrives over the WebSocket and the view is logged.
    await page.goto(`${h.baseUrl}/admin/live`);
    await page.getByTestId('live-camera').last().click();
    await page.getByText('正在播放').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(3000);
    await shot(page, '12-admin-live');
    await page.goto(`${h.baseUrl}/admin/uploads`); // leaving the page closes the socket
    const closed = await eventually(async () => {
      const rows = await h.services.db.query<{ details: { bytes: number; deviceId?: string } }>(
        `select details from custody_events where type = 'live_view.closed' and actor = 'user:admin1' order by seq desc limit 1`,
      );
      return rows[0]?.details;
    }, 20_000);
    expect(closed.bytes).toBeGreaterThan(10_000);
    await page.context().close();
  });

  it('refuses a user without the role, on screen and at the API', async () => {
    const page = await loggedIn(browser, h.baseUrl, 'officer1');
    // The menu does not offer the admin screens …
    expect(await page.getByRole('link', { name: '考核统计' }).count()).toBe(0);
    // … and typing the address shows a refusal, not a broken page.
    await page.goto(`${h.baseUrl}/admin`);
    await page.getByTestId('forbidden').waitFor();
    // A case outside the officer's scope: the API says 403 and the page offers an access request.
    await page.goto(`${h.baseUrl}/cases/${caseId}`);
    await page.getByTestId('forbidden').waitFor();
    await page.getByTestId('access-request-form').waitFor();
    await shot(page, '13-officer-refused');
    await page.getByTestId('access-request-form').getByRole('textbox').fill('协助调查');
    await page.getByTestId('access-request-form').getByRole('button').click();
    await page.getByTestId('access-requested').waitFor();
    expect((await api(tokens.officer1!, '/api/v1/admin/queues')).status).toBe(403);
    expect((await api(tokens.officer1!, `/api/v1/cases/${caseId}/review`)).status).toBe(403);
    // The media routes take the cookie, but only for the person it belongs to: the officer's is refused too.
    const proxyStatus = await page.evaluate(async (u) => (await fetch(u)).status, `/api/v1/media/${mediaId}/proxy`);
    expect(proxyStatus).toBe(403);
    await page.context().close();
  });
});
