// The Sensitive Data and Actors pages in a real browser: Playwright drives Debian's Chromium against
// a real `tapline serve` fed traffic with personal data in JSON responses (a card number, an IBAN,
// an e-mail address, an employee number no built-in type knows) and one client walking 70 account
// ids with python-requests. The Sensitive Data page lists the types and the fields that carry them
// and filters by type; the custom types editor dry-runs a definition (one masked match), shows the
// server's message for a pattern it refuses, and saves it; the Actors page lists the walking
// client first as a bot with its reasons; its page shows the BOLA finding, linking to the finding.
// Screenshots: test-results/sensitive-data.png, custom-types.png, actors.png, actor.png.
//
// Needs /usr/bin/chromium, playwright-core and a built console (npx vite build); skips without.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, eventually as waitUntil, launchChromium, newContext, SHOTS, shot, stepsFor, watchErrors } from './browser.ts';
import { ADMIN_PASSWORD, createClient, getToken, postJson, sampleTransaction, startTestServer, type TestServer } from './helpers.ts';

const skip = browserSkip;
const eventually = (what: string, check: () => Promise<boolean>, timeout = 15_000, state?: () => string) => waitUntil(what, check, timeout, state);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const WALKER = '192.0.2.66';

/** A transaction whose JSON response is `body`. */
function withResponse(overrides: Parameters<typeof sampleTransaction>[0], body: unknown) {
  const t = sampleTransaction({ ...overrides, id: randomUUID() });
  const text = JSON.stringify(body);
  t.response = { 'status-code': '200', headers: [`content-type:${b64('application/json')}`], body: { length: Buffer.byteLength(text), data: b64(text) } };
  return t;
}



