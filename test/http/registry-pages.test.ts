// Registry facts on the pages, in a real headless Chromium under the strict CSP: hostile titles,
// descriptions and URLs from a registry render as text, a javascript: URL never becomes a link,
// real links carry rel="noopener nofollow ugc", nothing is loaded from them, a deprecated server
// says so, and a registry that stopped syncing shows a notice on the dashboard.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RegistryView } from '../../src/registry/status.ts';
import type { RegistryFacts } from '../../src/store/registries.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { LAUNCH, enforceStrictCsp } from './browser-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { seedEndpoint } from './page-seed.ts';


const HOSTILE: RegistryFacts = {
  registry: 'official',
  serverName: 'io.github.evil/<script>alert(1)</script>',
  title: '<img src=x onerror=alert(2)>',
  description: '"><svg onload=alert(3)> & <b>bold</b>',
  version: '1.0.0<script>alert(4)</script>',
  repositoryUrl: 'javascript:alert(5)',
  websiteUrl: 'https://evil.example/"><script>alert(6)</script>',
  status: 'deprecated',
};

const FAILING: RegistryView = {
  name: 'official',
  url: 'https://registry.example',
  intervalS: 3600,
  public: false,
  filters: { names: [], namespaces: [], transports: [] },
  state: 'failing',
  lastAttemptAt: '2026-06-01T12:00:00.000Z',
  lastSuccessAt: '2026-06-01T11:00:00.000Z',
  lastError: 'page 1: not JSON (content-type "text/html") <img src=x onerror=alert(7)>',
  servers: 3,
};

