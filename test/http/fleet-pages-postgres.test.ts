// On PostgreSQL other nodes write rounds this process never sees: the fleet pages' state reads
// every figure from the database, so after each refresh it equals a full recomputation there too,
// including a late round another node writes into the previous hour after this one moved on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import { FleetPages } from '../../src/http/pages/fleet-pages.ts';
import { loadAllCardFacts, loadEndpointFacts } from '../../src/http/pages/load.ts';
import { openPostgresStorage } from '../../src/store/postgres/open.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { EMPTY_TICK, result } from '../store/helper.ts';
import { testConfig } from './helper.ts';
import { HOUR, seedEndpoint } from './page-seed.ts';

test('on PostgreSQL the fleet state follows the rounds another node writes', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const self = await openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 15_000 });
  const other = await openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 15_000 });
  try {
    let now = Date.UTC(2026, 10, 25, 22, 40);
    for (let i = 0; i < 3; i++) await seedEndpoint(other.store, now, { slug: `ep-${i}`, days: 2 + i, row: (ts) => (ts % (7 * HOUR) < HOUR ? { status: 'down', code: 'TCP_REFUSED', detail: 'refused' } : {}) });
    const memory = { endpoints: [] as readonly Endpoint[], states: new Map<number, EndpointState>() };
    const source = { store: self.store, clock: () => now, endpoints: () => memory.endpoints, state: (id: number) => memory.states.get(id) ?? initialState(id) };
    const pages = new FleetPages({ ...source, policy: testConfig().health });

    const check = async (step: string): Promise<void> => {
      memory.endpoints = await self.store.listEndpoints();
      memory.states = new Map((await self.store.loadStates()).map((s) => [s.endpointId, s]));
      await pages.refresh();
      const view = pages.view!;
      for (const endpoint of memory.endpoints) {
        assert.deepEqual(view.facts.endpointFacts(endpoint, source.state(endpoint.id)), await loadEndpointFacts(source, endpoint, now), `${step}: ${endpoint.slug}`);
        const [card] = await loadAllCardFacts(source, [endpoint], now);
        assert.deepEqual(view.facts.uptime90d(endpoint.id), card!.uptime90d, `${step}: 90 days of ${endpoint.slug}`);
      }
    };
    const ids = (await other.store.listEndpoints()).map((e) => e.id);
    await check('first build');
    await other.store.writeTick({ ...EMPTY_TICK, results: ids.map((id, i) => result(id, now + 1000, i === 0 ? { status: 'down', code: 'TCP_REFUSED', detail: 'refused' } : { durationMs: 700 })) });
    now += 60_000;
    await check('rounds from the other node');
    const hour = Math.floor(now / HOUR) * HOUR + HOUR;
    now = hour + 10_000;
    await check('the hour moved on');
    await other.store.writeTick({ ...EMPTY_TICK, results: [result(ids[1]!, hour - 2_000, { durationMs: 4_000 })] });
    now += 10_000;
    await check('a late round for the previous hour from the other node');
    await pages.stop();
  } finally {
    await other.close();
    await self.close();
  }
});
