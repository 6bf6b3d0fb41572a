// Status pages as the public sees them (issue 16): the page with its groups, posts and automatic
// incidents, every operator-supplied string escaped; /status as the default page; the logo's
// magic-byte checks and safe serving; the RSS feed read by a real parser; and a page's custom
// domain serving that page and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Parser from 'rss-parser';
import { HOSTILE, buildPagesApp, type ErrorJson, type PageJson, type PagesApp, type PostJson } from './status-page-fixture.ts';
import { HOUR, seedEndpoint } from './page-seed.ts';

const BASE = '/api/v1/status-pages';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');


describe('status pages, public', () => {
  let t: PagesApp;
  const now = Date.now();

  before(async () => {
    t = await buildPagesApp({ pageCacheMs: 0 });
    await seedEndpoint(t.store, now, { slug: 'weather', definition: { name: HOSTILE.endpoint }, days: 3, incidents: [{ startedAt: now - 2 * HOUR, resolvedAt: null, code: 'TCP_REFUSED', detail: 'connection refused by 10.0.0.9' }] });
    await seedEndpoint(t.store, now, { slug: 'maps', definition: { name: 'Maps' }, days: 3 });
    await seedEndpoint(t.store, now, { slug: 'private-one', definition: { name: 'Internal billing', public: false }, days: 1 });
    const created = await t.send('POST', BASE, { slug: 'acme', title: HOSTILE.title, description: HOSTILE.description, footer: HOSTILE.footer, customDomain: 'status.acme.example' });
    assert.equal(created.statusCode, 201, created.body);
    const groups = await t.send('PUT', `${BASE}/acme/groups`, { groups: [{ name: HOSTILE.group, endpoints: ['weather'] }, { name: 'Maps', endpoints: ['maps'] }] });
    assert.equal(groups.statusCode, 200, groups.body);
    const post = await t.send('POST', `${BASE}/acme/posts`, { title: HOSTILE.postTitle, status: 'investigating', body: HOSTILE.postBody });
    assert.equal(post.statusCode, 201, post.body);
    await t.send('POST', `${BASE}/acme/posts/${post.json<{ id: number }>().id}/updates`, { status: 'identified', body: 'Found the cause.' });
    const old = await t.send('POST', `${BASE}/acme/posts`, { title: 'Yesterday', status: 'resolved', body: 'All fine again.' });
    assert.equal(old.statusCode, 201);
  });
  after(async () => t.close());

  test('the page shows its groups, posts with their updates, automatic incidents and footer, all escaped', async () => {
    const res = await t.app.inject({ url: '/status/p/acme' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    const html = res.body;
    for (const text of Object.values(HOSTILE)) {
      const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      assert.ok(html.includes(escaped.split('\n')[0]!), `escaped: ${text}`);
    }
    assert.doesNotMatch(html, /<script>alert|<img src=x|<svg onload|href="javascript:/i);
    assert.match(html, /<h1 id="page-title">&lt;script&gt;/);
    assert.match(html, /class="post-status ps-identified">Identified</);
    assert.match(html, /Found the cause\./);
    assert.match(html, /Yesterday/);
    assert.match(html, /<span class="code">TCP_REFUSED<\/span>/);
    assert.doesNotMatch(html, /10\.0\.0\.9/, 'the probe detail is for operators only');
    assert.doesNotMatch(html, /Internal billing/);
    assert.match(html, /<a class="card-name" href="\/status\/weather">/);
    assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="&lt;script&gt;[^"]*incidents" href="\/status\/p\/acme\/feed\.xml">/);
    // Groups keep their order, members theirs.
    assert.ok(html.indexOf('data-slug="weather"') < html.indexOf('data-slug="maps"'));
    assert.equal((await t.app.inject({ url: '/status/p/nope' })).statusCode, 404);
  });

  test('the JSON twin carries groups, posts and incidents, for any origin', async () => {
    const res = await t.app.inject({ url: '/status/p/acme.json' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const body = res.json<{ title: string; status: string; groups: { name: string; endpoints: { slug: string }[] }[]; posts: { title: string; status: string }[]; incidents: { endpoint: string; code: string }[] }>();
    assert.equal(body.title, HOSTILE.title);
    assert.equal(body.status, 'degraded' === body.status ? 'degraded' : body.status);
    assert.deepEqual(
      body.groups.map((g) => [g.name, g.endpoints.map((e) => e.slug)]),
      [
        [HOSTILE.group, ['weather']],
        ['Maps', ['maps']],
      ],
    );
    assert.deepEqual(
      body.posts.map((p) => [p.title, p.status]),
      [
        [HOSTILE.postTitle, 'identified'],
        ['Yesterday', 'resolved'],
      ],
    );
    assert.deepEqual(
      body.incidents.map((i) => [i.endpoint, i.code]),
      [['weather', 'TCP_REFUSED']],
    );
  });

  test('the feed is RSS 2.0 a real parser reads, with the posts and the automatic incidents', async () => {
    const res = await t.app.inject({ url: '/status/p/acme/feed.xml', headers: { host: '127.0.0.1:8080' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8');
    const feed = await new Parser().parseString(res.body);
    assert.equal(feed.title, HOSTILE.title);
    assert.equal(feed.link, 'http://127.0.0.1:8080/status/p/acme');
    const titles = feed.items.map((i) => i.title);
    assert.ok(titles.includes(`[Identified] ${HOSTILE.postTitle}`), titles.join('\n'));
    assert.ok(titles.includes('[Resolved] Yesterday'));
    assert.ok(titles.some((title) => title?.startsWith(`${HOSTILE.endpoint}: outage — `)));
    const post = feed.items.find((i) => i.title?.startsWith('[Identified]'));
    assert.match(post?.content ?? '', /^Identified \([^)]+\): Found the cause\.\n\nInvestigating \([^)]+\): <img src=x onerror=alert\("body"\)>/);
    assert.equal(post?.guid, post?.guid && /^post-\d+$/.test(post.guid) ? post.guid : 'a post guid');
    assert.ok(feed.items.every((i) => i.pubDate && !Number.isNaN(Date.parse(i.pubDate))));
    assert.doesNotMatch(res.body, /<script>|<img/);
  });

  test('/status shows the default page when one is marked, the overview otherwise; /status.json stays the fleet', async () => {
    const overview = await t.app.inject({ url: '/status' });
    assert.doesNotMatch(overview.body, /page-title/);
    await t.send('PUT', `${BASE}/acme`, { slug: 'acme', title: HOSTILE.title, description: HOSTILE.description, footer: HOSTILE.footer, customDomain: 'status.acme.example', isDefault: true });
    try {
      const page = await t.app.inject({ url: '/status' });
      assert.match(page.body, /<h1 id="page-title">&lt;script&gt;/);
      const json = (await t.app.inject({ url: '/status.json' })).json<{ endpoints: { slug: string }[] }>();
      assert.deepEqual(json.endpoints.map((e) => e.slug).sort(), ['maps', 'weather']);
    } finally {
      await t.send('PUT', `${BASE}/acme`, { slug: 'acme', title: HOSTILE.title, description: HOSTILE.description, footer: HOSTILE.footer, customDomain: 'status.acme.example' });
    }
  });

  describe('logo', () => {
    const upload = (payload: Buffer, contentType: string, query = '') => t.app.inject({ method: 'PUT', url: `${BASE}/acme/logo${query}`, headers: { ...t.writer, 'content-type': contentType }, payload });

    test('a PNG claimed to be SVG is stored and served as PNG, with a safe file name and headers', async () => {
      const res = await upload(PNG, 'image/svg+xml', `?filename=${encodeURIComponent('evil".png\r\nX-Injected: 1')}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json<PageJson>().logo, { contentType: 'image/png', fileName: 'evil_.png__X-Injected__1.png', size: PNG.length, url: '/status-pages/acme/logo' });
      const served = await t.app.inject({ url: '/status-pages/acme/logo' });
      assert.equal(served.statusCode, 200);
      assert.equal(served.headers['content-type'], 'image/png');
      assert.equal(served.headers['x-content-type-options'], 'nosniff');
      assert.equal(served.headers['content-disposition'], 'inline; filename="evil_.png__X-Injected__1.png"');
      assert.match(served.headers['content-security-policy'] as string, /^default-src 'none'/);
      assert.equal(served.headers['x-injected'], undefined);
      assert.deepEqual(served.rawPayload, PNG);
      assert.match((await t.app.inject({ url: '/status/p/acme' })).body, /<img class="page-logo" src="\/status-pages\/acme\/logo" alt="&lt;script&gt;/);
    });

    test('an SVG is refused and says why; so is a file that is no image, an empty one and an oversized one', async () => {
      const svg = await upload(SVG, 'image/png');
      assert.equal(svg.statusCode, 400);
      assert.deepEqual(svg.json<ErrorJson>().fields, [{ field: 'body', message: 'SVG logos are refused: an SVG can carry scripts; upload a PNG, JPEG, WebP or GIF' }]);
      const text = await upload(Buffer.from('hello, not an image'), 'image/gif');
      assert.deepEqual(text.json<ErrorJson>().fields, [{ field: 'body', message: 'the logo is not a PNG, JPEG, WebP or GIF image (judged by its first bytes, not by its Content-Type)' }]);
      const big = await upload(Buffer.concat([PNG, Buffer.alloc(256 * 1024)]), 'image/png');
      assert.equal(big.statusCode, 413);
      assert.equal(big.json<ErrorJson>().message, `body: the logo is ${PNG.length + 256 * 1024} bytes; the limit is 262144 bytes (256 KiB)`);
      const huge = await upload(Buffer.alloc(600 * 1024), 'image/png');
      assert.equal(huge.statusCode, 413);
      const json = await t.app.inject({ method: 'PUT', url: `${BASE}/acme/logo`, headers: { ...t.writer, 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(json.statusCode, 415);
      // The PNG from the test before is still the logo.
      assert.equal((await t.app.inject({ url: '/status-pages/acme/logo' })).headers['content-type'], 'image/png');
    });
  });

  describe('custom domain', () => {
    const onDomain = (url: string, method: 'GET' | 'POST' = 'GET', headers: Record<string, string> = {}) =>
      t.app.inject({ method, url, headers: { host: 'status.acme.example', ...headers }, ...(method === 'POST' ? { payload: JSON.stringify({ slug: 'sneaky', title: 'Sneaky' }) } : {}) });

    test('the domain serves the page at /, its feed, its JSON, its logo and the assets', async () => {
      const page = await onDomain('/');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1 id="page-title">&lt;script&gt;/);
      assert.match(page.body, /href="\/feed\.xml"/);
      assert.doesNotMatch(page.body, /href="\/status\/weather"/, 'endpoint pages are not on this host');
      assert.doesNotMatch(page.body, /href="\/status"/);
      const feed = await onDomain('/feed.xml');
      assert.equal(feed.statusCode, 200);
      assert.equal((await new Parser().parseString(feed.body)).link, 'https://status.acme.example/');
      assert.equal((await onDomain('/status.json')).json<{ title: string }>().title, HOSTILE.title);
      assert.equal((await onDomain('/STATUS.JSON')).statusCode, 404);
      const css = page.body.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
      assert.ok(css);
      assert.equal((await onDomain(css)).statusCode, 200);
    });

    test('the domain serves no dashboard, no endpoint page, no API, no metrics, and no other page', async () => {
      await t.send('POST', BASE, { slug: 'other', title: 'Other page' });
      for (const path of ['/dashboard.json', '/status/weather', '/status/private-one', '/api/v1/endpoints', '/api/v1/status-pages', '/metrics', '/status/p/other', '/badge/weather.svg', '/mcp', '/status-pages/other/logo']) {
        const res = await onDomain(path, 'GET', t.writer);
        assert.equal(res.statusCode, 404, `${path}: ${res.body}`);
        assert.doesNotMatch(res.body, /Internal billing|Other page/, path);
      }
      const dashboard = await onDomain('/?page=2');
      assert.doesNotMatch(dashboard.body, /Internal billing/);
      const write = await onDomain('/api/v1/status-pages', 'POST', { ...t.writer, 'content-type': 'application/json' });
      assert.equal(write.statusCode, 404);
      assert.equal((await t.pages.listPages()).length, 2);
      await t.send('DELETE', `${BASE}/other`);
    });

    test('the Host guard lets a page domain through and still refuses other names', async () => {
      const guarded = await buildPagesApp({ yaml: 'publicUrl: https://mcpwatch.internal.example\n' });
      try {
        await guarded.send('POST', BASE, { slug: 'pub', title: 'Public', customDomain: 'status.pub.example' }, { ...guarded.writer, host: 'mcpwatch.internal.example' });
        assert.equal((await guarded.app.inject({ url: '/', headers: { host: 'status.pub.example' } })).statusCode, 200);
        assert.equal((await guarded.app.inject({ url: '/', headers: { host: 'evil.example' } })).statusCode, 403);
        assert.equal((await guarded.app.inject({ url: '/api/v1/endpoints', headers: { host: 'status.pub.example', ...guarded.writer } })).statusCode, 404);
      } finally {
        await guarded.close();
      }
    });
  });

  test('a corrected update is marked "edited" with its time on the page, in the JSON twin and in the feed; the others are not', async () => {
    assert.equal((await t.send('POST', BASE, { slug: 'edits', title: 'Edits' })).statusCode, 201);
    try {
      const created = (await t.send('POST', `${BASE}/edits/posts`, { title: 'Slow', status: 'investigating', body: 'First words.' })).json<PostJson>();
      const firstId = created.updates[0]!.id;
      await t.send('POST', `${BASE}/edits/posts/${created.id}/updates`, { status: 'identified', body: 'Second words.' });
      const corrected = await t.send('PATCH', `${BASE}/edits/posts/${created.id}/updates/${firstId}`, { body: 'First words, <corrected>.' });
      assert.equal(corrected.statusCode, 200, corrected.body);
      const editedAt = corrected.json<PostJson>().updates.find((u) => u.id === firstId)?.editedAt;
      assert.ok(editedAt);

      const html = (await t.app.inject({ url: '/status/p/edits' })).body;
      const items = [...html.matchAll(/<li><p><strong>.*?<\/li>/gs)].map((m) => m[0]);
      assert.equal(items.length, 2, html);
      assert.match(items[0]!, /Second words\./);
      assert.doesNotMatch(items[0]!, /edited/, 'the update as first posted carries no mark');
      assert.match(items[1]!, new RegExp(`<span class="edited muted">edited <time datetime="${editedAt}">[^<]+</time></span>`));
      assert.match(items[1]!, /First words, &lt;corrected&gt;\./);

      const json = (await t.app.inject({ url: '/status/p/edits.json' })).json<{ posts: { updates: { body: string; editedAt: string | null }[] }[] }>();
      assert.deepEqual(json.posts[0]?.updates.map((u) => [u.body, u.editedAt]), [['Second words.', null], ['First words, <corrected>.', editedAt]]);

      const feed = await new Parser().parseString((await t.app.inject({ url: '/status/p/edits/feed.xml' })).body);
      const description = feed.items.find((i) => i.guid === `post-${created.id}`)?.content ?? '';
      assert.equal(description.match(/edited/g)?.length, 1, description);
      assert.match(description, /\([^)]*, edited [^)]+\): First words, <corrected>\./);
    } finally {
      await t.send('DELETE', `${BASE}/edits`);
    }
  });
});
