import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { EndpointDefinition } from '../../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { CertificateFacts, ProbeResult } from '../../src/domain/probe-result.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { buildTestApp, testConfig, type TestApp } from './helper.ts';
import { probeResult as baseProbeResult } from '../fixtures/probe-result.ts';

const PROMTOOL = '/usr/bin/promtool';
const CHECKED_AT = '2026-03-01T12:00:00.000Z'; // 1772366400
const LEAF_NOT_AFTER = '2026-09-01T00:00:00.000Z'; // 1788220800
const CHAIN_NOT_AFTER = '2026-06-15T00:00:00.000Z'; // 1781481600: an intermediate expiring before the leaf
const EXPIRED_NOT_AFTER = '2026-01-10T00:00:00.000Z'; // 1768003200
const WEIRD_NAME = 'We"ird\\Server\nName';
const LONG_VERSION = `v${'x'.repeat(200)}`;

function definition(slug: string, overrides: Partial<EndpointDefinition> = {}): EndpointDefinition {
  return {
    slug,
    name: `Server ${slug}`,
    url: `https://${slug}.example.com/mcp`,
    intervalS: 60,
    timeoutMs: 15_000,
    era: 'auto',
    public: true,
    paused: false,
    pausedReason: null,
    tags: ['team-a'],
    listTools: true,
    allowPrivate: false,
    source: 'api',
    secrets: { headers: {}, bearerToken: null },
    ...overrides,
  };
}

function certificate(notAfter: string, earliestNotAfter: string): CertificateFacts {
  return {
    subject: 'CN=x',
    issuer: 'CN=ca',
    sans: ['x'],
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter,
    daysLeft: 10,
    earliestNotAfter,
    fingerprint256: 'AA:BB',
    serialNumber: '01',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_128_GCM_SHA256',
    chainValid: true,
    chainError: null,
    hostnameValid: true,
    observedAt: '2026-01-01T00:00:00.000Z',
    resumed: false,
  };
}

function probeResult(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return baseProbeResult({ url: 'https://x.example.com/mcp', startedAt: CHECKED_AT, durationMs: 48, ...overrides });
}

const SLUGS = ['alpha', 'expired', 'refused', 'auth', 'fresh', 'paused'] as const;
type Slug = (typeof SLUGS)[number];

interface Fleet {
  readonly t: TestApp;
  readonly ids: Record<Slug, number>;
  readonly states: Map<number, EndpointState>;
  readonly latest: Map<number, ProbeResult>;
  /** Moves the clock past the one-second render cache. */
  readonly tick: () => void;
}

