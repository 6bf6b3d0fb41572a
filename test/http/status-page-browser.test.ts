// A status page full of XSS payloads in real Chromium under the strict CSP (issue 16): every
// field an operator fills, an endpoint's name and an incident post; at its path and on its custom
// domain (mapped to loopback inside the browser). No dialog, no CSP violation, no injected markup.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LAUNCH, STRICT_CSP, enforceStrictCsp } from './browser-fixture.ts';
import type { BrowserContext } from 'playwright-core';
import { HOUR, seedEndpoint } from './page-seed.ts';
import { HOSTILE, buildPagesApp, type PagesApp } from './status-page-fixture.ts';

const BASE = '/api/v1/status-pages';
const DOMAIN = 'status.hostile.example';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);

describe('a hostile status page in Chromium', () => {
  let t: PagesApp;
  let port = 0;
  let browser: Browser;

  before(async () => {
    t = await buildPagesApp({ pageCacheMs: 0 });
    const now = Date.now();
    await seedEndpoint(t.store, now, { slug: 'weather', definition: { name: HOSTILE.endpoint }, days: 2, incidents: [{ startedAt: now - HOUR, resolvedAt: null, code: 'HTTP_5XX', detail: '<script>alert("detail")</script>' }] });
    assert.equal((await t.send('POST', BASE, { slug: 'hostile', title: HOSTILE.title, description: HOSTILE.description, footer: HOSTILE.footer, customDomain: DOMAIN })).statusCode, 201);
    assert.equal((await t.send('PUT', `${BASE}/hostile/groups`, { groups: [{ name: HOSTILE.group, endpoints: ['weather'] }] })).statusCode, 200);
    assert.equal((await t.send('POST', `${BASE}/hostile/posts`, { title: HOSTILE.postTitle, status: 'monitoring', body: HOSTILE.postBody })).statusCode, 201);
    const logo = await t.app.inject({ method: 'PUT', url: `${BASE}/hostile/logo?filename=${encodeURIComponent('"><script>alert(9)</script>.png')}`, headers: { ...t.writer, 'content-type': 'image/png' }, payload: PNG });
    assert.equal(logo.statusCode, 200, logo.body);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    browser = await chromium.launch({ ...LAUNCH, args: [...LAUNCH.args, `--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1`] });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /**
   * enforceStrictCsp for the custom domain: route.fetch resolves names in Node, not through
   * Chromium's resolver rules, so it is sent to loopback with the domain as its Host.
   */
  async function viaLoopback(context: BrowserContext, onRequest: (url: string) => void): Promise<void> {
    await context.route('**/*', async (route) => {
      const original = route.request().url();
      onRequest(original);
      const target = new URL(original);
      target.hostname = '127.0.0.1';
      const response = await route.fetch({ url: target.href, headers: { ...route.request().headers(), host: `${DOMAIN}:${port}` } });
      const headers = response.headers();
      headers['content-security-policy'] = [headers['content-security-policy'], STRICT_CSP].filter(Boolean).join(', ');
      await route.fulfill({ response, headers });
    });
  }

  async function visit(url: string, check: (page: Page) => Promise<void>): Promise<void> {
    const context = await browser.newContext();
    const requested: string[] = [];
    if (new URL(url).hostname === DOMAIN) await viaLoopback(context, (u) => requested.push(u));
    else await enforceStrictCsp(context, (u) => requested.push(u));
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
    try {
      assert.equal((await page.goto(url))?.status(), 200);
      await page.waitForLoadState('networkidle');
      await check(page);
      assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], 'CSP violations');
      assert.deepEqual(dialogs, [], 'a dialog opened');
      assert.equal(await page.locator('img[src="x"], svg[onload], script:not([src]), a[href^="javascript:"]').count(), 0, 'injected markup made it into the DOM');
      const origin = new URL(url).origin;
      assert.deepEqual(
        requested.filter((u) => !u.startsWith(origin)),
        [],
        'everything comes from the page origin',
      );
      assert.ok(requested.some((u) => /\/logo$/.test(u)), 'the logo was requested');
    } finally {
      await context.close();
    }
  }

  async function shown(page: Page): Promise<void> {
    assert.equal(await page.locator('#page-title').textContent(), HOSTILE.title);
    assert.equal(await page.locator('.page-description').textContent(), HOSTILE.description);
    assert.equal(await page.locator('.page-footer p').textContent(), HOSTILE.footer);
    assert.equal(await page.locator('#group-0').textContent(), HOSTILE.group);
    assert.equal((await page.locator('.card-name').textContent())?.trim(), HOSTILE.endpoint);
    assert.match((await page.locator('section.post h2').textContent()) ?? '', new RegExp(`^${HOSTILE.postTitle.replace(/[()[\]\\/^$.*+?|{}]/g, '\\$&')}`));
    assert.equal(await page.locator('.post-body').first().textContent(), HOSTILE.postBody);
    assert.equal(await page.locator('img.page-logo').count(), 1);
    assert.equal(await page.locator('link[rel="alternate"][type="application/rss+xml"]').count(), 1);
  }

  test('at its path', async () => {
    await visit(`http://127.0.0.1:${port}/status/p/hostile`, shown);
  });

  test('on its custom domain', async () => {
    await visit(`http://${DOMAIN}:${port}/`, async (page) => {
      await shown(page);
      assert.equal(await page.locator('link[rel="alternate"]').getAttribute('href'), '/feed.xml');
    });
  });
});
