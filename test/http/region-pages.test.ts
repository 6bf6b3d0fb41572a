// The status pages with several regions (issue 14), through app.inject() over a real SQLite file
// and a region board the test controls: the region tables render with every region name escaped,
// the JSON twins carry them, and with one region the pages are byte for byte those of a node with
// no regions at all (SQLite).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { regionBoard, type RegionBoard, type RegionWord } from '../../src/domain/region-board.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { seedEndpoint } from './page-seed.ts';

const NOW = Date.parse('2026-03-15T12:30:00.000Z');
const HOSTILE = '<img src=x onerror=alert(1)>';
const SETTINGS = { quorum: null, isolationShare: 1, isolationMinEndpoints: 3 };
const PAGES = ['/status', '/status.json', '/status/alpha', '/status/alpha.json', '/status/beta', '/status/beta.json'];

function word(endpointId: number, region: string, down: boolean): RegionWord {
  return {
    endpointId,
    region,
    at: NOW - 2_000,
    state: {
      health: down ? 'down' : 'up',
      healthSince: new Date(NOW - 3_600_000).toISOString(),
      lastStatus: down ? 'down' : 'up',
      lastCheckedAt: new Date(NOW - 2_000).toISOString(),
      lastDurationMs: 87,
      consecutiveFailures: down ? 4 : 0,
    },
  };
}

async function seed(t: TestApp): Promise<void> {
  await seedEndpoint(t.store, NOW, { slug: 'alpha', definition: { name: 'Alpha', tags: ['prod'] }, days: 3 });
  await seedEndpoint(t.store, NOW, { slug: 'beta', definition: { name: 'Beta' }, days: 3 });
  await seedEndpoint(t.store, NOW, { slug: 'hidden', definition: { name: 'Hidden', public: false }, days: 3 });
}

describe('status pages and regions', () => {
  let plain: TestApp;
  let regional: TestApp;
  let board: RegionBoard | Error;

  before(async () => {
    plain = await buildTestApp({ clock: () => NOW, pageCacheMs: 0 });
    regional = await buildTestApp({
      clock: () => NOW,
      pageCacheMs: 0,
      regionBoard: () => (board instanceof Error ? Promise.reject(board) : Promise.resolve(board)),
    });
    await seed(plain);
    await seed(regional);
  });
  after(async () => {
    await plain.close();
    await regional.close();
  });

  async function boardOf(down: Record<string, readonly string[]>): Promise<RegionBoard> {
    const endpoints = await regional.store.listEndpoints();
    const words = Object.entries(down).flatMap(([region, slugs]) => endpoints.map((e) => word(e.id, region, slugs.includes(e.slug))));
    return regionBoard(words, endpoints, SETTINGS, NOW);
  }

  async function bodies(app: TestApp): Promise<string[]> {
    return Promise.all(PAGES.map(async (url) => (await app.app.inject({ url })).body));
  }

  test('one region, no region, an unreadable board: every page is exactly the single-node page', async () => {
    const expected = await bodies(plain);
    assert.match(expected[2]!, /<h2 id="uptime-title">/, 'the endpoint page rendered');
    for (const [what, next] of [
      ['one region', await boardOf({ default: ['beta'] })],
      ['no word at all', await boardOf({})],
      ['an unreadable board', new Error('database away')],
    ] as const) {
      board = next;
      const got = await bodies(regional);
      for (const [i, url] of PAGES.entries()) assert.equal(got[i], expected[i], `${url} with ${what}`);
    }
    assert.doesNotMatch(expected.join('\n'), /regions-title|"regions"|region-note/);
  });

  test('two regions: the endpoint page shows each region and the verdict, region names escaped', async () => {
    board = await boardOf({ [HOSTILE]: ['alpha'], us: [] });
    const res = await regional.app.inject({ url: '/status/alpha' });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(HOSTILE), 'a raw region name in the page');
    assert.match(res.body, /<section class="regions" aria-labelledby="regions-title" data-verdict="partial_outage">/);
    assert.match(res.body, /<strong>Down in 1 of 2 regions: partial outage<\/strong>/);
    const rows = [...res.body.matchAll(/<tr data-region="([^"]*)"[^>]*>\s*<th scope="row">([^<]*)<\/th>\s*<td><span class="pill s-(\w+)"/g)].map((m) => [m[1], m[2], m[3]]);
    assert.deepEqual(rows, [
      ['&lt;img src=x onerror=alert(1)&gt;', '&lt;img src=x onerror=alert(1)&gt;', 'down'],
      ['us', 'us', 'up'],
    ]);
    assert.match(res.body, /<td class="num">87 ms<\/td>/);

    const json = JSON.parse((await regional.app.inject({ url: '/status/alpha.json' })).body) as { regions: { verdict: string; regions: Array<{ region: string; status: string; latencyMs: number | null }> } };
    assert.equal(json.regions.verdict, 'partial_outage');
    assert.deepEqual(json.regions.regions.map((r) => [r.region, r.status, r.latencyMs]), [[HOSTILE, 'down', null], ['us', 'up', 87]]);
  });

  test('two regions: the overview shows each region’s view of the public endpoints and notes the endpoint down somewhere', async () => {
    board = await boardOf({ [HOSTILE]: ['alpha', 'hidden'], us: [] });
    const res = await regional.app.inject({ url: '/status' });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(HOSTILE), 'a raw region name in the overview');
    assert.match(res.body, /<th scope="row">&lt;img src=x onerror=alert\(1\)&gt;<\/th>/);
    // The private endpoint is not counted: one of two public endpoints is down there.
    assert.match(res.body, /<td>1 down, 1 up<\/td>/);
    assert.match(res.body, /<p class="region-note small" data-verdict="partial_outage">Down in 1 of 2 regions: partial outage<\/p>/);
    assert.equal([...res.body.matchAll(/class="region-note/g)].length, 1);

    const json = JSON.parse((await regional.app.inject({ url: '/status.json' })).body) as { regions: { regions: Array<{ region: string; status: string }>; endpoints: unknown[] }; endpoints: Array<{ slug: string }> };
    assert.deepEqual(json.regions.regions.map((r) => [r.region, r.status]), [[HOSTILE, 'down'], ['us', 'up']]);
    assert.deepEqual(json.regions.endpoints, [{ slug: 'alpha', verdict: 'partial_outage', description: 'Down in 1 of 2 regions: partial outage' }]);
    assert.deepEqual(json.endpoints.map((e) => e.slug), ['alpha', 'beta'], 'the endpoints are listed as before');
  });
});
