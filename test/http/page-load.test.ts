// The dashboard loads a page's facts either from fleet-wide range scans or from each endpoint's
// own reads, whichever costs less for the page's share of the fleet; both must give the same facts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState } from '../../src/domain/health.ts';
import { loadAllEndpointFacts, loadPageFacts } from '../../src/http/pages/load.ts';
import { buildTestApp } from './helper.ts';
import { HOUR, seedEndpoint } from './page-seed.ts';

test('a small page of a large fleet reads each endpoint on its own, with the same facts as the fleet-wide scans', async () => {
  const now = Date.UTC(2026, 10, 25, 12, 30);
  const t = await buildTestApp();
  try {
    for (let i = 0; i < 12; i++) {
      await seedEndpoint(t.store, now, { slug: `ep-${i}`, days: 3, row: (ts) => (ts % ((7 + i) * HOUR) < HOUR ? { status: 'down', code: 'TCP_REFUSED', detail: 'refused' } : {}) });
    }
    t.store.checkpoint();
    const endpoints = await t.store.listEndpoints();
    const source = { store: t.store, state: (id: number) => initialState(id) };
    const page = endpoints.slice(3, 5);
    const own = await loadPageFacts(source, page, endpoints.length, now);
    const scanned = await loadAllEndpointFacts(source, page, now);
    assert.deepEqual(own, scanned);
    assert.ok(own.some((f) => f.uptime['24h'].down > 0), 'the seeded outages are in the facts');
    // A page that is most of the fleet takes the scans; same facts either way.
    assert.deepEqual(await loadPageFacts(source, endpoints, endpoints.length, now), await loadAllEndpointFacts(source, endpoints, now));
  } finally {
    await t.close();
  }
});
