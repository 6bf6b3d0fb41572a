// The dashboard's cluster section: nodes, regions, last heartbeat, endpoints owned, probes/s and
// the leader, from the same ClusterView as GET /api/v1/cluster; every string from the database
// escaped (a node name is whatever an operator, or anyone with the database, wrote); each
// region's word in the quorum (reporting, not reporting, isolated); plain HTML (no script
// needed); absent with SQLite; a view that cannot be read leaves the page standing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNodeView, ClusterView } from '../../src/http/deps.ts';
import { clusterSection } from '../../src/http/pages/cluster-model.ts';
import { singleNodeView } from '../../src/service/cluster-node.ts';
import { buildTestApp } from './helper.ts';

const HOSTILE = `<script>alert("x")</script><img src=x onerror='alert(1)'>&amp;`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;amp;';

function node(overrides: Partial<ClusterNodeView>): ClusterNodeView {
  return { name: 'n', region: 'default', host: 'secret-host', pid: 4242, version: '0.1.0', live: true, stopping: false, lastHeartbeatAgeMs: 800, endpointsOwned: 0, probesPerS: 0, leader: false, self: false, ...overrides };
}

const VIEW: ClusterView = {
  backend: 'postgres',
  self: 'eu-1',
  leader: HOSTILE,
  regions: [
    { name: 'default', liveNodes: 1, nodes: 2, health: 'reporting', fresh: 12, failed: 1, lastResultAt: '2026-12-02T17:00:00.000Z' },
    { name: HOSTILE, liveNodes: 1, nodes: 1, health: 'isolated', fresh: 12, failed: 12, lastResultAt: '2026-12-02T17:00:00.000Z' },
  ],
  nodes: [
    node({ name: 'eu-1', endpointsOwned: 7, probesPerS: 0.1167, self: true, lastHeartbeatAgeMs: 412 }),
    node({ name: HOSTILE, region: HOSTILE, version: HOSTILE, endpointsOwned: 5, probesPerS: 12.34, leader: true, lastHeartbeatAgeMs: 1500 }),
    node({ name: 'gone', live: false, lastHeartbeatAgeMs: 95_000 }),
  ],
};

test('the cluster section lists every node with its region, heartbeat, share, rate and the leader, escaped', async () => {
  const t = await buildTestApp({ cluster: () => Promise.resolve(VIEW) });
  try {
    const response = await t.app.inject({ url: '/' });
    assert.equal(response.statusCode, 200);
    const html = response.body;
    assert.ok(!html.includes(HOSTILE), 'a node name went into the page unescaped');
    assert.ok(!html.includes('<script>alert'), 'markup from the database reached the page');
    assert.ok(!html.includes('<img src=x'), 'an element from the database reached the page');
    const section = html.slice(html.indexOf('<section class="cluster"'));
    assert.match(section, /<h2 id="cluster-head">Cluster<\/h2>/);
    assert.ok(section.includes('2 live nodes of 3 in 2 regions'), section);
    assert.ok(section.includes(`<strong data-leader>${HOSTILE_ESCAPED}</strong>`), section);
    // One row per node, in the view's order, with its facts.
    const rows = [...section.matchAll(/<tr data-node="([^"]*)" data-state="([a-z]+)">([\s\S]*?)<\/tr>/g)];
    assert.deepEqual(rows.map((r) => [r[1], r[2]]), [['eu-1', 'live'], [HOSTILE_ESCAPED, 'live'], ['gone', 'dead']]);
    const cells = rows.map((r) => [...r[3]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.trim()));
    assert.deepEqual(cells[0], ['eu-1 <span class="tag">this node</span>', 'default', 'live', '0.4 s ago', '7', '0.12', '0.1.0']);
    assert.deepEqual(cells[1], [`${HOSTILE_ESCAPED} <span class="tag">leader</span>`, HOSTILE_ESCAPED, 'live', '1.5 s ago', '5', '12.3', HOSTILE_ESCAPED]);
    assert.deepEqual(cells[2], ['gone', 'default', 'not live', '1 min ago', '0', '0.00', '0.1.0']);
    assert.ok(
      section.includes(`<li data-region="${HOSTILE_ESCAPED}" data-health="isolated"><span class="tag">${HOSTILE_ESCAPED}</span> <strong title="sees every endpoint fail while another region sees them up: left out of the quorum">isolated</strong> · 1 of 1 node live, 12 of 12 fresh endpoints failing</li>`),
      section,
    );
    assert.ok(section.includes('<li data-region="default" data-health="reporting"><span class="tag">default</span> <strong title="counted in the quorum that decides down">reporting</strong> · 1 of 2 nodes live, 1 of 12 fresh endpoints failing</li>'), section);
    // Host names and pids stay behind the API's token.
    assert.ok(!html.includes('secret-host') && !html.includes('4242'), 'host or pid on the page');
  } finally {
    await t.close();
  }
});

