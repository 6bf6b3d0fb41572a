// The fleet pages' incrementally maintained state must equal a full recomputation: after every
// flush in a sequence (rounds landing, an endpoint added, paused, archived, deleted, a late round
// for the previous hour, an hour and a day boundary crossed, a gap, an incident opened and
// resolved), the facts equal the per-endpoint loaders' and every fleet page served from the state
// is byte-identical to the page built per request from the store.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { incidentIdFor, initialState, type EndpointState } from '../../src/domain/health.ts';
import { FleetPages } from '../../src/http/pages/fleet-pages.ts';
import { loadAllCardFacts, loadEndpointFacts } from '../../src/http/pages/load.ts';
import { dayInputs } from '../../src/http/pages/status-model.ts';
import type { ResultRow, TickBatch } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, result, state } from '../store/helper.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';

// 22:40 UTC: the hour boundary is 20 min away, the day boundary 80.
const START = Date.UTC(2026, 10, 25, 22, 40);
let now = START;
const memory = { endpoints: [] as readonly Endpoint[], states: new Map<number, EndpointState>() };
const fromMemory = { clock: () => now, endpoints: () => memory.endpoints, state: (id: number) => memory.states.get(id) ?? initialState(id) };
let full: TestApp;
let fleet: TestApp;
let pages: FleetPages;

async function sync(): Promise<void> {
  memory.endpoints = await full.store.listEndpoints();
  memory.states = new Map((await full.store.loadStates()).map((s) => [s.endpointId, s]));
}

before(async () => {
  full = await buildTestApp({ ...fromMemory, pageCacheMs: 0 });
  pages = new FleetPages({ ...fromMemory, store: full.store, policy: full.config.health });
  const holder = pages;
  fleet = await buildTestApp({ ...fromMemory, store: full.store, fleetPages: { get view() { return holder.view; } } });
  for (let i = 0; i < 7; i++) {
    await seedEndpoint(full.store, now, {
      slug: `ep-${i}`,
      days: i === 0 ? 92 : 3 + i,
      definition: { name: `Endpoint ${i % 3}`, tags: i % 2 === 0 ? ['team-a'] : i === 3 ? [] : ['team-b', 'team-a'], public: i !== 5 },
      row: (ts) => (ts % (13 * HOUR) < HOUR ? { status: 'down', code: 'TCP_REFUSED', detail: 'refused' } : {}),
      incidents: i % 2 === 0 ? [{ startedAt: now - (i + 1) * DAY, resolvedAt: now - (i + 1) * DAY + 3 * HOUR, code: 'TCP_REFUSED', detail: 'refused' }] : [],
    });
  }
  await sync();
});

after(async () => {
  await pages.stop();
  for (const t of [fleet, full]) await t.close();
  rmSync(fleet.dir, { recursive: true, force: true });
  rmSync(full.dir, { recursive: true, force: true });
});

const URLS = ['/', '/?page=2', '/?status=down', '/?tag=team-b', '/?status=up&tag=team-a', '/dashboard.json', '/dashboard.json?tag=team-a', '/status', '/status?page=2', '/status.json'];

async function assertMatchesFull(step: string): Promise<void> {
  await sync();
  await pages.refresh();
  const view = pages.view!;
  assert.equal(view.now, now, step);
  for (const endpoint of memory.endpoints) {
    const st = fromMemory.state(endpoint.id);
    const expected = await loadEndpointFacts({ store: full.store, state: fromMemory.state }, endpoint, now);
    assert.deepEqual(view.facts.endpointFacts(endpoint, st), expected, `${step}: facts of ${endpoint.slug}`);
    const [card] = await loadAllCardFacts({ store: full.store, state: fromMemory.state }, [endpoint], now);
    const got = view.facts.cardFacts(endpoint, st);
    assert.deepEqual(got.uptime90d, card!.uptime90d, `${step}: 90-day uptime of ${endpoint.slug}`);
    const counts = (d: typeof got.daily) => dayInputs(d, now).map((day) => ({ dayStart: day.dayStart, incidents: day.incidents, counts: day.counts && { up: day.counts.up, degraded: day.counts.degraded, authRequired: day.counts.authRequired, down: day.counts.down } }));
    if (endpoint.public && endpoint.archivedAt === null) assert.deepEqual(counts(got.daily), counts(card!.daily), `${step}: bars of ${endpoint.slug}`);
  }
  for (const url of URLS) {
    const [a, b] = await Promise.all([full.app.inject({ url }), fleet.app.inject({ url })]);
    assert.equal(b.statusCode, a.statusCode, `${step}: ${url}`);
    assert.equal(b.headers['content-type'], a.headers['content-type'], `${step}: ${url}`);
    assert.equal(b.body, a.body, `${step}: ${url} differs from the page built per request`);
  }
}

async function flush(rows: readonly ResultRow[], extra: Partial<TickBatch> = {}): Promise<void> {
  await full.store.writeTick({ ...EMPTY_TICK, ...extra, results: rows });
}

const round = (id: number, ts: number, status: ResultRow['status'] = 'up', durationMs = 120): ResultRow =>
  result(id, ts, status === 'up' ? { durationMs } : { status, code: 'TCP_REFUSED', detail: 'refused', durationMs });

