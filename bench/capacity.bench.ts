// Capacity: the real `serve` from dist/ against a fleet of N host names (e<i>.fleet.test, one
// wildcard certificate from a test CA, trusted through probe.extraCaFile) resolved by a loopback DNS
// server, and optionally prometheus blackbox_exporter driven at the same rate against the same
// targets. Everything runs inside one loopback-only network namespace (unshare -rnm): nothing can
// leave the machine, port 53 there is ours, and /etc/resolv.conf there names the bench's DNS
// server, so blackbox's resolver and mcpwatch's (probe.dnsServers 127.0.0.1:53) ask the same one.
//
// Scaling: what loads a prober is probes per second, so the interval is chosen from a target rate
// (BENCH_CAPACITY_RATE, default 833.3/s = 50,000 endpoints at 60 s): N endpoints every round(N/rate)
// seconds. 10,000 endpoints every 12 s load mcpwatch like 50,000 every 60 s, apart from memory and
// per-endpoint state, which scale with N (run N=50000 at 60 s for those).
//
//   BENCH_CAPACITY=10000,50000        endpoint counts (default 10000)
//   BENCH_CAPACITY_ERA=modern,legacy  modern: server/discover alone (tools off); legacy: the 2025
//                                     Streamable HTTP session with SSE replies + tools/list (default both)
//   BENCH_WORKERS=0,2                 probe.workers values (default 0)
//   BENCH_CAPACITY_RATE=833.3         scheduled probes/s (sets the interval)
//   BENCH_CAPACITY_PEER=blackbox      then blackbox_exporter at the same rate, the CPU ratio printed
//   BENCH_WARMUP_S, BENCH_MEASURE_S   warm-up once every endpoint has been probed (default: one interval, ≥ 15 s),
//                                     measured window (default: one interval, ≥ 30 s)
//   BENCH_CAPACITY_DNS_TTL=300        TTL of the fleet's A records (mcpwatch caches them; blackbox never does)
//   BENCH_CAPACITY_HOSTS=250          fleet listen addresses (names are spread over them)
//   BENCH_CAPACITY_CONCURRENCY        scheduler.concurrency (default: mcpwatch's default)
//   BENCH_CAPACITY_NODE_ARGS          node flags for serve, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createTestPki } from '../test/fixtures/certs.ts';
import { loopbackNetnsArgs, netnsUnavailable } from '../test/fixtures/netns.ts';
import { cpuSeconds, loadAverage, rssMiB, threadCpu, type ThreadCpu } from './proc.ts';

const IN_NETNS = 'MCPWATCH_BENCH_CAPACITY_NETNS';
const SERVE_PORT = 18080;
const EXPORTER_PORT = 9115;
const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';
const ERAS = ['modern', 'legacy'] as const;
type Era = (typeof ERAS)[number];

const env = process.env;
const list = (value: string | undefined, fallback: string): string[] => (value ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const RATE = Number(env.BENCH_CAPACITY_RATE ?? 50_000 / 60);
const DNS_TTL = Number(env.BENCH_CAPACITY_DNS_TTL ?? 300);
const FLEET_HOSTS = Number(env.BENCH_CAPACITY_HOSTS ?? 250);
const PEER = env.BENCH_CAPACITY_PEER ?? '';

interface Children {
  fleet: ChildProcess;
  fleetPort: number;
  dns: ChildProcess;
}

/** The first stdout line of a bench child, which says it is ready. */
async function startChild(args: readonly string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
  return { child, line };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(killed);
}

async function waitForHttp(url: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${seconds} s`);
    await delay(250);
  }
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** `name{labels} value` lines of an exposition, by the part before the value. */
function parseExposition(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('mcpwatch_') && !line.startsWith('process_cpu')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

// The families read here, and only those: a `name[]` selection leaves the per-endpoint block alone
// (a whole scrape is a 100 MiB text at 50,000 endpoints, and starts five minutes of refreshes).
const SCRAPED = [
  'mcpwatch_probes_dispatched_total',
  'mcpwatch_probes_missed_total',
  'mcpwatch_probes_skipped_overlap_total',
  'mcpwatch_probe_results_discounted_total',
  'mcpwatch_probes_inflight',
  'mcpwatch_probe_concurrency_limit',
  'mcpwatch_overloaded',
  'mcpwatch_dns_cache_lookups_total',
  'mcpwatch_schedule_lag_seconds',
];
const SCRAPE_URL = `http://127.0.0.1:${SERVE_PORT}/metrics?${SCRAPED.map((name) => `name[]=${name}`).join('&')}`;

async function scrape(): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(SCRAPE_URL)).text());
}

