// The fixture for a region cut off from the servers but not from the database (issue 14): a
// `serve` node inside a loopback-only network namespace, reaching PostgreSQL through its Unix
// socket. Proved with two nodes of one region on one test database, one on the host (TCP) and
// one in the namespace: both heartbeat (the namespaced one joins the cluster), the endpoints are
// split between them, and the rounds of the endpoints the namespaced node owns fail (it cannot
// reach the host's 127.0.0.1) while the host node's succeed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import pg from 'pg';
import { ownerLookup } from '../../src/domain/rendezvous.ts';
import { eventually, nodesKilledAfter, startModernServers } from '../fixtures/cluster.ts';
import { netnsServeUnavailable, socketUrl, startServeInLoopbackNetns } from '../fixtures/netns-serve.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { lacks } from '../fixtures/prerequisite.ts';
import { SERVICE_WAIT_MS, servingPort, startServe, stopServe, until, writeConfig } from '../fixtures/serve-process.ts';

const ENDPOINTS = 6;

test('a node in a loopback-only network namespace joins the cluster through the Unix socket and cannot reach the servers', { timeout: 300_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  if (lacks(t, netnsServeUnavailable(db.url))) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-netns-node-'));
  const serves = nodesKilledAfter(t);
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  try {
    const servers = await startModernServers(t, ENDPOINTS);
    const yaml = (name: string, url: string): string => `database: { url: "${url}", connectTimeoutMs: 5000 }
node: { name: ${name}, heartbeatMs: 500, liveForMs: 3000 }
probe: { allowPrivate: true, timeoutMs: 2000 }
scheduler: { minIntervalS: 1 }
endpoints:
${servers.map((s, i) => `  - { name: s${i}, url: "${s.url}", interval: 1s, timeout: 900 }`).join('\n')}
`;
    for (const name of ['host', 'iso']) mkdirSync(join(dir, name));
    const host = startServe(writeConfig(join(dir, 'host'), yaml('host', db.url)));
    serves.push(host);
    await until('the host node to listen', () => servingPort(host), SERVICE_WAIT_MS, host);
    const iso = startServeInLoopbackNetns(writeConfig(join(dir, 'iso'), yaml('iso', socketUrl(db.url))));
    serves.push(iso);
    await until('the namespaced node to listen (inside its namespace)', () => servingPort(iso), SERVICE_WAIT_MS, iso);

    await client.connect();
    const nodes = await eventually(
      'both nodes heartbeating, each owning a share',
      async () => {
        const { rows } = await client.query<{ name: string; owned: number; pid: number }>(
          "SELECT name, endpoints_owned AS owned, pid FROM cluster_nodes WHERE heartbeat_at > now() - interval '2 seconds' ORDER BY name",
        );
        return rows.length === 2 && rows.every((r) => r.owned > 0) && rows.reduce((sum, r) => sum + r.owned, 0) === ENDPOINTS ? rows : undefined;
      },
      SERVICE_WAIT_MS,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- iso\n${iso.output().slice(-4000)}`);
    });
    assert.deepEqual(nodes.map((n) => n.name), ['host', 'iso']);
    // The namespaced node's pid, as it sees itself: the first process of its own pid view is not
    // asserted (unshare -n keeps the host's pid namespace), only that it is the child we started.
    assert.equal(nodes[1]!.pid, iso.child.pid);

    await delay(3000); // past the join's transition slot
    const from = Date.now();
    await delay(4000);
    const { rows: ids } = await client.query<{ id: number; slug: string }>('SELECT id::int AS id, slug FROM endpoints ORDER BY id');
    const owner = ownerLookup(['host', 'iso']);
    const { rows } = await client.query<{ endpoint_id: number; up: number; failed: number; codes: string[] }>(
      'SELECT endpoint_id::int AS endpoint_id, count(*) FILTER (WHERE status = 0)::int AS up, count(*) FILTER (WHERE status <> 0)::int AS failed, array_agg(DISTINCT code) FILTER (WHERE code IS NOT NULL) AS codes FROM probe_results WHERE ts - lag_ms >= $1 GROUP BY 1',
      [from],
    );
    const byId = new Map(rows.map((r) => [r.endpoint_id, r]));
    const report = ids.map(({ id, slug }) => ({ slug, owner: owner(id), ...byId.get(id) }));
    process.stdout.write(`# rounds per endpoint since both joined: ${JSON.stringify(report)}\n`);
    for (const r of report) {
      assert.ok((r.up ?? 0) + (r.failed ?? 0) >= 2, `${r.slug}: too few rounds ${JSON.stringify(r)}`);
      if (r.owner === 'iso') {
        assert.equal(r.up, 0, `${r.slug} was reached from inside the namespace: ${JSON.stringify(r)}`);
        // Inside, 127.0.0.1 is the namespace's own lo, where nothing listens.
        assert.deepEqual(r.codes, ['TCP_REFUSED'], JSON.stringify(r));
      }
      else assert.equal(r.failed, 0, `${r.slug} failed from the host: ${JSON.stringify(r)}`);
    }
    assert.ok(report.some((r) => r.owner === 'iso'), 'the namespaced node owns nothing to prove anything with');

    iso.child.kill('SIGKILL');
    await iso.exited;
    await stopServe(host);
  } finally {
    await client.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
