// The README's blackbox scrape config, run by a real Prometheus against a real `mcpwatch serve`:
// only the exporter address, the targets and the token file are swapped for this machine's
// (loopback MCP servers, one up and one refused), and the scrape interval is shortened. Prometheus
// listens on 127.0.0.1 only, keeps its data in a temporary directory and is killed at the end.
// probe_success and probe_http_status_code per target come from Prometheus' HTTP API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { parseDocument } from 'yaml';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { servingPort, startServe, until, writeConfig, type Serve } from '../fixtures/serve-process.ts';
import { unusedLoopbackPort } from '../fixtures/switchable-port.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const MARKER = '<!-- blackbox-scrape-config:';
/** What the README block points at; the test swaps these and nothing else. */
const README_EXPORTER = '127.0.0.1:8080';
const README_TOKEN_FILE = '/etc/prometheus/mcpwatch.token';
const WAIT_MS = 90_000;

interface ScrapeJob {
  job_name: string;
  metrics_path: string;
  params: { module: string[] };
  authorization: { credentials_file: string };
  static_configs: Array<{ targets: string[] }>;
  relabel_configs: Array<{ source_labels?: string[]; target_label: string; replacement?: string }>;
}

/** The yaml block that follows the marker in README.md. */
function readmeScrapeConfig(): { scrape_configs: ScrapeJob[] } {
  const readme = readFileSync('README.md', 'utf8');
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, `README.md has no ${MARKER} block`);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, 'no ```yaml block after the marker');
  return parseDocument(block[1]!).toJS() as { scrape_configs: ScrapeJob[] };
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function instantQuery(promPort: number, query: string): Promise<PromSample[]> {
  const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { status: string; data?: { result: PromSample[] } };
  assert.equal(body.status, 'success');
  return body.data?.result ?? [];
}

function byInstance(samples: readonly PromSample[]): Record<string, string> {
  return Object.fromEntries(samples.map((s) => [s.metric.instance ?? '', s.value[1]]));
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const missing = existsSync(PROMETHEUS) ? false : `${PROMETHEUS} is not installed (apt-get install prometheus; .ci/run installs it)`;

let dir: string;
let mcpUp: RunningServer;
let refusedUrl: string;
let serve: Serve | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpwatch-prometheus-probe-'));
  mcpUp = await startV2Server({ era: 'dual' });
  refusedUrl = `http://127.0.0.1:${await unusedLoopbackPort()}/mcp`;
});

