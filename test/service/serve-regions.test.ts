// Several regions on one real PostgreSQL (issue 14), with real `serve` processes watching real MCP
// servers on loopback:
// - two regions × two nodes: every endpoint is probed by exactly one node per region per slot
//   (rows counted per endpoint, region and planned start);
// - a region cut off from the servers but not from the database (its nodes inside a loopback-only
//   network namespace, reaching PostgreSQL through its Unix socket): the overall status stays up,
//   that region is flagged isolated, no incident and no alert; then a real server stops, the
//   other region sees it down, and exactly one incident opens and one alert is delivered.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import pg from 'pg';
import { startHttpReceiver } from '../alerts/fixtures/receivers.ts';
import { eventually, nodesKilledAfter, startModernServers } from '../fixtures/cluster.ts';
import { netnsServeUnavailable, socketUrl, startServeInLoopbackNetns } from '../fixtures/netns-serve.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { lacks } from '../fixtures/prerequisite.ts';
import { runMcpwatch, SERVICE_WAIT_MS, servingPort, startServe, stopServe, until, writeConfig } from '../fixtures/serve-process.ts';
import { startSwitchablePort, type SwitchablePort } from '../fixtures/switchable-port.ts';

const ENDPOINTS = 6;
const HEARTBEAT_MS = 500;
const LIVE_FOR_MS = 2000;

/** What /status/:slug.json says of the regions (several regions only). */
interface StatusRegions {
  status: string;
  regions?: { verdict: string; description: string; regions: { region: string; status: string; counted: boolean; excluded: string | null }[] };
}

interface ClusterView {
  leader: string | null;
  regions: { name: string; liveNodes: number; nodes: number; health: string }[];
  nodes: { name: string; region: string; live: boolean; endpointsOwned: number }[];
}

