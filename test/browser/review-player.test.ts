/**
 * The reviewer's player in a real browser (Debian chromium, zh-CN), on a platform recording of an interrogation
 * with two cameras whose joined recordings each skip a real gap:
 *
 *   overview  segments at wall 0–6 s and 14–20 s (an 8 s camera-offline gap, explained): a 12 s joined file
 *   frontal   segments at wall 2–10 s and 13–20 s (a 3 s stream stall): a 15 s joined file, starting later
 *
 * The recorded time after the jump follows the offsets table (not recordedAt + position), seeking across the jump
 * says what was skipped, the other camera follows by recorded time and switching keeps it, the camera clock's drift
 * is said, half a recording played is about 50% watched and "录像已审阅" is refused without a written reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClip } from '../../devices/simulators/clips.js';
import { uploadFile, waitForReceipt } from '../../devices/tus-dock-client.js';
import { RecordingsRepository } from '../../src/db/repositories/recordings-repository.js';
import { wallClockAt } from '../../src/domain/recorded-time.js';
import { hasChromium, launchChromium, loggedIn, prepareWebUi, shot, SPA } from '../helpers/browser.js';
import { apiOf, createPeople, eventually } from '../helpers/case-fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const UNIT = '330100000041';
const GAP_REASON = '摄像机断电，讯问暂停，恢复供电后继续';
const localDay = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const T0 = Date.parse(`${localDay}T00:10:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();
type Video = { muted: boolean; currentTime: number; paused: boolean; play(): Promise<void>; pause(): void };
/** "2026/12/06 00:10:16" as the page shows recorded time → ms (Beijing time). */
const shownMs = (text: string) => {
  const m = /(\d{4})\/(\d{2})\/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) throw new Error(`no recorded time in "${text}"`);
  return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
};

interface Seg {
  camera: 'overview' | 'frontal';
  from: number;
  to: number;
  driftMs: number;
}
const SEGMENTS: Seg[] = [
  { camera: 'overview', from: 0, to: 6, driftMs: 37_000 }, // the overview camera's clock runs 37 s ahead
  { camera: 'overview', from: 14, to: 20, driftMs: 37_000 },
  { camera: 'frontal', from: 2, to: 10, driftMs: 400 },
  { camera: 'frontal', from: 13, to: 20, driftMs: 400 },
];

