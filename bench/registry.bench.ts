// The whole-registry demo (issue 15): a local registry (test/fixtures/registry-server.ts, the
// published OpenAPI shape) lists 2,500 servers whose remotes live on many host names, resolved by a
// loopback DNS server to the loopback addresses of a fleet child process (bench/fleet-server.ts); one real `serve` with a registries: section syncs it and
// watches every endpoint. Prints the first sync's time, probes/s, CPU and RSS of serve, the pages'
// p95, and the rounds that were not up (each one a false down: every fleet server is healthy).
// BENCH_REGISTRY_N (2500), BENCH_REGISTRY_INTERVAL_S (10; the issue's figure is 60),
// BENCH_MEASURE_S (60; the issue's 10 minutes is 600).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { startDnsServer, type DnsBehaviour } from '../test/fixtures/dns-server.ts';
import { fleetServers, startRegistry } from '../test/fixtures/registry-server.ts';

const N = Number(process.env.BENCH_REGISTRY_N ?? 2500);
const INTERVAL_S = Number(process.env.BENCH_REGISTRY_INTERVAL_S ?? 10);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 60);
const CLK_TCK = 100;
const DEADLINE_MS = 600_000;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function startFleet(hosts: number): Promise<{ child: ChildProcess; port: number; hostAddress(h: number): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet-server.ts', String(hosts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fleet server exited ${code}`)));
  });
  return { child, port: Number(line.split(' ')[0]), hostAddress: (h) => (h === 1 ? '127.0.1.1' : `127.0.${Math.floor(h / 250) + 1}.${(h % 250) + 1}`) };
}

async function until<T>(what: string, fn: () => T | undefined): Promise<T> {
  const deadline = performance.now() + DEADLINE_MS;
  for (;;) {
    try {
      const value = fn();
      if (value !== undefined) return value;
    } catch {
      // the database may not exist yet
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(250);
  }
}

export async function benchRegistry(): Promise<void> {
  const hosts = Math.min(200, Math.max(10, Math.ceil(N / 25)));
  console.log(`# registry: ${N} servers on ${hosts} host names (loopback DNS server, one loopback address each), one serve (tsx), every ${INTERVAL_S} s, ${MEASURE_S} s measured`);
  const fleet = await startFleet(hosts);
  // Host names, as a real registry lists them: h<H>.fleet.test, answered by a loopback DNS server
  // that serve is pointed at (probe.dnsServers), each name on its own loopback address.
  const zone: Record<string, DnsBehaviour> = {};
  for (let h = 1; h <= hosts; h++) zone[`h${h}.fleet.test`] = { a: [fleet.hostAddress(h)], ttl: 300 };
  const dns = await startDnsServer(zone);
  const registry = await startRegistry(fleetServers(N, (i) => `http://h${(i % hosts) + 1}.fleet.test:${fleet.port}/mcp?s=${i}`));
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-registry-bench-'));
  writeFileSync(
    join(dir, 'mcpwatch.yaml'),
    `dataDir: ${dir}/data
probe: { dnsServers: ["${dns.address}"] }
scheduler: { concurrency: 128, minIntervalS: 1, defaultIntervalS: ${INTERVAL_S} }
registries:
  - { url: "${registry.url}", name: bench, allowPrivate: true, public: true, interval: 10m, pageSize: 100 }
`,
  );
  let out = '';
  const started = performance.now();
  const serve = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--config', join(dir, 'mcpwatch.yaml')], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '', MCPWATCH_PORT: '0' } });
  serve.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const pid = serve.pid!;
  const dbPath = join(dir, 'data', 'mcpwatch.db');
  try {
    const port = await until('serve to listen', () => /"msg":"listening on http:\/\/127\.0\.0\.1:(\d+)"/.exec(out)?.[1]);
    const synced = await until('the first sync', () => out.split('\n').find((l) => l.includes('"msg":"registry \\"bench\\" synced"')));
    const sync = JSON.parse(synced) as { durationMs: number; pages: number; added: number };
    const listedMs = performance.now() - started;
    const db = new Database(dbPath, { readonly: true });
    const count = (): number => (db.prepare('SELECT max(id) n FROM probe_results').get() as { n: number | null }).n ?? 0;
    // One full round of every endpoint before measuring: the first rounds include era detection.
    await until('a round of every endpoint', () => ((db.prepare('SELECT count(*) n FROM endpoint_state WHERE last_checked_at IS NOT NULL').get() as { n: number }).n >= N ? true : undefined));
    const t0 = Date.now();
    const rows0 = count();
    const cpu0 = cpuSeconds(pid);
    let maxRss = 0;
    const pageMs: Record<string, number[]> = { '/': [], '/status': [], [`/status/r--io-example-fleet-server-0001`]: [] };
    for (let s = 0; s < MEASURE_S; s++) {
      const tick = performance.now();
      for (const path of Object.keys(pageMs)) {
        const t = performance.now();
        const response = await request(`http://127.0.0.1:${port}${path}`);
        await response.body.text();
        if (response.statusCode === 200) pageMs[path]!.push(performance.now() - t);
      }
      maxRss = Math.max(maxRss, rssMiB(pid));
      await delay(Math.max(0, 1000 - (performance.now() - tick)));
    }
    const cpu = cpuSeconds(pid) - cpu0;
    const wall = (Date.now() - t0) / 1000;
    const rows = count() - rows0;
    const notUp = db.prepare('SELECT status, count(*) n FROM probe_results WHERE ts >= ? AND status != 0 GROUP BY status').all(t0) as Array<{ status: number; n: number }>;
    const downs = (db.prepare("SELECT count(*) n FROM endpoint_state WHERE health = 'down'").get() as { n: number }).n;
    db.close();
    console.log(`first sync: ${sync.pages} pages, ${sync.added} endpoints in ${(sync.durationMs / 1000).toFixed(1)} s (listed ${(listedMs / 1000).toFixed(1)} s after serve started, tsx start-up included)`);
    console.log(`probes: ${(rows / wall).toFixed(1)}/s (expected ${(N / INTERVAL_S).toFixed(1)}/s)  CPU ${((cpu / wall) * 100).toFixed(1)} %  RSS max ${maxRss.toFixed(0)} MiB`);
    for (const [path, ms] of Object.entries(pageMs)) {
      const sorted = [...ms].sort((a, b) => a - b);
      console.log(`page ${path}: p50 ${quantile(sorted, 0.5).toFixed(0)} ms  p95 ${quantile(sorted, 0.95).toFixed(0)} ms  (${ms.length} loads)`);
    }
    console.log(`DNS: ${dns.queries.length} questions to the loopback server for ${hosts} names (serve caches answers for their TTL)`);
    console.log(`false downs: ${downs} endpoints down; rounds not up in the window: ${notUp.length === 0 ? 0 : notUp.map((r) => `${r.n} with status ${r.status}`).join(', ')} of ${rows}`);
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
  } finally {
    serve.kill('SIGKILL');
    fleet.child.kill('SIGTERM');
    await registry.close();
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