async function dbNow(client: pg.Client): Promise<number> {
  return Number((await client.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms')).rows[0]!.ms);
}

function nodeYaml(options: { url: string; name: string; region: string; endpoints: readonly string[]; hook?: string }): string {
  return `database: { url: "${options.url}", connectTimeoutMs: 5000 }
node: { name: ${options.name}, region: ${options.region}, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }
cluster: { arbiterIntervalMs: 1000 }
probe: { allowPrivate: true, timeoutMs: 2000 }
scheduler: { minIntervalS: 1, drainTimeoutMs: 2000 }
health: { downAfter: 2, upAfter: 1 }
${options.hook ? `alerts:\n  channels:\n    - { name: hook, type: webhook, url: "${options.hook}" }\n` : ''}endpoints:
${options.endpoints.map((url, i) => `  - { name: s${i}, url: "${url}", interval: 1s, timeout: 900, public: true }`).join('\n')}
`;
}

test('two regions × two nodes: every endpoint is probed by exactly one node per region per slot', { timeout: 400_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-regions-'));
  const serves = nodesKilledAfter(t);
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  try {
    const servers = await startModernServers(t, ENDPOINTS);
    const nodes = [
      ['eu-1', 'eu'],
      ['eu-2', 'eu'],
      ['us-1', 'us'],
      ['us-2', 'us'],
    ] as const;
    for (const [name, region] of nodes) {
      mkdirSync(join(dir, name));
      const serve = startServe(writeConfig(join(dir, name), nodeYaml({ url: db.url, name, region, endpoints: servers.map((s) => s.url) })));
      serves.push(serve);
      await until(`node ${name} to listen`, () => servingPort(serve), SERVICE_WAIT_MS, serve);
    }
    await client.connect();
    await eventually(
      'four live nodes, each region owning every endpoint once',
      async () => {
        const { rows } = await client.query<{ region: string; live: number; owned: number; min: number }>(
          "SELECT region, count(*)::int AS live, sum(endpoints_owned)::int AS owned, min(endpoints_owned)::int AS min FROM cluster_nodes WHERE heartbeat_at > now() - interval '2 seconds' GROUP BY region ORDER BY region",
        );
        return rows.length === 2 && rows.every((r) => r.live === 2 && r.owned === ENDPOINTS && r.min > 0);
      },
      SERVICE_WAIT_MS,
    );
    await delay(3000); // past the joins' transition slots
    const from = await dbNow(client);
    await delay(8000);
    const to = await dbNow(client);
    const { rows } = await client.query<{ endpoint_id: number; region: string; slot: string; n: number }>(
      'SELECT endpoint_id::int AS endpoint_id, region, (ts - lag_ms)::text AS slot, count(*)::int AS n FROM probe_results WHERE ts - lag_ms BETWEEN $1 AND $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3',
      [from, to - 2000],
    );
    const twice = rows.filter((r) => r.n !== 1);
    assert.deepEqual(twice, [], 'a slot probed by two nodes of one region');
    const perPair = new Map<string, number>();
    for (const r of rows) perPair.set(`${r.endpoint_id}/${r.region}`, (perPair.get(`${r.endpoint_id}/${r.region}`) ?? 0) + 1);
    assert.equal(perPair.size, ENDPOINTS * 2, `endpoint × region pairs probed: ${[...perPair.keys()].join(' ')}`);
    for (const [pair, slots] of perPair) assert.ok(slots >= 4, `${pair}: ${slots} slots in ${to - 2000 - from} ms at 1 s`);
    process.stdout.write(`# ${rows.length} (endpoint, region, slot) rows, each probed once\n`);
    for (const serve of serves) await stopServe(serve);
  } finally {
    await client.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a region cut off from the servers is flagged isolated and pages for nothing; a real outage pages once', { timeout: 500_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  if (lacks(t, netnsServeUnavailable(db.url))) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-regions-cut-'));
  const serves = nodesKilledAfter(t);
  let door: SwitchablePort | undefined;
  const receiver = await startHttpReceiver();
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  try {
    const servers = await startModernServers(t, ENDPOINTS);
    // The last endpoint goes through a port the test can close: the real outage.
    door = await startSwitchablePort(Number(new URL(servers.at(-1)!.url).port));
    const urls = servers.map((s, i) => (i === ENDPOINTS - 1 ? `http://127.0.0.1:${door!.port}/mcp` : s.url));
    const hook = `${receiver.url}/in`;
    const home = (name: string): string => {
      mkdirSync(join(dir, name));
      return join(dir, name);
    };
    const configs = {
      'eu-1': writeConfig(home('eu-1'), nodeYaml({ url: db.url, name: 'eu-1', region: 'eu', endpoints: urls, hook })),
      'eu-2': writeConfig(home('eu-2'), nodeYaml({ url: db.url, name: 'eu-2', region: 'eu', endpoints: urls, hook })),
      'cut-1': writeConfig(home('cut-1'), nodeYaml({ url: socketUrl(db.url), name: 'cut-1', region: 'cut', endpoints: urls, hook })),
      'cut-2': writeConfig(home('cut-2'), nodeYaml({ url: socketUrl(db.url), name: 'cut-2', region: 'cut', endpoints: urls, hook })),
    };
    const created = await runMcpwatch(['token', 'create', '--config', configs['eu-1']], { deadlineMs: SERVICE_WAIT_MS });
    assert.equal(created.code, 0, created.stderr);
    const auth = { authorization: `Bearer ${created.stdout.trim()}` };
    // The servers' side first, as a cluster grows: with no region seeing the endpoints up, a cut
    // region seeing them all fail would be the only word there is.
    const eu1 = startServe(configs['eu-1']);
    serves.push(eu1);
    const port = await until('eu-1 to listen', () => servingPort(eu1), SERVICE_WAIT_MS, eu1);
    const eu2 = startServe(configs['eu-2']);
    serves.push(eu2);
    await until('eu-2 to listen', () => servingPort(eu2), SERVICE_WAIT_MS, eu2);
    await client.connect();
    const overallHealth = async (): Promise<string[]> => (await client.query<{ health: string }>('SELECT health FROM endpoint_state ORDER BY endpoint_id')).rows.map((r) => r.health);
    await eventually('every endpoint up overall', async () => {
      const health = await overallHealth();
      return health.length === ENDPOINTS && health.every((h) => h === 'up');
    }, SERVICE_WAIT_MS);
    for (const name of ['cut-1', 'cut-2'] as const) {
      const serve = startServeInLoopbackNetns(configs[name]);
      serves.push(serve);
      await until(`${name} to listen (inside its namespace)`, () => servingPort(serve), SERVICE_WAIT_MS, serve);
    }
    const view = async (): Promise<ClusterView> => {
      await delay(250); // the API allows 600 requests a minute per client
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/cluster`, { headers: auth, signal: AbortSignal.timeout(10_000) });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as ClusterView;
    };
    const flagged = await eventually(
      'four live nodes and the cut region flagged isolated',
      async () => {
        const v = await view();
        const cut = v.regions.find((r) => r.name === 'cut');
        const eu = v.regions.find((r) => r.name === 'eu');
        return v.nodes.filter((n) => n.live).length === 4 && cut?.health === 'isolated' && eu?.health === 'reporting' && v.leader !== null ? v : undefined;
      },
      SERVICE_WAIT_MS,
    );
    process.stdout.write(`# regions: ${JSON.stringify(flagged.regions)}\n`);
    // The cut region really fails everything: its rows are failures.
    const cutRows = await eventually(
      'failed rounds from the cut region',
      async () => {
        const { rows } = await client.query<{ n: number; up: number }>("SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 0)::int AS up FROM probe_results WHERE region = 'cut'");
        return rows[0]!.n >= ENDPOINTS * 2 ? rows[0]! : undefined;
      },
      60_000,
    );
    assert.equal(cutRows.up, 0, 'a round from the cut region succeeded');
    // The public page says the same: each region's word, the cut region not counted.
    const statusOf = async (slug: string): Promise<StatusRegions> => {
      const response = await fetch(`http://127.0.0.1:${port}/status/${slug}.json`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as StatusRegions;
    };
    const page = await eventually(
      'the status page to show both regions, the cut one isolated',
      async () => {
        const s = await statusOf('s0');
        return s.regions?.regions.find((r) => r.region === 'cut')?.excluded === 'isolated' ? s : undefined;
      },
      60_000,
    );
    process.stdout.write(`# status page regions: ${JSON.stringify(page.regions)}\n`);
    assert.equal(page.status, 'up');
    assert.deepEqual(
      page.regions!.regions.map((r) => [r.region, r.status, r.counted, r.excluded]),
      [
        ['cut', 'unknown', false, 'isolated'],
        ['eu', 'up', true, null],
      ],
    );
    assert.equal(page.regions!.description, 'Up in the one region counted (1 region not counted)');
    // Overall up, no incident, no alert, for a while.
    await delay(5000);
    assert.deepEqual(await overallHealth(), Array<string>(ENDPOINTS).fill('up'), 'the overall status of every endpoint');
    assert.equal((await client.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0]!.n, 0, 'an incident from the cut region');
    assert.equal(receiver.requests.length, 0, `alerts sent: ${receiver.requests.map((r) => r.body).join('\n')}`);

    // A real outage: both regions see it down (the cut one sees everything down anyway).
    await door.down();
    const opened = () => receiver.requests.filter((r) => (JSON.parse(r.body) as { kind: string }).kind === 'incident_opened');
    await eventually('the incident alert', () => opened().length > 0, 120_000);
    await delay(5000); // a duplicate would arrive by now
    const keys = new Set(opened().map((r) => r.headers['idempotency-key']));
    assert.equal(keys.size, 1, `incident alerts under ${keys.size} keys`);
    const incidents = await client.query<{ endpoint_id: number }>('SELECT endpoint_id::int AS endpoint_id FROM incidents');
    assert.equal(incidents.rows.length, 1, `incidents: ${JSON.stringify(incidents.rows)}`);
    const { rows: ids } = await client.query<{ id: number }>("SELECT id::int AS id FROM endpoints WHERE slug = $1", [`s${ENDPOINTS - 1}`]);
    assert.equal(incidents.rows[0]!.endpoint_id, ids[0]!.id);
    assert.deepEqual(await overallHealth(), [...Array<string>(ENDPOINTS - 1).fill('up'), 'down']);
    // Which regions saw what: both down, the isolated one left out of the count.
    const words = await eventually(
      'the incident to record both regions down',
      async () => {
        const { rows } = await client.query<{ regions: Record<string, { health: string; counted: boolean; excluded?: string }> }>('SELECT regions FROM incidents');
        const r = rows[0]?.regions;
        return r?.eu?.health === 'down' && r.cut?.health === 'down' ? r : undefined;
      },
      60_000,
    );
    process.stdout.write(`# incident regions: ${JSON.stringify(words)}\n`);
    assert.equal(words.eu!.counted, true);
    assert.deepEqual([words.cut!.counted, words.cut!.excluded], [false, 'isolated']);
    const outage = await eventually('the status page to show the outage', async () => {
      const s = await statusOf(`s${ENDPOINTS - 1}`);
      return s.regions?.verdict === 'down' ? s : undefined;
    }, 60_000);
    assert.equal(outage.status, 'down');
    assert.equal(outage.regions!.description, 'Down in 1 of 1 region: outage (1 region not counted)');
    const still = (await view()).regions.find((r) => r.name === 'cut');
    assert.equal(still?.health, 'isolated', 'the cut region is still left out');
    for (const serve of serves) await stopServe(serve);
  } finally {
    await client.end().catch(() => undefined);
    await door?.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