interface Window {
  wall: number;
  cpu: number;
  threads: Array<ThreadCpu & { main: boolean }>;
  others: Map<string, number>;
  maxRssMiB: number;
  load: string;
}

/** CPU of `pid` (and of `others`, by label) over `seconds`, sampling RSS each second. */
async function measureWindow(pid: number, seconds: number, others: Record<string, ChildProcess>): Promise<Window & { t0: number; t1: number }> {
  const threads0 = new Map(threadCpu(pid).map((t) => [t.tid, t.seconds]));
  const others0 = new Map(Object.entries(others).map(([label, child]) => [label, cpuSeconds(child.pid!)]));
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  let maxRssMiB = 0;
  for (let s = 0; s < seconds; s++) {
    await delay(1000);
    maxRssMiB = Math.max(maxRssMiB, rssMiB(pid));
  }
  const cpu = cpuSeconds(pid) - cpu0;
  const t1 = Date.now();
  const threads = threadCpu(pid).map((t) => ({ ...t, seconds: t.seconds - (threads0.get(t.tid) ?? 0), main: t.tid === pid }));
  const otherCpu = new Map(Object.entries(others).map(([label, child]) => [label, cpuSeconds(child.pid!) - others0.get(label)!]));
  return { t0, t1, wall: (t1 - t0) / 1000, cpu, threads, others: otherCpu, maxRssMiB, load: loadAverage() };
}

