// What the console's browser tests share: Debian's Chromium driven by playwright-core, the page
// settings, a skip reason when something is missing, polling, and screenshots that first check
// nothing is wider than the window.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SHOTS = `${ROOT}test-results`;
const INDEX = `${ROOT}dist/web/index.html`;
/** Reduced motion: dialogs appear without their fade, so screenshots show them settled. */
export const CONTEXT = { viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC', reducedMotion: 'reduce' } as const;

const playwright = await import('playwright-core').catch(() => null);

/** Why browser tests cannot run here, or false. */
export const browserSkip: string | false = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !playwright
    ? 'playwright-core is not installed (npm ci installs it)'
    : !existsSync(INDEX)
      ? 'the web console is not built: dist/web/index.html is missing (npx vite build)'
      : false;

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return playwright!.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

/** A context with the standard page settings and a 10 s default timeout for every action. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext(CONTEXT);
  context.setDefaultTimeout(10_000);
  return context;
}

/**
 * Collects the page's script errors into `errors`. Failed resource loads are left out: they are
 * the 401s and 404s the tests provoke on purpose.
 */
export function watchErrors(page: Page, errors: string[]): Page {
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

/**
 * Declares test steps that build on each other: after one fails, a picture of `page()` is saved
 * at `failurePicture` and the rest are skipped.
 */
export function stepsFor(page: () => Page | null | undefined, failurePicture: string, fullPage = true) {
  let failed: string | null = null;
  return (name: string, fn: () => Promise<void>) =>
    test(name, async (t) => {
      if (failed) return t.skip(`an earlier step failed: ${failed}`);
      try {
        await fn();
      } catch (err) {
        failed = name;
        await page()?.screenshot({ path: failurePicture, fullPage }).catch(() => undefined);
        throw err;
      }
    });
}

/** Waits until `check` holds (`state` says what was seen, for the failure message). */
export async function eventually(what: string, check: () => Promise<boolean>, timeout = 10_000, state?: () => string): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting until ${what}${state ? `: ${state()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Saves a screenshot of the settled page after checking that nothing is wider than the window. */
export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(null)))));
  const overflow = await page.evaluate(() => {
    const wide: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) wide.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    for (const wrap of Array.from(document.querySelectorAll('.table-wrap'))) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) wide.push(`table "${wrap.querySelector('caption')?.textContent ?? '?'}" is ${wrap.scrollWidth} px in ${wrap.clientWidth} px`);
    }
    return wide;
  });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
  assert.deepEqual(overflow, [], `${name}: content wider than the window`);
}
