/**
 * The web UI in a real browser for the test/browser files: Debian's chromium driven by playwright-core, pages as a
 * person in Hangzhou sees them (zh-CN, Beijing time), signed in through the login form, screenshots for a human to
 * look at afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PASSWORD } from './case-fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The browser files skip themselves on a machine without chromium rather than fail. */
export const hasChromium = existsSync(CHROMIUM);
const SHOTS = path.resolve('test-results/screenshots');
// Client-side routes change the URL without a new document: wait for the URL, not for a load event.
export const SPA = { waitUntil: 'commit' } as const;

/** The service serves web/dist; the install step builds it, a bare checkout builds it here. */
export async function prepareWebUi(): Promise<void> {
  if (!existsSync('web/dist/index.html')) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
  await mkdir(SHOTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The tests start the player from script, with no click a real user would give: allow it to play.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A fresh context each time, so no sign-in cookie carries over from the previous person. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1366, height: 900 } });
  return context.newPage();
}

/** Signs in through the form; a page already on the login screen (after signing out) stays there to do it. */
export async function signIn(page: Page, baseUrl: string, username: string): Promise<void> {
  if (!page.url().includes('/login')) await page.goto(`${baseUrl}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), SPA);
}

export async function loggedIn(browser: Browser, baseUrl: string, username: string): Promise<Page> {
  const page = await newPage(browser);
  await signIn(page, baseUrl, username);
  return page;
}

export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