/** Six endpoints covering each way a series can be present or absent. */
async function seededFleet(overrides: Partial<AppDeps> & { yaml?: string } = {}): Promise<Fleet> {
  const states = new Map<number, EndpointState>();
  const latest = new Map<number, ProbeResult>();
  let now = Date.parse('2026-03-01T12:01:00.000Z');
  const t = await buildTestApp({
    clock: () => now,
    state: (id) => states.get(id) ?? initialState(id),
    latestResult: (id) => latest.get(id),
    ...overrides,
  });
  const create = async (slug: Slug): Promise<number> =>
    (await t.store.createEndpoint(definition(slug, { public: slug !== 'refused', paused: slug === 'paused', pausedReason: slug === 'paused' ? 'maintenance' : null }))).id;
  const ids = {} as Record<Slug, number>;
  for (const slug of SLUGS) ids[slug] = await create(slug);
  const base = (slug: Slug): EndpointState => ({ ...initialState(ids[slug]), lastCheckedAt: CHECKED_AT, lastDurationMs: 48 });

  states.set(ids.alpha, {
    ...base('alpha'),
    health: 'up',
    lastStatus: 'up',
    era: 'modern',
    protocolVersion: '2026-07-28',
    serverName: WEIRD_NAME,
    serverVersion: LONG_VERSION,
    certNotAfter: LEAF_NOT_AFTER,
    toolsCount: 3,
  });
  latest.set(
    ids.alpha,
    probeResult({
      era: 'modern',
      certificate: certificate(LEAF_NOT_AFTER, CHAIN_NOT_AFTER),
      http: { lastStatus: 200, version: '1.1', responses: 3, headWaitMs: 18 },
      addresses: [{ address: '192.0.2.10', family: 4, ttl: 60 }],
      connectedAddress: '192.0.2.10',
      phases: [
        { phase: 'dns', startMs: 0, ms: 2, ok: true },
        { phase: 'connect', startMs: 2, ms: 3, ok: true },
        { phase: 'tls', startMs: 5, ms: 12, ok: true },
        { phase: 'discover', startMs: 17, ms: 20, ok: true },
        // A -32022 retry: the second discover adds to the first.
        { phase: 'discover', startMs: 37, ms: 5, ok: true },
        { phase: 'tools_list', startMs: 42, ms: 8, ok: true },
      ],
    }),
  );

  // Expired certificate: the probe failed on it, and the expiry is still exported.
  states.set(ids.expired, {
    ...base('expired'),
    health: 'down',
    lastStatus: 'down',
    lastCode: 'TLS_CERT_EXPIRED',
    lastDetail: 'certificate expired',
    certNotAfter: EXPIRED_NOT_AFTER,
    era: 'streamable',
    protocolVersion: '2025-06-18',
    openIncidentId: 7,
  });
  latest.set(
    ids.expired,
    probeResult({
      status: 'down',
      code: 'TLS_CERT_EXPIRED',
      certificate: certificate(EXPIRED_NOT_AFTER, EXPIRED_NOT_AFTER),
      phases: [
        { phase: 'dns', startMs: 0, ms: 1, ok: true },
        { phase: 'connect', startMs: 1, ms: 1, ok: true },
        { phase: 'tls', startMs: 2, ms: 4, ok: false },
      ],
    }),
  );

  // The last probe never reached TLS: the certificate seen before (endpoint_state) is kept.
  states.set(ids.refused, { ...base('refused'), health: 'up', lastStatus: 'down', lastCode: 'TCP_REFUSED', consecutiveFailures: 1, certNotAfter: LEAF_NOT_AFTER });
  latest.set(
    ids.refused,
    probeResult({
      status: 'down',
      code: 'TCP_REFUSED',
      phases: [
        { phase: 'dns', startMs: 0, ms: 1.5, ok: true },
        { phase: 'connect', startMs: 1.5, ms: 0.5, ok: false },
      ],
    }),
  );

  states.set(ids.auth, { ...base('auth'), health: 'up', lastStatus: 'auth_required', lastCode: 'AUTH_REQUIRED' });
  states.set(ids.paused, { ...base('paused'), health: 'up', lastStatus: 'up' });

  return {
    t,
    ids,
    states,
    latest,
    tick: () => {
      now += 5000;
    },
  };
}

async function scrape(t: TestApp): Promise<string> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return response.body;
}

function linesFor(body: string, slug: string): string[] {
  return body.split('\n').filter((line) => line.includes(`{slug="${slug}"`));
}

function runPromtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

test('one endpoint: exactly these lines, server-supplied labels escaped and cut, repeated phases summed, earliest chain expiry', async () => {
  const { t } = await seededFleet();
  try {
    const body = await scrape(t);
    assert.deepEqual(linesFor(body, 'alpha'), [
      'probe_success{slug="alpha"} 1',
      'probe_duration_seconds{slug="alpha"} 0.048',
      'probe_dns_lookup_time_seconds{slug="alpha"} 0.002',
      'probe_ssl_earliest_cert_expiry{slug="alpha"} 1781481600',
      'mcp_probe_phase_duration_seconds{slug="alpha",phase="dns"} 0.002',
      'mcp_probe_phase_duration_seconds{slug="alpha",phase="connect"} 0.003',
      'mcp_probe_phase_duration_seconds{slug="alpha",phase="tls"} 0.012',
      'mcp_probe_phase_duration_seconds{slug="alpha",phase="discover"} 0.025',
      'mcp_probe_phase_duration_seconds{slug="alpha",phase="tools_list"} 0.008',
      'mcp_probe_status{slug="alpha",status="up"} 1',
      'mcp_probe_status{slug="alpha",status="degraded"} 0',
      'mcp_probe_status{slug="alpha",status="auth_required"} 0',
      'mcp_probe_status{slug="alpha",status="down"} 0',
      `mcp_server_info{slug="alpha",era="modern",protocol_version="2026-07-28",server_name="We\\"ird\\\\Server\\nName",server_version="v${'x'.repeat(126)}…"} 1`,
      'mcp_tools_listed{slug="alpha"} 3',
      'mcp_endpoint_up{slug="alpha"} 1',
      'mcp_incident_open{slug="alpha"} 0',
      'mcp_probe_last_check_timestamp_seconds{slug="alpha"} 1772366400',
      'probe_http_status_code{slug="alpha"} 200',
      'probe_http_version{slug="alpha"} 1.1',
      'probe_http_ssl{slug="alpha"} 1',
      'probe_http_duration_seconds{slug="alpha",phase="resolve"} 0.002',
      'probe_http_duration_seconds{slug="alpha",phase="connect"} 0.003',
      'probe_http_duration_seconds{slug="alpha",phase="tls"} 0.012',
      // Three requests waited 18 ms for their heads; the MCP exchanges took 33 ms in all.
      'probe_http_duration_seconds{slug="alpha",phase="processing"} 0.018',
      'probe_http_duration_seconds{slug="alpha",phase="transfer"} 0.015',
      'probe_tls_version_info{slug="alpha",version="TLS 1.3"} 1',
      'probe_ssl_last_chain_expiry_timestamp_seconds{slug="alpha"} 1781481600',
      'probe_ip_protocol{slug="alpha"} 4',
      // FNV-1a 32 of the bytes c0 00 02 0a, as blackbox's ipHash computes it.
      'probe_ip_addr_hash{slug="alpha"} 1886098357',
    ]);
  } finally {
    await t.close();
  }
});