describe.skipIf(!hasChromium)("reviewer's player in chromium", () => {
  let h: Harness;
  let api: ReturnType<typeof apiOf>;
  let browser: Browser;
  let tokens: Record<string, string>;
  let caseId: string;
  let sessionId: string;
  let joined: Record<'overview' | 'frontal', { mediaId: string; offsets: Array<{ mediaOffsetSec: number; wallStart: string; wallEnd: string; durationSec: number }> }>;

  beforeAll(async () => {
    await prepareWebUi();
    const dir = await mkdtemp(path.join(tmpdir(), 'evm-player-'));
    const clips = SEGMENTS.map((s, i) => path.join(dir, `${s.camera}-${i}.mp4`));
    const [harness] = await Promise.all([
      startHarness({ env: { RECORDING_GAP_TOLERANCE_SEC: '2', SPRITE_INTERVAL_SEC: '3' } }),
      ...SEGMENTS.map((s, i) => generateClip({ path: clips[i]!, seconds: s.to - s.from, width: 320, height: 180, fps: 10, label: `${s.camera} ${i}` })),
    ]);
    h = harness;
    api = apiOf(h);
    const imported = await api(h.adminToken, '/api/v1/import', {
      body: {
        units: [{ code: UNIT, name: '刑侦三大队' }],
        officers: [{ number: '013580', name: '赵六', unitCode: UNIT }],
        cases: [{ caseNumber: 'A3301002026120007', kind: 'criminal', title: '刘某诈骗案', unitCode: UNIT }],
        persons: [{ externalId: 'P-7', caseNumber: 'A3301002026120007', name: '刘某' }],
        sessions: [{ externalId: 'S-7', caseNumber: 'A3301002026120007', suspectExternalId: 'P-7', room: '第三讯问室', interrogators: ['013580'], declaredStart: iso(T0), declaredEnd: iso(T0 + 20_000) }],
      },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    caseId = (await h.services.db.query<{ id: string }>(`select id from cases where case_number = 'A3301002026120007'`))[0]!.id;
    sessionId = (await h.services.db.query<{ id: string }>(`select id from interrogation_sessions where external_id = 'S-7'`))[0]!.id;
    ({ tokens } = await createPeople(h, [{ username: 'reviewer7', role: 'reviewer', unitCode: UNIT }]));

    // Each segment through the real ingest path, then recorded as the recorder leaves it (with the camera's clock).
    const dock = await h.registerDevice('dock');
    const cams = { overview: await h.registerDevice('camera', 'IRC-OVERVIEW-7'), frontal: await h.registerDevice('camera', 'IRC-FRONTAL-7') };
    const room = await api(h.adminToken, '/api/v1/rooms', { body: { name: '第三讯问室', unitCode: UNIT } });
    expect(room.status, JSON.stringify(room.body)).toBe(201);
    const rec = new RecordingsRepository(h.services.db);
    await rec.switchOn({
      sessionId,
      roomId: room.body.id,
      cameras: (['overview', 'frontal'] as const).map((role) => ({ deviceId: cams[role].id, serial: cams[role].serial, role })),
      actor: 'admin',
    });
    const mediaIds = await Promise.all(
      SEGMENTS.map(async (s, i) => {
        const url = await uploadFile({ baseUrl: h.baseUrl, token: dock.token, path: clips[i]!, metadata: { filename: `${s.camera}-seg-${i}.mp4`, deviceSerial: cams[s.camera].serial, recordedAt: iso(T0 + s.from * 1000) } });
        return (await waitForReceipt(h.baseUrl, dock.token, url)).mediaId!;
      }),
    );
    for (const [i, s] of SEGMENTS.entries()) {
      const [m] = await h.services.db.query<{ sha256: string; size_bytes: string }>('select sha256, size_bytes from media where id = $1', [mediaIds[i]]);
      await rec.insertSegment({
        id: randomUUID(), sessionId, deviceId: cams[s.camera].id, mediaId: mediaIds[i]!, runId: `run-${s.camera}`, file: `seg-${i}.mp4`,
        startedAt: iso(T0 + s.from * 1000), endedAt: iso(T0 + s.to * 1000),
        deviceStartedAt: iso(T0 + s.from * 1000 + s.driftMs), deviceEndedAt: iso(T0 + s.to * 1000 + s.driftMs),
        durationSec: s.to - s.from, holes: [], sha256: m!.sha256, sizeBytes: Number(m!.size_bytes),
      });
    }
    await rec.switchOff(sessionId, 'admin');
    const gaps = await rec.storeGaps(sessionId, [
      { id: randomUUID(), deviceId: cams.overview.id, startedAt: new Date(T0 + 6000), endedAt: new Date(T0 + 14_000), durationSec: 8, cause: 'camera-offline' },
      { id: randomUUID(), deviceId: cams.frontal.id, startedAt: new Date(T0), endedAt: new Date(T0 + 2000), durationSec: 2, cause: 'not-recording' },
      { id: randomUUID(), deviceId: cams.frontal.id, startedAt: new Date(T0 + 10_000), endedAt: new Date(T0 + 13_000), durationSec: 3, cause: 'stream-stalled' },
    ]);
    await h.services.db.query('update session_recordings set finalized_at = now(), coverage = $2, full_recording = false where session_id = $1', [sessionId, (12 + 15) / 40]);
    const overviewGap = gaps.find((g) => g.deviceId === cams.overview.id)!;
    expect((await api(tokens.reviewer7!, `/api/v1/interrogation-sessions/${sessionId}/gaps/${overviewGap.id}/reason`, { body: { reason: GAP_REASON } })).status).toBe(200);

    // The pipeline joins each camera's segments (join-recording), then processes each joined file to ready.
    joined = await eventually(async () => {
      const view = await api(tokens.reviewer7!, `/api/v1/interrogation-sessions/${sessionId}/recording`);
      const list = (view.body?.joined ?? []) as Array<{ role: 'overview' | 'frontal'; mediaId: string; state: string; offsets: typeof joined.overview.offsets }>;
      if (list.length !== 2 || list.some((j) => j.state !== 'ready')) return null;
      return Object.fromEntries(list.map((j) => [j.role, { mediaId: j.mediaId, offsets: j.offsets }])) as typeof joined;
    }, 180_000);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('shows recorded time across the gap, both cameras in sync, the camera clock, and refuses "reviewed" after half a watch', async () => {
    expect(joined.overview.offsets).toHaveLength(2);
    const page = await loggedIn(browser, h.baseUrl, 'reviewer7');
    await page.goto(`${h.baseUrl}/cases/${caseId}`);
    const session = page.getByTestId('session-card');
    // One lane per camera on the session timeline, each with its own gaps.
    await session.getByTestId('timeline-lane').nth(1).waitFor();
    await expect(session.getByTestId('timeline-lane').count()).resolves.toBe(2);
    await expect(session.getByTestId('timeline-lane').first().getByTestId('timeline-gap').count()).resolves.toBe(1);
    await expect(session.getByTestId('timeline-lane').nth(1).getByTestId('timeline-gap').count()).resolves.toBe(2);
    // What "全程录制" asserts, with the tolerance from the server's configuration.
    await expect(session.getByTestId('full-means').textContent()).resolves.toContain('超过 2 秒的中断');

    await page.goto(`${h.baseUrl}/media/${joined.overview.mediaId}?case=${caseId}&session=${sessionId}`);
    const video = page.getByTestId('player');
    await video.waitFor();
    await page.getByTestId('second-camera').waitFor();
    // The jump is on the progress bar, at 6 s of 12 s.
    await expect(page.getByTestId('jump-marker').count()).resolves.toBe(1);
    await expect(page.getByTestId('jump-marker').getAttribute('title')).resolves.toContain('8 秒');
    // The overview camera's clock ran 37 s ahead of the server: said, not hidden.
    await expect(page.getByTestId('clock-drift').textContent()).resolves.toContain('37 秒');

    // Play the first half (0–6 s of 12 s) at normal speed; the pause reports it.
    await page.waitForFunction('document.querySelector(\'[data-testid="player"]\').readyState >= 1', null, { timeout: 20_000 });
    await video.evaluate(async (v: Video) => {
      v.muted = true;
      v.currentTime = 0;
      await v.play();
    });
    // Before the frontal camera started (wall 0–2 s) the second view says it has no picture.
    await page.getByTestId('no-picture').waitFor({ timeout: 10_000 });
    await page.waitForFunction('document.querySelector(\'[data-testid="player"]\').currentTime >= 5.9', null, { timeout: 30_000 });
    await video.evaluate((v: Video) => v.pause());
    const watched = await eventually(async () => {
      const w = await api(tokens.reviewer7!, `/api/v1/media/${joined.overview.mediaId}/watched`);
      return w.body.countedSec >= 5 ? w.body : null;
    }, 15_000);
    expect(watched.share).toBeGreaterThan(0.4);
    expect(watched.share).toBeLessThan(0.6);
    const events = await api(h.adminToken, `/api/v1/custody/events?mediaId=${joined.overview.mediaId}&type=media.watched`);
    expect(events.body.items.length).toBeGreaterThan(0);
    expect(events.body.items[0].actor).toBe('user:reviewer7');

    // Seeking across the jump to 8 s: the recorded time is the offsets table's (wall 16 s), not recordedAt + 8 s.
    await video.evaluate((v: Video) => {
      v.currentTime = 8;
    });
    await page.getByTestId('gap-notice').waitFor();
    const notice = (await page.getByTestId('gap-notice').textContent())!;
    expect(notice).toContain('8 秒');
    expect(notice).toContain('摄像机离线');
    expect(notice).toContain(GAP_REASON);
    const expected = wallClockAt(joined.overview.offsets, 8)!;
    expect(expected).toBe(T0 + 16_000);
    await page.waitForFunction('/00:10:1[5-7]/.test(document.querySelector(\'[data-testid="wall-clock"]\').textContent)', null, { timeout: 10_000 });
    const shown = shownMs((await page.getByTestId('wall-clock').textContent())!);
    expect(Math.abs(shown - expected)).toBeLessThanOrEqual(1000);
    // The frontal camera follows by recorded time: wall 16 s is 3 s into its second segment, file position 11 s.
    await page.waitForFunction('Math.abs(document.querySelector(\'[data-testid="player-secondary"]\').currentTime - 11) < 0.6', null, { timeout: 10_000 });

    // "录像已审阅" with half watched and no reason: refused by the server, with its code, and nothing recorded.
    await page.getByTestId('watched-share').waitFor();
    await expect(page.getByTestId('watched-share').textContent()).resolves.toMatch(/已观看 (4\d|5\d)\.\d%/);
    await page.getByTestId('below-share').waitFor();
    await page.getByTestId('review-finding').fill('前半段已观看');
    await page.getByTestId('review-confirm').check();
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('review-refused').waitFor();
    await expect(page.getByTestId('review-refused').textContent()).resolves.toContain('未确认：观看比例未达到要求');
    await expect(page.getByTestId('review-refused').textContent()).resolves.toContain('EVM_REVIEW_NOT_WATCHED');
    const review = await api(tokens.reviewer7!, `/api/v1/cases/${caseId}/review`);
    const overview = review.body.sessions[0].recordings.find((r: { id: string }) => r.id === joined.overview.mediaId);
    expect(overview.review).toBeNull();
    await shot(page, '20-reviewer-player-two-cameras');

    // Switching the main view keeps the recorded time: the frontal recording opens at its own position 11 s.
    await page.getByTestId('swap-camera').click();
    await page.waitForURL(new RegExp(`/media/${joined.frontal.mediaId}`), SPA);
    await page.waitForFunction('Math.abs(document.querySelector(\'[data-testid="player"]\').currentTime - 11) < 0.6', null, { timeout: 15_000 });
    const after = shownMs((await page.getByTestId('wall-clock').textContent())!);
    expect(Math.abs(after - expected)).toBeLessThanOrEqual(1000);
    await expect(page.getByTestId('clock-drift').textContent()).resolves.toContain('一致');
    await shot(page, '21-reviewer-player-switched');

    // Back on the case: the blockers name each recording and how much was watched.
    await page.goto(`${h.baseUrl}/cases/${caseId}`);
    const blockers = page.getByTestId('review-blocker');
    await blockers.first().waitFor();
    const texts = await blockers.allTextContents();
    expect(texts.some((x) => /全景摄像机录像：已观看 (4|5)\d%/.test(x))).toBe(true);
    expect(texts.some((x) => /正面特写摄像机录像：已观看 0%/.test(x))).toBe(true);
    await shot(page, '22-reviewer-case-two-camera-lanes');
    await page.context().close();
  });
});
