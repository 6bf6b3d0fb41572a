// The pages in a real headless Chromium: seeded data, the app listening on a loopback port, and
// the strict Content-Security-Policy enforced on every response. Asserts the bars, statuses and
// charts are there, that hostile server strings render as text (no dialog ever opens), that
// nothing violates the CSP, that the dashboard refreshes itself, and that pages work without
// JavaScript. Screenshots go to test-output/screenshots/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EMPTY_TICK, state } from '../store/helper.ts';
import { LAUNCH, enforceStrictCsp } from './browser-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');
const XSS_SERVER = '<img src=x onerror=alert(1)>';
const XSS_TOOL = '<svg onload=alert(3)>';

async function attrs(page: Page, selector: string, name: string): Promise<Array<string | null>> {
  return Promise.all((await page.locator(selector).all()).map((l) => l.getAttribute(name)));
}

interface Watch {
  readonly dialogs: string[];
  readonly console: string[];
  readonly errors: string[];
}

describe('pages in a real browser', () => {
  const now = Date.now();
  const day = Math.floor(now / DAY) * DAY;
  let t: TestApp;
  let base: string;
  let browser: Browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // No view cache: it keeps a view whose build took 100 ms or more for 10 s, so on a loaded
    // runner the refresh test got the view from before its own write (a wall-clock dependency).
    t = await buildTestApp({ pageCacheMs: 0 });
    await seedEndpoint(t.store, now, {
      slug: 'search',
      definition: { name: 'Search API', tags: ['core'], url: 'https://search.example.com/mcp' },
      row: (ts) => (ts >= day - 10 * DAY + 3 * HOUR && ts < day - 10 * DAY + 5 * HOUR ? { status: 'down', code: 'TCP_TIMEOUT', detail: 'connect timed out after 5 s' } : {}),
      incidents: [{ startedAt: day - 10 * DAY + 3 * HOUR + 60_000, resolvedAt: day - 10 * DAY + 4 * HOUR + 50 * 60_000, code: 'TCP_TIMEOUT', detail: 'connect timed out after 5 s' }],
      tools: [
        { ts: now - 40 * DAY, names: ['search', 'fetch_page'] },
        { ts: now - 12 * DAY, names: ['search', 'fetch_page', 'summarize'] },
        { ts: now - 2 * DAY, names: ['search', 'summarize', 'search_images'] },
      ],
      cert: { notAfter: new Date(now + 64 * DAY).toISOString(), issuer: "CN=R11, O=Let's Encrypt, C=US" },
      state: { serverName: 'search-mcp', serverVersion: '2.3.0' },
    });
    await seedEndpoint(t.store, now, {
      slug: 'weather',
      definition: { name: 'Weather', tags: ['core', 'beta'], url: 'https://weather.example.net/sse' },
      row: (ts) => ({ durationMs: 300 + Math.round(200 * Math.abs(Math.sin(ts / HOUR / 7))) }),
      incidents: [{ startedAt: now - 47 * 60_000, resolvedAt: null, code: 'HTTP_5XX', detail: 'HTTP 503 from upstream gateway' }],
      state: { health: 'down', healthSince: new Date(now - 47 * 60_000).toISOString(), lastStatus: 'down', lastCode: 'HTTP_5XX', lastDetail: 'HTTP 503 from upstream gateway', consecutiveFailures: 47, era: 'sse', protocolVersion: '2024-11-05', serverName: 'weather-mcp', serverVersion: '0.9.1' },
    });
    await seedEndpoint(t.store, now, {
      slug: 'xss',
      definition: { name: 'Community <b>server</b>', tags: ['community'] },
      days: 45,
      tools: [{ ts: now - 3 * DAY, names: ['ok_tool', XSS_TOOL] }],
      cert: { notAfter: new Date(now + 9 * DAY).toISOString(), issuer: '<script>alert(4)</script>' },
      state: { lastStatus: 'auth_required', lastCode: 'AUTH_REQUIRED', lastDetail: 'HTTP 401 with a Bearer challenge', serverName: XSS_SERVER, serverVersion: '"><svg onload=alert(5)>', era: 'modern', protocolVersion: '2026-07-28' },
    });
    await seedEndpoint(t.store, now, {
      slug: 'internal',
      definition: { name: 'Internal Tools', public: false, tags: ['internal'], url: 'https://10.0.0.7/mcp?token=SECRET' },
      days: 60,
      state: { lastStatus: 'degraded', lastCode: 'JSONRPC_ERROR', lastDetail: 'tools/list failed: -32603 internal error' },
    });
    await seedEndpoint(t.store, now, { slug: 'docs', definition: { name: 'Docs Lookup' }, days: 20, row: (ts) => ({ durationMs: 900 + Math.round(400 * Math.sin(ts / HOUR / 3)) }) });
    await seedEndpoint(t.store, now, { slug: 'legacy', definition: { name: 'Legacy Bridge', paused: true, pausedReason: 'needs env LEGACY_TOKEN', tags: ['beta'] }, days: 5 });
    t.store.checkpoint();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(options: { javaScriptEnabled?: boolean; width?: number; height?: number; dark?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
    const context = await browser.newContext({
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
      colorScheme: options.dark ? 'dark' : 'light',
    });
    // Whatever the app sends, the browser also enforces the strict policy pages are written for.
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const watch: Watch = { dialogs: [], console: [], errors: [] };
    page.on('dialog', (dialog) => {
      watch.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning' || /Content.Security.Policy/i.test(message.text())) watch.console.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => watch.errors.push(error.message));
    // Browser-side code is passed as text: this project's TypeScript has no DOM types.
    await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
    return { context, page, watch };
  }

  async function assertClean(page: Page, watch: Watch): Promise<void> {
    const violations = await page.evaluate<string[]>('window.__csp ?? []');
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(watch.dialogs, [], 'a dialog opened');
    assert.deepEqual(watch.console, [], 'console errors or CSP reports');
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'an injected <img> made it into the DOM');
  }

  test('dashboard: every endpoint, its status in words, sparklines, hostile strings as text', async () => {
    const { context, page, watch } = await open();
    try {
      const response = await page.goto(`${base}/`);
      assert.equal(response?.status(), 200);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('table.endpoints tbody tr').count(), 6);
      const status = async (slug: string): Promise<string> => (await page.locator(`tr[data-slug="${slug}"] .pill-text`).textContent()) ?? '';
      assert.deepEqual(
        await Promise.all(['weather', 'internal', 'xss', 'search', 'docs', 'legacy'].map(status)),
        ['Down', 'Degraded', 'Auth required', 'Up', 'Up', 'Paused'],
      );
      assert.deepEqual(await attrs(page, 'table.endpoints tbody tr', 'data-slug'), ['weather', 'internal', 'xss', 'docs', 'search', 'legacy']);
      assert.ok((await page.locator('tr[data-slug="search"] svg.spark polyline').count()) >= 1);
      assert.equal(await page.locator('tr[data-slug="weather"] .code').textContent(), 'HTTP_5XX');
      assert.equal(await page.locator('tr[data-slug="xss"] .srv-name').textContent(), `${XSS_SERVER} "><svg onload=alert(5)>`);
      assert.equal(await page.locator('tr[data-slug="xss"] .ep-name').textContent(), 'Community <b>server</b>');
      assert.match((await page.locator('tr[data-slug="search"] td.cert').textContent()) ?? '', /^6[34] days$/);
      assert.doesNotMatch(await page.content(), /SECRET/);
      await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('dashboard: filters work as plain links and forms; the table refreshes from the JSON twin', async () => {
    const { context, page, watch } = await open();
    try {
      await page.clock.install();
      await page.goto(`${base}/?tag=core`);
      assert.deepEqual(await attrs(page, 'table.endpoints tbody tr', 'data-slug'), ['weather', 'search']);
      await page.selectOption('select[name="status"]', 'up');
      await Promise.all([page.waitForURL(/status=up/), page.click('.filters button[type="submit"]')]);
      assert.deepEqual(await attrs(page, 'table.endpoints tbody tr', 'data-slug'), ['search']);

      await page.goto(`${base}/`);
      const docs = (await t.store.listEndpoints()).find((e) => e.slug === 'docs')!;
      await t.store.writeTick({
        ...EMPTY_TICK,
        states: [state(docs.id, { health: 'down', healthSince: new Date().toISOString(), lastStatus: 'down', lastCode: 'DNS_NXDOMAIN', lastDetail: `no such host ${XSS_SERVER}`, lastCheckedAt: new Date().toISOString(), serverName: XSS_TOOL, consecutiveFailures: 2 })],
      });
      await page.clock.fastForward(31_000);
      await page.waitForSelector('tr[data-slug="docs"][data-status="down"]');
      assert.equal(await page.locator('tr[data-slug="docs"] .code').textContent(), 'DNS_NXDOMAIN');
      assert.equal(await page.locator('tr[data-slug="docs"] .detail').textContent(), `no such host ${XSS_SERVER}`);
      assert.equal(await page.locator('tr[data-slug="docs"] .srv-name').textContent(), XSS_TOOL);
      assert.equal(await page.locator('[data-count-status="down"] .count-n').textContent(), '2');
      assert.equal(await page.locator('table.endpoints tbody tr').count(), 6);
      assert.ok((await page.locator('tr[data-slug="search"] svg.spark polyline').count()) >= 1, 'the sparkline survives a refresh');
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('status overview: public endpoints only, grouped by tag, 90 bars each', async () => {
    const { context, page, watch } = await open({ width: 1100 });
    try {
      const response = await page.goto(`${base}/status`);
      assert.equal(response?.status(), 200);
      assert.match(String(response?.headers().etag), /^"/);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await page.locator('section.group h2').allTextContents(), ['beta', 'community', 'core', 'Other']);
      const slugs = [...new Set(await attrs(page, 'li.card', 'data-slug'))].sort();
      assert.deepEqual(slugs, ['docs', 'legacy', 'search', 'weather', 'xss']);
      for (const slug of slugs) assert.equal(await page.locator(`li.card[data-slug="${slug}"] svg.bars`).first().locator('rect').count(), 90, slug);
      assert.equal(await page.locator('.overall h1').textContent(), 'Some systems are down');
      assert.equal(await page.locator('li.card[data-slug="xss"] .card-name').first().textContent(), 'Community <b>server</b>');
      assert.equal(await page.locator('li.card[data-slug="docs"] svg.bars rect').first().locator('title').textContent(), `${new Date(day - 89 * DAY).toISOString().slice(0, 10)} · no data`);
      await page.screenshot({ path: join(SHOTS, 'status.png'), fullPage: true });
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('status page: bars with titles, latency chart, incidents, certificate, protocol, tool history', async () => {
    const { context, page, watch } = await open({ width: 1100 });
    try {
      await page.goto(`${base}/status/search`);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('svg.bars rect').count(), 90);
      const outage = new Date(day - 10 * DAY).toISOString().slice(0, 10);
      assert.equal(await page.locator(`svg.bars rect[data-date="${outage}"] title`).textContent(), `${outage} · 91.66% uptime · 1 incident`);
      assert.ok((await page.locator('svg.chart polyline.p50').count()) >= 1);
      assert.ok((await page.locator('svg.chart polyline.p95').count()) >= 1);
      assert.equal(await page.locator('table.incidents tbody tr').count(), 1);
      assert.match((await page.locator('table.incidents tbody tr td').nth(2).textContent()) ?? '', /^1 h 49 min$/);
      assert.equal(await page.locator('.head-status .pill-text').textContent(), 'Up');
      assert.match((await page.locator('.facts').textContent()) ?? '', /6[34] days left[\s\S]*Streamable HTTP[\s\S]*revision 2025-06-18[\s\S]*search-mcp/);
      assert.deepEqual(await page.locator('.timeline .chg').allTextContents(), ['+ search_images', '− fetch_page', '+ summarize']);
      // The badges on the page load under the CSP.
      await page.waitForFunction("[...document.querySelectorAll('.embed img')].every((img) => img.complete && img.naturalWidth > 0)");
      await page.screenshot({ path: join(SHOTS, 'status-endpoint.png'), fullPage: true });

      await page.click('nav.tabs a:text("7d")');
      await page.waitForURL(/range=7d/);
      assert.equal(await page.locator('nav.tabs a[aria-current="true"]').textContent(), '7d');
      assert.ok((await page.locator('svg.chart polyline.p50').count()) >= 1);
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('status page of a hostile server: its strings are text, no dialog opens', async () => {
    const { context, page, watch } = await open({ width: 1100 });
    try {
      await page.goto(`${base}/status/xss`);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('h1.ep-title').textContent(), 'Community <b>server</b>');
      assert.equal(await page.locator('.facts .srv-name').textContent(), XSS_SERVER);
      assert.match((await page.locator('.facts').textContent()) ?? '', /<script>alert\(4\)<\/script>/);
      await page.locator('details.tool-names summary').click();
      assert.deepEqual(await page.locator('details.tool-names code').allTextContents(), ['ok_tool', XSS_TOOL]);
      assert.equal(await page.locator('h1.ep-title b').count(), 0);
      assert.equal(await page.locator('main svg[onload], main script').count(), 0);
      assert.equal(await page.locator('.head-status .pill-text').textContent(), 'Auth required');
      await page.screenshot({ path: join(SHOTS, 'status-hostile.png'), fullPage: true });
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('private and unknown endpoints: the same not-found page', async () => {
    const { context, page, watch } = await open({ width: 900 });
    try {
      const privateResponse = await page.goto(`${base}/status/internal`);
      assert.equal(privateResponse?.status(), 404);
      const privateText = await page.locator('main').textContent();
      const unknownResponse = await page.goto(`${base}/status/does-not-exist`);
      assert.equal(unknownResponse?.status(), 404);
      assert.equal(await page.locator('main').textContent(), privateText);
      assert.match(privateText ?? '', /Not found/);
      // Chromium logs a console error for any 404 document; that one is expected here.
      watch.console.splice(0, watch.console.length, ...watch.console.filter((line) => !/status of 404/.test(line)));
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('badges parse as XML in the browser and escape their text', async () => {
    const { context, page, watch } = await open({ width: 900 });
    try {
      await page.goto(`${base}/status`);
      const urls = ['/badge/xss.svg', `/badge/search.svg?window=30d&label=${encodeURIComponent('<b>"&\'')}`, '/badge/weather.svg?window=90d'];
      const parsed = await page.evaluate<Array<{ error: string | null; title: string | null; root: string }>>(`Promise.all(${JSON.stringify(urls)}.map(async (url) => {
        const doc = new DOMParser().parseFromString(await (await fetch(url)).text(), 'image/svg+xml');
        return { error: doc.querySelector('parsererror')?.textContent ?? null, title: doc.querySelector('title')?.textContent ?? null, root: doc.documentElement.nodeName };
      }))`);
      assert.deepEqual(parsed.map((p) => [p.error, p.root]), [
        [null, 'svg'],
        [null, 'svg'],
        [null, 'svg'],
      ]);
      assert.equal(parsed[0]!.title, 'Community <b>server</b>: auth required');
      assert.match(parsed[1]!.title ?? '', /^<b>"&': \d+\.\d\d%$/);
      await page.goto(`${base}/badge/weather.svg`);
      await page.screenshot({ path: join(SHOTS, 'badge-weather.png') });
      await assertClean(page, watch);
    } finally {
      await context.close();
    }
  });

  test('without JavaScript the pages are complete', async () => {
    const { context, page, watch } = await open({ javaScriptEnabled: false });
    try {
      await page.goto(`${base}/?status=down`);
      assert.deepEqual(await attrs(page, 'table.endpoints tbody tr', 'data-slug'), ['docs', 'weather']);
      await page.goto(`${base}/status/weather`);
      assert.equal(await page.locator('svg.bars rect').count(), 90);
      assert.ok((await page.locator('svg.chart polyline.p50').count()) >= 1);
      // The public page names the code and its summary, never the probe's raw detail.
      const alert = (await page.locator('section.alert').textContent()) ?? '';
      assert.match(alert, /Ongoing incident[\s\S]*HTTP_5XX The server reported an internal error\./);
      assert.doesNotMatch(alert, /upstream gateway/);
      assert.deepEqual(watch.dialogs, []);
      assert.deepEqual(watch.console, []);
    } finally {
      await context.close();
    }
  });

  test('dark colour scheme and a phone-sized screen', async () => {
    const dark = await open({ dark: true });
    try {
      await dark.page.goto(`${base}/`);
      await dark.page.screenshot({ path: join(SHOTS, 'dashboard-dark.png'), fullPage: true });
      await dark.page.goto(`${base}/status/weather`);
      await dark.page.waitForLoadState('networkidle');
      await dark.page.screenshot({ path: join(SHOTS, 'status-endpoint-dark.png'), fullPage: true });
      await assertClean(dark.page, dark.watch);
    } finally {
      await dark.context.close();
    }
    const phone = await open({ width: 390, height: 844 });
    try {
      await phone.page.goto(`${base}/status`);
      await phone.page.waitForLoadState('networkidle');
      const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `the status page scrolls sideways on a phone by ${overflow}px`);
      await phone.page.screenshot({ path: join(SHOTS, 'status-phone.png'), fullPage: true });
      await assertClean(phone.page, phone.watch);
    } finally {
      await phone.context.close();
    }
  });
});