test('an expired certificate keeps its expiry; a failed round exports its code, probe_success 0, an open incident', async () => {
  const { t } = await seededFleet();
  try {
    const lines = linesFor(await scrape(t), 'expired');
    for (const line of [
      'probe_success{slug="expired"} 0',
      'probe_ssl_earliest_cert_expiry{slug="expired"} 1768003200',
      'mcp_probe_failure{slug="expired",code="TLS_CERT_EXPIRED"} 1',
      'mcp_probe_status{slug="expired",status="down"} 1',
      'mcp_server_info{slug="expired",era="streamable",protocol_version="2025-06-18",server_name="",server_version=""} 1',
      'mcp_endpoint_up{slug="expired"} 0',
      'mcp_incident_open{slug="expired"} 1',
    ]) {
      assert.ok(lines.includes(line), `missing ${line} in\n${lines.join('\n')}`);
    }
  } finally {
    await t.close();
  }
});

test('a probe that never reached TLS keeps the last known expiry: the chain seen earlier, else the stored leaf', async () => {
  const fleet = await seededFleet();
  const { t, ids, latest, tick } = fleet;
  try {
    // No certificate seen by this process yet: the leaf's notAfter from endpoint_state.
    let lines = linesFor(await scrape(t), 'refused');
    assert.ok(lines.includes('probe_ssl_earliest_cert_expiry{slug="refused"} 1788220800'), lines.join('\n'));
    assert.ok(lines.includes('probe_success{slug="refused"} 0'));
    assert.ok(lines.includes('mcp_probe_failure{slug="refused",code="TCP_REFUSED"} 1'));
    // Failing, but not yet confirmed down (downAfter 2): the confirmed health is still up.
    assert.ok(lines.includes('mcp_endpoint_up{slug="refused"} 1'));
    assert.ok(lines.includes('probe_dns_lookup_time_seconds{slug="refused"} 0.0015'));

    // A good probe shows the chain's earliest expiry; the next refused one keeps it.
    latest.set(ids.refused, probeResult({ certificate: certificate(LEAF_NOT_AFTER, CHAIN_NOT_AFTER) }));
    tick();
    lines = linesFor(await scrape(t), 'refused');
    assert.ok(lines.includes('probe_ssl_earliest_cert_expiry{slug="refused"} 1781481600'), lines.join('\n'));
    latest.set(ids.refused, probeResult({ status: 'down', code: 'TCP_REFUSED' }));
    tick();
    lines = linesFor(await scrape(t), 'refused');
    assert.ok(lines.includes('probe_ssl_earliest_cert_expiry{slug="refused"} 1781481600'), lines.join('\n'));
  } finally {
    await t.close();
  }
});

test('auth_required counts as success by default and as failure when the policy says it is an outage', async () => {
  for (const [yaml, expected] of [
    ['', 1],
    ['health: { authRequiredIsOutage: true }', 0],
  ] as const) {
    const { t } = await seededFleet({ config: testConfig(yaml) });
    try {
      const lines = linesFor(await scrape(t), 'auth');
      assert.ok(lines.includes(`probe_success{slug="auth"} ${expected}`), `${yaml}: ${lines.join('\n')}`);
      assert.ok(lines.includes('mcp_probe_status{slug="auth",status="auth_required"} 1'));
      assert.ok(lines.includes('mcp_probe_failure{slug="auth",code="AUTH_REQUIRED"} 1'));
    } finally {
      await t.close();
    }
  }
});

