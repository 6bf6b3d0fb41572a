// The alert and maintenance forms in a real Chromium, with and without JavaScript, under the strict
// CSP: an editor signs in, adds a webhook channel (to a real receiver on loopback) and sends a test
// message through it, adds a route and maintenance windows; hostile text in tags, refused names and
// a dead letter's error renders as text, with no dialog, no CSP violation and no injected element.
// Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { testMessage } from '../../src/alerts/message.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { startHttpReceiver, type HttpReceiver } from '../alerts/fixtures/receivers.ts';
import { PASSWORD, addUser, buildAccountsApp, type AccountsApp } from './accounts-fixture.ts';
import { enforceStrictCsp, LAUNCH, type PageWatch, runAxe, signInThroughForm, watchPage } from './browser-fixture.ts';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');
const XSS = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', "'; alert(3); '", '<svg onload=alert(4)>'];
const YAML = `
probe:
  allowPrivate: true
alerts:
  channels:
    - name: ops-mail
      type: email
      smtp: { host: smtp.example.com, from: alerts@example.com, to: [ops@example.com] }
`;

describe('alert and maintenance forms in a real browser', () => {
  let t: AccountsApp;
  let receiver: HttpReceiver;
  let browser: Browser;
  let base: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    receiver = await startHttpReceiver();
    let outbox: SqliteOutbox | undefined;
    t = await buildAccountsApp({
      yaml: YAML,
      withStore: (store) => {
        outbox = new SqliteOutbox(store.database);
        return { alerts: outbox };
      },
    });
    await addUser(t, 'ed', 'editor');
    await outbox!.commit({ entries: [{ idempotencyKey: '00000000-0000-4000-8000-0000000000c1', channel: 'ops-mail', endpointId: null, message: testMessage('ops-mail', 'k1', Date.now(), null), suppressed: null }], states: [] });
    const [entry] = await outbox!.due(Date.now() + 1, 10);
    await outbox!.markFailed(entry!.id, `550 rejected ${XSS[0]}`, null);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });
  // The browser first: its keep-alive connections would hold the app's close.
  after(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  async function open(javaScriptEnabled: boolean): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const watch = await watchPage(page);
    await signInThroughForm(page, base, 'ed', PASSWORD, '/manage/alerts');
    return { context, page, watch };
  }

  /** WCAG 2 A and AA violations axe finds on the page, as "rule: target" lines. */
  async function axeViolations(page: Page): Promise<string[]> {
    const { violations, passes } = await runAxe(page);
    return passes === 0 ? ['axe checked nothing'] : violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  }

  async function assertClean(page: Page, watch: PageWatch): Promise<void> {
    // Chromium logs an error for every 4xx document; a refused form answers with one on purpose.
    const console = watch.console.filter((line) => !/status of 40\d/.test(line));
    assert.deepEqual(watch.dialogs, [], 'a dialog opened');
    assert.deepEqual(console, [], 'console errors or CSP reports');
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.equal(await page.locator('main img, main svg:not(.brand-mark), main script').count(), 0, 'an injected element made it into the DOM');
    if (await page.evaluate('typeof window.__csp !== "undefined"')) assert.deepEqual(await page.evaluate<string[]>('window.__csp'), [], 'CSP violations');
  }

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';
    const channel = javaScriptEnabled ? 'hook-js' : 'hook-nojs';

    test(`${mode}: a channel is added, tested against a loopback receiver, routed; a refused name comes back as text`, async () => {
      const { context, page, watch } = await open(javaScriptEnabled);
      // Refused first: a hostile name, kept in the field and quoted in the message, as text.
      await page.fill('#ch-name', XSS[1]!);
      await page.selectOption('#ch-type', 'slack');
      await page.click('#channel-form button[type=submit]');
      assert.match(await page.locator('#channel-form .form-errors').innerText(), /name: expected lowercase letters, digits and dashes .*got "\\"><script>alert\(2\)<\/script>"/);
      assert.equal(await page.inputValue('#ch-name'), XSS[1]);

      await page.fill('#ch-name', channel);
      await page.selectOption('#ch-type', 'webhook');
      await page.fill('#ch-url', `${receiver.url}/hook/${channel}`);
      await page.fill('#ch-secret', 'browser-secret');
      await page.check('#ch-allow-private');
      await Promise.all([page.waitForURL(`${base}/manage/alerts`), page.click('#channel-form button[type=submit]')]);
      const row = page.locator(`tr[data-channel="${channel}"]`);
      assert.equal(await row.locator('td').nth(2).innerText(), receiver.url);
      assert.ok(!(await page.content()).includes(`/hook/${channel}`), 'the URL path (its credential) is not on the page');

      const before = receiver.requests.length;
      await row.locator('button', { hasText: 'Send test' }).click();
      await page.waitForSelector('.alert-notice');
      assert.match(await page.locator('.alert-notice').innerText(), new RegExp(`Test message sent through ${channel}`));
      assert.equal(receiver.requests.length, before + 1);
      assert.equal(receiver.requests.at(-1)?.path, `/hook/${channel}`);

      await page.check(`#route-form input[name="channel.${channel}"]`);
      await page.fill('#rt-tags', XSS.join(', '));
      await page.check('#route-form input[name="event.incident_opened"]');
      await page.click('#route-form button[type=submit]');
      await page.waitForSelector('tr[data-route]');
      const tags = await page.locator('table.alert-routes tbody tr').last().locator('td').nth(3).innerText();
      for (const x of XSS) assert.ok(tags.includes(x.trim()), `${x} shown as text`);
      assert.match(await page.locator('table.dead-letters').innerText(), /550 rejected <img src=x onerror=alert\(1\)>/);
      if (javaScriptEnabled) {
        await page.screenshot({ path: join(SHOTS, 'manage-alerts-1280.png'), fullPage: true });
        assert.deepEqual(await axeViolations(page), [], 'accessibility of /manage/alerts');
        await page.goto(`${base}/manage/alerts/channels/${channel}`);
        assert.deepEqual(await axeViolations(page), [], 'accessibility of a channel page');
      }
      await assertClean(page, watch);
      await context.close();
    });

    test(`${mode}: maintenance windows are added (UTC), shown with hostile tags as text, and ended`, async () => {
      const { context, page, watch } = await open(javaScriptEnabled);
      await page.goto(`${base}/manage/maintenance`);
      await page.check('#mw-once');
      await page.fill('#mw-start', '2099-05-01T02:00');
      await page.fill('#mw-end', '2099-05-01T03:30');
      await page.fill('#mw-tags', XSS.join(', '));
      await Promise.all([page.waitForURL(`${base}/manage/maintenance`), page.click('#window-form button[type=submit]')]);
      const scheduled = page.locator('table.maintenance-windows tbody tr', { hasText: '2099-05-01 02:00 → 2099-05-01 03:30 UTC' }).last();
      const covers = await scheduled.locator('td').nth(2).innerText();
      for (const x of XSS) assert.ok(covers.includes(`tag ${x.trim()}`), `${x} shown as text`);

      await page.check('#mw-weekly');
      await page.selectOption('#mw-day', 'friday');
      await page.fill('#mw-time', '23:30');
      await page.fill('#mw-minutes', '90');
      await page.fill('#mw-endpoints', 'weather');
      await Promise.all([page.waitForURL(`${base}/manage/maintenance`), page.click('#window-form button[type=submit]')]);
      assert.equal(await page.locator('table.maintenance-windows tbody tr', { hasText: 'every friday at 23:30 UTC for 90 min' }).count() >= 1, true);

      // A window with only an end starts now, and "End now" ends it.
      await page.check('#mw-once');
      await page.fill('#mw-end', '2099-06-01T00:00');
      await Promise.all([page.waitForURL(`${base}/manage/maintenance`), page.click('#window-form button[type=submit]')]);
      const current = page.locator('table.maintenance-windows tbody tr', { hasText: '2099-06-01 00:00 UTC' }).last();
      assert.equal(await current.locator('td').nth(3).innerText(), 'active');
      await Promise.all([page.waitForURL(`${base}/manage/maintenance`), current.locator('button', { hasText: 'End now' }).click()]);
      assert.equal(await page.locator('table.maintenance-windows tbody tr').last().locator('td').nth(3).innerText(), 'ended');
      if (javaScriptEnabled) {
        await page.screenshot({ path: join(SHOTS, 'manage-maintenance-1280.png'), fullPage: true });
        assert.deepEqual(await axeViolations(page), [], 'accessibility of /manage/maintenance');
        await page.setViewportSize({ width: 360, height: 800 });
        await page.screenshot({ path: join(SHOTS, 'manage-maintenance-360.png'), fullPage: true });
      }
      await assertClean(page, watch);
      await context.close();
    });
  }
});