test('with SQLite (one node) or no cluster source, the dashboard has no cluster section', async () => {
  for (const cluster of [() => Promise.resolve(singleNodeView({ name: 'box-1', host: 'box', pid: 1, version: '0.1.0', endpointsOwned: 0, probesPerS: 0 })), undefined]) {
    const t = await buildTestApp(cluster ? { cluster } : {});
    try {
      const response = await t.app.inject({ url: '/' });
      assert.equal(response.statusCode, 200);
      assert.ok(!response.body.includes('class="cluster"'), 'a cluster section on a single node');
    } finally {
      await t.close();
    }
  }
});

test('a cluster view that cannot be read says so and the endpoints still show', async () => {
  const t = await buildTestApp({ cluster: () => Promise.reject(new Error('connection terminated')) });
  try {
    const response = await t.app.inject({ url: '/' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<section class="cluster"[\s\S]*does not answer right now/);
    assert.match(response.body, /<table class="endpoints"/);
    assert.ok(!response.body.includes('connection terminated'), 'the error text reached the page');
  } finally {
    await t.close();
  }
});

test('no leader reads as a free lease', () => {
  const section = clusterSection({ ...VIEW, leader: null });
  assert.match(section!.leaderText, /^none \(the singleton lease is free/);
});

test('/dashboard.json carries the cluster view as /api/v1/cluster has it, without hosts and pids; null on one node', async () => {
  let current: ClusterView | Error = VIEW;
  const t = await buildTestApp({ cluster: () => (current instanceof Error ? Promise.reject(current) : Promise.resolve(current)) });
  try {
    const response = await t.app.inject({ url: '/dashboard.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const json = JSON.parse(response.body) as { endpoints: unknown[]; cluster: { leader: string; regions: unknown[]; nodes: Array<Record<string, unknown>> } };
    assert.deepEqual(json.endpoints, [], 'the rest of the document is as before');
    assert.equal(json.cluster.leader, HOSTILE);
    assert.deepEqual(json.cluster.regions, VIEW.regions);
    assert.deepEqual(
      json.cluster.nodes,
      VIEW.nodes.map(({ host: _host, pid: _pid, ...rest }) => rest),
    );
    assert.ok(!response.body.includes('secret-host') && !response.body.includes('4242'), 'host or pid in the JSON');

    current = singleNodeView({ name: 'box-1', host: 'box', pid: 1, version: '0.1.0', endpointsOwned: 0, probesPerS: 0 });
    assert.equal((JSON.parse((await t.app.inject({ url: '/dashboard.json' })).body) as { cluster: unknown }).cluster, null);
    current = new Error('connection terminated');
    const away = await t.app.inject({ url: '/dashboard.json' });
    assert.equal(away.statusCode, 200);
    assert.equal((JSON.parse(away.body) as { cluster: unknown }).cluster, 'unavailable');
  } finally {
    await t.close();
  }
});
