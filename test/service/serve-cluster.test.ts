// Two real `serve` processes as nodes of one region on one real PostgreSQL, watching real MCP
// servers on loopback (issue 14). What is asserted, from the database's rows and the API:
// - every endpoint's slot is probed once: no two probe_results rows of one endpoint share a slot
//   (slot = ts − lag_ms = the planned start). A row does not record its node and need not: two
//   nodes probing one slot would show as two rows of that slot, whoever they were. Which node owns
//   what comes from GET /api/v1/cluster (endpoints owned per node);
// - kill -9 of the leader: its endpoints continue from the survivor (the takeover time is
//   printed; the bound asserted is wide, for a loaded runner), the survivor takes the singleton
//   lease over, and the one incident opened meanwhile reaches the receiver under one idempotency key.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { startHttpReceiver } from '../alerts/fixtures/receivers.ts';
import { eventually, startFreezableProxy } from '../fixtures/cluster.ts';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { SERVICE_WAIT_MS, servingPort, startServe, stopServe, until, writeConfig, type Serve } from '../fixtures/serve-process.ts';
import { startSwitchablePort, type SwitchablePort } from '../fixtures/switchable-port.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const ENDPOINTS = 8;
const HEARTBEAT_MS = 500;
const LIVE_FOR_MS = 2000;

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface ClusterView {
  self: string;
  leader: string | null;
  regions: { name: string; liveNodes: number }[];
  nodes: { name: string; live: boolean; endpointsOwned: number; probesPerS: number; lastHeartbeatAgeMs: number }[];
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...MCPWATCH, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: SERVICE_WAIT_MS }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Planned starts of every stored round, per endpoint id. */
async function slots(client: pg.Client, sinceMs = 0): Promise<Map<number, number[]>> {
  const { rows } = await client.query<{ endpoint_id: number; slot: string }>('SELECT endpoint_id::int AS endpoint_id, (ts - lag_ms)::text AS slot FROM probe_results WHERE ts >= $1 ORDER BY 1, 2', [sinceMs]);
  const byEndpoint = new Map<number, number[]>();
  for (const row of rows) byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), Number(row.slot)]);
  return byEndpoint;
}

/** Slots of 1 s intervals probed more than once: planned starts of one endpoint closer than half an interval. */
function doubled(byEndpoint: Map<number, number[]>): string[] {
  const found: string[] = [];
  for (const [id, list] of byEndpoint) {
    const sorted = [...list].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]! - sorted[i - 1]! < 500) found.push(`endpoint ${id} slot ${new Date(sorted[i]!).toISOString()}`);
  }
  return found;
}