test('the incremental fleet state equals a full recomputation after every flush', async () => {
  const ids = memory.endpoints.map((e) => e.id);
  await assertMatchesFull('first build');

  await flush(ids.map((id, i) => round(id, now + 1000, i === 1 ? 'down' : 'up', 80 + i * 400)));
  now += 60_000;
  await assertMatchesFull('a flush in the current hour');

  const added = await full.store.createEndpoint(definition('added', { name: 'Added later', tags: ['team-c'] }));
  await flush([round(added.id, now)], { states: [state(added.id, { health: 'up', lastStatus: 'up', lastCheckedAt: new Date(now).toISOString() })] });
  now += 60_000;
  await assertMatchesFull('an endpoint added');

  const paused = memory.endpoints.find((e) => e.slug === 'ep-2')!;
  await full.store.updateEndpoint(paused.id, { ...paused, paused: true, pausedReason: 'maintenance' });
  await full.store.syncConfigEndpoints([definition('cfg', { name: 'From the file' })]);
  await sync();
  const cfg = memory.endpoints.find((e) => e.slug === 'cfg')!;
  await flush([round(cfg.id, now)]);
  await assertMatchesFull('an endpoint paused, one from the file');

  await full.store.syncConfigEndpoints([]);
  await full.store.deleteEndpoint(memory.endpoints.find((e) => e.slug === 'ep-4')!.id);
  now += 60_000;
  await assertMatchesFull('an endpoint archived, one deleted');

  // Across the hour: a round started before it lands after it, in the previous hour's bucket.
  const hourStart = Math.floor(now / HOUR) * HOUR + HOUR;
  now = hourStart + 5_000;
  await flush([round(ids[1]!, hourStart + 1_000)]);
  await assertMatchesFull('an hour boundary crossed');
  now += 5_000;
  await flush([round(ids[0]!, hourStart - 3_000, 'down', 300)]);
  await assertMatchesFull('a late round for the previous hour');

  const opened = { kind: 'incident_opened', at: new Date(now).toISOString(), incidentId: incidentIdFor(ids[1]!, 1), startedAt: new Date(now).toISOString(), code: 'TCP_REFUSED', detail: 'refused' } as const;
  await flush([round(ids[1]!, now, 'down')], {
    events: [{ endpointId: ids[1]!, event: opened }],
    states: [state(ids[1]!, { health: 'down', lastStatus: 'down', lastCode: 'TCP_REFUSED', openIncidentId: opened.incidentId, incidentsOpened: 1, lastCheckedAt: new Date(now).toISOString() })],
    gaps: [{ endpointId: ids[3]!, fromMs: now - 20 * 60_000, toMs: now - 5 * 60_000 }],
  });
  now += 30_000;
  await assertMatchesFull('an incident opened and a monitoring gap');

  // Across the day: 00:00 UTC.
  const dayStart = Math.floor(now / DAY) * DAY + DAY;
  now = dayStart + 90_000;
  const resolved = { kind: 'incident_resolved', at: new Date(now).toISOString(), incidentId: opened.incidentId, lastCode: 'TCP_REFUSED', lastDetail: 'refused' } as const;
  await flush([round(ids[1]!, dayStart + 60_000, 'up'), round(ids[6]!, dayStart + 1_000, 'degraded')], {
    events: [{ endpointId: ids[1]!, event: resolved }],
    states: [state(ids[1]!, { health: 'up', lastStatus: 'up', openIncidentId: null, incidentsOpened: 1, lastCheckedAt: new Date(now).toISOString() })],
  });
  await assertMatchesFull('a day boundary crossed, the incident resolved');
  now += 10_000;
  await flush([round(ids[2]!, dayStart - 2_000, 'down')]);
  await assertMatchesFull('a late round for the previous day');

  now += 2 * HOUR;
  await flush(ids.slice(0, 3).map((id) => round(id, now - 1000)));
  await assertMatchesFull('two hours later');
  assert.ok(pages.view!.statusJson.length > 0);
});

test('a refresh reads only the buckets that can still change, until the hour moves on', async () => {
  const calls: string[] = [];
  const store = full.store;
  const spy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (property === 'rollupsAll') calls.push(String(args[0]));
        return method.apply(target, args);
      };
    },
  });
  const own = new FleetPages({ ...fromMemory, store: spy, policy: full.config.health });
  assert.equal((await own.refresh()).full, true);
  const fullReads = calls.length;
  calls.length = 0;
  now += 60_000;
  assert.equal((await own.refresh()).full, false);
  assert.deepEqual(calls, ['hour', 'hour', 'day', 'day'], 'an incremental refresh reads the two mutable hours and days');
  assert.ok(fullReads > 100, `a full build reads every immutable bucket once (${fullReads})`);
  now = Math.floor(now / HOUR) * HOUR + HOUR + 1;
  assert.equal((await own.refresh()).full, true, 'a new hour rebuilds the immutable sums');
});

test('a refresh that fails drops the view, so the pages answer as the database does', async () => {
  let failing = false;
  const store = new Proxy(full.store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => (failing && property === 'gapsAll' ? Promise.reject(new Error('database away')) : method.apply(target, args));
    },
  });
  const own = new FleetPages({ ...fromMemory, store, policy: full.config.health });
  await own.refresh();
  assert.ok(own.view);
  failing = true;
  await assert.rejects(own.refresh(), /database away/);
  assert.equal(own.view, undefined);
  failing = false;
  await own.refresh();
  assert.ok(own.view);
});
