// The Inventory and endpoint pages and spec uploads in a real browser: Playwright drives Debian's
// Chromium against a real `tapline serve` with traffic for two hosts (one of an application, one
// of none). A spec is uploaded through the console (a file input), which turns the application's
// endpoints documented, shadow and orphan while the other host stays unknown; an invalid spec is
// refused with its problems listed. Corrections to discovery (merge, ignore, rename) are added
// through the endpoint page's dialogs and change how later traffic is counted; a viewer sees them
// but cannot change them. Screenshots: test-results/inventory.png, endpoint.png,
// endpoint-corrections.png.
//
// Needs /usr/bin/chromium, playwright-core and a built console (npm run build:web); skips without.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, eventually as waitUntil, launchChromium, newContext, SHOTS, shot, stepsFor, watchErrors } from './browser.ts';
import { ADMIN_PASSWORD, createClient, getToken, postJson, sampleTransaction, startTestServer, tempDir, type TestServer } from './helpers.ts';

const skip = browserSkip;
const eventually = (what: string, check: () => Promise<boolean>, timeout = 5000, state?: () => string) => waitUntil(what, check, timeout, state);

const SPEC = `openapi: 3.0.3
info:
  title: Shop API
  version: "1.2"
paths:
  /users/{id}:
    get:
      operationId: getUser
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses:
        '200': { description: the user }
  /reports:
    get:
      responses:
        '200': { description: reports }
`;

// Two mistakes the official schema catches: info without a version, a response that is a number.
const INVALID_SPEC = `openapi: 3.0.3
info:
  title: Broken
paths:
  /orders:
    get:
      responses:
        '200': 42
`;