if (skip) test('sensitive data and actors console in Chromium', { skip }, () => {});
else describe('sensitive data and actors console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];
  let cardField = '';
  let bolaId = '';

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
  const step = stepsFor(() => page, `${SHOTS}/sensitive-actors-FAILED.png`);

  step('no traffic yet: the empty page says values are masked and what is detected', async () => {
    await page.goto(`${server.url}/sensitive-data`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sensitive Data' }).waitFor();
    await page.getByRole('heading', { name: 'No sensitive data detected yet' }).waitFor();
    await page.getByText(/masks every detected value before anything is stored/).waitFor();
    await page.getByText(/US_SSN, EMAIL/).waitFor();
  });

  step('traffic: personal data in responses, an employee number, an actor walking 70 account ids', async () => {
    const { clientId, secret } = await createClient(server, 'sensitive-capture');
    const token = await getToken(server, clientId, secret);
    const email = `marie.${randomUUID().slice(0, 8)}@example.org`;
    const customers = Array.from({ length: 5 }, (_, i) =>
      withResponse({ host: 'crm.example', uri: `/v1/customers/${1000 + i}` }, { id: 1000 + i, owner: { email }, accounts: [{ iban: 'DE89370400440532013000', cardNumber: '4111 1111 1111 1111' }] }),
    );
    const staff = withResponse({ host: 'hr.example', uri: '/v1/staff/me' }, { name: 'Ada', employee: 'E-424242' });
    // 70 account ids read, and 12 refused (401): python-requests (+30), the BOLA finding (+30) and
    // the authentication failures (+15) make it a bot (70 or more).
    const walk = Array.from({ length: 82 }, (_, i) => {
      const t = sampleTransaction({ host: 'bank.example', uri: `/v1/accounts/${200000 + i * 13}`, id: randomUUID() });
      if (i >= 70) t.response['status-code'] = '401';
      t.request['client-ip'] = WALKER;
      t.request.headers = t.request.headers.filter((h) => !h.startsWith('user-agent:'));
      t.request.headers.push(`user-agent:${b64('python-requests/2.31')}`);
      return t;
    });
    for (const data of [[...customers, staff], walk]) assert.equal((await postJson(`${server.url}/api-transactions`, token, { data })).status, 200);
    await server.runner.drain();
    let last = '';
    await eventually('analysis reported the card number, the walking actor and its finding', async () => {
      const sd = (await server.admin('/sensitive-data')).body as { fields: Array<{ name: string; field: string }> };
      const actors = (await server.admin('/actors')).body as { items: Array<{ actor: string; botScore: number }> };
      const findings = (await server.admin(`/findings?actor=${encodeURIComponent(`ip:${WALKER}`)}`)).body as { items: Array<{ id: string; type: string }> };
      const card = sd.fields.find((f) => f.name === 'CREDIT_CARD');
      const bola = findings.items.find((f) => f.type === 'BOLA_OBJECT_ENUMERATION');
      last = JSON.stringify({ types: sd.fields.map((f) => `${f.name} ${f.field}`), actors: actors.items.map((a) => `${a.actor} ${a.botScore}`), findings: findings.items.map((f) => f.type) });
      if (!card || !bola || actors.items[0]?.actor !== `ip:${WALKER}`) return false;
      cardField = card.field;
      bolaId = bola.id;
      return actors.items[0].botScore >= 70;
    }, 15_000, () => last);
  });

  step('the Sensitive Data page: types as cards, the fields with their paths and endpoints', async () => {
    await page.reload();
    const cards = page.getByRole('group', { name: 'Sensitive data types' });
    for (const t of ['CREDIT_CARD', 'IBAN', 'EMAIL']) await cards.getByRole('button', { name: new RegExp(t) }).waitFor();
    const table = page.getByRole('table', { name: 'Sensitive fields' });
    const card = table.getByRole('row').filter({ hasText: 'CREDIT_CARD' });
    await card.getByText(cardField, { exact: true }).waitFor();
    await card.getByText('Response body', { exact: true }).waitFor();
    await card.getByText('crm.example', { exact: true }).waitFor();
    const link = card.getByRole('link', { name: /\/v1\/customers\// });
    assert.match((await link.getAttribute('href')) ?? '', /^\/inventory\/.+/);
    await shot(page, 'sensitive-data', true);
  });

  step('filters: by type (select and card), by location', async () => {
    const table = page.getByRole('table', { name: 'Sensitive fields' });
    const types = () => table.locator('tbody tr td:first-child').allTextContents();
    await page.getByLabel('Type', { exact: true }).selectOption('CREDIT_CARD');
    await eventually('only CREDIT_CARD is listed', async () => {
      const listed = await types();
      return listed.length > 0 && listed.every((t) => t === 'CREDIT_CARD');
    });
    assert.equal(new URL(page.url()).searchParams.get('type'), 'CREDIT_CARD');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByRole('group', { name: 'Sensitive data types' }).getByRole('button', { name: /IBAN/ }).click();
    await eventually('only IBAN is listed', async () => {
      const listed = await types();
      return listed.length > 0 && listed.every((t) => t === 'IBAN');
    });
    await page.getByLabel('Location').selectOption('REQUEST_HEADERS');
    await page.getByRole('heading', { name: 'No fields match these filters' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await table.getByRole('row').filter({ hasText: 'EMAIL' }).first().waitFor();
  });

  step('custom types: dry run, the server refuses a dangerous pattern, save', async () => {
    await page.getByRole('link', { name: 'Custom types' }).click();
    await page.getByText('No custom types yet.').waitFor();
    const form = page.getByRole('form', { name: 'Custom type' });
    await form.getByLabel('Name', { exact: true }).fill('EMPLOYEE_ID');
    await form.getByLabel(/^Pattern/).fill('E-\\d{6}');
    await form.getByLabel(/^Field names/).fill('employee, employeeId');
    await form.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByRole('region', { name: 'Dry run' });
    await dry.getByRole('status').filter({ hasText: /: 1 matched/ }).waitFor();
    const matches = dry.getByRole('table', { name: 'Dry run matches' });
    assert.equal(await matches.locator('tbody tr').count(), 1);
    const row = matches.locator('tbody tr').first();
    await row.getByText('Response body', { exact: true }).waitFor();
    await row.getByText('employee', { exact: true }).waitFor();
    const masked = (await row.locator('.masked-value').textContent()) ?? '';
    assert.match(masked, /^[A-Z]-\d{6}$/, "format-preserving mask");
    assert.notEqual(masked, 'E-424242', 'the value is masked');
    await row.getByRole('button', { name: /^Open transaction / }).click();
    const drawer = page.getByRole('dialog', { name: /\/v1\/staff\/me/ });
    await drawer.getByRole('heading', { name: 'Response' }).waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    await form.getByLabel(/^Pattern/).fill('(a+)+');
    await form.getByRole('button', { name: 'Dry run' }).click();
    await form.getByRole('alert').filter({ hasText: /repeated group that itself repeats/ }).waitFor();
    assert.equal(await dry.count(), 0, 'the old result is gone');

    await form.getByLabel(/^Pattern/).fill('E-\\d{6}');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'EMPLOYEE_ID saved' }).waitFor();
    const list = page.getByRole('table', { name: 'Custom types' });
    const saved = list.getByRole('row').filter({ hasText: 'EMPLOYEE_ID' });
    await saved.getByText('E-\\d{6}').waitFor();
    await saved.getByText('employee, employeeId').waitFor();
    await saved.getByRole('button', { name: 'Delete EMPLOYEE_ID' }).waitFor();
    const stored = (await server.admin('/sensitive-types')).body.custom as Array<{ name: string; pattern: string }>;
    assert.deepEqual(stored.map((t) => [t.name, t.pattern]), [['EMPLOYEE_ID', 'E-\\d{6}']]);
    await shot(page, 'custom-types', true);
  });

  step('the Actors page: the walking client first, a bot, with its reasons', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Actors' }).click();
    await page.getByRole('heading', { level: 1, name: 'Actors' }).waitFor();
    const table = page.getByRole('table', { name: 'Actors' });
    const first = table.locator('tbody tr').first();
    await first.getByText(`IP ${WALKER}`).waitFor();
    const score = Number(await first.locator('.score-value').textContent());
    assert.ok(score >= 70, `score ${score}`);
    await first.locator('.score-bot').getByText('bot', { exact: true }).waitFor();
    await first.getByText('Automation library user agent (python-requests)').waitFor();
    await first.getByText(/Behaviour findings: Object id enumeration/).waitFor();
    await shot(page, 'actors');

    await page.getByLabel('Bot score', { exact: true }).selectOption('70');
    await eventually('only bots are listed', async () => {
      const scores = (await table.locator('tbody .score-value').allTextContents()).map(Number);
      return scores.length > 0 && scores.every((s) => s >= 70);
    });
    assert.equal(new URL(page.url()).searchParams.get('minScore'), '70');
  });

  step('an actor: score and reasons, profile, timeline, its BOLA finding linking to the finding', async () => {
    await page.getByRole('table', { name: 'Actors' }).getByRole('link', { name: `IP ${WALKER}` }).click();
    await page.getByRole('heading', { level: 1, name: `IP ${WALKER}` }).waitFor();
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/actors/ip:${WALKER}`);
    const reasons = page.getByRole('list', { name: 'Reasons' });
    await reasons.getByText('Automation library user agent (python-requests)').waitFor();
    await reasons.getByText(/not a browser or an app/).waitFor();
    await page.getByText('A bot: the score is 70 or more.').waitFor();
    await page.getByRole('list', { name: 'User agents on bank.example' }).getByText('Automation library (python-requests)').waitFor();
    await page.getByRole('list', { name: 'Top endpoints on bank.example' }).getByRole('link', { name: /\/v1\/accounts\/\{\w+\}/ }).first().waitFor();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByText('First seen').waitFor();
    await timeline.getByRole('link', { name: 'Object id enumeration' }).waitFor();
    const findings = page.getByRole('list', { name: 'Findings of this actor' });
    const link = findings.getByRole('link', { name: 'Object id enumeration' });
    assert.equal(await link.getAttribute('href'), `/findings/${encodeURIComponent(bolaId)}`);
    await shot(page, 'actor', true);
    await link.click();
    await page.getByRole('heading', { level: 1, name: 'Object id enumeration' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/findings/${bolaId}`);
  });

  step('a viewer sees the types and the lists but no editor and no delete', async () => {
    const created = await server.admin('/users', { body: { username: 'vic', password: 'viewer-password-1', role: 'viewer' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const context = await newContext(browser);
    try {
      const viewer = await context.newPage();
      viewer.on('pageerror', (err) => scriptErrors.push(`viewer: ${err.message}`));
      await viewer.goto(`${server.url}/sensitive-data/custom-types`);
      await viewer.getByLabel('Username').fill('vic');
      await viewer.getByLabel('Password').fill('viewer-password-1');
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('table', { name: 'Custom types' }).getByText('EMPLOYEE_ID').waitFor();
      assert.equal(await viewer.getByRole('form', { name: 'Custom type' }).count(), 0);
      assert.equal(await viewer.getByRole('button', { name: /^Delete / }).count(), 0);
      await viewer.getByRole('link', { name: 'Where it flows' }).click();
      await viewer.getByRole('table', { name: 'Sensitive fields' }).getByText('CREDIT_CARD').waitFor();
    } finally {
      await context.close();
    }
  });

  step('no script errors in the browser console', async () => {
    assert.deepEqual(scriptErrors, []);
  });
});
