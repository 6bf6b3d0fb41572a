// GET /api/v1/cluster as the API shows it: a token is needed (host names and pids are internal);
// with SQLite the answer is the single-node view (one live node, always the leader).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { singleNodeView } from '../../src/service/cluster-node.ts';
import { buildTestApp } from './helper.ts';

test('the cluster view needs a token and, with SQLite, shows one live node that leads', async () => {
  const t = await buildTestApp({ cluster: () => Promise.resolve(singleNodeView({ name: 'box-42', host: 'box', pid: 42, version: '0.1.0', endpointsOwned: 3, probesPerS: 0.05 })) });
  try {
    assert.equal((await t.app.inject({ url: '/api/v1/cluster' })).statusCode, 401);
    const token = generateToken();
    await t.store.createToken('ro', hashToken(token), true);
    const response = await t.app.inject({ url: '/api/v1/cluster', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      backend: 'sqlite',
      self: 'box-42',
      leader: 'box-42',
      // One region, always counted: SQLite keeps no per-region freshness to count.
      regions: [{ name: 'default', liveNodes: 1, nodes: 1, health: 'reporting', fresh: 0, failed: 0, lastResultAt: null }],
      nodes: [{ name: 'box-42', region: 'default', host: 'box', pid: 42, version: '0.1.0', live: true, stopping: false, lastHeartbeatAgeMs: 0, endpointsOwned: 3, probesPerS: 0.05, leader: true, self: true }],
    });
  } finally {
    await t.close();
  }
});

test('without a cluster source the route is absent (404 from the API)', async () => {
  const t = await buildTestApp();
  try {
    assert.equal((await t.app.inject({ url: '/api/v1/cluster' })).statusCode, 404);
  } finally {
    await t.close();
  }
});
