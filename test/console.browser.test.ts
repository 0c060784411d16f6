// The web console in a real browser: Playwright drives Debian's Chromium against a real
// `tapline serve` (the built console in dist/web, the admin API, the token service and the edge).
// Every page is saved as a 1280x800 screenshot under test-results/console/. With
// TAPLINE_DOCS_SCREENSHOTS=1 the run also refreshes docs/console-unknown-traffic.png.
//
// Needs /usr/bin/chromium (apt-get install chromium), playwright-core (a devDependency) and a
// built console (npm ci builds it; otherwise npm run build:web). Without them the tests skip.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { browserSkip, eventually, launchChromium, newContext, ROOT, shot as settledShot, stepsFor, watchErrors } from './browser.ts';
import { ADMIN_PASSWORD, getToken, postJson, sampleTransaction, startTestServer, tokenUrl, type TestServer } from './helpers.ts';

const SHOTS = `${ROOT}test-results/console`;
const skip = browserSkip;

const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

/** Screenshots of this suite go to test-results/console/. */
const shot = (page: Page, name: string) => settledShot(page, `console/${name}`);

async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: `Account: ${username}` }).waitFor();
}

/** Posts one Edge-format transaction with a client's token; asserts the edge accepted it. */
async function send(server: TestServer, token: string, t: ReturnType<typeof sampleTransaction>): Promise<void> {
  const res = await postJson(`${server.url}/api-transaction`, token, t);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

function withStatus(t: ReturnType<typeof sampleTransaction>, status: number, clientIp?: string) {
  t.response['status-code'] = String(status);
  if (clientIp) t.request['client-ip'] = clientIp;
  return t;
}

if (skip) test('web console in Chromium', { skip }, () => {});
else describe('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  /** The page a failure screenshot shows. */
  let current: Page | null = null;
  const client = { name: 'apim-prod-west', secret: '' };
  // Script errors in any page (failed requests the test provokes, such as a 401, are not errors).
  const scriptErrors: string[] = [];
  const watch = (p: Page) => watchErrors(p, scriptErrors);

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    browser = await launchChromium();
    admin = await newContext(browser);
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = watch(await admin.newPage());
    current = page;
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  // The steps build on each other: after a failure, keep a picture of the page and skip the rest.
  const step = stepsFor(() => current, `${SHOTS}/FAILED.png`, false);

  step('sign-in: a wrong password is refused in place; the admin signs in to the dashboard', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Sign in to Tapline' }).waitFor();
    assert.equal(await page.title(), 'Sign in · Tapline');
    await shot(page, '01-sign-in');

    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The username or password is not correct.' }).waitFor();

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('heading', { name: 'No traffic in this period' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    await shot(page, '02-dashboard-empty');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Nothing onboarded yet' }).waitFor();
    await shot(page, '02-applications-empty');
  });

  step('add a client by clicks, read its secret through the copy button, close', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'User Management' }).click();
    await page.getByRole('heading', { level: 1, name: 'User Management' }).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('row', { name: /admin/ }).waitFor();
    await shot(page, '03-users-tab');

    await page.getByRole('navigation', { name: 'User Management' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { name: 'Create the first client' }).waitFor();

    await page.getByRole('button', { name: 'Add New Client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add New Client' });
    await dialog.waitFor();
    // Focus starts in the first field; a bad name is explained before saving.
    await eventually('the name field has focus', () => isFocused(dialog.getByLabel('Client Name')));
    await dialog.getByLabel('Client Name').fill('apim prod');
    await dialog.getByText('Use only letters, digits').waitFor();
    await dialog.getByLabel('Client Name').fill(client.name);
    const ingestion = dialog.getByRole('switch', { name: 'Traffic Ingestion' });
    assert.equal(await ingestion.isChecked(), true);
    await ingestion.click();
    assert.equal(await ingestion.isChecked(), false);
    await ingestion.click();
    assert.equal(await ingestion.isChecked(), true);
    await dialog.getByLabel('Token Lifespan').fill('900');
    await shot(page, '04-add-client-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();

    const created = page.getByRole('dialog', { name: 'Client created' });
    await created.waitFor();
    assert.equal(await created.getByRole('textbox', { name: 'Client id' }).inputValue(), client.name);
    await created.getByRole('button', { name: 'Copy secret' }).click();
    await created.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    client.secret = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(client.secret, /^\S{20,}$/);
    assert.equal(await created.getByRole('textbox', { name: 'Client secret' }).inputValue(), client.secret);
    // The secret is masked until asked for.
    assert.equal(await created.getByRole('textbox', { name: 'Client secret' }).getAttribute('type'), 'password');
    await shot(page, '05-add-client-secret');
    await created.getByRole('button', { name: 'Close' }).click();
    await created.waitFor({ state: 'detached' });

    const row = page.getByRole('table', { name: 'Clients' }).getByRole('row').filter({ hasText: client.name });
    await row.waitFor();
    await row.getByText('15 min', { exact: true }).waitFor();
    await row.getByText('Never used').waitFor();
    await shot(page, '06-clients-tab');

    const listed = await server.admin('/clients');
    const stored = listed.body.items.find((c: { clientId: string }) => c.clientId === client.name);
    assert.deepEqual({ ingestion: stored.trafficIngestion, lifespan: stored.tokenLifespan }, { ingestion: true, lifespan: 900 });
  });

  step('keyboard: Escape closes a dialog and focus returns to the button that opened it', async () => {
    const add = page.getByRole('button', { name: 'Add New Client' });
    await add.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add New Client' });
    await dialog.waitFor();
    await eventually('focus is inside the dialog', () => dialog.evaluate((el) => el.contains(document.activeElement)));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await eventually('focus is back on "Add New Client"', () => isFocused(add));
  });

  step('a transaction posted over HTTP shows in Unknown Traffic within 2 s, without a reload', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'System Diagnostics' }).click();
    await page.getByRole('heading', { level: 1, name: 'System Diagnostics' }).waitFor();
    await page.getByRole('heading', { name: 'Nothing to onboard right now' }).waitFor();
    await shot(page, '07-system-diagnostics-empty');
    await page.getByRole('heading', { name: 'Nothing to onboard right now' }).scrollIntoViewIfNeeded();
    await shot(page, '07-unknown-traffic-empty');

    const token = await getToken(server, client.name, client.secret);
    const posted = Date.now();
    await send(server, token, sampleTransaction({ host: 'brand-new.example', uri: '/v1/brand-new/orders?id=7', method: 'POST', body: JSON.stringify({ sku: 'A-1', qty: 2 }) }));

    // Within 2 s of the POST, with no reload: the pane polls.
    const row = page.getByRole('table', { name: 'Unknown Traffic' }).getByRole('row').filter({ hasText: '/v1/brand-new/orders?id=7' });
    await row.waitFor({ timeout: Math.max(1, posted + 2000 - Date.now()) });
    await row.getByText('POST', { exact: true }).waitFor();
    await row.getByText('brand-new.example', { exact: true }).waitFor();

    // More traffic for the pictures: other hosts, other answers.
    const more = [
      withStatus(sampleTransaction({ host: 'payments.internal.example', uri: '/api/v2/payments/9f2c/capture', method: 'POST', body: '{"amount":1250}' }), 201, '198.51.100.23'),
      withStatus(sampleTransaction({ host: 'payments.internal.example', uri: '/api/v2/payments?status=pending&limit=50' }), 200, '198.51.100.23'),
      withStatus(sampleTransaction({ host: 'legacy-crm.example:8443', uri: '/soap/CustomerService', method: 'POST' }), 500, '192.0.2.44'),
      withStatus(sampleTransaction({ host: 'brand-new.example', uri: '/v1/brand-new/orders/7', method: 'DELETE' }), 404),
      withStatus(sampleTransaction({ host: 'crm-api.internal.example', uri: '/api/v1/customers/8812/addresses' }), 200, '198.51.100.80'),
      withStatus(sampleTransaction({ host: 'auth.partner.example', uri: '/oauth/token', method: 'POST', body: 'grant_type=client_credentials' }), 401, '192.0.2.201'),
      withStatus(sampleTransaction({ host: 'payments.internal.example', uri: '/healthz' }), 200, '10.0.3.12'),
      withStatus(sampleTransaction({ host: 'api.shop.example', uri: '/v1/cart/items', method: 'PUT' }), 200),
    ];
    for (const t of more) await send(server, token, t);
    // And one the edge rejects, for Ingestion Health and the dashboard's Ingestion Errors.
    const broken = sampleTransaction({ host: 'payments.internal.example' }) as { request: Record<string, unknown> };
    delete broken.request['http-method'];
    assert.equal((await postJson(`${server.url}/api-transaction`, token, broken)).status, 400);
    await page.getByRole('table', { name: 'Unknown Traffic' }).getByRole('row').filter({ hasText: '/v1/cart/items' }).waitFor({ timeout: 2000 });
    // Ingestion Health polls every 5 s (and rejections are counted within a second or two):
    // come back to the page rather than wait.
    await eventually('the rejection is counted', async () => (await server.admin('/diagnostics/ingestion')).body.items.some((r: { rejected: object }) => Object.keys(r.rejected).length > 0), 5000);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System Diagnostics' }).click();
    const health = page.getByRole('table', { name: 'Ingestion health' }).getByRole('row').filter({ hasText: client.name });
    await health.getByText('9', { exact: true }).waitFor();
    await health.getByText('request.http-method is required').waitFor();
    await health.getByRole('img', { name: /Transactions per minute from apim-prod-west/ }).waitFor();
    await shot(page, '08-system-diagnostics');
    if (process.env.TAPLINE_DOCS_SCREENSHOTS === '1') {
      mkdirSync(`${ROOT}docs`, { recursive: true });
      // Ingestion Health and Unknown Traffic together, just under the top bar.
      await page.getByRole('heading', { name: 'Ingestion Health' }).evaluate((h) => {
        const card = h.closest('.card')!;
        window.scrollTo(0, card.getBoundingClientRect().top + window.scrollY - 72);
      });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      await page.screenshot({ path: `${ROOT}docs/console-unknown-traffic.png` });
      await page.evaluate(() => window.scrollTo(0, 0));
    }
  });

  step('a row opens the transaction drawer with headers, body and the client-IP rule', async () => {
    const row = page.getByRole('table', { name: 'Unknown Traffic' }).getByRole('row').filter({ hasText: '/v1/brand-new/orders?id=7' });
    await row.getByText('/v1/brand-new/orders?id=7').click();
    const drawer = page.getByRole('dialog', { name: 'POST /v1/brand-new/orders?id=7' });
    await drawer.waitFor();
    await drawer.getByRole('heading', { name: 'Client IP' }).waitFor();
    await drawer.getByText('203.0.113.7', { exact: true }).waitFor();
    await drawer.getByText('client-ip', { exact: true }).waitFor();
    await drawer.getByText('Taken from the request’s client-ip field').waitFor();
    const requestHeaders = drawer.getByRole('table', { name: 'Request headers' });
    await requestHeaders.getByRole('row').filter({ hasText: 'user-agent' }).filter({ hasText: 'curl/8.5.0' }).waitFor();
    const requestBody = await drawer.getByLabel('Request body').textContent();
    assert.deepEqual(JSON.parse(requestBody ?? ''), { sku: 'A-1', qty: 2 });
    const responseBody = await drawer.getByLabel('Response body').textContent();
    assert.deepEqual(JSON.parse(responseBody ?? ''), { id: 42, name: 'Ada', items: [1, 2, 3] });
    await shot(page, '09-transaction-drawer');

    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await eventually('focus is back on the row', () => isFocused(row));
  });

  step('onboarding the host as a new application removes it from Unknown Traffic', async () => {
    const table = page.getByRole('table', { name: 'Unknown Traffic' });
    const row = table.getByRole('row').filter({ hasText: '/v1/brand-new/orders?id=7' });
    await row.getByRole('button', { name: 'Onboard host' }).click();
    const dialog = page.getByRole('dialog', { name: 'Onboard host' });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'New application' }).waitFor();
    assert.equal(await dialog.getByRole('radio', { name: 'New application' }).isChecked(), true);
    assert.equal(await dialog.getByLabel('Host pattern').inputValue(), 'brand-new.example');
    await dialog.getByLabel('Application name').fill('Brand New Shop');
    await shot(page, '10-onboard-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('status').filter({ hasText: 'brand-new.example is now part of an application' }).waitFor();
    await table.getByRole('row').filter({ hasText: 'brand-new.example' }).first().waitFor({ state: 'detached' });
    // Other hosts stay; the server agrees that the host is no longer unknown.
    await table.getByRole('row').filter({ hasText: 'payments.internal.example' }).first().waitFor();
    const unknown = await server.admin('/diagnostics/unknown-traffic');
    assert.ok(unknown.body.items.every((t: { host: string }) => t.host !== 'brand-new.example'));
    const apps = await server.admin('/applications');
    assert.deepEqual(apps.body.items.map((a: { name: string; hosts: string[] }) => [a.name, a.hosts]), [['Brand New Shop', ['brand-new.example']]]);
  });

  step('Applications: create an application, then edit its hosts', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
    const table = page.getByRole('table', { name: 'Applications' });
    await table.getByRole('row').filter({ hasText: 'Brand New Shop' }).waitFor();

    await page.getByRole('button', { name: 'Add Application' }).click();
    const create = page.getByRole('dialog', { name: 'Add Application' });
    await create.getByLabel('Name').fill('Storefront');
    await create.getByLabel('Host patterns').fill('api.shop.example\nnot a host');
    await create.getByText('Not a host name or pattern: line 2').waitFor();
    await shot(page, '11-application-dialog');
    await create.getByLabel('Host patterns').fill('api.shop.example\n*.cdn.shop.example');
    await create.getByRole('button', { name: 'Save' }).click();
    await create.waitFor({ state: 'detached' });
    const row = table.getByRole('row').filter({ hasText: 'Storefront' });
    await row.getByText('*.cdn.shop.example').waitFor();

    await row.getByRole('button', { name: 'Edit Storefront' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit application Storefront' });
    assert.equal(await edit.getByLabel('Host patterns').inputValue(), 'api.shop.example\n*.cdn.shop.example');
    await edit.getByLabel('Host patterns').fill('api.shop.example\n*.cdn.shop.example\nshop.example:8443');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByText('shop.example:8443', { exact: true }).waitFor();
    // The PUT to api.shop.example earlier now counts for Storefront.
    await row.getByRole('cell', { name: '1', exact: true }).waitFor();
    await shot(page, '11-applications');

    const apps = await server.admin('/applications');
    const storefront = apps.body.items.find((a: { name: string }) => a.name === 'Storefront');
    assert.deepEqual(storefront.hosts, ['api.shop.example', '*.cdn.shop.example', 'shop.example:8443']);
  });

  step('Dashboard: the uPlot chart draws the traffic; time range buttons switch the period', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('heading', { name: 'Traffic', exact: true }).waitFor();
    await page.locator('.chart .uplot canvas').waitFor();
    const size = await page.locator('.chart .uplot canvas').evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    assert.ok(size[0]! > 300 && size[1]! > 100, `canvas ${size.join('x')}`);
    await page.getByRole('table', { name: 'Top hosts' }).getByRole('row').filter({ hasText: 'payments.internal.example' }).waitFor();
    await page.getByRole('table', { name: 'Top endpoints' }).getByRole('row').filter({ hasText: '/soap/CustomerService' }).waitFor();
    await page.getByRole('region', { name: 'Ingestion Errors' }).getByText('invalid_transaction').waitFor();

    const range = page.getByRole('group', { name: 'Time range' });
    assert.equal(await range.getByRole('button', { name: '24 h' }).getAttribute('aria-pressed'), 'true');
    await range.getByRole('button', { name: '1 h' }).click();
    await page.getByText('API traffic received by Tapline in the last hour.').waitFor();
    assert.equal(await range.getByRole('button', { name: '1 h' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await range.getByRole('button', { name: '24 h' }).getAttribute('aria-pressed'), 'false');
    await page.locator('.chart .uplot canvas').waitFor();
    await page.getByRole('term').filter({ hasText: 'Calls' }).waitFor();
    await shot(page, '12-dashboard');
    await range.getByRole('button', { name: '7 d' }).click();
    await page.getByText('API traffic received by Tapline in the last 7 days.').waitFor();
  });

  step('Integrations: the five APIM named values, with this server’s token endpoint', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    const table = page.getByRole('table', { name: 'Azure API Management named values' });
    await table.waitFor();
    const names = await table.locator('tbody th').allTextContents();
    assert.deepEqual(names, ['ceq-client-id', 'ceq-client-secret', 'ceq-token-endpoint', 'ceq-ingress-endpoint', 'ceq-token-acquisition-timeout']);
    await table.getByRole('row', { name: /ceq-client-id/ }).getByText(client.name, { exact: true }).waitFor();
    await table.getByRole('row', { name: /ceq-token-endpoint/ }).getByText(tokenUrl(server), { exact: true }).waitFor();
    await table.getByRole('row', { name: /ceq-ingress-endpoint/ }).getByText(`${server.url}/api-transaction`, { exact: true }).waitFor();
    await table.getByRole('row', { name: /ceq-token-acquisition-timeout/ }).getByText('900', { exact: true }).waitFor();
    await table.getByRole('row', { name: /ceq-token-endpoint/ }).getByRole('button', { name: 'Copy ceq-token-endpoint' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), tokenUrl(server));
    await shot(page, '13-integrations');
  });

  step('a viewer sees clients but cannot create or change them; the API refuses with 403', async () => {
    const created = await server.admin('/users', { body: { username: 'vera', password: 'viewer-password-1', role: 'viewer' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser);
    try {
      const viewer = watch(await context.newPage());
      current = viewer;
      await signIn(viewer, server.url, 'vera', 'viewer-password-1');
      await viewer.getByRole('button', { name: 'Account: vera' }).getByText('Viewer').waitFor();
      await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'User Management' }).click();
      await viewer.getByRole('navigation', { name: 'User Management' }).getByRole('link', { name: 'Clients' }).click();
      const table = viewer.getByRole('table', { name: 'Clients' });
      await table.getByRole('row').filter({ hasText: client.name }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Add New Client' }).count(), 0);
      assert.equal(await table.getByRole('button').count(), 0, 'no row actions for a viewer');
      assert.equal(await table.getByRole('columnheader', { name: 'Actions' }).count(), 0);
      await shot(viewer, '14-clients-tab-viewer');

      const refused = await viewer.evaluate(async () => {
        const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
        const res = await fetch('/api/v1/clients', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify({ name: 'sneaky', trafficIngestion: true, tokenLifespan: 600 }),
        });
        return res.status;
      });
      assert.equal(refused, 403);
      assert.equal((await server.admin('/clients')).body.items.some((c: { clientId: string }) => c.clientId === 'sneaky'), false);

      // Unknown Traffic is visible to a viewer, without the onboarding action.
      await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System Diagnostics' }).click();
      const unknown = viewer.getByRole('table', { name: 'Unknown Traffic' });
      await unknown.getByRole('row').filter({ hasText: 'payments.internal.example' }).first().waitFor();
      assert.equal(await unknown.getByRole('button', { name: 'Onboard host' }).count(), 0);
    } finally {
      await context.close();
    }
  });

  step('change password dialog, sign-out, and sign-in with the new password', async () => {
    const context = await newContext(browser);
    try {
      const p = watch(await context.newPage());
      current = p;
      await signIn(p, server.url, 'vera', 'viewer-password-1');
      const menu = p.getByRole('button', { name: 'Account: vera' });
      await menu.click();
      await shot(p, '15-user-menu');
      await p.getByRole('button', { name: 'Change password' }).click();
      const dialog = p.getByRole('dialog', { name: 'Change password' });
      await dialog.waitFor();

      // Escape closes it and focus returns to the account menu.
      await p.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await eventually('focus is back on the account menu', () => isFocused(menu));

      await menu.click();
      await p.getByRole('button', { name: 'Change password' }).click();
      await dialog.getByLabel('Current password').fill('viewer-password-1');
      await dialog.getByLabel('New password').fill('viewer-password-2');
      await dialog.getByLabel('Confirm password').fill('viewer-password-3');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByText('The two new passwords are not the same.').waitFor();
      await dialog.getByLabel('Current password').fill('wrong-password');
      await dialog.getByLabel('Confirm password').fill('viewer-password-2');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'The current password is not correct.' }).waitFor();
      await shot(p, '16-change-password-error');
      await dialog.getByLabel('Current password').fill('viewer-password-1');
      await dialog.getByRole('button', { name: 'Save' }).click();
      const done = p.getByRole('dialog', { name: 'Password changed' });
      await done.waitFor();
      await done.getByRole('button', { name: 'Close' }).click();
      await done.waitFor({ state: 'detached' });

      await menu.click();
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.getByRole('heading', { name: 'Sign in to Tapline' }).waitFor();
      await p.getByText('You have signed out.').waitFor();
      // The session is gone on the server too.
      assert.equal(await p.evaluate(async () => (await fetch('/api/v1/session')).status), 401);
      await p.getByLabel('Username').fill('vera');
      await p.getByLabel('Password').fill('viewer-password-1');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').waitFor();
      await p.getByLabel('Password').fill('viewer-password-2');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('button', { name: 'Account: vera' }).waitFor();
    } finally {
      await context.close();
    }
  });

  step('no script errors in the browser console', async () => {
    assert.deepEqual(scriptErrors, []);
  });
});
