// What the console's browser tests share: Debian's Chromium driven by playwright-core, the page
// settings, a skip reason when something is missing, polling, and screenshots that first check
// nothing is wider than the window.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
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
