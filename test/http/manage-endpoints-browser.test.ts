// The endpoint forms in a real headless Chromium with the strict CSP enforced, against the real app
// (listening on loopback, real SQLite, the real probe): an editor signs in, checks a real MCP server
// before saving and saves, with JavaScript and without; hostile names, tags and headers render as
// text with no dialog, no injected element and no CSP violation; a server.json is imported from the
// textarea. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { PASSWORD, addUser, type AccountsApp } from './accounts-fixture.ts';
import { enforceStrictCsp, LAUNCH, type PageWatch, runAxe, signInThroughForm, watchPage } from './browser-fixture.ts';
import { buildFormsApp } from './endpoint-forms-fixture.ts';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');
const XSS = {
  name: '<img src=x onerror=alert(1)>',
  tag: '"><script>alert(2)</script>',
  headerValue: "'><svg onload=alert(3)>",
  headerName: '<img src=x onerror=alert(4)>',
  title: '<script>alert(5)</script>',
} as const;

/** axe-core's WCAG 2 A/AA violations on the page as it is, one line a rule. */
async function axeViolations(page: Page): Promise<string[]> {
  return (await runAxe(page)).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('endpoint forms in a real browser', { timeout: 240_000 }, () => {
  let t: AccountsApp;
  let mcp: RunningServer;
  let browser: Browser;
  let base: string;
  /** The MCP server by name, so the preview's waterfall starts with DNS (localhost is always loopback). */
  let mcpUrl: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mcp = await startV2Server({ era: 'dual', tools: 3 });
    mcpUrl = mcp.url.replace('127.0.0.1', 'localhost');
    t = await buildFormsApp();
    await addUser(t, 'ed', 'editor');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await mcp?.close();
  });

  async function signedIn(javaScriptEnabled: boolean): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const watch = await watchPage(page);
    await signInThroughForm(page, base, 'ed', PASSWORD, '/manage/endpoints/new');
    return { context, page, watch };
  }

  async function assertClean(page: Page, watch: PageWatch, javaScriptEnabled: boolean): Promise<void> {
    if (javaScriptEnabled) assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], 'CSP violations');
    assert.deepEqual(watch.dialogs, [], 'a dialog opened');
    // Chromium logs an error for every 4xx document; a refused form answers with one on purpose.
    assert.deepEqual(
      watch.console.filter((line) => !/status of 40\d/.test(line)),
      [],
      'console errors or CSP reports',
    );
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'an injected <img> made it into the DOM');
    assert.equal(await page.locator('main script, main svg[onload]').count(), 0, 'an injected script or svg');
  }

  for (const javaScriptEnabled of [true, false]) {
    test(`add an endpoint: hostile input stays text, check now shows the phases, save stores it (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const { context, page, watch } = await signedIn(javaScriptEnabled);
      const slug = javaScriptEnabled ? 'with-js' : 'without-js';
      await page.fill('#ep-name', `${XSS.name} ${slug}`);
      await page.fill('#ep-slug', slug);
      await page.fill('#ep-url', mcpUrl);
      await page.fill('#ep-tags', `prod, ${XSS.tag}`);
      // A header name no server would take: the API's refusal, naming it, as text.
      await page.fill('#ep-headers', `${XSS.headerName}: 1`);
      await page.click('button.ep-check');
      await page.waitForSelector('#form-errors');
      const error = await page.locator('#form-errors li').first().innerText();
      assert.ok(error.includes(`headers.${XSS.headerName}`) && error.includes('not a valid header name'), error);
      assert.equal(await page.inputValue('#ep-name'), `${XSS.name} ${slug}`);

      await page.fill('#ep-headers', `X-Evil: ${XSS.headerValue}`);
      await page.click('button.ep-check');
      await page.waitForSelector('#preview');
      assert.equal(await page.locator('#preview [data-status]').getAttribute('data-status'), 'up');
      const phases = await Promise.all((await page.locator('#preview li.ep-step').all()).map((li) => li.getAttribute('data-phase')));
      assert.equal(phases[0], 'dns', phases.join(','));
      assert.ok(phases.includes('connect') && phases.includes('tools_list'), phases.join(','));
      assert.equal(await page.locator('#preview rect.ph').count(), phases.length);
      assert.match(await page.locator('#preview').innerText(), /v2-probe-target 1\.0\.0/);
      assert.equal(await page.inputValue('#ep-headers'), `X-Evil: ${XSS.headerValue}`, 'the form comes back as typed');
      await page.screenshot({ path: join(SHOTS, `manage-endpoint-preview-${javaScriptEnabled ? 'js' : 'nojs'}-1280.png`), fullPage: true });
      if (javaScriptEnabled) assert.deepEqual(await axeViolations(page), [], 'accessibility of the form with its preview');
      assert.equal(await t.store.getEndpointBySlug(slug), undefined, 'nothing saved by a check');

      await Promise.all([page.waitForURL(/\/manage\/endpoints\/\d+\?done=created$/), page.click('button.ep-save')]);
      assert.equal(await page.locator('h1').innerText(), `${XSS.name} ${slug}`);
      assert.match(await page.locator('.ep-facts').first().innerText(), /X-Evil/);
      const stored = await t.store.getEndpointBySlug(slug);
      assert.ok(stored);
      assert.deepEqual([stored.tags, stored.secrets.headers, stored.source], [['prod', XSS.tag], { 'X-Evil': XSS.headerValue }, 'api']);

      await page.goto(`${base}/manage/endpoints`);
      const row = page.locator(`tr[data-endpoint="${stored.id}"]`);
      assert.match(await row.innerText(), new RegExp(`${slug}`));
      assert.ok((await row.locator('a').first().innerText()).includes(XSS.name));
      if (javaScriptEnabled) {
        assert.deepEqual(await axeViolations(page), [], 'accessibility of the list');
        await page.screenshot({ path: join(SHOTS, 'manage-endpoints-1280.png'), fullPage: true });
        await page.setViewportSize({ width: 360, height: 800 });
        await page.goto(`${base}/manage/endpoints/${stored.id}`);
        await page.screenshot({ path: join(SHOTS, 'manage-endpoint-360.png'), fullPage: true });
        assert.deepEqual(await axeViolations(page), [], 'accessibility of an endpoint page');
      }
      await assertClean(page, watch, javaScriptEnabled);
      await context.close();
    });
  }

  test('import a server.json from the textarea: preview, confirm, hostile title as text', async () => {
    const { context, page, watch } = await signedIn(true);
    await page.goto(`${base}/manage/endpoints/import`);
    const file = { name: 'io.example/browser-import', title: XSS.title, remotes: [{ type: 'streamable-http', url: mcpUrl }] };
    await page.fill('#import-text', JSON.stringify(file, null, 2));
    await page.click('#import-preview');
    await page.waitForSelector('table.ep-plan');
    assert.equal(await page.locator('tr[data-slug="browser-import"]').getAttribute('data-kind'), 'add');
    assert.ok((await page.locator('tr[data-slug="browser-import"]').innerText()).includes(XSS.title));
    assert.equal(await t.store.getEndpointBySlug('browser-import'), undefined);
    await page.screenshot({ path: join(SHOTS, 'manage-endpoints-import-1280.png'), fullPage: true });
    assert.deepEqual(await axeViolations(page), [], 'accessibility of the import preview');
    await page.click('#import-confirm');
    await page.waitForSelector('tr[data-kind="added"]');
    const imported = await t.store.getEndpointBySlug('browser-import');
    assert.equal(imported?.source, 'import');
    assert.equal(imported?.name, XSS.title);
    // The file input, as a browser uploads it (multipart/form-data).
    await page.goto(`${base}/manage/endpoints/import`);
    const second = { name: 'io.example/uploaded', remotes: [{ type: 'sse', url: 'https://uploaded.example/sse' }] };
    await page.setInputFiles('#import-file', { name: 'server.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(second)) });
    await page.click('#import-preview');
    await page.waitForSelector('tr[data-slug="uploaded"][data-kind="add"]');
    await page.click('#import-confirm');
    await page.waitForSelector('tr[data-slug="uploaded"][data-kind="added"]');
    assert.equal((await t.store.getEndpointBySlug('uploaded'))?.era, 'sse');
    await assertClean(page, watch, true);
    await context.close();
  });
});