/** Threads worth naming (≥ 1 % of a core), the rest summed; the main thread (tid = pid) marked. */
function describeThreads(w: Window): string {
  const pct = (s: number): string => `${((s / w.wall) * 100).toFixed(1)} %`;
  const sorted = [...w.threads].sort((a, b) => b.seconds - a.seconds);
  const named = sorted.filter((t) => t.main || t.seconds / w.wall >= 0.01);
  const rest = sorted.filter((t) => !named.includes(t));
  const parts = named.map((t) => `${t.main ? 'main' : `${t.name}#${t.tid}`} ${pct(t.seconds)}`);
  if (rest.length > 0) parts.push(`${rest.length} others ${pct(rest.reduce((sum, t) => sum + t.seconds, 0))}`);
  return parts.join(', ');
}

function describeOthers(w: Window): string {
  return [...w.others].map(([label, s]) => `${label} ${((s / w.wall) * 100).toFixed(1)} % (${s.toFixed(1)} s)`).join(', ');
}

function intervalFor(n: number): number {
  return Math.max(1, Math.round(n / RATE));
}

function warmupSeconds(intervalS: number): number {
  return Number(env.BENCH_WARMUP_S ?? Math.max(15, intervalS));
}

function measureSeconds(intervalS: number): number {
  return Number(env.BENCH_MEASURE_S ?? Math.max(30, intervalS));
}

function serveConfig(dir: string, n: number, era: Era, workers: number, fleetPort: number, intervalS: number): string {
  const concurrency = env.BENCH_CAPACITY_CONCURRENCY === undefined ? '' : `, concurrency: ${env.BENCH_CAPACITY_CONCURRENCY}`;
  // modern: server/discover alone, the one request blackbox can match; legacy: the full 2025
  // session (initialize, initialized, ping, tools/list, DELETE).
  const endpointEra = era === 'modern' ? 'era: modern, tools: false' : 'era: streamable, tools: true';
  const lines = [
    `dataDir: ${dir}/data`,
    `listen: { host: 127.0.0.1, port: ${SERVE_PORT} }`,
    `probe: { allowPrivate: true, workers: ${workers}, dnsServers: ["127.0.0.1:53"], extraCaFile: ${dir}/ca.pem }`,
    `scheduler: { minIntervalS: 1${concurrency} }`,
    // The hourly compliance checks are their own work, not the probe path being measured.
    'compliance: { enabled: false }',
    'endpoints:',
  ];
  // Shorter than the interval (serve warns otherwise); it only matters to a probe that fails.
  const timeoutMs = Math.max(100, Math.min(10_000, intervalS * 500));
  for (let i = 0; i < n; i++) lines.push(`  - { name: e${i}, url: "https://e${i}.fleet.test:${fleetPort}/mcp", interval: ${intervalS}s, timeout: ${timeoutMs}ms, ${endpointEra} }`);
  return `${lines.join('\n')}\n`;
}

async function runServe(dir: string, n: number, era: Era, workers: number, children: Children): Promise<number> {
  const intervalS = intervalFor(n);
  const configPath = join(dir, `mcpwatch-${workers}.yaml`);
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  writeFileSync(configPath, serveConfig(dir, n, era, workers, children.fleetPort, intervalS));
  const nodeArgs = list(env.BENCH_CAPACITY_NODE_ARGS, '').flatMap((arg) => arg.split(' '));
  const serve = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js', 'serve', '--config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = serve.pid!;
  try {
    const started = Date.now();
    await waitForHttp(`http://127.0.0.1:${SERVE_PORT}/healthz`, 300);
    const startupS = (Date.now() - started) / 1000;
    // A first probe is a full handshake and a DNS miss: the window starts once every endpoint has
    // had one (a scheduler running behind would otherwise bill them to the steady state).
    const firstRound = Date.now();
    while (((await scrape()).get('mcpwatch_probes_dispatched_total') ?? 0) < n && Date.now() - firstRound < 900_000) await delay(5000);
    const firstRoundS = (Date.now() - firstRound) / 1000;
    await delay(warmupSeconds(intervalS) * 1000);
    const before = await scrape();
    // The governor's limit and the rounds in flight, every 5 s of the window: the selected families
    // cost serve what its own metrics cost, at any fleet size.
    const samples: Array<{ limit: number; inFlight: number }> = [];
    let measuring = true;
    const sampling = (async () => {
      while (measuring) {
        await delay(5000);
        if (!measuring) break;
        const m = await scrape();
        samples.push({ limit: m.get('mcpwatch_probe_concurrency_limit') ?? Number.NaN, inFlight: m.get('mcpwatch_probes_inflight') ?? Number.NaN });
      }
    })();
    const w = await measureWindow(pid, measureSeconds(intervalS), { fleet: children.fleet, dns: children.dns });
    measuring = false;
    await sampling;
    const after = await scrape();
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    // Rounds are written on the recorder's flush: give the last ones of the window time to land.
    await delay(5000);
    const db = new Database(join(dir, 'data', 'mcpwatch.db'), { readonly: true });
    const inWindow = 'FROM probe_results WHERE ts >= ? AND ts < ?';
    const lags = Float64Array.from((db.prepare(`SELECT lag_ms ${inWindow}`).all(w.t0, w.t1) as Array<{ lag_ms: number }>).map((r) => r.lag_ms)).sort();
    // How long a round took as the prober timed it (a round waiting for a CPU shows here, not in lag).
    const durations = Float64Array.from((db.prepare(`SELECT duration_ms ${inWindow}`).all(w.t0, w.t1) as Array<{ duration_ms: number }>).map((r) => r.duration_ms)).sort();
    const notUp = db.prepare(`SELECT coalesce(code, 'status ' || status) code, count(*) n ${inWindow} AND status != 0 GROUP BY 1 ORDER BY 2 DESC`).all(w.t0, w.t1) as Array<{ code: string; n: number }>;
    db.close();
    const dispatched = delta('mcpwatch_probes_dispatched_total');
    const rounds = lags.length;
    const perProbeMs = (w.cpu * 1000) / Math.max(1, rounds);
    console.log(
      `mcpwatch  era=${era} N=${n} workers=${workers}: every ${intervalS} s = ${(n / intervalS).toFixed(1)} probes/s scheduled; ` +
        `${(rounds / w.wall).toFixed(1)} rounds/s recorded (${(dispatched / w.wall).toFixed(1)}/s dispatched) over ${w.wall.toFixed(0)} s after ${startupS.toFixed(0)} s start-up, ${firstRoundS.toFixed(0)} s to a first probe of every endpoint, ${warmupSeconds(intervalS)} s warm-up\n` +
        `  CPU ${((w.cpu / w.wall) * 100).toFixed(1)} % of a core = ${perProbeMs.toFixed(2)} ms per probe (process utime+stime); threads: ${describeThreads(w)}\n` +
        `  lag p50 ${quantile(lags, 0.5)} ms p99 ${quantile(lags, 0.99)} ms max ${quantile(lags, 1)} ms (every round of the window); round duration p50 ${quantile(durations, 0.5)} ms p99 ${quantile(durations, 0.99)} ms; /metrics last-1024 p99 ${((after.get('mcpwatch_schedule_lag_seconds{quantile="0.99"}') ?? Number.NaN) * 1000).toFixed(0)} ms\n` +
        `  not up ${notUp.reduce((s, r) => s + r.n, 0)}/${rounds}${notUp.length > 0 ? `: ${notUp.map((r) => `${r.code} ${r.n}`).join(', ')}` : ''}; ` +
        `missed ${delta('mcpwatch_probes_missed_total')}, skipped (overlap) ${delta('mcpwatch_probes_skipped_overlap_total')}, discounted (overload) ${delta('mcpwatch_probe_results_discounted_total')}, overloaded at end ${after.get('mcpwatch_overloaded') ?? '?'}, ` +
        `DNS cache misses ${delta('mcpwatch_dns_cache_lookups_total{result="miss"}')}\n` +
        `  concurrency limit / in flight every 5 s: ${samples.map((s) => `${s.limit}/${s.inFlight}`).join(' ')}\n` +
        `  RSS max ${w.maxRssMiB.toFixed(0)} MiB; beside it: ${describeOthers(w)}; load average ${w.load}`,
    );
    return perProbeMs;
  } finally {
    await stop(serve);
  }
}

/** blackbox's module: one verified TLS POST of the era's first request, its answer matched. */
function blackboxConfig(dir: string): string {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'blackbox_exporter', version: '0.23.0' },
  };
  const modern = { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta } };
  const legacy = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'blackbox_exporter', version: '0.23.0' } } };
  const module = (body: unknown, headers: Record<string, string>, regexp: string): string =>
    [
      '    prober: http',
      '    timeout: 10s',
      '    http:',
      '      method: POST',
      `      headers: ${JSON.stringify({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers })}`,
      `      body: ${JSON.stringify(JSON.stringify(body))}`,
      '      valid_status_codes: [200]',
      '      valid_http_versions: ["HTTP/1.1"]',
      `      fail_if_body_not_matches_regexp: [${JSON.stringify(regexp)}]`,
      '      fail_if_not_ssl: true',
      '      preferred_ip_protocol: ip4',
      '      ip_protocol_fallback: false',
      `      tls_config: { ca_file: ${dir}/ca.pem }`,
    ].join('\n');
  return [
    'modules:',
    '  mcp_modern:',
    module(modern, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'server/discover' }, '"supportedVersions"'),
    '  mcp_legacy:',
    module(legacy, {}, '"protocolVersion"'),
    '',
  ].join('\n');
}

