// The status-page forms in a real Chromium under the strict CSP (issue 16), with JavaScript on and
// off: sign in, make a page whose every field is an XSS payload, pick an endpoint into a group,
// upload a logo whose file name is one too (and an SVG, refused), post an incident and an update;
// then the page as its visitors see it. No dialog, no CSP violation, no injected markup, and the
// axe-core scan of each form page finds no WCAG A/AA violation. Screenshots go to
// test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { safeLogoFileName } from '../../src/domain/status-pages.ts';
import { addUser } from './accounts-fixture.ts';
import { enforceStrictCsp, LAUNCH, type PageWatch, runAxe, watchPage } from './browser-fixture.ts';
import { PNG, SVG, buildPageFormsApp, type PageFormsApp } from './manage-status-pages-fixture.ts';
import { seedEndpoint } from './page-seed.ts';
import { HOSTILE } from './status-page-fixture.ts';

const PASSWORD = 'correct horse battery';
const LOGO_NAME = '"><img src=x onerror=alert("logo")>.png';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');

describe('status-page forms in Chromium', () => {
  let t: PageFormsApp;
  let browser: Browser;
  let base = '';

  before(async () => {
    t = await buildPageFormsApp();
    await addUser(t, 'ed', 'editor', PASSWORD);
    await seedEndpoint(t.store, Date.now(), { slug: 'weather', definition: { name: HOSTILE.endpoint }, days: 1 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch(LAUNCH);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** With JavaScript off, page.evaluate never returns: the page-side checks run only with it on. */
  async function clean(page: Page, watch: PageWatch, where: string, scripts: boolean): Promise<void> {
    if (scripts) assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], `CSP violations on ${where}`);
    assert.deepEqual(watch.dialogs, [], `a dialog opened on ${where}`);
    assert.deepEqual(watch.errors, [], `page errors on ${where}`);
    assert.equal(await page.locator('img[src="x"], svg[onload], script:not([src]), a[href^="javascript:"]').count(), 0, `injected markup on ${where}`);
  }

  /** axe-core, evaluated through the DevTools protocol (the page's CSP forbids inline scripts). */
  async function accessible(page: Page, where: string, scripts: boolean): Promise<void> {
    if (!scripts) return;
    const violations = (await runAxe(page)).violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    assert.deepEqual(violations, [], `axe on ${where}`);
  }

  async function submit(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  }

  for (const javaScriptEnabled of [true, false]) {
    test(`make a hostile page, its group, logo and incident post with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
      const slug = javaScriptEnabled ? 'hostile-js' : 'hostile-nojs';
      const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 } });
      await enforceStrictCsp(context);
      // A wait that never ends fails the test with where it stood, rather than hanging the run.
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      const watch = await watchPage(page);
      try {
        await page.goto(`${base}/manage/status-pages`);
        assert.equal(new URL(page.url()).pathname, '/login');
        await page.fill('#login-name', 'ed');
        await page.fill('#login-password', PASSWORD);
        await Promise.all([page.waitForURL(`${base}/manage/status-pages`), page.click('form[action="/login"] button[type=submit]')]);
        await accessible(page, 'the list', javaScriptEnabled);

        await page.fill('#new-slug', slug);
        await page.fill('#new-title', HOSTILE.title);
        await page.fill('#new-description', HOSTILE.description);
        await page.fill('#new-footer', HOSTILE.footer);
        await submit(page, '#create-page button[type=submit]');
        assert.equal(new URL(page.url()).pathname, `/manage/status-pages/${slug}`);
        assert.equal(await page.locator('#page-heading').textContent(), HOSTILE.title);
        assert.equal(await page.inputValue('#page-description'), HOSTILE.description);
        await clean(page, watch, 'the page editor', javaScriptEnabled);
        if (javaScriptEnabled) await page.screenshot({ path: join(SHOTS, 'manage-status-page-1280.png'), fullPage: true });
        await accessible(page, 'the page editor', javaScriptEnabled);

        // A validation message comes back beside its form, the input kept as text.
        await page.fill('#page-title', `${HOSTILE.title}${'x'.repeat(200)}`);
        await submit(page, '#page-form button[type=submit]');
        assert.match(await page.locator('#settings .form-errors').innerText(), /title: must be at most 200 characters \(got 2\d\d\)/);
        assert.equal(await page.inputValue('#page-title'), `${HOSTILE.title}${'x'.repeat(200)}`);
        await page.goto(`${base}/manage/status-pages/${slug}`);

        const newGroup = page.locator('fieldset.group-editor').last();
        await newGroup.locator('input[name$=".name"]').fill(HOSTILE.group);
        await newGroup.locator('input[data-slug="weather"]').check();
        await submit(page, '#groups-form button[type=submit]');
        assert.equal(await page.inputValue('#g-0-name'), HOSTILE.group);
        assert.equal(await page.locator('fieldset[data-group="0"] input[data-slug="weather"]').isChecked(), true);

        await page.setInputFiles('#logo-file', { name: 'evil.svg', mimeType: 'image/svg+xml', buffer: SVG });
        await submit(page, '#logo-form button[type=submit]');
        assert.match(await page.locator('#logo .form-errors').innerText(), /logo: SVG logos are refused: an SVG can carry scripts; upload a PNG, JPEG, WebP or GIF/);
        await page.setInputFiles('#logo-file', { name: LOGO_NAME, mimeType: 'image/png', buffer: PNG });
        await submit(page, '#logo-form button[type=submit]');
        assert.equal(await page.locator('#logo-name').textContent(), safeLogoFileName(LOGO_NAME, 'image/png'));

        await page.fill('#post-title', HOSTILE.postTitle);
        await page.selectOption('#post-status', 'identified');
        await page.fill('#post-body', HOSTILE.postBody);
        await submit(page, '#post-form button[type=submit]');
        assert.match(new URL(page.url()).pathname, new RegExp(`^/manage/status-pages/${slug}/posts/\\d+$`));
        assert.equal(await page.locator('#post-heading').textContent(), HOSTILE.postTitle);
        await page.selectOption('#update-status', 'monitoring');
        await page.fill('#update-body', `${HOSTILE.postBody} fixed`);
        await submit(page, '#update-form button[type=submit]');
        assert.deepEqual(await page.locator('.post-updates .post-body').allTextContents(), [`${HOSTILE.postBody} fixed`, HOSTILE.postBody]);
        await clean(page, watch, 'the post editor', javaScriptEnabled);
        if (javaScriptEnabled) await page.screenshot({ path: join(SHOTS, 'manage-status-post-1280.png'), fullPage: true });
        await accessible(page, 'the post editor', javaScriptEnabled);

        await page.goto(`${base}/status/p/${slug}`);
        assert.equal(await page.locator('#page-title').textContent(), HOSTILE.title);
        assert.equal(await page.locator('.page-description').textContent(), HOSTILE.description);
        assert.equal(await page.locator('.page-footer p').textContent(), HOSTILE.footer);
        assert.equal(await page.locator('#group-0').textContent(), HOSTILE.group);
        assert.match((await page.locator('section.post h2').textContent()) ?? '', /^<\/title><script>alert\("post"\)<\/script>/);
        assert.deepEqual(await page.locator('section.post .post-body').allTextContents(), [`${HOSTILE.postBody} fixed`, HOSTILE.postBody]);
        assert.equal(await page.locator('img.page-logo').count(), 1);
        await clean(page, watch, 'the public page', javaScriptEnabled);

        // Deleting: a confirmation page, then the page is gone.
        await page.goto(`${base}/manage/status-pages/${slug}`);
        await submit(page, '#delete-link');
        assert.equal(new URL(page.url()).pathname, `/manage/status-pages/${slug}/delete`);
        await accessible(page, 'the delete confirmation', javaScriptEnabled);
        await submit(page, 'form[action$="/delete"] button[type=submit]');
        assert.equal(new URL(page.url()).pathname, '/manage/status-pages');
        assert.equal(await page.locator(`tr[data-page="${slug}"]`).count(), 0);
        if (javaScriptEnabled) await page.screenshot({ path: join(SHOTS, 'manage-status-pages-1280.png'), fullPage: true });
        await clean(page, watch, 'the list after deleting', javaScriptEnabled);
        // Chromium logs every 4xx document as an error; the refused forms above answer 400 on purpose.
        assert.deepEqual(
          watch.console.filter((line) => !/status of 400 \(Bad Request\)/.test(line)),
          [],
          'console errors or CSP reports',
        );
      } finally {
        await context.close();
      }
      const actions = (t.store.database.prepare("SELECT action FROM audit_log WHERE target LIKE ? ORDER BY id").all(`status-page:${slug}%`) as { action: string }[]).map((r) => r.action);
      assert.deepEqual(actions, ['status-page.create', 'status-page.groups', 'status-page.logo.set', 'status-page.post.create', 'status-page.post.update', 'status-page.delete']);
    });
  }
});
