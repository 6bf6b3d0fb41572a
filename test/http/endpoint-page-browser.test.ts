// /endpoints/:slug in a real headless Chromium with the strict CSP enforced: hostile strings from
// servers stay text (no dialog, no injected element, no CSP violation), a check's tooltip opens
// on keyboard focus without any script, and the page fits a 360 px screen (its tables scroll in
// their cards). Screenshots at 1280 px and 360 px go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testMessage } from '../../src/alerts/message.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { EMPTY_TICK } from '../store/helper.ts';
import { LAUNCH, enforceStrictCsp, watchPage, type PageWatch } from './browser-fixture.ts';
import { HOSTILE } from './endpoint-page-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');


/** From the top of the page, Tab until a check has the focus (the links before the strip come first). */
async function tabToCheck(page: Page): Promise<void> {
  await page.locator('body').focus();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate<boolean>("document.activeElement?.classList.contains('check') ?? false")) return;
  }
  assert.fail('Tab never reached the strip');
}

function focusedTip(page: Page): Promise<string | null> {
  return page.evaluate<string | null>('document.activeElement?.getAttribute("aria-describedby") ?? null');
}

describe('endpoint page in a real browser', { timeout: 180_000 }, () => {
  const now = Date.now();
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let token: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    let outbox!: SqliteOutbox;
    t = await buildTestApp({
      pageCacheMs: 0,
      withStore: (store) => {
        outbox = new SqliteOutbox(store.database);
        return { alerts: outbox };
      },
    });
    // Every 15 minutes for a day, so the strip is full (100 checks); a failing spell with a hostile detail.
    const { endpoint } = await seedEndpoint(t.store, now, {
      slug: 'hostile',
      definition: { name: `Hostile ${HOSTILE.tool}`, tags: ['<i>tag</i>'], intervalS: 900 },
      days: 30,
      row: (ts) => (ts > now - 5 * HOUR && ts < now - 2 * HOUR ? { status: 'down', code: 'HTTP_5XX', detail: HOSTILE.detail, tlsMs: null } : {}),
      incidents: [{ startedAt: now - 5 * HOUR, resolvedAt: now - 2 * HOUR, code: 'HTTP_5XX', detail: HOSTILE.detail }],
      tools: [
        { ts: now - 9 * DAY, names: ['search'] },
        { ts: now - 1 * DAY, names: ['search', HOSTILE.tool, `"><img src=x onerror=alert(7)>`] },
      ],
      cert: { notAfter: new Date(now + 20 * DAY).toISOString(), issuer: HOSTILE.issuer },
      state: { serverName: HOSTILE.server, serverVersion: '<svg onload=alert(8)>' },
    });
    const quarter = Array.from({ length: 96 }, (_, i) => now - 7 * 60_000 - i * 15 * 60_000);
    await t.store.writeTick({
      ...EMPTY_TICK,
      results: quarter.map((ts, i) => ({ endpointId: endpoint.id, ts, status: 'up' as const, code: null, detail: null, durationMs: 80 + (i % 7) * 15, dnsMs: 3, connectMs: 6, tlsMs: 14, era: 'streamable' as const, retried: false, stalled: false, lagMs: 2 })),
      certObservations: [{ endpointId: endpoint.id, ts: now - HOUR, fingerprint256: 'AB:'.repeat(31) + 'CD', subject: HOSTILE.subject, issuer: HOSTILE.issuer, notBefore: new Date(now - 60 * DAY).toISOString(), notAfter: new Date(now + 20 * DAY).toISOString(), sans: [HOSTILE.san, 'hostile.example.com', 'a-very-long-subject-alternative-name.for-a-narrow-screen.example.com'] }],
    });
    await outbox.commit({
      entries: ['incident_opened', 'incident_resolved'].map((kind, i) => ({ idempotencyKey: `k${i}`, channel: HOSTILE.channel, endpointId: endpoint.id, message: { ...testMessage(HOSTILE.channel, `k${i}`, now, null), kind } as ReturnType<typeof testMessage>, suppressed: null })),
      states: [],
    });
    token = generateToken();
    await t.store.createToken('viewer', hashToken(token), true);
    t.store.checkpoint();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(width: number, headers: Record<string, string> = {}, dark = false, javaScriptEnabled = true): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, extraHTTPHeaders: headers, colorScheme: dark ? 'dark' : 'light', javaScriptEnabled });
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const watch = await watchPage(page);
    return { page, watch, close: () => context.close() };
  }

  async function assertClean(page: Page, watch: PageWatch): Promise<void> {
    assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], 'CSP violations');
    assert.deepEqual(watch.dialogs, [], 'a dialog opened');
    assert.deepEqual(watch.console, [], 'console errors or CSP reports');
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.equal(await page.locator('img[src="x"], script:not([src]), iframe, main svg[onload], b, i').count(), 0, 'an injected element made it into the DOM');
  }

  test('hostile strings are text; Tab reaches a check and its tooltip shows; 1280 px', async () => {
    const { page, watch, close } = await open(1280, { authorization: `Bearer ${token}` });
    try {
      assert.equal((await page.goto(`${base}/endpoints/hostile`))?.status(), 200);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('h1.ep-title').textContent(), `Hostile ${HOSTILE.tool}`);
      assert.equal(await page.locator('ol.strip > li.check').count(), 100);
      assert.ok((await page.locator('ol.strip > li.check.st-down').count()) >= 1);
      assert.ok((await page.locator('.chart polyline.line.p50').count()) >= 1, 'the 24 h chart has a line');
      assert.equal(await page.locator('.cert-subject').textContent(), `subject ${HOSTILE.subject}`);
      assert.equal(await page.locator('table.deliveries tbody tr').count(), 2);
      assert.equal(await page.locator('table.deliveries tbody tr').first().locator('code').textContent(), HOSTILE.channel);

      const tip = (n: number) => page.locator(`#check-tip-${n}`);
      assert.equal(await tip(99).isVisible(), false, 'hidden until hovered or focused');
      assert.equal(await page.locator('ol.strip > li.check[tabindex="0"]').count(), 1, 'with JavaScript the strip is one Tab stop');
      await tabToCheck(page);
      assert.equal(await focusedTip(page), 'check-tip-99', 'Tab lands on the newest check');
      assert.equal(await tip(99).isVisible(), true, 'the focused check shows its tooltip');
      assert.match((await tip(99).textContent()) ?? '', /DNS \d+ ms.*TCP \d+ ms/s);
      assert.equal(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'a visible focus ring');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await focusedTip(page), 'check-tip-98');
      assert.deepEqual([await tip(99).isVisible(), await tip(98).isVisible()], [false, true], 'the tooltip follows the focus');
      await page.keyboard.press('Home');
      assert.equal(await focusedTip(page), 'check-tip-0');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate<boolean>("document.activeElement?.classList.contains('check') ?? false"), false, 'Tab leaves the strip');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focusedTip(page), 'check-tip-0', 'and comes back to the check last chosen');
      // A failing check's tooltip, by hover: the hostile detail as text.
      const down = page.locator('ol.strip > li.check.st-down').first();
      await down.hover();
      assert.equal(await down.locator('.tip-detail').textContent(), HOSTILE.detail);
      await page.screenshot({ path: join(SHOTS, 'endpoint-page-1280.png'), fullPage: true });
      await assertClean(page, watch);
    } finally {
      await close();
    }
  });

  test('without JavaScript every check is a Tab stop, its tooltip shows on focus, and a link skips past them', async () => {
    const { page, watch, close } = await open(1280, {}, false, false);
    try {
      assert.equal((await page.goto(`${base}/endpoints/hostile`))?.status(), 200);
      assert.equal(await page.locator('ol.strip > li.check[tabindex="0"]').count(), 100);
      await tabToCheck(page);
      assert.equal(await focusedTip(page), 'check-tip-0', 'the oldest check comes first');
      assert.equal(await page.locator('#check-tip-0').isVisible(), true);
      await page.keyboard.press('Tab');
      assert.equal(await focusedTip(page), 'check-tip-1');
      assert.deepEqual([await page.locator('#check-tip-0').isVisible(), await page.locator('#check-tip-1').isVisible()], [false, true]);
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate<string | null>('document.activeElement?.className ?? null'), 'skip-link');
      assert.equal(await page.locator('.skip-link').isVisible(), true, 'the skip link shows when focused');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate<string | null>('document.activeElement?.id ?? null'), 'after-checks');
      await assertClean(page, watch);
    } finally {
      await close();
    }
  });

  test('360 px: nothing overflows the page; tables scroll in their cards with a hint; anonymous viewers get no deliveries', async () => {
    for (const [headers, name] of [
      [{ authorization: `Bearer ${token}` }, 'endpoint-page-360.png'],
      [{}, 'endpoint-page-360-public.png'],
    ] as const) {
      const { page, watch, close } = await open(360, headers);
      try {
        assert.equal((await page.goto(`${base}/endpoints/hostile`))?.status(), 200);
        await page.waitForLoadState('networkidle');
        const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
        assert.ok(scrollWidth <= 360, `the page is ${scrollWidth} px wide`);
        const deliveries = await page.locator('table.deliveries').count();
        if ('authorization' in headers) {
          assert.equal(deliveries, 1);
          assert.equal(await page.locator('table.deliveries thead th').count(), 6, 'no column dropped');
          assert.equal(await page.locator('#deliveries-title ~ .scroll-hint').isVisible(), true, 'a visible hint that the table scrolls');
        } else assert.equal(deliveries, 0);
        await page.locator('ol.strip > li.check').last().focus();
        assert.equal(await page.locator('ol.strip > li.check').last().locator('.check-tip').isVisible(), true);
        const tipBox = await page.locator('ol.strip > li.check').last().locator('.check-tip').boundingBox();
        assert.ok(tipBox !== null && tipBox.x >= 0 && tipBox.x + tipBox.width <= 360, `the tooltip fits: ${JSON.stringify(tipBox)}`);
        assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360, 'the open tooltip does not widen the page');
        await page.screenshot({ path: join(SHOTS, name), fullPage: true });
        await assertClean(page, watch);
      } finally {
        await close();
      }
    }
  });

  test('dark mode renders with the same content (screenshot)', async () => {
    const { page, watch, close } = await open(1280, { authorization: `Bearer ${token}` }, true);
    try {
      await page.goto(`${base}/endpoints/hostile?range=7d`);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.evaluate<string>("getComputedStyle(document.body).backgroundColor"), 'rgb(14, 17, 22)');
      await page.screenshot({ path: join(SHOTS, 'endpoint-page-dark.png'), fullPage: true });
      await assertClean(page, watch);
    } finally {
      await close();
    }
  });
});
