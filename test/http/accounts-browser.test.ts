// Accounts in a real Chromium against a real `mcpwatch serve` (its own SQLite file): the first-run
// setup URL read from serve's log creates the first admin (and works once); users with hostile
// names are added through the form and render as text, with no dialog and no CSP violation; sign
// out and sign in again with JavaScript off. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SERVICE_WAIT_MS, query, servingPort, startServe, stopServe, until, writeConfig, type Serve } from '../fixtures/serve-process.ts';
import { LAUNCH, enforceStrictCsp } from './browser-fixture.ts';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');
const PASSWORD = 'correct horse battery';
const XSS_NAMES = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', "'; alert(3); '", '<svg onload=alert(4)>'];

interface Watch {
  readonly dialogs: string[];
  readonly console: string[];
  readonly errors: string[];
}

describe('accounts in a real browser', () => {
  let serve: Serve;
  let browser: Browser;
  let base: string;
  let setupUrl: string;
  let db: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-accounts-browser-'));
    db = join(dir, 'data', 'mcpwatch.db');
    serve = startServe(writeConfig(dir, `dataDir: ${dir}/data\n`));
    const port = await until('serve to listen', () => servingPort(serve), SERVICE_WAIT_MS, serve);
    base = `http://127.0.0.1:${port}`;
    setupUrl = await until(
      'the setup URL in the log',
      () => {
        for (const line of serve.output().split('\n')) {
          if (line.includes('"setupUrl"')) return (JSON.parse(line) as { setupUrl: string }).setupUrl;
        }
        return undefined;
      },
      SERVICE_WAIT_MS,
      serve,
    );
    browser = await chromium.launch(LAUNCH);
  });
  after(async () => {
    await browser?.close();
    if (serve) await stopServe(serve);
  });

  async function open(options: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: options.javaScriptEnabled ?? true });
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const watch: Watch = { dialogs: [], console: [], errors: [] };
    page.on('dialog', (dialog) => {
      watch.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      // Chromium logs an error for every 4xx document; a refused form answers with one on purpose.
      if (/status of 40[0-4]/.test(message.text())) return;
      if (message.type() === 'error' || message.type() === 'warning' || /Content.Security.Policy/i.test(message.text())) watch.console.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => watch.errors.push(error.message));
    await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
    return { context, page, watch };
  }

  async function assertClean(page: Page, watch: Watch): Promise<void> {
    assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], 'CSP violations');
    assert.deepEqual(watch.dialogs, [], 'a dialog opened');
    assert.deepEqual(watch.console, [], 'console errors or CSP reports');
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'an injected <img> made it into the DOM');
  }

  test('the setup URL from the log creates the first admin, signs them in, and works only once', async () => {
    assert.ok(setupUrl.startsWith(`${base}/setup?token=`), setupUrl);
    const { context, page, watch } = await open();
    await page.goto(setupUrl);
    await page.screenshot({ path: join(SHOTS, 'setup-1280.png'), fullPage: true });
    await page.fill('#setup-name', 'root');
    await page.fill('#setup-password', PASSWORD);
    await page.fill('#setup-password2', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    await page.goto(`${base}/manage/users`);
    assert.match(await page.locator('.account-name').innerText(), /^Signed in as\s+root$/);
    await assertClean(page, watch);
    const again = await page.goto(setupUrl);
    assert.equal(again?.status(), 404);
    await context.close();
    assert.deepEqual(query(db, 'SELECT name, role FROM users'), [{ name: 'root', role: 'admin' }]);
  });

  test('hostile user names added through the form render as text: no dialog, no CSP violation', async () => {
    const { context, page, watch } = await open();
    await page.goto(`${base}/login`);
    await page.fill('#login-name', 'root');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/login"] button[type=submit]')]);
    for (const name of XSS_NAMES) {
      await page.goto(`${base}/manage/users`);
      await page.fill('#new-name', name);
      await page.fill('#new-password', PASSWORD);
      await page.selectOption('#new-role', 'viewer');
      await Promise.all([page.waitForURL(`${base}/manage/users`), page.click('form[action="/manage/users"] button[type=submit]')]);
    }
    const shown = await page.locator('td.user-name').allInnerTexts();
    for (const name of XSS_NAMES) assert.ok(shown.includes(name), `${name} shown as text`);
    // A validation error comes back on the page, with the name kept in the field as text.
    await page.fill('#new-name', XSS_NAMES[0]!);
    await page.fill('#new-password', 'short');
    await page.click('form[action="/manage/users"] button[type=submit]');
    assert.match(await page.locator('.form-errors').innerText(), /the password must be at least 10 characters/);
    assert.equal(await page.inputValue('#new-name'), XSS_NAMES[0]);
    await page.goto(`${base}/manage/audit`);
    assert.ok((await page.locator('td').allInnerTexts()).some((text) => text === `user:${XSS_NAMES[1]}`));
    await page.screenshot({ path: join(SHOTS, 'manage-audit-1280.png'), fullPage: true });
    await page.goto(`${base}/manage/users`);
    await page.screenshot({ path: join(SHOTS, 'manage-users-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.screenshot({ path: join(SHOTS, 'manage-users-360.png'), fullPage: true });
    await assertClean(page, watch);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/logout"] button')]);
    const back = await page.goto(`${base}/manage/users`);
    assert.equal(new URL(page.url()).pathname, '/login', 'signed out: sent to sign in');
    assert.equal(back?.status(), 200);
    await context.close();
  });

  test('without JavaScript: wrong password shows the message, the right one signs in, sign-out works', async () => {
    const { context, page, watch } = await open({ javaScriptEnabled: false });
    await page.goto(`${base}/login?next=%2Fmanage%2Ftokens`);
    await page.screenshot({ path: join(SHOTS, 'login-1280.png'), fullPage: true });
    await page.fill('#login-name', 'root');
    await page.fill('#login-password', 'wrong password!');
    await page.click('form[action="/login"] button[type=submit]');
    assert.match(await page.locator('.form-errors').innerText(), /The user name, password or code is wrong\./);
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/manage/tokens`), page.click('form[action="/login"] button[type=submit]')]);
    await page.fill('#token-name', '<b>ci</b>');
    await page.selectOption('#token-role', 'viewer');
    await page.click('form[action="/manage/tokens"] button[type=submit]');
    const token = await page.locator('#new-token').innerText();
    assert.match(token, /^mcpw_[A-Za-z0-9_-]{43}$/);
    const api = await fetch(`${base}/api/v1/endpoints`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(api.status, 200);
    assert.deepEqual(query(db, 'SELECT name, role, read_only FROM api_tokens'), [{ name: '<b>ci</b>', role: 'viewer', read_only: 1 }]);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/logout"] button')]);
    assert.equal(await page.locator('.account-name').count(), 0);
    await assertClean(page, watch);
    await context.close();
  });
});