async function runBlackbox(dir: string, n: number, era: Era, children: Children): Promise<number> {
  const intervalS = intervalFor(n);
  const rate = n / intervalS;
  writeFileSync(join(dir, 'blackbox.yml'), blackboxConfig(dir));
  const exporter = spawn(BLACKBOX, [`--config.file=${dir}/blackbox.yml`, `--web.listen-address=127.0.0.1:${EXPORTER_PORT}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  let driver: ChildProcess | undefined;
  try {
    await waitForHttp(`http://127.0.0.1:${EXPORTER_PORT}/-/healthy`, 30);
    driver = spawn(process.execPath, ['--import', 'tsx', 'bench/blackbox-driver.ts', String(rate), String(n), String(children.fleetPort), `mcp_${era}`, String(EXPORTER_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let totals = { sent: 0, answered: 0, up: 0, inFlight: 0, failures: {} as Record<string, number> };
    createInterface({ input: driver.stdout! }).on('line', (line) => (totals = JSON.parse(line) as typeof totals));
    await delay(warmupSeconds(intervalS) * 1000);
    const before = totals;
    const w = await measureWindow(exporter.pid!, measureSeconds(intervalS), { driver, fleet: children.fleet, dns: children.dns });
    const after = totals;
    const answered = after.answered - before.answered;
    const failures = Object.entries(after.failures).map(([key, count]) => `${key} ${count - (before.failures[key] ?? 0)}`).filter((s) => !s.endsWith(' 0'));
    const perProbeMs = (w.cpu * 1000) / Math.max(1, answered);
    console.log(
      `blackbox  era=${era} N=${n}: ${rate.toFixed(1)} probes/s driven; ${(answered / w.wall).toFixed(1)}/s answered over ${w.wall.toFixed(0)} s (in flight at end ${after.inFlight})\n` +
        `  CPU ${((w.cpu / w.wall) * 100).toFixed(1)} % of a core = ${perProbeMs.toFixed(2)} ms per probe (process utime+stime); threads: ${describeThreads(w)}\n` +
        `  not up ${answered - (after.up - before.up)}/${answered}${failures.length > 0 ? `: ${failures.join(', ')}` : ''}\n` +
        `  RSS max ${w.maxRssMiB.toFixed(0)} MiB; beside it: ${describeOthers(w)} (driver excluded); load average ${w.load}`,
    );
    return perProbeMs;
  } finally {
    if (driver) await stop(driver);
    await stop(exporter);
  }
}

async function runEra(era: Era, n: number, workers: readonly number[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-capacity-'));
  const pki = await createTestPki();
  const cert = await pki.issue({ hostnames: ['*.fleet.test'] });
  writeFileSync(join(dir, 'cert.json'), JSON.stringify(cert));
  writeFileSync(join(dir, 'ca.pem'), pki.caPem);
  const hosts = Math.min(FLEET_HOSTS, n);
  const dns = await startChild(['bench/capacity-dns.ts', String(n), String(hosts), String(DNS_TTL)]);
  let fleet: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    fleet = await startChild(['bench/fleet-server.ts', String(hosts), '--tls', join(dir, 'cert.json'), '--era', era]);
    const children: Children = { fleet: fleet.child, fleetPort: Number(fleet.line.split(' ')[0]), dns: dns.child };
    const ours: number[] = [];
    for (const w of workers) ours.push(await runServe(dir, n, era, w, children));
    if (PEER === 'blackbox') {
      if (!existsSync(BLACKBOX)) {
        console.log(`blackbox  ${BLACKBOX} is missing: apt-get install prometheus-blackbox-exporter`);
        return;
      }
      const theirs = await runBlackbox(dir, n, era, children);
      console.log(`ratio     era=${era} N=${n}: CPU per probe mcpwatch/blackbox ${workers.map((w, i) => `workers=${w} ${(ours[i]! / theirs).toFixed(2)}×`).join(', ')}`);
    }
  } finally {
    if (fleet) await stop(fleet.child);
    await stop(dns.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

/** Builds dist/ when a source is newer than it: the bench measures what `npm start` runs. */
function ensureBuilt(): void {
  const built = existsSync('dist/src/main.js') ? statSync('dist/src/main.js').mtimeMs : 0;
  if (newestMtime('src') <= built) return;
  console.log('# dist/ is older than src/: npm run build');
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}

export async function benchCapacity(): Promise<void> {
  const sizes = list(env.BENCH_CAPACITY, '10000').map(Number);
  const eras = list(env.BENCH_CAPACITY_ERA, ERAS.join(','));
  const workers = list(env.BENCH_WORKERS, '0').map(Number);
  for (const era of eras) if (!ERAS.includes(era as Era)) throw new Error(`BENCH_CAPACITY_ERA: expected ${ERAS.join(' or ')}, got ${era}`);
  if (env[IN_NETNS] !== '1') {
    ensureBuilt();
    const why = netnsUnavailable();
    if (why !== undefined) throw new Error(`capacity runs in a loopback-only namespace: ${why}`);
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-capacity-ns-'));
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
    try {
      const child = spawn('unshare', loopbackNetnsArgs([process.execPath, '--import', 'tsx', 'bench/run.ts', 'capacity'], { resolvConf: join(dir, 'resolv.conf') }), {
        stdio: 'inherit',
        env: { ...env, [IN_NETNS]: '1' },
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`capacity bench exited ${code}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  console.log(
    `# capacity: real serve (dist/), Node ${process.version}, in a loopback-only namespace; e<i>.fleet.test behind one *.fleet.test certificate (test CA via probe.extraCaFile), ` +
      `A records TTL ${DNS_TTL} s from 127.0.0.1:53 (a child process); fleet on ≤ ${FLEET_HOSTS} loopback addresses (a child process); ` +
      `rate ${RATE.toFixed(1)} probes/s = ${Math.round(RATE * 60).toLocaleString('en')} endpoints at 60 s; probe.workers ${workers.join(' vs ')}; compliance checks off${PEER ? `; peer ${PEER}` : ''}`,
  );
  for (const era of eras as Era[]) for (const n of sizes) await runEra(era, n, workers);
}
