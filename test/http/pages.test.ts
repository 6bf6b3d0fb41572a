// The dashboard, the public status pages and the badges through app.inject(), over a real SQLite
// file seeded with 90 days of hourly rounds: status codes, private endpoints staying private,
// conditional GETs, the JSON twins' shape, escaping, and uptime figures against the seeded rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { formatUptime, uptimeOf } from '../../src/domain/uptime.ts';
import { DASHBOARD_PAGE_SIZE } from '../../src/http/pages/dashboard-model.ts';
import { STATUS_PAGE_SIZE } from '../../src/http/pages/status-model.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';

const NOW = Date.parse('2026-03-15T12:30:00.000Z');
const XSS_SERVER = '<img src=x onerror=alert(1)>';
const XSS_DETAIL = '"><svg onload=alert(2)>';
const XSS_TOOL = '<b>bold</b>';
const XSS_ISSUER = "R11 <Let's Encrypt> & co";

/** Rounds of 10 days ago, 03:00–08:59 UTC, are down (six hourly rounds). */
const outageDay = Math.floor((NOW - 10 * DAY) / DAY) * DAY;
const inOutage = (ts: number): boolean => ts >= outageDay + 3 * HOUR && ts < outageDay + 9 * HOUR;

/** What the store promises: whole hours at the ragged start of the window. */
function expectedUptime(rows: readonly ResultRow[], windowMs: number): number {
  const from = Math.floor((NOW - windowMs) / HOUR) * HOUR;
  const inWindow = rows.filter((r) => r.ts >= from && r.ts < NOW);
  return inWindow.filter((r) => r.status !== 'down').length / inWindow.length;
}

/** The figure pages show for those rows, computed from counts as every surface must. */
function expectedUptimeText(rows: readonly ResultRow[], windowMs: number): string {
  const from = Math.floor((NOW - windowMs) / HOUR) * HOUR;
  const inWindow = rows.filter((r) => r.ts >= from && r.ts < NOW);
  const down = inWindow.filter((r) => r.status === 'down').length;
  return formatUptime(uptimeOf({ up: inWindow.length - down, degraded: 0, authRequired: 0, down }, DEFAULT_HEALTH_POLICY));
}

/**
 * A strict well-formedness check for the XML we emit (elements, attributes, text, entity
 * references; no comments, CDATA or processing instructions, which our SVG never has).
 */
function assertWellFormedXml(xml: string): void {
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (text: string, where: string): void => {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '<') assert.fail(`raw < in ${where}: ${text}`);
      if (text[i] === '&') {
        entity.lastIndex = i;
        assert.ok(entity.test(text), `bad entity in ${where}: ${text.slice(i, i + 12)}`);
      }
    }
  };
  const stack: string[] = [];
  let roots = 0;
  let pos = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const text = xml.slice(pos, lt === -1 ? xml.length : lt);
    if (stack.length === 0) assert.equal(text.trim(), '', `text outside the root element: ${text}`);
    checkText(text, 'text');
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    assert.ok(m, `malformed tag at ${lt}: ${xml.slice(lt, lt + 40)}`);
    const [whole, closing, name, attrs, selfClosing] = m;
    const names = new Set<string>();
    for (const a of attrs!.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      assert.ok(!names.has(a[1]!), `duplicate attribute ${a[1]}`);
      names.add(a[1]!);
      checkText(a[3] ?? a[4] ?? '', `attribute ${a[1]}`);
    }
    if (closing) assert.equal(stack.pop(), name, `mismatched </${name}>`);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
    pos = lt + whole.length;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

function json<T>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

interface DetailJson {
  slug: string;
  name: string;
  status: string;
  ok: boolean;
  uptime: Record<string, number | null>;
  days: { date: string; uptime: number | null; checks: number; incidents: number }[];
  incidents: { startedAt: string; resolvedAt: string | null; durationS: number; code: string; summary: string }[];
  latency: { range: string; points: { start: string; p50Ms: number | null; p95Ms: number | null }[] };
  certificate: { notAfter: string; daysLeft: number; issuer: string } | null;
  protocol: { era: string | null; version: string | null };
  server: { name: string | null; version: string | null };
  tools: { count: number | null; names: string[]; changes: { at: string; count: number; added: string[]; removed: string[]; baseline: boolean }[] };
}

