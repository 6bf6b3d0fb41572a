// Issue 11 item 9: every surface shows the same uptime for the same endpoint at the same moment,
// by the one rule in domain/uptime.ts. 57 good rounds of 100 read "56.99%" on the pages (the float
// ratio floored) while the API said 0.57; and mcpwatch's own monitoring gaps are reported as
// not-monitored time, not as up or down.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definition, EMPTY_TICK, result, state } from '../store/helper.ts';
import { buildTestApp } from './helper.ts';

const NOW = Date.parse('2026-03-15T12:30:00.000Z');
const MINUTE = 60_000;

describe('one uptime figure on every surface', () => {
  test('57 good rounds of 100: dashboard, status page, badge and API all say 57.00 %', async () => {
    const t = await buildTestApp({ clock: () => NOW });
    try {
      const endpoint = await t.store.createEndpoint(definition('api', { public: true }));
      const rows = Array.from({ length: 100 }, (_, i) => result(endpoint.id, NOW - (100 - i) * 30_000, { status: i < 57 ? 'up' : 'down' }));
      await t.store.writeTick({ ...EMPTY_TICK, results: rows });

      const dashboard = (await t.app.inject({ method: 'GET', url: '/dashboard.json' })).json<{ endpoints: Array<{ display: { uptime: Array<{ window: string; text: string }> } }> }>();
      assert.deepEqual(
        dashboard.endpoints[0]!.display.uptime.map((u) => u.text),
        ['57.00%', '57.00%', '57.00%', '57.00%'],
        'dashboard',
      );
      const page = await t.app.inject({ method: 'GET', url: '/status/api' });
      assert.equal(page.body.match(/>57\.00%<\/dd>/g)?.length, 4, 'status page tiles');
      assert.ok(!page.body.includes('56.99%'), 'status page');
      const overview = await t.app.inject({ method: 'GET', url: '/status' });
      assert.ok(overview.body.includes('57.00% uptime'), 'status overview card');
      const badge = (await t.app.inject({ method: 'GET', url: '/badge/api.json?window=24h' })).json<{ message: string }>();
      assert.equal(badge.message, '57.00%', 'badge');
      const svg = await t.app.inject({ method: 'GET', url: '/badge/api.svg?window=30d' });
      assert.ok(svg.body.includes('57.00%'), 'svg badge');
      const api = (await t.app.inject({ method: 'GET', url: '/api/v1/endpoints/api/uptime?window=24h' })).json<{ uptime: number; uptimePercent: number; rounds: number }>();
      assert.equal(api.rounds, 100);
      assert.equal(api.uptime, 0.57, 'the exact fraction');
      assert.equal(api.uptimePercent, 57, 'the shown figure');
    } finally {
      await t.close();
    }
  });

  test('a monitoring gap is not-monitored time: in the API, on the dashboard, and not in the figure', async () => {
    const t = await buildTestApp({ clock: () => NOW });
    try {
      const endpoint = await t.store.createEndpoint(definition('api', { public: true }));
      const before = [result(endpoint.id, NOW - 60 * MINUTE, { status: 'up' }), result(endpoint.id, NOW - 59 * MINUTE, { status: 'down' })];
      const after = [result(endpoint.id, NOW - 10 * MINUTE, { status: 'down' }), result(endpoint.id, NOW - 9 * MINUTE, { status: 'up' })];
      const live = state(endpoint.id, { health: 'up', healthSince: new Date(NOW - 9 * MINUTE).toISOString(), lastStatus: 'up', lastCheckedAt: new Date(NOW - 9 * MINUTE).toISOString(), consecutiveSuccesses: 1 });
      await t.store.writeTick({ ...EMPTY_TICK, results: [...before, ...after], states: [live], gaps: [{ endpointId: endpoint.id, fromMs: NOW - 59 * MINUTE, toMs: NOW - 10 * MINUTE }] });

      const uptime = (await t.app.inject({ method: 'GET', url: '/api/v1/endpoints/api/uptime' })).json<{ rounds: number; uptimePercent: number; notMonitoredMs: number }>();
      assert.equal(uptime.rounds, 4, 'only observed rounds count');
      assert.equal(uptime.uptimePercent, 50);
      assert.equal(uptime.notMonitoredMs, 49 * MINUTE);

      const gaps = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints/api/gaps?window=24h' });
      assert.equal(gaps.statusCode, 200);
      assert.deepEqual(gaps.json(), {
        endpointId: endpoint.id,
        window: '24h',
        from: NOW - 86_400_000,
        to: NOW,
        notMonitoredMs: 49 * MINUTE,
        gaps: [{ from: NOW - 59 * MINUTE, to: NOW - 10 * MINUTE, durationMs: 49 * MINUTE }],
      });

      const dashboard = (await t.app.inject({ method: 'GET', url: '/dashboard.json' })).json<{ endpoints: Array<{ note: string | null; notMonitored: unknown }> }>();
      assert.deepEqual(dashboard.endpoints[0]!.notMonitored, [{ from: NOW - 59 * MINUTE, to: NOW - 10 * MINUTE }]);
      assert.equal(dashboard.endpoints[0]!.note, 'not monitored 11:31–12:20 UTC (49 min)');
      const html = await t.app.inject({ method: 'GET', url: '/' });
      assert.ok(html.body.includes('not monitored 11:31–12:20 UTC (49 min)'), 'shown on the dashboard page');

      // A private endpoint's gaps are as invisible to an anonymous caller as the endpoint.
      await t.store.createEndpoint(definition('hidden', { public: false }));
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/endpoints/hidden/gaps' })).statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