test('two nodes share the endpoints slot by slot, and a killed leader is replaced for probes and alerts', { timeout: 300_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cluster-'));
  const servers: RunningServer[] = [];
  let door: SwitchablePort | undefined;
  const receiver = await startHttpReceiver();
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  try {
    for (let i = 0; i < ENDPOINTS; i++) servers.push(await startV2Server({ era: 'modern' }));
    // The last endpoint goes through a port the test can close: the incident of the failover.
    door = await startSwitchablePort(Number(new URL(servers.at(-1)!.url).port));
    const urls = servers.map((s, i) => (i === ENDPOINTS - 1 ? `http://127.0.0.1:${door!.port}/mcp` : s.url));
    const yaml = (name: string) => `database: { url: "${db.url}" }
node: { name: ${name}, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }
probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1, drainTimeoutMs: 2000 }
health: { downAfter: 2, upAfter: 1 }
alerts:
  channels:
    - { name: hook, type: webhook, url: "${receiver.url}/in" }
endpoints:
${urls.map((url, i) => `  - { name: s${i}, url: "${url}", interval: 1s, timeout: 900 }`).join('\n')}
`;
    const configs = ['a', 'b'].map((name) => {
      mkdirSync(join(dir, name));
      return writeConfig(join(dir, name), yaml(name));
    });
    const created = await cli(['token', 'create', '--config', configs[0]!]);
    assert.equal(created.status, 0, created.stderr);
    const auth = { authorization: `Bearer ${created.stdout.trim()}` };

    const serves = new Map<string, Serve>();
    const ports = new Map<string, number>();
    for (const [i, name] of ['a', 'b'].entries()) {
      const serve = startServe(configs[i]!);
      children.push(serve.child);
      serves.set(name, serve);
      ports.set(name, await until(`node ${name} to listen`, () => servingPort(serve), SERVICE_WAIT_MS, serve));
    }
    // Paced: the API allows 600 requests a minute per client.
    const view = async (name: string): Promise<ClusterView> => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await fetch(`http://127.0.0.1:${ports.get(name)!}/api/v1/cluster`, { headers: auth, signal: AbortSignal.timeout(10_000) });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as ClusterView;
    };

    // Both live, the endpoints split between them, one leader.
    let last: ClusterView | undefined;
    const split = await eventually(
      'both nodes live, every endpoint owned once, a leader',
      async () => {
        const v = await view('a');
        last = v;
        const live = v.nodes.filter((n) => n.live);
        const owned = live.reduce((sum, n) => sum + n.endpointsOwned, 0);
        // Rows are written at each heartbeat: wait until both have applied the join.
        return live.length === 2 && owned === ENDPOINTS && live.every((n) => n.endpointsOwned > 0) && v.leader !== null ? v : undefined;
      },
      SERVICE_WAIT_MS,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last view ${JSON.stringify(last)}\n${[...serves.values()].map((s) => s.output().slice(-3000)).join('\n')}`);
    });
    assert.deepEqual(split.regions.map((r) => [r.name, r.liveNodes]), [['default', 2]]);
    process.stdout.write(`# shares: ${split.nodes.map((n) => `${n.name}=${n.endpointsOwned}`).join(' ')}, leader ${split.leader}\n`);

    await client.connect();
    const dbNow = async (): Promise<number> => Number((await client.query<{ ms: string }>("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms")).rows[0]!.ms);
    // A steady window, past the join's transition slot.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const steadyFrom = await dbNow();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const steady = await slots(client, steadyFrom);
    const logs = () => [...serves.entries()].map(([name, s]) => `--- ${name}\n${s.output().split('\n').filter((l) => !l.includes('incoming request') && !l.includes('request completed')).slice(-40).join('\n')}`).join('\n');
    assert.equal(steady.size, ENDPOINTS, `every endpoint probed in the steady window: ${JSON.stringify(await view('a'))}\n${logs()}`);
    assert.deepEqual(doubled(steady), [], 'a slot probed by both nodes');
    for (const [id, list] of steady) assert.ok(list.length >= 3, `endpoint ${id}: only ${list.length} rounds in 6 s at 1 s intervals`);

    // The incident: the last endpoint goes down; then its leader dies, mid-incident.
    const leader = split.leader!;
    const survivor = leader === 'a' ? 'b' : 'a';
    const victimShare = split.nodes.find((n) => n.name === leader)!.endpointsOwned;
    await door.down();
    const killedAt = await dbNow();
    serves.get(leader)!.child.kill('SIGKILL');
    await serves.get(leader)!.exited;

    const takenOver = await eventually(
      'the survivor to own every endpoint and lead',
      async () => {
        const v = await view(survivor);
        const me = v.nodes.find((n) => n.name === survivor);
        return v.leader === survivor && me?.endpointsOwned === ENDPOINTS ? v : undefined;
      },
      60_000,
    );
    assert.equal(takenOver.nodes.find((n) => n.name === leader)?.live ?? false, false, 'the killed node is shown dead');

    // Every endpoint has rounds again after the kill; the takeover time is the longest silence.
    const after = await eventually(
      'every endpoint probed after the kill',
      async () => {
        const s = await slots(client, killedAt);
        return s.size === ENDPOINTS && [...s.values()].every((list) => list.length >= 2) ? s : undefined;
      },
      60_000,
    );
    const firstAfter = [...after.values()].map((list) => Math.min(...list) - killedAt);
    const takeoverMs = Math.max(...firstAfter);
    process.stdout.write(`# takeover: the killed node's ${victimShare} endpoints resumed within ${takeoverMs} ms of kill -9 (liveness ${LIVE_FOR_MS} ms, heartbeat ${HEARTBEAT_MS} ms, interval 1000 ms)\n`);
    // Wide: the rule promises liveness + a heartbeat + two intervals; a loaded runner gets slack.
    assert.ok(takeoverMs < LIVE_FOR_MS + HEARTBEAT_MS + 2000 + 10_000, `takeover took ${takeoverMs} ms`);
    assert.deepEqual(doubled(await slots(client, killedAt)), [], 'a slot probed twice across the failover');

    // The incident reaches the receiver once, whichever node derived and sent it.
    const openedAlerts = () => receiver.requests.filter((r) => (JSON.parse(r.body) as { kind: string }).kind === 'incident_opened');
    await eventually('the incident alert', () => openedAlerts().length > 0, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // a duplicate would arrive by now
    const opened = openedAlerts();
    const keys = new Set(opened.map((r) => r.headers['idempotency-key']));
    assert.equal(keys.size, 1, `incident alerts under ${keys.size} keys: ${[...keys].join(', ')}`);
    process.stdout.write(`# incident alert: ${opened.length} request(s), 1 idempotency key, delivered by ${takenOver.leader}\n`);

    // The killed node returns under its name (free once it was dead): its share moves back with
    // at most one doubled transition slot per endpoint that moves, and none after.
    const rejoinFrom = await dbNow();
    const back = startServe(configs[leader === 'a' ? 0 : 1]!);
    children.push(back.child);
    serves.set(leader, back);
    ports.set(leader, await until(`node ${leader} to listen again`, () => servingPort(back), SERVICE_WAIT_MS, back));
    await eventually(
      'the returning node to have its share back',
      async () => {
        const v = await view(survivor);
        const live = v.nodes.filter((n) => n.live);
        return live.length === 2 && live.every((n) => n.endpointsOwned > 0) && live.reduce((sum, n) => sum + n.endpointsOwned, 0) === ENDPOINTS;
      },
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const settledFrom = await dbNow();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const rejoin = doubled(await slots(client, rejoinFrom));
    process.stdout.write(`# return: ${rejoin.length} doubled transition slot(s) for ${victimShare} endpoints moving back\n`);
    assert.ok(rejoin.length <= victimShare, `more than one doubled slot per moved endpoint: ${rejoin.join('; ')}`);
    assert.deepEqual(doubled(await slots(client, settledFrom)), [], 'a slot probed twice after the return settled');

    await stopServe(back);
    await stopServe(serves.get(survivor)!);
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM cluster_nodes WHERE name = $1', [survivor]);
    assert.equal(rows[0]!.n, '0', 'a clean stop leaves the cluster');
    assert.ok(back.output().includes('"msg":"stopped"'), 'the returning node stopped cleanly');
  } finally {
    await client.end().catch(() => undefined);
    await door?.close();
    await receiver.close();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second node under a live node’s name refuses to start with membership’s message', { timeout: 200_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cluster-name-'));
  try {
    const yaml = `database: { url: "${db.url}" }\nnode: { name: twin, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }\nprobe: { allowPrivate: true }\n`;
    for (const sub of ['one', 'two']) mkdirSync(join(dir, sub));
    const first = startServe(writeConfig(join(dir, 'one'), yaml));
    children.push(first.child);
    await until('the first node to listen', () => servingPort(first), SERVICE_WAIT_MS, first);
    const second = startServe(writeConfig(join(dir, 'two'), yaml));
    children.push(second.child);
    const exit = await second.exited;
    assert.equal(exit.code, 1, second.output());
    assert.match(second.output(), /cannot start: node name "twin" is held by another live node \(host .*, pid \d+, .*\): give each node its own name \(node\.name or MCPWATCH_NODE_NAME\)/);
    assert.ok(!second.output().includes('mcpwatch@'), 'the database password or URL is not echoed');
    await stopServe(first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node of a second region starts, both regions probe every endpoint, and an outage both see is one incident with both regions', { timeout: 300_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cluster-region-'));
  const servers: RunningServer[] = [];
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  const serves: Serve[] = [];
  try {
    for (let i = 0; i < 3; i++) servers.push(await startV2Server({ era: 'modern' }));
    const yaml = (name: string, region: string): string => `database: { url: "${db.url}" }
node: { name: ${name}, region: ${region}, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }
cluster: { arbiterIntervalMs: 500 }
probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1, drainTimeoutMs: 2000 }
health: { downAfter: 2, upAfter: 1 }
endpoints:
${servers.map((s, i) => `  - { name: s${i}, url: "${s.url}", interval: 1s, timeout: 900 }`).join('\n')}
`;
    const configs = ['eu', 'us'].map((region) => {
      mkdirSync(join(dir, region));
      return writeConfig(join(dir, region), yaml(`${region}-1`, region));
    });
    const created = await cli(['token', 'create', '--config', configs[0]!]);
    assert.equal(created.status, 0, created.stderr);
    const auth = { authorization: `Bearer ${created.stdout.trim()}` };
    const ports: number[] = [];
    for (const config of configs) {
      const serve = startServe(config);
      children.push(serve.child);
      serves.push(serve);
      ports.push(await until('a node to listen', () => servingPort(serve), SERVICE_WAIT_MS, serve));
    }
    const logs = (): string => serves.map((s) => s.output().split('\n').filter((l) => !l.includes('incoming request') && !l.includes('request completed')).slice(-30).join('\n')).join('\n---\n');
    await client.connect();

    // Every endpoint probed by both regions: each region's own rows.
    const perRegion = async (): Promise<Map<string, number>> => {
      const { rows } = await client.query<{ key: string; n: number }>("SELECT region || ':' || endpoint_id AS key, count(*)::int AS n FROM probe_results GROUP BY 1");
      return new Map(rows.map((r) => [r.key, r.n]));
    };
    await eventually(
      'three rounds of every endpoint in both regions',
      async () => {
        const counts = await perRegion();
        return counts.size === 6 && [...counts.values()].every((n) => n >= 3) ? counts : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}`);
    });

    // The cluster view: two regions, each reporting on all three endpoints.
    const regionsSeen = await eventually(
      'both regions reporting in the cluster view',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const response = await fetch(`http://127.0.0.1:${ports[1]!}/api/v1/cluster`, { headers: auth, signal: AbortSignal.timeout(10_000) });
        const view = (await response.json()) as { regions: Array<{ name: string; liveNodes: number; health: string; fresh: number }> };
        return view.regions.length === 2 && view.regions.every((r) => r.health === 'reporting' && r.fresh === 3) ? view.regions : undefined;
      },
      60_000,
    );
    assert.deepEqual(regionsSeen.map((r) => [r.name, r.liveNodes]), [['eu', 1], ['us', 1]]);

    // One server stops: both regions see it down, and the arbiter opens exactly one incident.
    const victim = servers[0]!;
    await victim.close();
    const incident = await eventually(
      'one incident with both regions down',
      async () => {
        const { rows } = await client.query<{ id: string; regions: Record<string, { health: string; counted: boolean }> }>('SELECT id::text, regions FROM incidents');
        const regions = rows[0]?.regions ?? {};
        return rows.length === 1 && regions.eu?.health === 'down' && regions.us?.health === 'down' ? rows : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 3000)); // a second incident would be there by now
    const { rows: all } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    assert.equal(all[0]!.n, 1, `one incident, not one per region: ${JSON.stringify(incident)}`);
    const { rows: opened } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE kind = 'incident_opened'");
    assert.equal(opened[0]!.n, 1);

    // The API shows the incident's regions, and filters results by region.
    const response = await fetch(`http://127.0.0.1:${ports[0]!}/api/v1/incidents`, { headers: auth, signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200, await response.clone().text());
    const body = JSON.stringify(await response.json());
    assert.match(body, /"regions":\{"eu":\{[^}]*"health":"down"/, body);

    for (const serve of serves) await stopServe(serve);
  } finally {
    await client.end().catch(() => undefined);
    for (const s of servers.slice(1)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node whose database connection falls silent reports not ready, and the other node takes its share over', { timeout: 300_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cluster-cut-'));
  const servers: RunningServer[] = [];
  // Node c reaches PostgreSQL through a forwarder that can fall silent (a partition, not a crash).
  const proxy = await startFreezableProxy(Number(new URL(db.url).port || 5432));
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  try {
    for (let i = 0; i < ENDPOINTS; i++) servers.push(await startV2Server({ era: 'modern' }));
    const yaml = (name: string, url: string) => `database: { url: "${url}", connectTimeoutMs: 1000, statementTimeoutMs: 2000 }
node: { name: ${name}, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }
probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1 }
endpoints:
${servers.map((s, i) => `  - { name: s${i}, url: "${s.url}", interval: 1s, timeout: 900 }`).join('\n')}
`;
    const configs = [['c', viaProxy.toString()], ['d', db.url]].map(([name, url]) => {
      mkdirSync(join(dir, name!));
      return writeConfig(join(dir, name!), yaml(name!, url!));
    });
    const created = await cli(['token', 'create', '--config', configs[1]!]);
    assert.equal(created.status, 0, created.stderr);
    const auth = { authorization: `Bearer ${created.stdout.trim()}` };
    const c = startServe(configs[0]!);
    children.push(c.child);
    const cPort = await until('node c to listen', () => servingPort(c), SERVICE_WAIT_MS, c);
    const d = startServe(configs[1]!);
    children.push(d.child);
    const dPort = await until('node d to listen', () => servingPort(d), SERVICE_WAIT_MS, d);
    const viewOfD = async (): Promise<ClusterView> => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await fetch(`http://127.0.0.1:${dPort}/api/v1/cluster`, { headers: auth, signal: AbortSignal.timeout(10_000) });
      return (await response.json()) as ClusterView;
    };
    await eventually(
      'both nodes owning a share',
      async () => {
        const live = (await viewOfD()).nodes.filter((n) => n.live);
        return live.length === 2 && live.every((n) => n.endpointsOwned > 0) && live.reduce((sum, n) => sum + n.endpointsOwned, 0) === ENDPOINTS;
      },
      SERVICE_WAIT_MS,
    );
    const ready = async (): Promise<number | undefined> => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return fetch(`http://127.0.0.1:${cPort}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
        (r) => r.status,
        () => undefined,
      );
    };
    assert.equal(await ready(), 200);

    await client.connect();
    proxy.freeze({ alsoNew: true });
    const frozenAt = Number((await client.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms')).rows[0]!.ms);
    await eventually('node c to report not ready', async () => (await ready()) === 503, 60_000);
    await eventually('node d to own every endpoint', async () => (await viewOfD()).nodes.find((n) => n.name === 'd')?.endpointsOwned === ENDPOINTS, 60_000);
    const resumed = await eventually(
      'every endpoint probed (by d) after the cut',
      async () => {
        const s = await slots(client, frozenAt + LIVE_FOR_MS + HEARTBEAT_MS);
        return s.size === ENDPOINTS && [...s.values()].every((list) => list.length >= 2) ? s : undefined;
      },
      60_000,
    );
    assert.deepEqual(doubled(resumed), []);
    c.child.kill('SIGKILL'); // its shutdown would wait on a database it cannot reach
    await c.exited;
    await stopServe(d);
  } finally {
    await client.end().catch(() => undefined);
    await proxy.close();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