test('archived: no series, like paused, even with a last result in memory', async () => {
  const { t, states, latest, tick } = await seededFleet();
  try {
    const [gone] = (await t.store.syncConfigEndpoints([definition('gone', { source: 'config' })])).endpoints;
    assert.ok(gone);
    states.set(gone.id, { ...initialState(gone.id), health: 'up', lastStatus: 'up', lastCheckedAt: CHECKED_AT, lastDurationMs: 48 });
    latest.set(gone.id, probeResult());
    assert.notDeepEqual(linesFor(await scrape(t), 'gone'), [], 'live: it has series');
    await t.store.syncConfigEndpoints([]);
    tick();
    assert.deepEqual(linesFor(await scrape(t), 'gone'), []);
  } finally {
    await t.close();
  }
});

test('never checked: only mcp_incident_open; paused: no series; no URL or tag anywhere', async () => {
  const { t } = await seededFleet();
  try {
    const body = await scrape(t);
    assert.deepEqual(linesFor(body, 'fresh'), ['mcp_incident_open{slug="fresh"} 0']);
    assert.deepEqual(linesFor(body, 'paused'), []);
    assert.doesNotMatch(body, /example\.com|team-a/);
  } finally {
    await t.close();
  }
});

test('HELP and TYPE once per family, each family contiguous', async () => {
  const { t } = await seededFleet();
  try {
    const body = await scrape(t);
    const typeLines = body.split('\n').filter((l) => l.startsWith('# TYPE '));
    const names = typeLines.map((l) => l.split(' ')[2]);
    assert.equal(new Set(names).size, names.length, 'a family declared twice');
    for (const name of ['probe_success', 'mcp_probe_phase_duration_seconds', 'mcp_server_info', 'mcpwatch_schedule_lag_seconds', 'process_cpu_seconds_total']) {
      assert.ok(names.includes(name), `no family ${name}`);
    }
    // Contiguous: once a family's samples end, its name does not come back.
    const seen: string[] = [];
    for (const line of body.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '';
      const family = name.replace(/_(sum|count|bucket)$/, '');
      if (seen.at(-1) !== family) {
        assert.ok(!seen.includes(family), `family ${family} is split`);
        seen.push(family);
      }
    }
  } finally {
    await t.close();
  }
});

test('scheduler and process metrics; scrapes within a second share one render', async () => {
  let delayCalls = 0;
  const { t, tick } = await seededFleet({
    scheduler: () => ({
      dispatched: 42,
      skippedOverlap: 3, notOwned: 0,
      missed: 1,
      runErrors: 0,
      endpoints: 6,
      lastLagMs: 12,
      recentLagsMs: [40, 10, 30, 20, 1000, 15, 25, 35, 5, 45],
      inFlight: 5,
      queued: 7,
    }),
    loopDelayMs: () => {
      delayCalls++;
      return 250;
    },
  });
  try {
    const body = await scrape(t);
    const lines = body.split('\n');
    for (const line of [
      'mcpwatch_probes_dispatched_total 42',
      'mcpwatch_probes_skipped_overlap_total 3',
      'mcpwatch_probes_inflight 5',
      'mcpwatch_probes_queued 7',
      'mcpwatch_event_loop_delay_max_seconds 0.25',
      'mcpwatch_schedule_lag_seconds{quantile="0.5"} 0.025',
      'mcpwatch_schedule_lag_seconds{quantile="0.9"} 0.045',
      'mcpwatch_schedule_lag_seconds{quantile="0.99"} 1',
      '# TYPE mcpwatch_schedule_lag_seconds summary',
    ]) {
      assert.ok(lines.includes(line), `missing ${line}`);
    }
    assert.ok(lines.some((l) => l.startsWith('process_cpu_seconds_total ')));
    assert.ok(lines.some((l) => l.startsWith('nodejs_heap_size_used_bytes ')));

    assert.equal(await scrape(t), body);
    assert.equal(delayCalls, 1, 'the second scrape within the second rendered again');
    tick();
    await scrape(t);
    assert.equal(delayCalls, 2);
  } finally {
    await t.close();
  }
});

test('promtool check metrics accepts the whole exposition', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} is not installed (apt-get install prometheus; .ci/run installs it)` }, async () => {
  const { t } = await seededFleet({
    scheduler: () => ({ dispatched: 1, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 6, lastLagMs: 1, recentLagsMs: [1, 2], inFlight: 0, queued: 0 }),
  });
  try {
    const body = await scrape(t);
    const { code, output } = await runPromtool(body);
    assert.equal(output, '', `promtool reported problems:\n${output}`);
    assert.equal(code, 0);
  } finally {
    await t.close();
  }
});
