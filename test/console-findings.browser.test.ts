// The Findings pages in a real browser: Playwright drives Debian's Chromium against a real
// `tapline serve` fed traffic that analysis turns into findings: a password in a URL (API2), a 500
// with a Java stack trace (API8), and one client walking 80 account ids (API1, BOLA). The list shows
// them with severities and OWASP categories and filters by category and severity; the CSV export
// answers; a finding's page explains why it fired (evidence, rule counts) and lists the
// transactions behind it, which open in the transaction drawer; an admin acknowledges one with a
// reason; the endpoint page lists its open findings; a viewer sees findings but no actions.
// Screenshots: test-results/findings.png, finding.png, finding-verbose.png, endpoint-findings.png.
//
// Needs /usr/bin/chromium, playwright-core and a built console (npx vite build); skips without.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, eventually, launchChromium, newContext, SHOTS, shot, stepsFor, watchErrors } from './browser.ts';
import { ADMIN_PASSWORD, createClient, getToken, postJson, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

const skip = browserSkip;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const STACK = 'java.lang.NullPointerException: order is null\n\tat com.shop.OrderService.place(OrderService.java:42)\n\tat com.shop.OrderController.create(OrderController.java:17)';

/** A transaction whose response is a 500 carrying a Java stack trace. */
function failingOrder() {
  const t = sampleTransaction({ host: 'shop.example', method: 'POST', uri: '/v1/orders', body: '{"sku":"A-1"}', id: randomUUID() });
  t.response = { 'status-code': '500', headers: [`content-type:${b64('text/plain')}`], body: { length: Buffer.byteLength(STACK), data: b64(STACK) } };
  return t;
}



interface ListedFinding { id: string; type: string; owaspCategory: string | null; severity: string; endpointId: string | null; status: string }

if (skip) test('findings console in Chromium', { skip }, () => {});
else describe('findings console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];
  let bola: ListedFinding;
  let verbose: ListedFinding;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const context = await newContext(browser);
    page = watchErrors(await context.newPage(), scriptErrors);
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  // The steps build on each other: after a failure, keep a picture of the page and skip the rest.
  const step = stepsFor(() => page, `${SHOTS}/findings-FAILED.png`);

  const table = () => page.getByRole('table', { name: 'Findings' });
  const row = (text: string) => table().getByRole('row').filter({ hasText: text });
  const types = () => table().locator('tbody tr .finding-link').allTextContents();

  step('no traffic yet: the empty list says where findings come from', async () => {
    await page.goto(`${server.url}/findings`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Findings' }).waitFor();
    await page.getByRole('heading', { name: 'No findings yet' }).waitFor();
    await page.getByText('Behaviour over time').waitFor();
  });

  step('traffic becomes findings: credentials in a URL, a stack trace, an actor walking account ids', async () => {
    const { clientId, secret } = await createClient(server, 'findings-capture');
    const token = await getToken(server, clientId, secret);
    const walk = Array.from({ length: 80 }, (_, i) => sampleTransaction({ host: 'bank.example', uri: `/v1/accounts/${100000 + i * 37}`, id: randomUUID() }));
    const shop = [
      sampleTransaction({ host: 'shop.example', uri: `/v1/login?user=ada&password=${randomUUID()}`, id: randomUUID() }),
      failingOrder(),
      failingOrder(),
    ];
    for (const data of [walk, shop]) assert.equal((await postJson(`${server.url}/api-transactions`, token, { data })).status, 200);
    await server.runner.drain();
    let items: ListedFinding[] = [];
    await eventually('analysis raised the three findings', async () => {
      items = (await server.admin('/findings?limit=100')).body.items;
      return ['BOLA_OBJECT_ENUMERATION', 'CREDENTIALS_IN_URL', 'VERBOSE_ERROR'].every((t) => items.some((f) => f.type === t));
    });
    bola = items.find((f) => f.type === 'BOLA_OBJECT_ENUMERATION')!;
    verbose = items.find((f) => f.type === 'VERBOSE_ERROR')!;
    assert.equal(bola.owaspCategory, 'API1');
    assert.equal(verbose.owaspCategory, 'API8');
  });

  step('the list: severities, OWASP categories with names, endpoints, actors; counts per severity', async () => {
    await page.reload();
    await row('Object id enumeration').waitFor();
    const bolaRow = row('Object id enumeration');
    await bolaRow.getByText('High', { exact: true }).waitFor();
    await bolaRow.getByText('API1', { exact: true }).waitFor();
    await bolaRow.getByText('Broken Object Level Authorization').waitFor();
    await bolaRow.getByText('IP 203.0.113.7').waitFor();
    await bolaRow.getByText(/^\/v1\/accounts\/\{\w+\}$/).waitFor();
    await bolaRow.getByText('bank.example', { exact: true }).waitFor();
    const credRow = row('Credentials in URL');
    await credRow.getByText('API2', { exact: true }).waitFor();
    await credRow.getByText('Broken Authentication').waitFor();
    const errRow = row('Verbose error');
    await errRow.getByText('Medium', { exact: true }).waitFor();
    await errRow.getByText('Security Misconfiguration').waitFor();
    await errRow.getByRole('cell', { name: '2', exact: true }).waitFor();
    await errRow.getByText('/v1/orders', { exact: true }).waitFor();
    const chips = page.getByRole('group', { name: 'Findings by severity' });
    const open = (await server.admin('/findings?status=open&limit=100')).body.items as ListedFinding[];
    for (const sev of ['critical', 'high', 'medium', 'low', 'info']) {
      const n = open.filter((f) => f.severity === sev).length;
      await chips.getByRole('button', { name: new RegExp(`^${sev}\\s*${n}$`, 'i') }).waitFor();
    }
    await page.getByText(`1–${open.length} of ${open.length} findings`).waitFor();
    await shot(page, 'findings');
  });

  step('filters: by category, by severity; the CSV export follows them', async () => {
    await page.getByLabel('OWASP category').selectOption('API1');
    await eventually('only API1 is listed', async () => JSON.stringify(await types()) === JSON.stringify(['Object id enumeration']));
    assert.equal(new URL(page.url()).searchParams.get('category'), 'API1');

    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.ok(href, 'the export link has an address');
    const csv = await page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'same-origin' });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.type ?? '', /^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,type,owaspCategory,severity,status,endpointId,actor,subject,count,firstSeen,lastSeen,summary,statusReason');
    assert.equal(lines.length, 2, csv.text);
    assert.ok(lines[1]!.startsWith(`${bola.id},BOLA_OBJECT_ENUMERATION,API1,high,open,`), lines[1]);

    await page.getByLabel('OWASP category').selectOption('');
    await page.getByRole('group', { name: 'Findings by severity' }).getByRole('button', { name: /^Medium/ }).click();
    await row('Verbose error').waitFor();
    await eventually('only medium findings are listed', async () => {
      const listed = await types();
      return listed.length > 0 && !listed.includes('Object id enumeration') && !listed.includes('Credentials in URL');
    });
    assert.equal(await page.getByLabel('Severity', { exact: true }).inputValue(), 'medium');
    assert.equal(new URL(page.url()).searchParams.get('severity'), 'medium');
  });

  step('a finding: why it fired, where, who, and the transactions behind it', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row('Object id enumeration').getByRole('link', { name: 'Object id enumeration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Object id enumeration' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/findings/${bola.id}`);
    await page.getByText('API1 Broken Object Level Authorization (OWASP API Security Top 10, 2023)').waitFor();
    await page.getByText(/One actor reads many different objects of one endpoint.*50 distinct object ids on GET bank\.example/).first().waitFor();
    const why = page.getByRole('region', { name: 'Why It Fired' });
    await why.getByText('Counted 50 within 1 min; the rule fires at 50.').waitFor();
    await why.getByText('bola-object-walk').waitFor();
    await why.getByText('Sample values').waitFor();
    const where = page.getByRole('region', { name: 'Where and Who' });
    await where.getByText('IP 203.0.113.7').waitFor();
    await where.getByText('bank.example', { exact: true }).waitFor();
    const txns = page.getByRole('table', { name: 'Transactions behind this finding' });
    await txns.getByText(/GET \/v1\/accounts\/\d+/).first().waitFor();
    assert.equal(await txns.locator('tbody tr').count(), 10, 'the calls that made up the count (the rule keeps the newest 10)');

    await txns.getByRole('button', { name: /^Open transaction / }).first().click();
    const drawer = page.getByRole('dialog', { name: /^GET \/v1\/accounts\/\d+/ });
    await drawer.getByRole('heading', { name: 'Response' }).waitFor();
    await drawer.getByText('203.0.113.7').first().waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  step('an admin acknowledges it with a reason; the page shows who and why', async () => {
    await page.getByRole('group', { name: 'Finding actions' }).getByRole('button', { name: 'Acknowledge' }).click();
    const dialog = page.getByRole('dialog', { name: 'Acknowledge this finding' });
    await dialog.getByLabel('Reason').fill('ticket SEC-7: payments team checks ownership');
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Acknowledged. It stays acknowledged' }).waitFor();
    const note = page.getByRole('region', { name: 'Status' });
    await note.getByText('ticket SEC-7: payments team checks ownership').waitFor();
    await note.getByText('admin', { exact: true }).waitFor();
    const actions = page.getByRole('group', { name: 'Finding actions' });
    assert.deepEqual(await actions.getByRole('button').allTextContents(), ['Resolve', 'Mark false positive', 'Reopen']);
    const stored = (await server.admin(`/findings/${bola.id}`)).body;
    assert.equal(stored.status, 'acknowledged');
    assert.equal(stored.statusReason, 'ticket SEC-7: payments team checks ownership');
    await shot(page, 'finding', true);

    // Gone from the open findings; listed as acknowledged under "Any status".
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
    await row('Verbose error').waitFor();
    assert.equal(await row('Object id enumeration').count(), 0);
    await page.getByLabel('Status', { exact: true }).selectOption('any');
    await row('Object id enumeration').getByText('Acknowledged', { exact: true }).waitFor();
  });

  step('a stack trace finding shows the excerpt; its endpoint page lists the open findings', async () => {
    await page.goto(`${server.url}/findings/${verbose.id}`);
    await page.getByRole('heading', { level: 1, name: 'Verbose error' }).waitFor();
    const why = page.getByRole('region', { name: 'Why It Fired' });
    await why.getByText('Java stack trace').first().waitFor();
    await why.locator('pre').filter({ hasText: 'OrderService.java:42' }).first().waitFor();
    await page.getByRole('table', { name: 'Transactions behind this finding' }).getByText('POST /v1/orders').first().waitFor();
    await shot(page, 'finding-verbose', true);

    await page.getByRole('region', { name: 'Where and Who' }).getByRole('link', { name: /\/v1\/orders/ }).click();
    await page.getByRole('heading', { level: 1, name: 'POST /v1/orders' }).waitFor();
    const card = page.getByRole('region', { name: 'Findings' });
    const list = card.getByRole('list', { name: 'Open findings of this endpoint' });
    await list.getByRole('listitem').filter({ hasText: 'Verbose error' }).getByText('API8', { exact: true }).waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'endpoint-findings');
    await list.getByRole('link', { name: 'Verbose error' }).click();
    await page.getByRole('heading', { level: 1, name: 'Verbose error' }).waitFor();
  });

  step('a viewer sees findings and their evidence but no actions', async () => {
    const created = await server.admin('/users', { body: { username: 'vera', password: 'viewer-password-1', role: 'viewer' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser);
    try {
      const viewer = await context.newPage();
      viewer.on('pageerror', (err) => scriptErrors.push(`viewer: ${err.message}`));
      await viewer.goto(`${server.url}/findings/${verbose.id}`);
      await viewer.getByLabel('Username').fill('vera');
      await viewer.getByLabel('Password').fill('viewer-password-1');
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('heading', { level: 1, name: 'Verbose error' }).waitFor();
      await viewer.getByRole('region', { name: 'Why It Fired' }).getByText('Java stack trace').first().waitFor();
      assert.equal(await viewer.getByRole('group', { name: 'Finding actions' }).count(), 0);
      for (const name of ['Acknowledge', 'Resolve', 'Mark false positive', 'Reopen']) {
        assert.equal(await viewer.getByRole('button', { name, exact: true }).count(), 0, name);
      }
    } finally {
      await context.close();
    }
  });

  step('no script errors in the browser console', async () => {
    assert.deepEqual(scriptErrors, []);
  });
});
