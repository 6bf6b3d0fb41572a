// Several real `serve` nodes (built, from dist/) in one region on one PostgreSQL test database,
// sharing a simulated fleet (bench/fleet-server.ts on loopback, 127.0.H.1) with the interval
// compressed to 10 s (so N endpoints here load the cluster like 6·N at the default 60 s).
// For 1, 2 and 4 nodes: probes/s stored in total, probes/s each node dispatched (its own
// /metrics counter), CPU % per node process (utime + stime from /proc/<pid>/stat, not wall time),
// and, from 2 nodes on, the takeover after `kill -9` of one node: from the kill to the first
// stored round (by its start time) of an endpoint the killed node owned, and to the last of them.
// Which endpoints it owned comes from the same rendezvous function the nodes use. Prints figures,
// never fails on a number.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { ownerLookup } from '../src/domain/rendezvous.ts';
import { createTestDatabase, postgresMissing, type TestDatabase } from '../test/fixtures/postgres.ts';

const INTERVAL_S = Number(process.env.BENCH_CLUSTER_INTERVAL_S ?? 10);
const ENDPOINTS = Number(process.env.BENCH_CLUSTER_ENDPOINTS ?? 400);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
// The defaults of node.heartbeatMs / node.liveForMs: the takeover a user gets out of the box.
const HEARTBEAT_MS = Number(process.env.BENCH_CLUSTER_HEARTBEAT_MS ?? 2000);
const LIVE_FOR_MS = Number(process.env.BENCH_CLUSTER_LIVE_FOR_MS ?? 10_000);
const WAIT_MS = 120_000;
const CLK_TCK = 100;
const LISTENING = '"msg":"listening on http://';

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

interface Node {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: Promise<number>;
}

function startNode(dir: string, name: string, db: TestDatabase, fleetPort: number, hosts: number): Node {
  const home = join(dir, name);
  mkdirSync(home);
  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => {
    const h = (i % hosts) + 1;
    const address = h === 1 ? '127.0.1.1' : `127.0.${Math.floor(h / 250) + 1}.${(h % 250) + 1}`;
    return `  - { name: e${i}, url: "http://${address}:${fleetPort}/mcp?e=${i}", interval: ${INTERVAL_S}s, timeout: 5s }`;
  });
  const config = join(home, 'mcpwatch.yaml');
  writeFileSync(
    config,
    `dataDir: ${home}/data
database: { url: "${db.url}" }
node: { name: ${name}, heartbeatMs: ${HEARTBEAT_MS}, liveForMs: ${LIVE_FOR_MS} }
probe: { allowPrivate: true }
scheduler: { concurrency: 128 }
endpoints:
${endpoints.join('\n')}
`,
  );
  const child = spawn(process.execPath, ['dist/src/main.js', 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '', MCPWATCH_PORT: '0' } });
  const port = new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.includes(LISTENING)) return;
      const found = (JSON.parse(line) as { listen?: { port?: number } }).listen?.port;
      if (found !== undefined) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
  });
  port.catch(() => undefined);
  return { name, child, port };
}

async function dispatched(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('mcpwatch_probes_dispatched_total '));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

async function startFleet(hosts: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet-server.ts', String(hosts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fleet server exited ${code}`)));
  });
  return { child, port: Number(line.split(' ')[0]) };
}

interface Row {
  readonly nodes: number;
  readonly total: number;
  readonly perNode: readonly number[];
  readonly cpu: readonly number[];
  readonly notUp: number;
  readonly takeover?: { readonly moved: number; readonly firstMs: number; readonly allMs: number };
}