after(async () => {
  await stop(prometheus);
  await stop(serve?.child);
  await mcpUp?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a real Prometheus with the README scrape config reads probe_success and probe_http_status_code per target', { skip: missing, timeout: 180_000 }, async () => {
  // mcpwatch: loopback targets are allowed here (the fixtures live there); a full token for Prometheus.
  const dataDir = join(dir, 'data');
  const token = generateToken();
  const store = openSqliteStore(join(dataDir, 'mcpwatch.db'));
  await store.createToken('prometheus', hashToken(token), false);
  store.close();
  // One endpoint of its own too, so mcpwatch's /metrics (scraped gzipped, below) has per-endpoint series.
  serve = startServe(
    writeConfig(dir, `dataDir: ${dataDir}\nlisten: { host: 127.0.0.1 }\nprobe: { allowPrivate: true, timeoutMs: 5s }\nendpoints:\n  - { name: Up, slug: up-server, url: "${mcpUp.url}", interval: 10s }\n`),
  );
  const mcpwatchPort = await until('mcpwatch serving', () => servingPort(serve!), 60_000, serve);

  const config = readmeScrapeConfig();
  const job = config.scrape_configs[0]!;
  assert.equal(config.scrape_configs.length, 1);
  assert.equal(job.authorization.credentials_file, README_TOKEN_FILE);
  const exporter = job.relabel_configs.find((r) => r.target_label === '__address__');
  assert.equal(exporter?.replacement, README_EXPORTER);
  const tokenFile = join(dir, 'mcpwatch.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  job.authorization.credentials_file = tokenFile;
  exporter.replacement = `127.0.0.1:${mcpwatchPort}`;
  job.static_configs = [{ targets: [mcpUp.url, refusedUrl] }];
  // And mcpwatch's own /metrics, as Prometheus scrapes it: it asks for gzip, which mcpwatch builds
  // from pieces deflated one by one (src/metrics/gzip-body.ts).
  const selfJob = { job_name: 'mcpwatch', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${mcpwatchPort}`] }] };
  // And a selection of families (name[]), the gzip body then made of a few pieces and a filtered tail.
  const selectedJob = {
    job_name: 'mcpwatch-selected',
    metrics_path: '/metrics',
    params: { 'name[]': ['probe_success', 'mcpwatch_probes_dispatched_total', 'mcpwatch_schedule_lag_seconds_count'] },
    static_configs: [{ targets: [`127.0.0.1:${mcpwatchPort}`] }],
  };
  const prometheusConfig = { global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' }, ...config, scrape_configs: [...config.scrape_configs, selfJob, selectedJob] };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(prometheusConfig)); // JSON is YAML

  const promPort = await unusedLoopbackPort();
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  prometheus.stdout?.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  prometheus.stderr?.on('data', (d: Buffer) => (prometheusLog += d.toString()));

  // Each target is a separate scrape of /probe; poll until both have been scraped into what they are.
  const deadline = Date.now() + WAIT_MS;
  let last: { success: Record<string, string>; status: Record<string, string>; up: Record<string, string> } | undefined;
  for (;;) {
    try {
      last = {
        success: byInstance(await instantQuery(promPort, 'probe_success{job="mcp-blackbox"}')),
        status: byInstance(await instantQuery(promPort, 'probe_http_status_code{job="mcp-blackbox"}')),
        up: byInstance(await instantQuery(promPort, 'up{job="mcp-blackbox"}')),
      };
      if (last.success[mcpUp.url] === '1' && last.success[refusedUrl] === '0' && last.status[mcpUp.url] === '200' && last.status[refusedUrl] === '0') break;
    } catch {
      // Prometheus not listening yet.
    }
    if (Date.now() > deadline) {
      assert.fail(`Prometheus never saw both targets as expected: ${JSON.stringify(last)}\nprometheus:\n${prometheusLog.slice(-4000)}\nmcpwatch:\n${serve.output().slice(-4000)}`);
    }
    await delay(500);
  }
  // Both scrapes themselves succeeded: a down target is probe_success 0, not a failed scrape.
  assert.equal(last.up[mcpUp.url], '1');
  assert.equal(last.up[refusedUrl], '1');
  // `instance` is the target, as with blackbox: the relabelling carried over.
  assert.deepEqual(Object.keys(last.success).sort(), [mcpUp.url, refusedUrl].sort());
  const failures = byInstance(await instantQuery(promPort, 'mcp_probe_failure{job="mcp-blackbox"}'));
  assert.deepEqual(failures, { [refusedUrl]: '1' });

  // The gzipped /metrics: the scrape succeeds and the endpoint's series are read.
  const selfTarget = `127.0.0.1:${mcpwatchPort}`;
  let own: { up: Record<string, string>; success: Record<string, string> } | undefined;
  for (;;) {
    own = {
      up: byInstance(await instantQuery(promPort, 'up{job="mcpwatch"}')),
      success: byInstance(await instantQuery(promPort, 'probe_success{job="mcpwatch",slug="up-server"}')),
    };
    if (own.up[selfTarget] === '1' && own.success[selfTarget] === '1') break;
    if (Date.now() > deadline) assert.fail(`Prometheus never read mcpwatch's /metrics: ${JSON.stringify(own)}\nprometheus:\n${prometheusLog.slice(-4000)}`);
    await delay(500);
  }

  // The selection: exactly the families named (the summary by its _count), nothing else.
  let names: string[] = [];
  for (;;) {
    names = (await instantQuery(promPort, 'group by (__name__) ({job="mcpwatch-selected",__name__!~"up|scrape_.*"})')).map((s) => s.metric.__name__ ?? '').sort();
    // probe_success appears once the endpoint has a confirmed round.
    if (names.includes('probe_success')) break;
    if (Date.now() > deadline) assert.fail(`Prometheus never read the name[] selection: ${JSON.stringify(names)}\nprometheus:\n${prometheusLog.slice(-4000)}`);
    await delay(500);
  }
  assert.deepEqual(names, ['mcpwatch_probes_dispatched_total', 'mcpwatch_schedule_lag_seconds', 'probe_success']);
});
