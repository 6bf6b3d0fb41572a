// The real `serve` against N simulated MCP endpoints on loopback, interval compressed to 10 s
// (so N endpoints here load the service like 6·N endpoints at the default 60 s).
// Prints probes/s, CPU % and RSS of the mcpwatch process, schedule lag, and storage per endpoint-day.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { fleetHostAddress } from './fleet-address.ts';
import { cpuSeconds, rssMiB } from './proc.ts';

const INTERVAL_S = 10;
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 60);

async function startFleet(hosts: number): Promise<{ child: ChildProcess; port: number; hostAddress(i: number): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet-server.ts', String(hosts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fleet server exited ${code}`)));
  });
  const port = Number(line.split(' ')[0]);
  return { child, port, hostAddress: fleetHostAddress };
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function runFleet(n: number, workers: number): Promise<void> {
  const hosts = Math.min(200, Math.max(10, Math.ceil(n / 25)));
  const fleet = await startFleet(hosts);
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-fleet-'));
  const endpoints = Array.from({ length: n }, (_, i) => `  - { name: e${i}, url: "http://${fleet.hostAddress((i % hosts) + 1)}:${fleet.port}/mcp?e=${i}", interval: ${INTERVAL_S}s, timeout: 5s }`);
  writeFileSync(join(dir, 'mcpwatch.yaml'), `dataDir: ${dir}/data\nprobe: { allowPrivate: true, workers: ${workers} }\nscheduler: { concurrency: 128 }\nendpoints:\n${endpoints.join('\n')}\n`);
  const serve = spawn(process.execPath, ['dist/src/main.js', 'serve', '--config', join(dir, 'mcpwatch.yaml')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = serve.pid!;
  const dbPath = join(dir, 'data', 'mcpwatch.db');
  try {
    await delay(WARMUP_S * 1000);
    const db = new Database(dbPath, { readonly: true });
    const count = (): number => (db.prepare('SELECT max(id) n FROM probe_results').get() as { n: number | null }).n ?? 0;
    const rows0 = count();
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    // The main thread's tid is the pid: what the scheduler, messages, recorder and SQLite cost there.
    const main0 = cpuSeconds(pid, pid);
    let maxRss = 0;
    for (let s = 0; s < MEASURE_S; s++) {
      await delay(1000);
      maxRss = Math.max(maxRss, rssMiB(pid));
    }
    const cpu = cpuSeconds(pid) - cpu0;
    const mainCpu = cpuSeconds(pid, pid) - main0;
    const wall = (Date.now() - t0) / 1000;
    const rows = count() - rows0;
    const lags = (db.prepare('SELECT lag_ms FROM probe_results WHERE ts >= ? ORDER BY lag_ms').all(t0) as Array<{ lag_ms: number }>).map((r) => r.lag_ms);
    const notUp = (db.prepare('SELECT count(*) n FROM probe_results WHERE ts >= ? AND status != 0').get(t0) as { n: number }).n;
    db.close();
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
    const check = new Database(dbPath, { readonly: true });
    const total = (check.prepare('SELECT count(*) n FROM probe_results').get() as { n: number }).n;
    check.close();
    const bytes = statSync(dbPath).size;
    // Per endpoint-day at the default 60 s interval: 1,440 rounds, plus the rollup rows they feed.
    const perRow = bytes / total;
    console.log(
      `N=${String(n).padEnd(5)} workers=${workers} (${hosts} hosts, every ${INTERVAL_S} s)  ${(rows / wall).toFixed(1)} probes/s  CPU ${((cpu / wall) * 100).toFixed(1)} % ` +
        `(main thread ${((mainCpu / wall) * 100).toFixed(1)} %)  CPU/probe ${((cpu * 1000) / Math.max(1, rows)).toFixed(2)} ms (main ${((mainCpu * 1000) / Math.max(1, rows)).toFixed(2)} ms)  RSS max ${maxRss.toFixed(0)} MiB` +
        `  lag p50 ${quantile(lags, 0.5)} ms p99 ${quantile(lags, 0.99)} ms  not-up ${notUp}/${lags.length}` +
        `  db ${(bytes / 1e6).toFixed(1)} MB for ${total} rows = ${perRow.toFixed(0)} B/row ≈ ${((perRow * 1440) / 1024).toFixed(0)} KiB per endpoint-day at 60 s`,
    );
  } finally {
    serve.kill('SIGKILL');
    fleet.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `workers`: the probe.workers values to compare (BENCH_WORKERS, e.g. "0,2"); each size runs with each. */
export async function benchFleet(sizes: readonly number[], workers: readonly number[] = [0]): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  console.log(`# fleet: real serve (dist/), ${WARMUP_S} s warm-up, ${MEASURE_S} s measured, per-host cap 4, concurrency 128, tools/list on, probe.workers ${workers.join(' vs ')}`);
  for (const n of sizes) for (const w of workers) await runFleet(n, w);
}
