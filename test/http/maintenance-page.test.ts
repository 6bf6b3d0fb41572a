// A maintenance window from the alerts configuration shows on the endpoint's public page and JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from './helper.ts';
import { seedEndpoint } from './page-seed.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0); // a Wednesday

test('status page shows maintenance open now, and the next one for others', async () => {
  const yaml = `alerts:
  maintenance:
    - weekly: { day: Wed, start: "11:00", durationMinutes: 120 }
      tags: [prod]
    - start: 2026-11-27T02:00:00Z
      end: 2026-11-27T03:00:00Z
      endpoints: [search]
`;
  const t = await buildTestApp({ yaml, clock: () => NOW });
  try {
    await seedEndpoint(t.store, NOW, { slug: 'weather', days: 1, definition: { public: true, tags: ['prod'] } });
    await seedEndpoint(t.store, NOW, { slug: 'search', days: 1, definition: { public: true, tags: [] } });
    t.store.checkpoint();
    const weather = await t.app.inject({ url: '/status/weather' });
    assert.equal(weather.statusCode, 200);
    assert.match(weather.body, /Under maintenance/);
    assert.match(weather.body, /until <time datetime="2026-11-25T13:00:00.000Z">2026-11-25 13:00 UTC<\/time>/);
    const weatherJson = (await t.app.inject({ url: '/status/weather.json' })).json<{ maintenance: unknown }>();
    assert.deepEqual(weatherJson.maintenance, { activeUntil: '2026-11-25T13:00:00.000Z', next: null });
    const search = await t.app.inject({ url: '/status/search' });
    assert.match(search.body, /Scheduled maintenance/);
    assert.doesNotMatch(search.body, /Under maintenance/);
    assert.deepEqual((await t.app.inject({ url: '/status/search.json' })).json<{ maintenance: unknown }>().maintenance, {
      activeUntil: null,
      next: { start: '2026-11-27T02:00:00.000Z', end: '2026-11-27T03:00:00.000Z' },
    });
  } finally {
    await t.close();
  }
});
