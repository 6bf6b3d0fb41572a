// deploy/prometheus/alerts.yml and the Grafana dashboard against what /metrics really exports: every
// metric they name must appear in a scrape of the real app (built with buildTestApp, one endpoint
// seeded so that every per-endpoint family has a sample). And promtool must accept the rules and
// pass their unit tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDocument, stringify } from 'yaml';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { buildTestApp, type TestApp } from '../http/helper.ts';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/tests/alerts.test.yml';
const DASHBOARD = 'deploy/grafana/dashboards/mcpwatch.json';
const PROMTOOL = '/usr/bin/promtool';
/** Recorded by Prometheus itself for every scrape target, never part of an exposition. */
const PROMETHEUS_SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const previous = bare[match.index - 1];
    if (previous !== undefined && /[0-9.]/.test(previous)) continue;
    if (bare.slice(match.index + match[0].length).trimStart().startsWith('(')) continue;
    if (PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; annotations?: Record<string, string> }> }>;
}

function rulesMetricNames(): Map<string, string[]> {
  const file = parseDocument(readFileSync(RULES, 'utf8')).toJS() as RuleFile;
  const used = new Map<string, string[]>();
  const add = (name: string, where: string): void => {
    used.set(name, [...(used.get(name) ?? []), where]);
  };
  for (const group of file.groups) {
    for (const rule of group.rules) {
      const where = rule.alert ?? rule.record ?? '?';
      for (const name of metricNames(rule.expr)) add(name, where);
      // Queries inside annotation templates: {{ printf "metric{slug=%q}" … | query }}.
      for (const text of Object.values(rule.annotations ?? {})) for (const m of text.matchAll(/printf\s+\\?"([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) add(m[1]!, `${where} (annotation)`);
    }
  }
  return used;
}

interface Dashboard {
  uid: string;
  panels: Array<{ id: number; type: string; title: string; gridPos: { x: number; w: number }; datasource?: { uid: string }; targets?: Array<{ expr: string; refId: string; legendFormat?: string }> }>;
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
}

function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

function dashboardMetricNames(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (name: string, where: string): void => {
    used.set(name, [...(used.get(name) ?? []), where]);
  };
  const d = dashboard();
  for (const panel of d.panels) for (const target of panel.targets ?? []) for (const name of metricNames(target.expr)) add(name, `panel "${panel.title}" ${target.refId}`);
  for (const variable of d.templating.list) {
    const match = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*,/.exec(variable.definition ?? '');
    if (match) add(match[1]!, `variable $${variable.name}`);
  }
  return used;
}

/** Family and sample names of an exposition. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const family = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
    if (family) names.add(family[1]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

describe('metricNames (the extractor the checks below rely on)', () => {
  const cases: ReadonlyArray<[string, string[]]> = [
    ['probe_success == 0', ['probe_success']],
    ['3 * 86400 <= probe_ssl_earliest_cert_expiry - time() < 14 * 86400', ['probe_ssl_earliest_cert_expiry']],
    ['count by (slug) (last_over_time(mcp_server_info[1h])) > 1', ['mcp_server_info']],
    ['sum(rate(a_total{job="x", code=~"5.."}[$__rate_interval])) by (slug) / on (slug) group_left (code) b', ['a_total', 'b']],
    ['mcp_probe_status{slug=~"$slug",status="auth_required"} == 1 or vector(0)', ['mcp_probe_status']],
    ['1e3 * x offset 5m', ['x']],
  ];
  for (const [expr, names] of cases) test(expr, () => assert.deepEqual(metricNames(expr), names));
});

describe('alert rules and dashboard use only metrics /metrics exports', () => {
  let app: TestApp;
  let exported: Set<string>;

  before(async () => {
    const states = new Map<number, EndpointState>();
    const latest = new Map<number, ProbeResult>();
    app = await buildTestApp({
      state: (id) => states.get(id) ?? initialState(id),
      latestResult: (id) => latest.get(id),
      scheduler: () => ({ dispatched: 10, skippedOverlap: 1, notOwned: 0, missed: 0, runErrors: 0, endpoints: 1, lastLagMs: 40, recentLagsMs: [10, 40, 900], inFlight: 1, queued: 0 }),
      withStore: (store) => ({ alerts: new SqliteOutbox(store.database) }),
    });
    const endpoint = await app.store.createEndpoint({
      slug: 'weather',
      name: 'Weather',
      url: 'https://weather.example.com/mcp',
      intervalS: 60,
      timeoutMs: 15_000,
      era: 'auto',
      public: true,
      paused: false,
      pausedReason: null,
      tags: ['prod'],
      listTools: true,
      allowPrivate: false,
      source: 'api',
      secrets: { headers: {}, bearerToken: null },
    });
    const at = new Date(Date.now() - 30_000).toISOString();
    states.set(endpoint.id, {
      ...initialState(endpoint.id),
      health: 'down',
      lastStatus: 'down',
      lastCode: 'HTTP_5XX',
      lastDetail: 'HTTP 503',
      lastCheckedAt: at,
      lastDurationMs: 120,
      era: 'streamable',
      protocolVersion: '2025-06-18',
      serverName: 'weather',
      serverVersion: '1.2.0',
      certFingerprint: 'AA:BB',
      certNotAfter: '2027-01-01T00:00:00.000Z',
      toolsHash: 'h',
      toolsCount: 4,
      openIncidentId: 3,
    });
    latest.set(endpoint.id, {
      url: endpoint.url,
      startedAt: at,
      status: 'down',
      code: 'HTTP_5XX',
      detail: 'HTTP 503',
      warnings: [],
      durationMs: 120,
      phases: [
        { phase: 'dns', startMs: 0, ms: 3, ok: true },
        { phase: 'connect', startMs: 3, ms: 5, ok: true },
        { phase: 'tls', startMs: 8, ms: 20, ok: true },
      ],
      era: 'streamable',
      protocolVersion: '2025-06-18',
      supportedVersions: [],
      transport: 'streamable-http',
      server: { name: 'weather', version: '1.2.0', title: null },
      capabilities: null,
      tools: null,
      addresses: [],
      connectedAddress: '192.0.2.1',
      certificate: {
        subject: 'CN=weather.example.com',
        issuer: 'CN=ca',
        sans: ['weather.example.com'],
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter: '2027-01-01T00:00:00.000Z',
        daysLeft: 100,
        earliestNotAfter: '2027-01-01T00:00:00.000Z',
        fingerprint256: 'AA:BB',
        serialNumber: '01',
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        chainValid: true,
        chainError: null,
        hostnameValid: true,
        observedAt: '2026-01-01T00:00:00.000Z',
        resumed: false,
      },
      http: { lastStatus: 503, version: '1.1', responses: 1, headWaitMs: 2 },
      auth: null,
      eraSource: 'detected',
    });
    const response = await app.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200, 'GET /metrics answers');
    exported = exportedNames(response.body);
  });

  after(async () => {
    await app.close();
  });

  test('the seeded scrape has every per-endpoint family (so absence below means a wrong name)', () => {
    for (const name of ['probe_success', 'probe_duration_seconds', 'probe_dns_lookup_time_seconds', 'probe_ssl_earliest_cert_expiry', 'mcp_probe_phase_duration_seconds', 'mcp_probe_status', 'mcp_probe_failure', 'mcp_server_info', 'mcp_tools_listed', 'mcp_endpoint_up', 'mcp_incident_open', 'mcpwatch_schedule_lag_seconds', 'mcpwatch_probes_inflight']) {
      assert.ok(exported.has(name), `${name} is exported`);
    }
  });

  test(`every metric in ${RULES} is exported`, () => {
    const used = rulesMetricNames();
    assert.ok(used.size >= 10, `the rules name ${used.size} metrics`);
    const missing = [...used].filter(([name]) => !exported.has(name) && !PROMETHEUS_SYNTHETIC.has(name)).map(([name, where]) => `${name} (${where.join(', ')})`);
    assert.deepEqual(missing, []);
  });

  test(`every metric in ${DASHBOARD} is exported`, () => {
    const used = dashboardMetricNames();
    assert.ok(used.size >= 10, `the dashboard names ${used.size} metrics`);
    const missing = [...used].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where.join(', ')})`);
    assert.deepEqual(missing, []);
  });
});

describe('the Grafana dashboard', () => {
  test('is importable: unique panel ids, a datasource variable, queries everywhere, within 24 columns', () => {
    const d = dashboard();
    assert.equal(d.uid, 'mcpwatch');
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(d.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'));
    for (const panel of d.panels) {
      assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits`);
      if (panel.type === 'row') continue;
      assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title} uses the datasource variable`);
      assert.ok((panel.targets ?? []).length > 0 && panel.targets!.every((t) => t.expr.trim() !== ''), `${panel.title} has queries`);
    }
  });

  test('has a region variable over a per-endpoint series, and every per-endpoint query filters by it', () => {
    const d = dashboard();
    const region = d.templating.list.find((v) => v.name === 'region');
    assert.equal(region?.type, 'query');
    assert.equal(region.definition, 'label_values(probe_success, region)');
    // Endpoints are offered from the chosen regions; the region comes first so Grafana resolves it first.
    const names = d.templating.list.map((v) => v.name);
    assert.ok(names.indexOf('region') < names.indexOf('slug'), names.join(', '));
    assert.equal(d.templating.list.find((v) => v.name === 'slug')?.definition, 'label_values(probe_success{region=~"$region"}, slug)');
    const perEndpoint = d.panels.flatMap((p) => (p.targets ?? []).filter((t) => t.expr.includes('$slug')).map((t) => ({ title: p.title, expr: t.expr })));
    assert.ok(perEndpoint.length >= 10, `${perEndpoint.length} per-endpoint queries`);
    for (const { title, expr } of perEndpoint) assert.match(expr, /\{[^}]*slug=~"\$slug"[^}]*region=~"\$region"[^}]*\}/, `panel "${title}" filters by region: ${expr}`);
  });
});

/**
 * Two regions, the first with two nodes (both export every endpoint): a up in eu and down in us
 * (a partial outage), b up everywhere, c down everywhere with an open incident, d degraded in eu.
 */
const REGION_SERIES: ReadonlyArray<readonly [string, Record<string, string>, number]> = (() => {
  const where = [
    ['eu', 'n1'],
    ['eu', 'n2'],
    ['us', 'n3'],
  ] as const;
  const out: Array<readonly [string, Record<string, string>, number]> = [];
  for (const [region, instance] of where) {
    const labels = (slug: string, extra: Record<string, string> = {}): Record<string, string> => ({ slug, region, instance, ...extra });
    const up = { a: region === 'eu' ? 1 : 0, b: 1, c: 0, d: 1 } as const;
    for (const [slug, value] of Object.entries(up)) {
      out.push(['mcp_endpoint_up', labels(slug), value], ['probe_success', labels(slug), value], ['mcp_incident_open', labels(slug), slug === 'c' ? 1 : 0]);
      out.push(['probe_ssl_earliest_cert_expiry', labels(slug), slug === 'b' ? 86_400 : 90 * 86_400]);
      const status = value === 0 ? 'down' : slug === 'd' && region === 'eu' ? 'degraded' : 'up';
      for (const s of ['up', 'degraded', 'auth_required', 'down']) out.push(['mcp_probe_status', labels(slug, { status: s }), s === status ? 1 : 0]);
    }
  }
  return out;
})();

/** What each counting panel must say of REGION_SERIES: endpoints, however many regions and nodes export them. */
const EXPECTED_COUNTS: Readonly<Record<string, number>> = { Up: 3, Down: 1, 'Open incidents': 1, 'Certificates expiring within 14 days': 1, 'Requiring authorization': 0, Degraded: 1 };

describe('the Grafana dashboard over several regions and nodes', () => {
  test('counting panels aggregate by slug, per-endpoint lines by slug and region', () => {
    const d = dashboard();
    const stats = d.panels.filter((p) => p.type === 'stat');
    assert.deepEqual(stats.map((p) => p.title).sort(), Object.keys(EXPECTED_COUNTS).sort());
    for (const panel of stats) assert.match(panel.targets![0]!.expr, /^count\((?:max|min) by \(slug\) \(/, panel.title);
    for (const panel of d.panels.filter((p) => p.type === 'timeseries' || p.type === 'state-timeline')) {
      for (const target of (panel.targets ?? []).filter((t) => t.legendFormat?.includes('{{slug}}'))) {
        assert.match(target.expr, /^max by \(slug, region\) \(/, panel.title);
        assert.equal(target.legendFormat, '{{slug}} {{region}}', panel.title);
      }
    }
  });

  test('promtool: two regions and two nodes count each endpoint once', (t) => {
    if (!existsSync(PROMTOOL)) return t.skip('promtool is not installed (apt-get install prometheus)');
    const all = (expr: string): string => expr.replaceAll('$slug', '.*').replaceAll('$region', '.*');
    const d = dashboard();
    const label = (labels: Record<string, string>): string => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    const tests = [
      ...d.panels.filter((p) => p.type === 'stat').map((p) => ({ expr: all(p.targets![0]!.expr), eval_time: '1m', exp_samples: [{ labels: '{}', value: EXPECTED_COUNTS[p.title] }] })),
      // One line per endpoint and region on the probe success timeline: 4 endpoints × 2 regions, not × 3 nodes.
      { expr: `count(${all(d.panels.find((p) => p.title === 'Probe success')!.targets![0]!.expr)})`, eval_time: '1m', exp_samples: [{ labels: '{}', value: 8 }] },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-dashboard-'));
    const file = join(dir, 'dashboard.test.yml');
    writeFileSync(
      file,
      stringify({
        rule_files: [],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: REGION_SERIES.map(([name, labels, value]) => ({ series: `${name}${label(labels)}`, values: `${value} ${value}` })), promql_expr_test: tests }],
      }),
    );
    const tested = spawnSync(PROMTOOL, ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(tested.status, 0, tested.stdout + tested.stderr);
  });
});

describe('promtool', () => {
  const run = (args: string[]) => spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  test(`promtool check rules ${RULES}`, (t) => {
    if (!existsSync(PROMTOOL)) return t.skip('promtool is not installed (apt-get install prometheus)');
    const checked = run(['check', 'rules', RULES]);
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  });
  test(`promtool test rules ${RULE_TESTS}`, (t) => {
    if (!existsSync(PROMTOOL)) return t.skip('promtool is not installed (apt-get install prometheus)');
    const tested = run(['test', 'rules', RULE_TESTS]);
    assert.equal(tested.status, 0, tested.stdout + tested.stderr);
  });
});
