// GET /endpoints/:slug over a real app and a real SQLite store, seeded through the store's public
// API: who sees which endpoint (a private one is the same 404 as an unknown slug to an anonymous
// caller), the strip of recent checks, raw latency for a fresh endpoint, hostile strings as text,
// deliveries only for viewers allowed private data, the JSON twin and the links to the page.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { testMessage } from '../../src/alerts/message.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { RAW_SLOTS } from '../../src/http/pages/endpoint-model.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { EMPTY_TICK, result } from '../store/helper.ts';
import { HOSTILE } from './endpoint-page-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';


function cells(html: string): number {
  return (html.match(/<li class="check st-/g) ?? []).length;
}

describe('endpoint page', () => {
  const now = Date.now();
  let t: TestApp;
  let outbox!: SqliteOutbox;
  let auth: Record<string, string>;
  let privateId: number;

  before(async () => {
    t = await buildTestApp({
      pageCacheMs: 0,
      withStore: (store) => {
        outbox = new SqliteOutbox(store.database);
        return { alerts: outbox };
      },
    });
    // 150 hourly rounds over ~6 days, the newest ones failing with a hostile detail.
    await seedEndpoint(t.store, now, {
      slug: 'open',
      definition: { name: 'Open API' },
      days: 7,
      row: (ts) => (ts > now - 3 * HOUR ? { status: 'down', code: 'HTTP_5XX', detail: HOSTILE.detail, connectMs: 4, tlsMs: null } : {}),
      incidents: [{ startedAt: now - 3 * HOUR, resolvedAt: null, code: 'HTTP_5XX', detail: HOSTILE.detail }],
      tools: [
        { ts: now - 5 * DAY, names: ['search'] },
        { ts: now - 1 * DAY, names: ['search', HOSTILE.tool] },
      ],
      cert: { notAfter: new Date(now + 30 * DAY).toISOString(), issuer: HOSTILE.issuer },
      state: { serverName: HOSTILE.server },
    });
    const secret = await seedEndpoint(t.store, now, { slug: 'secret', definition: { name: 'Secret API', public: false }, days: 2 });
    privateId = secret.endpoint.id;
    await t.store.writeTick({
      ...EMPTY_TICK,
      certObservations: [{ endpointId: privateId, ts: now - HOUR, fingerprint256: 'AB:CD', subject: HOSTILE.subject, issuer: 'CN=Test CA', notBefore: new Date(now - DAY).toISOString(), notAfter: new Date(now + 9 * DAY).toISOString(), sans: [HOSTILE.san, 'secret.example.com'] }],
    });
    await outbox.commit({
      entries: [
        { idempotencyKey: 'k-secret-1', channel: HOSTILE.channel, endpointId: privateId, message: testMessage(HOSTILE.channel, 'k-secret-1', now, null), suppressed: null },
        { idempotencyKey: 'k-other', channel: 'elsewhere', endpointId: null, message: testMessage('elsewhere', 'k-other', now, null), suppressed: null },
      ],
      states: [],
    });
    const token = generateToken();
    await t.store.createToken('viewer', hashToken(token), true);
    auth = { authorization: `Bearer ${token}` };
  });

  after(async () => {
    await t.close();
    rmSync(t.dir, { recursive: true, force: true });
  });

  test('a public endpoint is open to everyone, without deliveries or raw details', async () => {
    const res = await t.app.inject({ url: '/endpoints/open' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.equal(res.headers['cache-control'], 'public, max-age=30');
    assert.match(res.headers.vary as string, /authorization/);
    assert.equal(cells(res.body), 24, 'one round an hour: 24 in the last day');
    assert.doesNotMatch(res.body, /Alert deliveries/);
    assert.doesNotMatch(res.body, /alert\(2\)/, 'an anonymous viewer reads the code\'s sentence, not the raw detail');
    assert.match(res.body, /href="\/status\/open"/, 'links its public status page');
  });

  test('a private endpoint: 404 to anonymous callers exactly like an unknown slug; 200 with a token', async () => {
    const unknown = await t.app.inject({ url: '/endpoints/no-such-thing' });
    const hidden = await t.app.inject({ url: '/endpoints/secret' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(hidden.statusCode, 404);
    assert.equal(hidden.body, unknown.body);
    const varying = { date: null, 'x-request-id': null, 'x-ratelimit-remaining': null };
    assert.deepEqual(
      { ...hidden.headers, ...varying },
      { ...unknown.headers, ...varying },
      'not even a header tells them apart',
    );
    const hiddenJson = await t.app.inject({ url: '/endpoints/secret.json' });
    assert.equal(hiddenJson.statusCode, 404);
    assert.equal(hiddenJson.body, (await t.app.inject({ url: '/endpoints/nothing.json' })).body);
    const bad = await t.app.inject({ url: '/endpoints/secret', headers: { authorization: 'Bearer mcpw_not-a-real-token' } });
    assert.equal(bad.statusCode, 404, 'a bad token sees no more than no token');

    const seen = await t.app.inject({ url: '/endpoints/secret', headers: auth });
    assert.equal(seen.statusCode, 200);
    assert.equal(seen.headers['cache-control'], 'private, no-store');
    assert.match(seen.body, /<h1 class="ep-title">Secret API<\/h1>/);
    assert.doesNotMatch(seen.body, /href="\/status\/secret"/, 'no public status page to link');
  });

  test('deliveries: this endpoint\'s only, for viewers allowed private data, channel name escaped', async () => {
    const seen = (await t.app.inject({ url: '/endpoints/secret', headers: auth })).body;
    assert.match(seen, /<h2 id="deliveries-title">Alert deliveries<\/h2>/);
    assert.equal((seen.match(/<tr data-status="pending">/g) ?? []).length, 1, "the other endpoint's entry is left out");
    assert.ok(seen.includes('<code>ops&quot;&gt;&lt;img src=x onerror=alert(6)&gt;</code>'));
    const open = (await t.app.inject({ url: '/endpoints/open', headers: auth })).body;
    assert.match(open, /No alerts recorded for this endpoint/);
    const json = (await t.app.inject({ url: '/endpoints/secret.json', headers: auth })).json<{ deliveries: Array<{ channel: string; attempts: number }> }>();
    assert.deepEqual(json.deliveries.map((d) => [d.channel, d.attempts]), [[HOSTILE.channel, 0]]);
    assert.equal((await t.app.inject({ url: '/endpoints/open.json' })).json<{ deliveries: unknown }>().deliveries, null);
  });

  test('hostile tool names, details, server names, certificate subject, issuer and names render as text', async () => {
    for (const [slug, headers] of [
      ['open', auth],
      ['open', {}],
      ['secret', auth],
    ] as const) {
      const body = (await t.app.inject({ url: `/endpoints/${slug}`, headers })).body;
      assert.doesNotMatch(body, /<img src=x|<script>alert|<svg onload|<iframe|<b>san|" autofocus/, `${slug} ${JSON.stringify(headers)}`);
    }
    const open = (await t.app.inject({ url: '/endpoints/open', headers: auth })).body;
    assert.ok(open.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the tool name, escaped');
    assert.ok(open.includes('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;'), 'the raw detail, escaped, for a viewer with access');
    assert.ok(open.includes('&quot; autofocus onfocus=&quot;alert(5)'), 'the server name, escaped');
    assert.ok(open.includes('issuer O=&#39;&gt;&lt;iframe'), 'the issuer, escaped');
    const secret = (await t.app.inject({ url: '/endpoints/secret', headers: auth })).body;
    assert.ok(secret.includes('subject CN=&quot;&gt;&lt;svg onload=alert(3)&gt;'));
    assert.ok(secret.includes('<code>&lt;b&gt;san&lt;/b&gt;.example.com</code>'));
  });

  test('the strip: failing checks carry their code, detail and waterfall; the incident its timeline', async () => {
    const body = (await t.app.inject({ url: '/endpoints/open', headers: auth })).body;
    const down = body.match(/<li class="check st-down"[\s\S]*?<\/li>/)?.[0] ?? '';
    assert.match(down, /tabindex="0"/);
    assert.match(down, /<span class="code">HTTP_5XX<\/span>/);
    assert.match(down, /DNS 2 ms/);
    assert.match(down, /TCP 4 ms/);
    assert.match(down, /TLS not reached/);
    assert.match(down, /<rect class="ph ph-dns"/);
    assert.match(body, /class="card incident ongoing"/);
    assert.match(body, /<li class="tl-opened">[\s\S]*?Opened: HTTP_5XX/);
    assert.match(body, /<li class="tl-ongoing">[\s\S]*?Still open/);
  });

  test('a fresh endpoint (10 rounds in the last 5 minutes, no hour finished) draws its latency at once', async () => {
    const fresh = await t.store.createEndpoint({ ...(await t.store.getEndpointBySlug('open'))!, slug: 'fresh', name: 'Fresh', source: 'api' });
    const rows = Array.from({ length: 10 }, (_, i) => result(fresh.id, now - 5 * 60_000 + i * 30_000, { durationMs: 100 + 10 * i }));
    await t.store.writeTick({ ...EMPTY_TICK, results: rows });
    const page = (await t.app.inject({ url: '/endpoints/fresh' })).body;
    assert.equal(cells(page), 10);
    assert.doesNotMatch(page, /No latency data in this range/);
    assert.match(page, /class="(line|dot) p50"/);
    const json = (await t.app.inject({ url: '/endpoints/fresh.json' })).json<{ latency: { points: Array<{ p50Ms: number | null }> } }>();
    assert.equal(json.latency.points.length, RAW_SLOTS);
    assert.ok(json.latency.points.filter((p) => p.p50Ms !== null).length >= 1);
    for (const range of ['7d', '30d']) {
      const longer = (await t.app.inject({ url: `/endpoints/fresh?range=${range}` })).body;
      assert.doesNotMatch(longer, /No latency data in this range/, range);
    }
  });

  test('links: the status page and the dashboard rows point at the full page; the dashboard only for viewers who may open it', async () => {
    assert.match((await t.app.inject({ url: '/status/open' })).body, /href="\/endpoints\/open"/);
    const anonymous = (await t.app.inject({ url: '/' })).body;
    assert.match(anonymous, /href="\/endpoints\/open"/);
    assert.doesNotMatch(anonymous, /href="\/endpoints\/secret"/);
    assert.match((await t.app.inject({ url: '/', headers: auth })).body, /href="\/endpoints\/secret"/);
  });
});
