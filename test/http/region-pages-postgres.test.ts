// Per-region status on the status pages over the real PostgreSQL store (issue 14): two regions'
// recorders write their rounds and health through their region writers, the quorum arbiter makes
// one pass, and the pages, built as `serve` builds them (the fleet pages' state, the region board
// read through the store at most every few seconds), show each region's word and the verdict the
// arbiter stored. With only one region writing, the pages show no region at all.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import { buildApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { FleetPages } from '../../src/http/pages/fleet-pages.ts';
import { QuorumArbiter } from '../../src/service/quorum-arbiter.ts';
import { regionBoards } from '../../src/service/region-boards.ts';
import { openPostgresStorage } from '../../src/store/postgres/open.ts';
import type { Storage } from '../../src/store/store.ts';
import { regionRecorder } from '../fixtures/region-recorder.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { definition } from '../store/helper.ts';
import { testConfig } from './helper.ts';

const SETTINGS = { quorum: null, isolationShare: 1, isolationMinEndpoints: 3 };

/** The app as `serve` wires its pages on PostgreSQL: overall states, fleet pages, the region board. */
async function pagesOver(t: TestContext, storage: Storage, endpoints: readonly Endpoint[]) {
  const config = testConfig();
  let states = new Map<number, EndpointState>();
  const state = (id: number): EndpointState => states.get(id) ?? initialState(id);
  const fleetPages = new FleetPages({ store: storage.store, clock: Date.now, state, endpoints: () => endpoints, policy: config.health });
  const deps: AppDeps = {
    store: storage.store,
    config,
    clock: Date.now,
    state,
    endpoints: () => endpoints,
    onEndpointsChanged: () => undefined,
    checkNow: () => Promise.reject(new Error('no checks here')),
    readiness: () => ({ database: true, scheduler: true }),
    scheduler: () => ({ dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 0, lastLagMs: 0, recentLagsMs: [], inFlight: 0, queued: 0 }),
    loopDelayMs: () => 0,
    latestResult: () => undefined,
    fleetPages,
    // No reuse between the test's steps: each step's words are read afresh.
    regionBoard: regionBoards(storage.regions!.reader, () => endpoints, SETTINGS, 0),
  };
  const app = await buildApp(deps);
  t.after(() => app.close());
  return {
    app,
    /** What OverallStates and the fleet pages' timer do in `serve`. */
    async refresh(): Promise<void> {
      states = new Map((await storage.store.loadStates()).map((s) => [s.endpointId, s]));
      await fleetPages.refresh();
    },
  };
}

test('on PostgreSQL the status pages show each region’s word and the arbiter’s verdict; one region shows none', { timeout: 120_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const storage = await openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 15_000, connectTimeoutMs: 10_000 });
  t.after(() => storage.close());
  const endpoints: Endpoint[] = [];
  for (const slug of ['alpha', 'beta', 'gamma']) endpoints.push(await storage.store.createEndpoint(definition(slug, { public: true })));
  const arbiter = new QuorumArbiter({ store: storage.regions!.quorum, endpoints: () => endpoints, settings: SETTINGS, logger: pino({ level: 'silent' }) });
  const pages = await pagesOver(t, storage, endpoints);
  const eu = regionRecorder(storage, 'eu', { durationMs: 42 });
  const us = regionRecorder(storage, 'us', { durationMs: 42 });

  // One region so far: a cluster of one region looks like one node.
  for (let i = 0; i < 2; i++) await eu.round(endpoints, () => false);
  await arbiter.pass();
  await pages.refresh();
  for (const url of ['/status', '/status/alpha', '/status.json', '/status/alpha.json']) {
    const res = await pages.app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.doesNotMatch(res.body, /regions-title|"regions"/, `${url} with one region`);
  }

  // A second region sees alpha fail, twice (confirmed down there): down in 1 of 2, a partial outage.
  for (let i = 0; i < 2; i++) await us.round(endpoints, (e) => e.slug === 'alpha');
  await eu.round(endpoints, () => false);
  await arbiter.pass();
  await pages.refresh();
  assert.equal((await storage.regions!.quorum.verdicts()).get(endpoints[0]!.id)?.status, 'partial_outage', 'the arbiter’s verdict');

  const page = await pages.app.inject({ url: '/status/alpha' });
  assert.match(page.body, /data-verdict="partial_outage"/);
  assert.match(page.body, /<strong>Down in 1 of 2 regions: partial outage<\/strong>/);
  const rows = [...page.body.matchAll(/<tr data-region="([^"]*)"[^>]*>\s*<th scope="row">[^<]*<\/th>\s*<td><span class="pill s-(\w+)"[\s\S]*?<td class="num">([^<]*)<\/td>/g)].map((m) => [m[1], m[2], m[3]]);
  assert.deepEqual(rows, [
    ['eu', 'up', '42 ms'],
    ['us', 'down', '—'],
  ]);
  const json = JSON.parse((await pages.app.inject({ url: '/status/alpha.json' })).body) as { status: string; regions: { verdict: string; regions: Array<{ region: string; status: string; counted: boolean }> } };
  assert.equal(json.status, 'up', 'the overall status stays up: one region of two is not a quorum');
  assert.deepEqual(json.regions.regions.map((r) => [r.region, r.status, r.counted]), [['eu', 'up', true], ['us', 'down', true]]);

  // The overview from the fleet pages' state: both regions, and alpha's note.
  const overview = await pages.app.inject({ url: '/status' });
  assert.match(overview.body, /<th scope="row">eu<\/th>/);
  assert.match(overview.body, /<td>1 down, 2 up<\/td>/);
  assert.match(overview.body, /data-verdict="partial_outage">Down in 1 of 2 regions: partial outage<\/p>/);
  const index = JSON.parse((await pages.app.inject({ url: '/status.json' })).body) as { regions: { endpoints: Array<{ slug: string; verdict: string }> }; endpoints: Array<{ slug: string; status: string }> };
  assert.deepEqual(index.regions.endpoints.map((e) => [e.slug, e.verdict]), [['alpha', 'partial_outage']]);
  assert.deepEqual(index.endpoints.map((e) => [e.slug, e.status]), [['alpha', 'up'], ['beta', 'up'], ['gamma', 'up']]);

  // Both regions now see it: the quorum says down, and so does the page.
  for (let i = 0; i < 2; i++) await eu.round(endpoints, (e) => e.slug === 'alpha');
  await us.round(endpoints, (e) => e.slug === 'alpha');
  await arbiter.pass();
  await pages.refresh();
  const down = await pages.app.inject({ url: '/status/alpha' });
  assert.match(down.body, /<strong>Down in 2 of 2 regions: outage<\/strong>/);
  assert.equal((JSON.parse((await pages.app.inject({ url: '/status/alpha.json' })).body) as { status: string }).status, 'down');
});