async function runCluster(k: number, fleetPort: number, hosts: number): Promise<Row> {
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cluster-bench-'));
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000 });
  const nodes: Node[] = [];
  try {
    // One at a time: the first migrates the schema, the others find it done.
    for (let i = 1; i <= k; i++) {
      const node = startNode(dir, `n${i}`, db, fleetPort, hosts);
      nodes.push(node);
      await node.port;
    }
    await client.connect();
    await until(`${k} live nodes owning every endpoint`, async () => {
      const { rows } = await client.query<{ live: number; owned: number }>(
        `SELECT count(*)::int AS live, coalesce(sum(endpoints_owned), 0)::int AS owned FROM cluster_nodes WHERE heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)`,
        [LIVE_FOR_MS],
      );
      return rows[0]!.live === k && rows[0]!.owned === ENDPOINTS ? true : undefined;
    });
    await delay(WARMUP_S * 1000);
    const ports = await Promise.all(nodes.map((n) => n.port));
    const count = async (since: number): Promise<{ n: number; notUp: number }> => {
      const { rows } = await client.query<{ n: number; not_up: number }>('SELECT count(*)::int AS n, count(*) FILTER (WHERE status <> 0)::int AS not_up FROM probe_results WHERE ts >= $1 AND ts < $2', [since, since + MEASURE_S * 1000]);
      return { n: rows[0]!.n, notUp: rows[0]!.not_up };
    };
    const t0 = Date.now();
    const cpu0 = nodes.map((n) => cpuSeconds(n.child.pid!));
    const sent0 = await Promise.all(ports.map(dispatched));
    await delay(MEASURE_S * 1000);
    const wall = (Date.now() - t0) / 1000;
    const cpu = nodes.map((n, i) => ((cpuSeconds(n.child.pid!) - cpu0[i]!) / wall) * 100);
    const sent = (await Promise.all(ports.map(dispatched))).map((n, i) => (n - sent0[i]!) / wall);
    // Rounds started in the window, read once the buffered writes of its end have landed.
    await delay(3000);
    const stored = await count(t0);
    const row: Row = { nodes: k, total: stored.n / MEASURE_S, perNode: sent, cpu, notUp: stored.notUp };
    if (k < 2) return row;

    const { rows: ids } = await client.query<{ id: number }>('SELECT id::int AS id FROM endpoints');
    const owner = ownerLookup(nodes.map((n) => n.name));
    const victim = nodes.at(-1)!;
    const moved = ids.map((r) => r.id).filter((id) => owner(id) === victim.name);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    // Rows with a start after the kill are the survivors': the killed process starts nothing more.
    const firsts = await until('every endpoint of the killed node probed again', async () => {
      const { rows } = await client.query<{ first: string }>('SELECT min(ts)::text AS first FROM probe_results WHERE endpoint_id = ANY($1::bigint[]) AND ts > $2 GROUP BY endpoint_id', [moved, killedAt]);
      return rows.length === moved.length ? rows.map((r) => Number(r.first) - killedAt) : undefined;
    });
    return { ...row, takeover: { moved: moved.length, firstMs: Math.min(...firsts), allMs: Math.max(...firsts) } };
  } finally {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => (n.child.exitCode !== null || n.child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => n.child.once('exit', resolve)))));
    await client.end().catch(() => undefined);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCluster(sizes: readonly number[]): Promise<void> {
  const missing = await postgresMissing();
  if (missing !== undefined) {
    console.log(`# cluster: skipped: ${missing}`);
    return;
  }
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const hosts = Math.min(200, Math.max(10, Math.ceil(ENDPOINTS / 25)));
  const fleet = await startFleet(hosts);
  try {
    console.log(
      `# cluster: real serve nodes (dist/), one region, one PostgreSQL test database each run; ${ENDPOINTS} endpoints on ${hosts} loopback hosts every ${INTERVAL_S} s ` +
        `(≈ ${((ENDPOINTS * 60) / INTERVAL_S).toLocaleString('en')} endpoints at 60 s); ${WARMUP_S} s warm-up, ${MEASURE_S} s measured; heartbeat ${HEARTBEAT_MS} ms, liveness ${LIVE_FOR_MS} ms`,
    );
    console.log('nodes | stored probes/s | dispatched probes/s per node | CPU % per node   | not-up | kill -9 one node: endpoints moved, first / last resumed (ms after the kill)');
    for (const k of sizes) {
      const r = await runCluster(k, fleet.port, hosts);
      const takeover = r.takeover ? `${r.takeover.moved} moved, ${r.takeover.firstMs} / ${r.takeover.allMs} ms` : '—';
      console.log(
        `${String(r.nodes).padStart(5)} | ${r.total.toFixed(1).padStart(15)} | ${r.perNode.map((p) => p.toFixed(1)).join(' ').padEnd(28)} | ${r.cpu.map((c) => c.toFixed(1)).join(' ').padEnd(16)} | ${String(r.notUp).padStart(6)} | ${takeover}`,
      );
    }
    console.log(`# expected takeover: liveness (${LIVE_FOR_MS} ms) + up to a heartbeat (${HEARTBEAT_MS} ms) until the others see the node dead, then each moved endpoint at its next slot (up to an interval, ${INTERVAL_S * 1000} ms)`);
  } finally {
    fleet.child.kill('SIGTERM');
  }
}