describe('registry facts on the pages', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let facts = new Map<number, RegistryFacts>();

  before(async () => {
    t = await buildTestApp({ pageCacheMs: 0, registryFacts: () => Promise.resolve(facts), registries: () => Promise.resolve([FAILING]) });
    const { endpoint } = await seedEndpoint(t.store, Date.now(), { slug: 'r--io-github-evil-x', definition: { name: 'Evil', source: 'registry' }, days: 2 });
    facts = new Map([[endpoint.id, HOSTILE]]);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function visit(path: string, check: (page: Page) => Promise<void>): Promise<void> {
    const context = await browser.newContext();
    const requested: string[] = [];
    await enforceStrictCsp(context, (url) => requested.push(url));
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
    try {
      assert.equal((await page.goto(`${base}${path}`))?.status(), 200);
      await page.waitForLoadState('networkidle');
      await check(page);
      assert.deepEqual(await page.evaluate<string[]>('window.__csp ?? []'), [], 'CSP violations');
      assert.deepEqual(dialogs, [], 'a dialog opened');
      assert.equal(await page.locator('img[src="x"], svg[onload], script:not([src])').count(), 0, 'injected markup made it into the DOM');
      assert.deepEqual(requested.filter((url) => !url.startsWith(base)), [], 'nothing is loaded from registry URLs');
    } finally {
      await context.close();
    }
  }

  test('the endpoint page shows the facts as text, links only http(s), and the deprecated status', async () => {
    await visit('/status/r--io-github-evil-x', async (page) => {
      const section = page.locator('section.registry-facts');
      assert.equal(await section.getAttribute('data-registry-status'), 'deprecated');
      assert.equal((await section.locator('.registry-status').textContent())?.trim(), 'Deprecated in the registry');
      assert.equal(await section.locator('.registry-title').textContent(), HOSTILE.title);
      assert.equal(await section.locator('.registry-description').textContent(), HOSTILE.description);
      const links = await section.locator('a').all();
      assert.equal(links.length, 1, 'only the https website is a link');
      assert.equal(await links[0]?.getAttribute('rel'), 'noopener nofollow ugc');
      assert.equal(await links[0]?.getAttribute('href'), 'https://evil.example/%22%3E%3Cscript%3Ealert(6)%3C/script%3E');
      assert.equal(await section.locator('.unlinked').textContent(), 'javascript:alert(5)');
      assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    });
  });

  test('the dashboard says which registry is not syncing, its error as text', async () => {
    await visit('/', async (page) => {
      const notice = page.locator('[data-registry-failing="official"]');
      assert.equal(await notice.count(), 1);
      assert.match((await notice.textContent()) ?? '', /Registry official is not syncing[\s\S]*not JSON \(content-type "text\/html"\) <img src=x onerror=alert\(7\)>[\s\S]*2026-06-01 11:00 UTC/);
      assert.equal(await page.locator('tr[data-slug="r--io-github-evil-x"] .tag-registry').textContent(), 'registry: deprecated');
      // The 30 s refresh rebuilds the rows from /dashboard.json: the tag must survive it.
      await page.evaluate("document.querySelector('tr[data-slug=\"r--io-github-evil-x\"]').setAttribute('data-before-refresh', '')");
      const refreshed = page.waitForResponse((r) => r.url().includes('/dashboard.json'));
      await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
      await refreshed;
      await page.locator('tr[data-slug="r--io-github-evil-x"]:not([data-before-refresh])').waitFor();
      assert.equal(await page.locator('tr[data-slug="r--io-github-evil-x"] .tag-registry').textContent(), 'registry: deprecated');
      assert.equal(await page.locator('tr[data-slug="r--io-github-evil-x"] .tag-registry').getAttribute('data-registry-status'), 'deprecated');
    });
  });

  test('the JSON detail carries the facts; the registry API lists the sync state', async () => {
    const detail = await t.app.inject({ url: '/status/r--io-github-evil-x.json' });
    assert.equal(detail.statusCode, 200);
    const body = detail.json<{ registry: { title: string; repository: { href: string | null; text: string }; status: string } }>();
    assert.deepEqual([body.registry.title, body.registry.repository, body.registry.status], [HOSTILE.title, { href: null, text: 'javascript:alert(5)' }, 'deprecated']);
    assert.equal((await t.app.inject({ url: '/api/v1/registries' })).statusCode, 401);
    const token = generateToken();
    await t.store.createToken('ro', hashToken(token), true);
    const listed = await t.app.inject({ url: '/api/v1/registries', headers: { authorization: `Bearer ${token}` } });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), { registries: [FAILING] });
  });

  test('/metrics reports each registry: failing, its last success and its servers', async () => {
    const token = generateToken();
    await t.store.createToken('metrics', hashToken(token), true);
    const text = (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
    assert.match(text, /^mcpwatch_registry_sync_success\{registry="official"\} 0$/m);
    assert.match(text, new RegExp(`^mcpwatch_registry_last_success_timestamp_seconds\\{registry="official"\\} ${Date.parse('2026-06-01T11:00:00.000Z') / 1000}$`, 'm'));
    assert.match(text, /^mcpwatch_registry_servers\{registry="official"\} 3$/m);
  });

  test('a registry endpoint is read-only through the API, with the owner named', async () => {
    const token = generateToken();
    await t.store.createToken('rw', hashToken(token), false);
    const headers = { authorization: `Bearer ${token}` };
    for (const [method, url] of [['PATCH', '/api/v1/endpoints/r--io-github-evil-x'], ['POST', '/api/v1/endpoints/r--io-github-evil-x/pause'], ['DELETE', '/api/v1/endpoints/r--io-github-evil-x']] as const) {
      const response = await t.app.inject({ method, url, headers, ...(method === 'PATCH' ? { payload: { name: 'Mine now' } } : method === 'POST' ? { payload: {} } : {}) });
      assert.equal(response.statusCode, 409, `${method} ${url}`);
      assert.deepEqual([response.json<{ code: string }>().code, response.json<{ message: string }>().message], [
        'REGISTRY_OWNED',
        'endpoint "r--io-github-evil-x" is owned by a registry sync and is read-only through the API; change it in the registry, or leave it out with the registry\'s filters in the configuration file',
      ]);
    }
    const taken = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: { name: 'Mine', slug: 'r--mine', url: 'https://mine.example.com/mcp' } });
    assert.equal(taken.statusCode, 400);
    assert.match(taken.json<{ message: string }>().message, /slugs starting with "r--" are reserved for endpoints synced from a registry/);
  });
});