describe('pages over seeded data', () => {
  let t: TestApp;
  let alphaRows: ResultRow[];

  before(async () => {
    t = await buildTestApp({ clock: () => NOW });
    alphaRows = (await seedEndpoint(t.store, NOW, {
      slug: 'alpha',
      definition: { name: 'Alpha Search', tags: ['core', 'prod'], url: 'https://user:pw@alpha.example.com/mcp?api_key=SECRET' },
      row: (ts) => (inOutage(ts) ? { status: 'down', code: 'HTTP_5XX', detail: 'HTTP 503' } : {}),
      incidents: [{ startedAt: outageDay + 3 * HOUR + 60_000, resolvedAt: outageDay + 8 * HOUR + 30 * 60_000, code: 'HTTP_5XX', detail: 'HTTP 503 from the server' }],
      tools: [
        { ts: NOW - 30 * DAY, names: ['search', 'fetch'] },
        { ts: NOW - 5 * DAY, names: ['search', 'fetch', XSS_TOOL] },
      ],
      cert: { notAfter: new Date(NOW + 40 * DAY + HOUR).toISOString(), issuer: XSS_ISSUER },
    })).rows;
    await seedEndpoint(t.store, NOW, {
      slug: 'beta',
      definition: { name: 'Beta <Tools>', tags: ['prod'] },
      days: 30,
      incidents: [{ startedAt: NOW - 2 * HOUR, resolvedAt: null, code: 'HTTP_5XX', detail: XSS_DETAIL }],
      state: { health: 'down', lastStatus: 'down', lastCode: 'HTTP_5XX', lastDetail: XSS_DETAIL, consecutiveFailures: 120, serverName: XSS_SERVER, healthSince: new Date(NOW - 2 * HOUR).toISOString() },
    });
    await seedEndpoint(t.store, NOW, { slug: 'secret', definition: { name: 'Secret Internal', public: false, tags: ['internal'] }, days: 3 });
    await seedEndpoint(t.store, NOW, { slug: 'gamma', definition: { name: 'Gamma New' }, days: 0, state: { health: 'unknown', lastStatus: null, lastCheckedAt: null, serverName: null, era: null, protocolVersion: null } });
    t.store.checkpoint();
  });
  after(() => t.close());

  test('GET / lists every endpoint, problems first, with status words and the read-only note', async () => {
    const res = await t.app.inject({ url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const order = [...res.body.matchAll(/<tr data-slug="([^"]+)" data-status="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.deepEqual(order, ['beta:down', 'gamma:unknown', 'alpha:up', 'secret:up']);
    assert.match(res.body, /Read-only view/);
    assert.match(res.body, /<span class="pill-text">Down<\/span>/);
    assert.match(res.body, /<span class="pill-text">Pending<\/span>/);
    // Userinfo and query strings never reach the page.
    assert.ok(!res.body.includes('SECRET') && !res.body.includes('user:pw'));
    assert.match(res.body, /https:\/\/alpha\.example\.com\/mcp\?…/);
    assert.match(res.body, /<polyline class="spark-line" points="[\d.,\s]+">/);
    assert.match(res.body, /40 days/);
  });

  test('GET / filters by status and tag through query parameters; junk is ignored', async () => {
    const down = await t.app.inject({ url: '/?status=down' });
    assert.deepEqual([...down.body.matchAll(/<tr data-slug="([^"]+)"/g)].map((m) => m[1]), ['beta']);
    const prod = await t.app.inject({ url: '/?tag=prod' });
    assert.deepEqual([...prod.body.matchAll(/<tr data-slug="([^"]+)"/g)].map((m) => m[1]), ['beta', 'alpha']);
    const both = await t.app.inject({ url: '/?tag=prod&status=up' });
    assert.deepEqual([...both.body.matchAll(/<tr data-slug="([^"]+)"/g)].map((m) => m[1]), ['alpha']);
    const junk = await t.app.inject({ url: '/?status=%3Cscript%3E&tag=' });
    assert.equal(junk.statusCode, 200);
    assert.equal([...junk.body.matchAll(/<tr data-slug=/g)].length, 4);
    const none = await t.app.inject({ url: '/?tag=%3Cscript%3Ealert(1)%3C%2Fscript%3E' });
    assert.ok(!none.body.includes('<script>alert(1)'));
    assert.match(none.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(none.body, /No endpoint matches this filter/);
  });

  test('GET /dashboard.json: the same rows as data, plus display strings for the refresh script', async () => {
    const res = await t.app.inject({ url: '/dashboard.json?tag=prod' });
    assert.equal(res.statusCode, 200);
    const body = json<{ total: number; counts: Record<string, number>; filter: unknown; endpoints: Record<string, unknown>[] }>(res);
    assert.equal(body.total, 4);
    assert.deepEqual(body.filter, { status: null, tag: 'prod', page: 1 });
    assert.deepEqual(body.counts, { down: 1, degraded: 0, auth_required: 0, unknown: 0, up: 1, paused: 0, archived: 0 });
    const alpha = body.endpoints.find((e) => e.slug === 'alpha')!;
    assert.deepEqual(Object.keys(alpha).sort(), [
      'certificate', 'code', 'confirmed', 'detail', 'detailPage', 'display', 'lastCheckedAt', 'latency', 'name', 'notMonitored', 'note', 'protocol', 'public', 'server', 'slug', 'status', 'statusPage', 'tags', 'toolsCount', 'uptime', 'url',
    ]);
    assert.equal((alpha.uptime as Record<string, number>)['30d'], expectedUptime(alphaRows, 30 * DAY));
    assert.equal((alpha.latency as { hourlyP50Ms: unknown[] }).hourlyP50Ms.length, 24);
    assert.deepEqual(alpha.certificate, { notAfter: new Date(NOW + 40 * DAY + HOUR).toISOString(), daysLeft: 40 });
    const beta = body.endpoints.find((e) => e.slug === 'beta')!;
    assert.equal(beta.status, 'down');
    assert.equal(beta.code, 'HTTP_5XX');
    assert.equal(beta.detail, XSS_DETAIL);
    assert.deepEqual(beta.server, { name: XSS_SERVER, version: '1.4.2' });
  });

  test('GET /status shows public endpoints only, grouped by tag, untagged last', async () => {
    const res = await t.app.inject({ url: '/status' });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('Secret Internal') && !res.body.includes('secret'), 'a private endpoint leaked');
    const groups = [...res.body.matchAll(/<h2 id="group-\d+">([^<]+)<\/h2>/g)].map((m) => m[1]);
    assert.deepEqual(groups, ['core', 'prod', 'Other']);
    assert.match(res.body, /Some systems are down/);
    // Alpha is in two groups; every card has 90 bars.
    assert.equal([...res.body.matchAll(/data-slug="alpha"/g)].length, 2);
    for (const m of res.body.matchAll(/<svg class="bars"[^>]*data-bars="(\d+)"/g)) assert.equal(m[1], '90');
    assert.equal([...res.body.matchAll(/<rect class="bar /g)].length, 4 * 90);
  });

  test('GET /status/:slug: bars, uptime from the rollups, incidents, chart, certificate, tools', async () => {
    const res = await t.app.inject({ url: '/status/alpha' });
    assert.equal(res.statusCode, 200);
    const body = res.body;
    assert.equal([...body.matchAll(/<rect class="bar u-/g)].length, 90);
    for (const window of [DAY, 7 * DAY, 30 * DAY, 90 * DAY]) assert.ok(body.includes(`>${expectedUptimeText(alphaRows, window)}</dd>`), `uptime for ${window / DAY} d`);
    assert.match(body, /<polyline class="line p50" points="[\d.,\s]+">/);
    assert.match(body, /<polyline class="line p95" points="[\d.,\s]+">/);
    assert.match(body, /5 h 29 min/);
    // The public page says what the code means, never the probe's detail (operators only).
    assert.match(body, /HTTP_5XX<\/span> The server reported an internal error\./);
    assert.doesNotMatch(body, /HTTP 503 from the server/);
    assert.match(body, /40 days left/);
    assert.match(body, /revision 2025-06-18/);
    // The outage day's bar says so in its title.
    const date = new Date(outageDay).toISOString().slice(0, 10);
    const bar = new RegExp(`<rect class="bar u-(\\w+)"[^>]*data-date="${date}"><title>([^<]*)</title>`).exec(body);
    assert.ok(bar);
    assert.equal(bar[1], 'bad');
    assert.equal(bar[2], `${date} · ${formatUptime(uptimeOf({ up: 18, degraded: 0, authRequired: 0, down: 6 }, DEFAULT_HEALTH_POLICY))} uptime · 1 incident`);
    // Days before the first round are grey and say so.
    const week = await t.app.inject({ url: '/status/beta?range=7d' });
    assert.match(week.body, /<rect class="bar u-none"[^>]*><title>\d{4}-\d\d-\d\d · no data<\/title>/);
    assert.match(week.body, /<a href="\/status\/beta\?range=7d" aria-current="true">7d<\/a>/);
  });

  test('private and unknown slugs get the same 404, for pages, JSON twins and badges', async () => {
    for (const [a, b] of [
      ['/status/secret', '/status/nope'],
      ['/status/secret.json', '/status/nope.json'],
      ['/badge/secret.svg', '/badge/nope.svg'],
      ['/badge/secret.json', '/badge/nope.json'],
    ] as const) {
      const [x, y] = await Promise.all([t.app.inject({ url: a }), t.app.inject({ url: b })]);
      assert.equal(x.statusCode, 404, a);
      assert.equal(y.statusCode, 404, b);
      assert.equal(x.body, y.body);
      assert.equal(x.headers['content-type'], y.headers['content-type']);
      assert.equal(x.headers['cache-control'], y.headers['cache-control']);
      assert.ok(!x.body.includes('Secret'));
    }
  });

  test('ETag and If-None-Match: 304 without a body; a different tag gets the page', async () => {
    for (const url of ['/status', '/status/alpha', '/status/alpha.json', '/status.json', '/badge/alpha.svg']) {
      const first = await t.app.inject({ url });
      const etag = String(first.headers.etag);
      assert.match(etag, /^"[\w-]{27}"$/, url);
      assert.match(String(first.headers['cache-control']), url.startsWith('/badge') ? /max-age=60/ : /^public, max-age=30$/);
      const again = await t.app.inject({ url, headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304, url);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
      assert.equal((await t.app.inject({ url, headers: { 'if-none-match': `"other", W/${etag}` } })).statusCode, 304);
      assert.equal((await t.app.inject({ url, headers: { 'if-none-match': '"other"' } })).statusCode, 200);
    }
  });

  test('GET /status/:slug.json: the page as data', async () => {
    const res = await t.app.inject({ url: '/status/alpha.json' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const body = json<DetailJson>(res);
    assert.equal(body.slug, 'alpha');
    assert.equal(body.status, 'up');
    assert.equal(body.ok, true);
    assert.deepEqual(body.uptime, {
      '24h': expectedUptime(alphaRows, DAY),
      '7d': expectedUptime(alphaRows, 7 * DAY),
      '30d': expectedUptime(alphaRows, 30 * DAY),
      '90d': expectedUptime(alphaRows, 90 * DAY),
    });
    assert.equal(body.days.length, 90);
    assert.equal(body.days.at(-1)!.date, '2026-03-15');
    assert.deepEqual(body.days.find((d) => d.date === new Date(outageDay).toISOString().slice(0, 10)), { date: new Date(outageDay).toISOString().slice(0, 10), uptime: 18 / 24, checks: 24, incidents: 1 });
    assert.equal(body.days.reduce((n, d) => n + d.checks, 0), alphaRows.filter((r) => r.ts >= Date.parse(body.days[0]!.date)).length);
    assert.deepEqual(body.incidents, [
      { startedAt: new Date(outageDay + 3 * HOUR + 60_000).toISOString(), resolvedAt: new Date(outageDay + 8 * HOUR + 30 * 60_000).toISOString(), durationS: 5 * 3600 + 29 * 60, code: 'HTTP_5XX', summary: 'The server reported an internal error.', lastCode: 'HTTP_5XX', lastSummary: 'The server reported an internal error.' },
    ]);
    assert.equal(body.latency.range, '24h');
    assert.equal(body.latency.points.length, 24);
    assert.ok(body.latency.points.every((p) => p.p50Ms !== null && p.p95Ms !== null && p.p50Ms <= p.p95Ms));
    assert.deepEqual(body.certificate, { notAfter: new Date(NOW + 40 * DAY + HOUR).toISOString(), daysLeft: 40, issuer: XSS_ISSUER });
    assert.deepEqual(body.protocol, { era: 'streamable', version: '2025-06-18' });
    assert.deepEqual(body.tools.changes.map((c) => [c.count, c.added, c.removed, c.baseline]), [
      [3, [XSS_TOOL], [], false],
      [2, [], [], true],
    ]);
    const month = json<DetailJson>(await t.app.inject({ url: '/status/alpha.json?range=30d' }));
    assert.equal(month.latency.points.length, 30);
    assert.equal(month.latency.points.at(-1)!.start, '2026-03-15T00:00:00.000Z');
  });

  test('GET /status.json: public endpoints with a status CI can gate on', async () => {
    const res = await t.app.inject({ url: '/status.json' });
    const body = json<{ status: string; endpoints: { slug: string; status: string; ok: boolean; tags: string[]; uptime90d: number | null }[] }>(res);
    assert.equal(body.status, 'outage');
    assert.deepEqual(
      body.endpoints.map((e) => [e.slug, e.status, e.ok, e.tags]),
      [
        ['alpha', 'up', true, ['core', 'prod']],
        ['beta', 'down', false, ['prod']],
        ['gamma', 'unknown', false, []],
      ],
    );
    assert.equal(body.endpoints[0]!.uptime90d, expectedUptime(alphaRows, 90 * DAY));
  });

  test('badges: shields-like SVG, well-formed, escaped; uptime windows; shields endpoint JSON', async () => {
    const status = await t.app.inject({ url: '/badge/beta.svg' });
    assert.equal(status.statusCode, 200);
    assert.match(String(status.headers['content-type']), /^image\/svg\+xml/);
    assert.match(String(status.headers['cache-control']), /max-age=60/);
    assert.equal(status.headers['cross-origin-resource-policy'], 'cross-origin');
    assertWellFormedXml(status.body);
    assert.match(status.body, /Beta &lt;Tools&gt;: down/);
    assert.ok(!status.body.includes('<Tools>'));

    const label = await t.app.inject({ url: `/badge/alpha.svg?label=${encodeURIComponent(`<script>"&'`)}` });
    assertWellFormedXml(label.body);
    assert.match(label.body, /&lt;script&gt;&quot;&amp;&apos;/);

    const uptime = await t.app.inject({ url: '/badge/alpha.svg?window=30d' });
    assertWellFormedXml(uptime.body);
    assert.ok(uptime.body.includes(`>${expectedUptimeText(alphaRows, 30 * DAY)}</text>`));
    assert.match(uptime.body, />uptime 30d</);

    assert.deepEqual(json(await t.app.inject({ url: '/badge/alpha.json' })), { schemaVersion: 1, label: 'Alpha Search', message: 'up', color: 'brightgreen' });
    assert.deepEqual(json(await t.app.inject({ url: '/badge/alpha.json?window=90d' })), {
      schemaVersion: 1,
      label: 'uptime 90d',
      message: expectedUptimeText(alphaRows, 90 * DAY),
      color: 'green',
    });
    assert.deepEqual(json(await t.app.inject({ url: '/badge/gamma.json?window=7d' })), { schemaVersion: 1, label: 'uptime 7d', message: 'no data', color: 'grey' });
    assert.equal((await t.app.inject({ url: '/badge/alpha.png' })).statusCode, 404);
  });

  test('every server- or user-supplied string is escaped on every page', async () => {
    const raw = [XSS_SERVER, XSS_DETAIL, XSS_TOOL, XSS_ISSUER, 'Beta <Tools>'];
    for (const url of ['/', '/status', '/status/alpha', '/status/beta', '/dashboard.json', '/status/beta.json']) {
      const res = await t.app.inject({ url });
      const isJson = url.endsWith('.json');
      for (const text of raw) {
        if (isJson) continue;
        assert.ok(!res.body.includes(text), `${url} contains raw ${text}`);
      }
    }
    const dash = (await t.app.inject({ url: '/' })).body;
    assert.ok(dash.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(dash.includes('&quot;&gt;&lt;svg onload=alert(2)&gt;'));
    const alpha = (await t.app.inject({ url: '/status/alpha' })).body;
    assert.ok(alpha.includes('&lt;b&gt;bold&lt;/b&gt;'));
    assert.ok(alpha.includes('R11 &lt;Let&#39;s Encrypt&gt; &amp; co'));
  });

  test('assets: hashed URLs are immutable, plain names revalidate, unknown files 404', async () => {
    const page = (await t.app.inject({ url: '/status' })).body;
    const css = /<link rel="stylesheet" href="(\/assets\/app\.[0-9a-f]{12}\.css)">/.exec(page)?.[1];
    const js = /<script src="(\/assets\/app\.[0-9a-f]{12}\.js)" defer><\/script>/.exec(page)?.[1];
    assert.ok(css && js);
    const hashed = await t.app.inject({ url: css });
    assert.equal(hashed.statusCode, 200);
    assert.match(String(hashed.headers['content-type']), /^text\/css/);
    assert.match(String(hashed.headers['cache-control']), /max-age=31536000, immutable/);
    const script = await t.app.inject({ url: js });
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    const plain = await t.app.inject({ url: '/assets/app.css' });
    assert.equal(plain.headers['cache-control'], 'public, max-age=300');
    assert.equal(plain.body, hashed.body);
    assert.equal((await t.app.inject({ url: '/assets/app.css', headers: { 'if-none-match': String(plain.headers.etag) } })).statusCode, 304);
    assert.equal((await t.app.inject({ url: '/assets/..%2Fpackage.json' })).statusCode, 404);
    assert.equal((await t.app.inject({ url: '/assets/nope.css' })).statusCode, 404);
  });
});

describe('pages of a large fleet', () => {
  test('the dashboard and the public overview show a page at a time; the JSON twin of the overview lists everyone', async () => {
    const now = Date.now();
    const t = await buildTestApp();
    try {
      for (let i = 0; i < DASHBOARD_PAGE_SIZE + 5; i++) {
        await seedEndpoint(t.store, now, { slug: `ep-${String(i).padStart(3, '0')}`, days: 0, state: i === 104 ? { health: 'down', lastStatus: 'down', lastCode: 'TCP_REFUSED', lastDetail: 'refused' } : {} });
      }
      t.store.checkpoint();
      const first = await t.app.inject({ url: '/' });
      const rows = (html: string): string[] => [...html.matchAll(/<tr data-slug="([^"]+)"/g)].map((m) => m[1]!);
      const onFirst = rows(first.body);
      assert.equal(onFirst.length, DASHBOARD_PAGE_SIZE);
      assert.equal(onFirst[0], 'ep-104', 'the one that is down comes first, whichever page it would sort to by name');
      assert.match(first.body, new RegExp(`Endpoints 1–${DASHBOARD_PAGE_SIZE} of ${DASHBOARD_PAGE_SIZE + 5}`));
      assert.match(first.body, /<a rel="next" href="\/\?page=2">/);
      const second = await t.app.inject({ url: '/?page=2' });
      const onSecond = rows(second.body);
      assert.equal(onSecond.length, 5);
      assert.equal(new Set([...onFirst, ...onSecond]).size, DASHBOARD_PAGE_SIZE + 5, 'every endpoint on exactly one page');
      assert.match(second.body, /<a rel="prev" href="\/">/);
      assert.match(second.body, /data-refresh="\/dashboard\.json\?page=2"/, 'the refresh keeps the page');
      const json = (await t.app.inject({ url: '/dashboard.json?page=2' })).json<{ page: unknown; endpoints: unknown[] }>();
      assert.deepEqual([json.endpoints.length, json.page], [5, { number: 2, pages: 2, size: DASHBOARD_PAGE_SIZE, matched: DASHBOARD_PAGE_SIZE + 5 }]);
      const down = await t.app.inject({ url: '/?status=down' });
      assert.deepEqual(rows(down.body), ['ep-104']);
      assert.doesNotMatch(down.body, /rel="next"/);

      // The public overview pages its cards too; its JSON twin still lists everyone for CI gates.
      const cards = (html: string): string[] => [...html.matchAll(/<li class="card" data-slug="([^"]+)"/g)].map((m) => m[1]!);
      const status1 = await t.app.inject({ url: '/status' });
      assert.equal(cards(status1.body).length, STATUS_PAGE_SIZE);
      assert.match(status1.body, /Some systems are down/, 'the overall status covers every page');
      assert.match(status1.body, new RegExp(`Showing 1–${STATUS_PAGE_SIZE} of ${DASHBOARD_PAGE_SIZE + 5}`));
      const last = Math.ceil((DASHBOARD_PAGE_SIZE + 5) / STATUS_PAGE_SIZE);
      const statusLast = await t.app.inject({ url: `/status?page=${last}` });
      assert.equal(cards(statusLast.body).length, (DASHBOARD_PAGE_SIZE + 5) % STATUS_PAGE_SIZE || STATUS_PAGE_SIZE);
      assert.doesNotMatch(statusLast.body, /rel="next"/);
      assert.notEqual(status1.headers.etag, statusLast.headers.etag);
      const everyone = (await t.app.inject({ url: '/status.json' })).json<{ endpoints: Array<{ slug: string }> }>();
      assert.equal(everyone.endpoints.length, DASHBOARD_PAGE_SIZE + 5);
    } finally {
      await t.close();
    }
  });
});