if (skip) test('inventory console in Chromium', { skip }, () => {});
else describe('inventory console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const files = tempDir('tapline-specs-');
  const scriptErrors: string[] = [];

  let token = '';
  /** Posts transactions of one host as a capture would. */
  async function send(host: string, calls: Array<[method: string, uri: string, body?: string]>): Promise<void> {
    const data = calls.map(([method, uri, body]) => sampleTransaction({ host, method, uri, body, id: randomUUID() }));
    const res = await postJson(`${server.url}/api-transactions`, token, { data });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  /** Traffic: api.shop.example belongs to the application "Shop"; other.example to none. */
  async function postTraffic(): Promise<void> {
    const { clientId, secret } = await createClient(server, 'inventory-capture');
    token = await getToken(server, clientId, secret);
    const created = await server.admin('/applications', { body: { name: 'Shop', hosts: ['api.shop.example'] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const users: Array<[string, string]> = [];
    for (let i = 1; i <= 30; i++) users.push(['GET', `/users/${1000 + i * 7}?expand=orders&page=${i}`]);
    await send('api.shop.example', [...users, ['POST', '/admin/debug', '{"command":"flush"}']]);
    await send('other.example', [['GET', '/things/1'], ['GET', '/things/2'], ['GET', '/things/3']]);
    await server.runner.drain();
  }

  before(async () => {
    writeFileSync(join(files, 'shop.yaml'), SPEC);
    writeFileSync(join(files, 'broken.yaml'), INVALID_SPEC);
    server = await startTestServer();
    browser = await launchChromium();
    const context = await newContext(browser);
    page = watchErrors(await context.newPage(), scriptErrors);
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
    rmSync(files, { recursive: true, force: true });
  });

  // The steps build on each other: after a failure, keep a picture of the page and skip the rest.
  const step = stepsFor(() => page, `${SHOTS}/inventory-FAILED.png`);

  const endpoints = () => page.getByRole('table', { name: 'Endpoints' });
  const row = (text: string) => endpoints().getByRole('row').filter({ hasText: text });
  const paths = () => endpoints().locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelector('.endpoint-link')?.textContent));

  step('no traffic yet: the empty inventory points to Integrations', async () => {
    await page.goto(server.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inventory' }).waitFor();
    await page.getByRole('heading', { name: 'No endpoints yet' }).waitFor();
    await page.getByRole('link', { name: 'Set up an integration' }).waitFor();
    await shot(page, 'inventory-empty');
  });

  step('without a spec every endpoint is unknown, and the page says how to change that', async () => {
    await postTraffic();
    await page.reload();
    await row('/users/{userId}').getByText('unknown', { exact: true }).waitFor();
    await row('/things/{thingId}').getByText('unknown', { exact: true }).waitFor();
    await page.getByRole('note').getByText('No spec covers these hosts yet').waitFor();
    const chips = page.getByRole('group', { name: 'Endpoints by state' });
    await chips.getByRole('button', { name: /Unknown\s*3/ }).waitFor();
  });

  step('Applications: upload a spec file; an invalid one is refused with its problems listed', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
    await page.getByRole('table', { name: 'Applications' }).getByRole('row').filter({ hasText: 'Shop' }).getByRole('button', { name: 'Upload spec, API specs of Shop' }).click();
    const drawer = page.getByRole('dialog', { name: 'API specs · Shop' });
    await drawer.getByRole('heading', { name: 'No spec uploaded' }).waitFor();

    await drawer.getByLabel('OpenAPI file').setInputFiles(join(files, 'broken.yaml'));
    await drawer.getByText('Selected: broken.yaml').waitFor();
    await drawer.getByRole('button', { name: 'Upload spec' }).click();
    const alert = drawer.getByRole('alert');
    await alert.getByText(/broken\.yaml: Spec is not a valid OpenAPI document/).waitFor();
    const problems = alert.getByRole('list', { name: /problems? in the document/ });
    await problems.waitFor();
    const listed = await problems.getByRole('listitem').allTextContents();
    assert.ok(listed.some((p) => p.startsWith('/info') && p.includes('version')), `problems: ${JSON.stringify(listed)}`);
    assert.ok(listed.some((p) => p.startsWith('/paths/~1orders/get/responses/200')), `problems: ${JSON.stringify(listed)}`);
    await alert.scrollIntoViewIfNeeded();
    await shot(page, 'spec-invalid');
    assert.equal((await server.admin('/specs')).body.items.length, 0, 'nothing stored');

    await drawer.getByLabel('OpenAPI file').setInputFiles(join(files, 'shop.yaml'));
    await drawer.getByRole('button', { name: 'Upload spec' }).click();
    await drawer.getByRole('status').filter({ hasText: 'Uploaded Shop API 1.2 (OpenAPI 3.0.3, 2 operations)' }).waitFor();
    assert.equal(await drawer.getByRole('alert').count(), 0, 'the old problems are gone');
    const versions = drawer.getByRole('table', { name: 'Spec versions' });
    await versions.getByRole('row').filter({ hasText: 'Shop API' }).filter({ hasText: '3.0.3' }).waitFor();
    await drawer.getByRole('heading', { name: 'Versions' }).scrollIntoViewIfNeeded();
    await shot(page, 'specs');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '1 version, API specs of Shop' }).waitFor();
  });

  step('Inventory: documented, shadow, orphan and unknown; a state chip filters', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
    await row('/users/{userId}').getByText('documented', { exact: true }).waitFor();
    await row('/admin/debug').getByText('shadow', { exact: true }).waitFor();
    await row('/reports').getByText('orphan', { exact: true }).waitFor();
    await row('/things/{thingId}').getByText('unknown', { exact: true }).waitFor();
    await row('/users/{userId}').getByRole('cell', { name: '30', exact: true }).waitFor();
    assert.equal(await page.getByRole('note').count(), 0, 'no "no spec" note once a spec covers a host');
    await page.getByText('1–4 of 4 endpoints').waitFor();
    const chips = page.getByRole('group', { name: 'Endpoints by state' });
    for (const [state, n] of [['Documented', 1], ['Shadow', 1], ['Zombie', 0], ['Orphan', 1], ['Unknown', 1]] as const) {
      await chips.getByRole('button', { name: new RegExp(`^${state}\\s*${n}$`) }).waitFor();
    }
    await shot(page, 'inventory');

    await chips.getByRole('button', { name: /Shadow\s*1/ }).click();
    await page.getByText('1–1 of 1 endpoints').waitFor();
    assert.equal(await chips.getByRole('button', { name: /Shadow/ }).getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await paths(), ['/admin/debug']);
    assert.equal(new URL(page.url()).searchParams.get('state'), 'shadow');
    assert.equal(await page.getByLabel('State', { exact: true }).inputValue(), 'shadow');

    // The filters combine: shadow endpoints of other.example, none.
    await page.getByLabel('Host').fill('other.example');
    await page.getByRole('heading', { name: 'No endpoints match these filters' }).waitFor();
    // Host suggestions come from the answer's facets, and stay while a host is typed.
    const suggested = await page.locator('datalist option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    assert.deepEqual(suggested, ['api.shop.example', 'other.example']);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByText('1–4 of 4 endpoints').waitFor();
    await page.getByLabel('Path contains').fill('things');
    await page.getByText('1–1 of 1 endpoints').waitFor();
    await page.getByLabel('Path contains').fill('');
    await page.getByText('1–4 of 4 endpoints').waitFor();

    // Sorting by host and path; the application filter (and its specs button).
    await page.getByLabel('Sort by').selectOption('path');
    await eventually('rows sorted by host and path', async () =>
      JSON.stringify(await paths()) === JSON.stringify(['/admin/debug', '/reports', '/users/{userId}', '/things/{thingId}']));
    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'Shop' });
    await page.getByText('1–3 of 3 endpoints').waitFor();
    await page.getByRole('button', { name: 'Specs of Shop (1)' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText('1–4 of 4 endpoints').waitFor();
  });

  step('endpoint page: state evidence, parameters with evidence, schema, a sample transaction', async () => {
    await row('/users/{userId}').getByRole('link', { name: '/users/{userId}' }).click();
    await page.getByRole('heading', { level: 1, name: 'GET /users/{userId}' }).waitFor();
    await page.getByText('In the newest spec (1.2) and seen in traffic.').waitFor();
    await page.getByText('getUser', { exact: true }).waitFor();

    const params = page.getByRole('table', { name: 'Path parameters' });
    const userId = params.getByRole('row').filter({ hasText: '{userId}' });
    await userId.getByText('shape:int', { exact: true }).waitFor();
    await userId.getByRole('cell', { name: '30', exact: true }).waitFor();
    await userId.getByText('1007', { exact: true }).waitFor();
    const query = page.getByRole('table', { name: 'Query parameters' });
    await query.getByRole('row').filter({ hasText: 'page' }).getByText('integer', { exact: true }).waitFor();
    await page.getByRole('list', { name: 'Responses by status code' }).getByText('200', { exact: true }).waitFor();

    const schema = JSON.parse((await page.getByLabel('Response 200 JSON schema').textContent()) ?? '');
    assert.equal(schema.type, 'object');
    assert.deepEqual(Object.keys(schema.properties).sort(), ['id', 'items', 'name']);
    // Corrections can be made (an admin), and the host has none yet.
    const corrections = page.getByRole('group', { name: 'Correction actions' });
    assert.equal(await corrections.getByRole('button', { name: 'Merge' }).isEnabled(), true);
    await page.getByText('No corrections for this host yet').waitFor();
    await shot(page, 'endpoint');
    await shot(page, 'endpoint-full', true);

    const samples = page.getByRole('button', { name: /^Open transaction / });
    assert.equal(await samples.count(), 5);
    await samples.first().click();
    const drawer = page.getByRole('dialog', { name: /^GET \/users\/\d+\?expand=orders/ });
    await drawer.getByRole('heading', { name: 'Client IP' }).waitFor();
    await drawer.getByText('api.shop.example', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  step('an orphan endpoint page explains itself; back returns to the inventory', async () => {
    await page.goBack();
    await row('/reports').getByRole('link', { name: '/reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'GET /reports' }).waitFor();
    await page.getByText('In the newest spec, never called within the window.').waitFor();
    await page.getByText('None within the last 30 days').waitFor();
    await shot(page, 'endpoint-orphan');
    await page.getByRole('link', { name: 'Inventory', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Inventory' }).waitFor();
  });

  step('a second version pasted as text makes the deprecated operation zombie; deleting it restores the first', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('button', { name: '1 version, API specs of Shop' }).click();
    const drawer = page.getByRole('dialog', { name: 'API specs · Shop' });
    await drawer.getByLabel('Or paste the document').fill(SPEC.replace('version: "1.2"', 'version: "2.0"').replace('operationId: getUser', 'operationId: getUser\n      deprecated: true'));
    await drawer.getByRole('button', { name: 'Upload spec' }).click();
    await drawer.getByRole('status').filter({ hasText: 'Uploaded Shop API 2.0' }).waitFor();
    const versions = drawer.getByRole('table', { name: 'Spec versions' });
    await versions.getByRole('row').filter({ hasText: '2.0' }).getByText('newest').waitFor();
    assert.equal(await versions.locator('tbody tr').count(), 2);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
    await row('/users/{userId}').getByText('zombie', { exact: true }).waitFor();
    await row('/users/{userId}').getByRole('link', { name: '/users/{userId}' }).click();
    await page.getByText('Deprecated in the newest spec (2.0) yet still called.').waitFor();
    await shot(page, 'endpoint-zombie');
    await page.goBack();
    await page.getByRole('group', { name: 'Endpoints by state' }).getByRole('button', { name: /Zombie\s*1/ }).waitFor();

    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'Shop' });
    await page.getByRole('button', { name: 'Specs of Shop (2)' }).click();
    const fromInventory = page.getByRole('dialog', { name: 'API specs · Shop' });
    await fromInventory.getByRole('button', { name: 'Delete Shop API 2.0' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete Shop API 2.0?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await fromInventory.getByRole('status').filter({ hasText: 'Deleted Shop API 2.0.' }).waitFor();
    assert.equal(await fromInventory.getByRole('table', { name: 'Spec versions' }).locator('tbody tr').count(), 1);
    await page.keyboard.press('Escape');
    await fromInventory.waitFor({ state: 'detached' });
    await row('/users/{userId}').getByText('documented', { exact: true }).waitFor();
  });

  step('a viewer sees the spec versions but cannot upload or delete them', async () => {
    const created = await server.admin('/users', { body: { username: 'vera', password: 'viewer-password-1', role: 'viewer' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser);
    try {
      const viewer = await context.newPage();
      viewer.on('pageerror', (err) => scriptErrors.push(`viewer: ${err.message}`));
      await viewer.goto(`${server.url}/applications`);
      await viewer.getByLabel('Username').fill('vera');
      await viewer.getByLabel('Password').fill('viewer-password-1');
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('button', { name: '1 version, API specs of Shop' }).click();
      const drawer = viewer.getByRole('dialog', { name: 'API specs · Shop' });
      await drawer.getByRole('table', { name: 'Spec versions' }).getByRole('row').filter({ hasText: '1.2' }).waitFor();
      await drawer.getByText('An administrator can upload and delete spec versions.').waitFor();
      assert.equal(await drawer.getByRole('button', { name: 'Upload spec' }).count(), 0);
      assert.equal(await drawer.getByRole('button', { name: /^Delete / }).count(), 0);
    } finally {
      await context.close();
    }
  });

  // ---------------------------------------------------------------- corrections (discovery rules)

  const PEOPLE = 'people.example';
  const rules = () => page.getByRole('table', { name: `Corrections for ${PEOPLE}` });
  const ruleRow = (text: string) => rules().getByRole('row').filter({ hasText: text });
  /** Opens the endpoint page of a row of the inventory of people.example. */
  async function openPeopleEndpoint(path: string): Promise<void> {
    await page.goto(`${server.url}/inventory?host=${PEOPLE}`);
    await row(path).getByRole('link', { name: path, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `GET ${path}` }).waitFor();
  }
  /** Calls of each endpoint of people.example, by "METHOD template". */
  async function peopleCalls(): Promise<Record<string, number>> {
    const res = await server.admin(`/endpoints?host=${PEOPLE}&limit=100`);
    assert.equal(res.status, 200);
    return Object.fromEntries(res.body.items.map((e: { method: string; pathTemplate: string; calls: number }) => [`${e.method} ${e.pathTemplate}`, e.calls]));
  }
  // The analyzer re-reads the rules every 2 s: traffic posted this long after a rule was added
  // is analysed with it (runner.ts, SPEC_REFRESH_MS).
  const RULES_REFRESH_MS = 2_000;
  let lastRuleAt = 0;

  step('corrections: a merge rule added through its dialog shows in the host’s corrections', async () => {
    const get = (path: string, n = 1) => Array.from({ length: n }, () => ['GET', path] as [string, string]);
    await send(PEOPLE, [...get('/people/alice', 2), ...get('/people/bob', 2), ...get('/health', 3)]);
    await server.runner.drain();
    assert.deepEqual(await peopleCalls(), { 'GET /health': 3, 'GET /people/alice': 2, 'GET /people/bob': 2 });

    await openPeopleEndpoint('/people/alice');
    await page.getByText('No corrections for this host yet').waitFor();
    await page.getByRole('group', { name: 'Correction actions' }).getByRole('button', { name: 'Merge' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge paths' });
    const template = dialog.getByLabel('Template');
    assert.equal(await template.inputValue(), '/people/alice', 'prefilled with the current template');
    assert.equal(await dialog.getByLabel('Method').inputValue(), '', 'any method unless chosen');
    await template.fill('/people/{username}');
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await dialog.waitFor({ state: 'detached' });
    const notice = page.getByRole('status').filter({ hasText: 'Added: merge into /people/{username}.' });
    await notice.getByText(/applies to traffic analysed from now on.*not to calls already counted/).waitFor();
    const merge = ruleRow('/people/{username}');
    await merge.getByText('Merge', { exact: true }).waitFor();
    await merge.getByRole('cell', { name: 'any', exact: true }).waitFor();
    await merge.getByRole('cell', { name: 'admin', exact: true }).waitFor();
    const stored = (await server.admin(`/discovery-rules?host=${PEOPLE}`)).body.items;
    assert.deepEqual(stored.map((r: { rule: unknown }) => r.rule), [{ kind: 'merge', template: '/people/{username}' }]);
    lastRuleAt = Date.parse(stored[0].createdAt);
  });

  step('corrections: ignore a path and everything below it', async () => {
    await openPeopleEndpoint('/health');
    await page.getByRole('group', { name: 'Correction actions' }).getByRole('button', { name: 'Ignore path' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ignore path' });
    assert.equal(await dialog.getByLabel('Path pattern').inputValue(), '/health');
    await dialog.getByText('Ignores /health (exactly this path).').waitFor();
    await dialog.getByLabel('and everything below it').check();
    await dialog.getByText('Ignores /health/** (the path itself and every path under it).').waitFor();
    await shot(page, 'correction-ignore-dialog');
    await dialog.getByRole('button', { name: 'Ignore' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Added: ignore /health/**.' }).waitFor();
    await ruleRow('/health/**').getByText('Ignore', { exact: true }).waitFor();
    assert.equal(await rules().locator('tbody tr').count(), 2, 'both rules of the host are listed, oldest first');
    assert.match((await rules().locator('tbody tr').first().textContent()) ?? '', /Merge/);
    const stored = (await server.admin(`/discovery-rules?host=${PEOPLE}`)).body.items;
    assert.deepEqual(stored.map((r: { rule: unknown }) => r.rule), [{ kind: 'merge', template: '/people/{username}' }, { kind: 'ignore', pattern: '/health/**' }]);
    lastRuleAt = Date.parse(stored[1].createdAt);
  });

  step('corrections: later traffic lands in the merged template, ignored paths are not counted', async () => {
    const wait = lastRuleAt + RULES_REFRESH_MS + 150 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(PEOPLE, [['GET', '/people/carol'], ['GET', '/people/dave?tab=posts'], ['GET', '/people/alice'], ['GET', '/health'], ['GET', '/health/live']]);
    await server.runner.drain();
    // Not retroactive: /people/alice and /people/bob keep the calls counted before the rule.
    assert.deepEqual(await peopleCalls(), { 'GET /health': 3, 'GET /people/alice': 2, 'GET /people/bob': 2, 'GET /people/{username}': 3 });

    await page.goto(`${server.url}/inventory?host=${PEOPLE}`);
    await row('/people/{username}').getByRole('cell', { name: '3', exact: true }).waitFor();
    await row('/health').getByRole('cell', { name: '3', exact: true }).waitFor();
    assert.deepEqual((await paths()).sort(), ['/health', '/people/alice', '/people/bob', '/people/{username}']);
    // The sensitive-data filter offers the types the inventory holds (the answer's facets).
    const facets = (await server.admin('/endpoints?limit=1')).body.facets;
    const offered = await page.getByLabel('Sensitive data').locator('option:not([disabled])').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    assert.deepEqual(offered, ['', 'any', ...facets.sensitiveTypes]);

    await row('/people/{username}').getByRole('link', { name: '/people/{username}' }).click();
    await page.getByRole('heading', { level: 1, name: 'GET /people/{username}' }).waitFor();
    await page.getByRole('table', { name: 'Path parameters' }).getByRole('row').filter({ hasText: '{username}' }).waitFor();
  });

  step('corrections: a rename the template cannot take shows the server’s answer; a good one is listed', async () => {
    const actions = page.getByRole('group', { name: 'Correction actions' });
    await actions.getByRole('button', { name: 'Rename parameter' }).click();
    let dialog = page.getByRole('dialog', { name: 'Rename parameter' });
    const param = dialog.getByLabel('Parameter');
    assert.deepEqual(await param.locator('option').allTextContents(), ['{username}']);
    // The console offers only the template's parameters: forge another to see the server's check.
    await param.evaluate((el) => { (el as HTMLSelectElement).options[0]!.value = 'nickname'; });
    await param.selectOption('nickname');
    await dialog.getByLabel('New name').fill('login');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await dialog.getByRole('alert').getByText('rule.from: the template /people/{username} has no parameter {nickname}.').waitFor();
    await shot(page, 'correction-rename-refused');
    assert.equal((await server.admin(`/discovery-rules?host=${PEOPLE}`)).body.items.length, 2, 'nothing stored');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    await actions.getByRole('button', { name: 'Rename parameter' }).click();
    dialog = page.getByRole('dialog', { name: 'Rename parameter' });
    await dialog.getByLabel('New name').fill('user name');
    await dialog.getByText(/Use letters, digits/).waitFor();
    await dialog.getByLabel('New name').fill('login');
    await dialog.getByText('The template becomes /people/{login}.').waitFor();
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Added: rename {username} to {login} in /people/{username}.' }).waitFor();
    await ruleRow('{username} → {login}').getByText('Rename', { exact: true }).waitFor();
    await rules().scrollIntoViewIfNeeded();
    await shot(page, 'endpoint-corrections');
  });

  step('corrections: delete one after confirming', async () => {
    await rules().getByRole('button', { name: 'Delete ignore /health/**' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete this correction?' });
    await confirm.getByText('ignore /health/**').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Deleted: ignore /health/**.' }).waitFor();
    await eventually('the ignore rule left the list', async () => (await ruleRow('/health/**').count()) === 0);
    assert.equal(await rules().locator('tbody tr').count(), 2);
    const stored = (await server.admin(`/discovery-rules?host=${PEOPLE}`)).body.items;
    assert.deepEqual(stored.map((r: { rule: { kind: string } }) => r.rule.kind), ['merge', 'rename']);
  });

  step('corrections: a viewer sees them but cannot add or delete any', async () => {
    const context = await newContext(browser);
    try {
      const viewer = await context.newPage();
      viewer.on('pageerror', (err) => scriptErrors.push(`viewer: ${err.message}`));
      await viewer.goto(page.url());
      await viewer.getByLabel('Username').fill('vera');
      await viewer.getByLabel('Password').fill('viewer-password-1');
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('heading', { level: 1, name: 'GET /people/{username}' }).waitFor();
      const list = viewer.getByRole('table', { name: `Corrections for ${PEOPLE}` });
      await list.getByRole('row').filter({ hasText: '{username} → {login}' }).waitFor();
      await viewer.getByText('An administrator can add and delete corrections.').waitFor();
      assert.equal(await viewer.getByRole('group', { name: 'Correction actions' }).count(), 0);
      assert.equal(await list.getByRole('button').count(), 0);
    } finally {
      await context.close();
    }
  });

  step('no script errors in the browser console', async () => {
    assert.deepEqual(scriptErrors, []);
  });
});
