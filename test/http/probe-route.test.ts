// GET /probe's own rules: parameters, tokens, rate limit, the cap on probes at once and the
// scrape-timeout budget, with a stub probe (the route is what is under test there; what it must do
// with a probe's answer is in test/metrics/blackbox-probe.test.ts against real servers). The last
// group runs the real probe: the address policy must hold for a target the caller chose.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { AppDeps, CheckOptions } from '../../src/http/deps.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { scrapeBudgetMs } from '../../src/http/routes/probe.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeRequest } from '../../src/probe/run-probe.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { buildTestApp, testConfig, type TestApp } from './helper.ts';

const TARGET = 'https://mcp.example.com/mcp';

interface Harness {
  readonly t: TestApp;
  readonly full: string;
  readonly readOnly: string;
  readonly calls: Array<{ request: ProbeRequest; options: CheckOptions | undefined }>;
}

async function harness(yaml = '', checkNow?: AppDeps['checkNow']): Promise<Harness> {
  const calls: Harness['calls'] = [];
  const t = await buildTestApp({
    config: testConfig(yaml),
    checkNow:
      checkNow ??
      ((request, options) => {
        calls.push({ request, options });
        return Promise.resolve(probeResult({ url: request.url, http: { lastStatus: 200, version: '1.1', responses: 2, headWaitMs: 3 } }));
      }),
  });
  const full = generateToken();
  const readOnly = generateToken();
  await t.store.createToken('prometheus-full', hashToken(full), false);
  await t.store.createToken('prometheus-ro', hashToken(readOnly), true);
  return { t, full, readOnly, calls };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const probeUrl = (target = TARGET, module = 'mcp'): string => `/probe?target=${encodeURIComponent(target)}&module=${module}`;

describe('GET /probe: parameters', () => {
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    ['no target', '/probe?module=mcp', /target parameter is missing/],
    ['empty target', '/probe?target=&module=mcp', /target parameter is missing/],
    ['a blackbox module', probeUrl(TARGET, 'http_2xx'), /unknown module "http_2xx"; this server has: mcp/],
    ['not a URL', probeUrl('mcp.example.com/mcp'), /not a valid absolute URL/],
    ['another scheme', probeUrl('ftp://mcp.example.com/'), /only http and https URLs can be probed, not ftp/],
    ['credentials in the URL', probeUrl('https://user:pw@mcp.example.com/mcp'), /user:password/],
    ['two targets', '/probe?target=https://a.example.com/&target=https://b.example.com/', /give one target, not a list/],
  ];
  for (const [name, url, message] of cases) {
    test(`${name}: 400 with a reason, no probe`, async () => {
      const { t, full, calls } = await harness();
      try {
        const response = await t.app.inject({ method: 'GET', url, headers: bearer(full) });
        assert.equal(response.statusCode, 400, response.body);
        const body = response.json<{ code: string; message: string }>();
        assert.equal(body.code, 'VALIDATION_FAILED');
        assert.match(body.message, message);
        assert.equal(calls.length, 0);
      } finally {
        await t.close();
      }
    });
  }

  test('module defaults to mcp; the answer is an exposition of that probe, without credentials sent', async () => {
    const { t, full, calls } = await harness();
    try {
      const response = await t.app.inject({ method: 'GET', url: `/probe?target=${encodeURIComponent(TARGET)}`, headers: bearer(full) });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.deepEqual(calls[0]?.request, { url: TARGET, era: 'auto', listTools: false });
      const lines = response.body.split('\n');
      for (const line of ['probe_success 1', 'probe_http_status_code 200', 'probe_http_version 1.1', 'probe_http_ssl 1', 'probe_timeout_seconds 15']) {
        assert.ok(lines.includes(line), `missing ${line} in\n${response.body}`);
      }
    } finally {
      await t.close();
    }
  });
});

describe('GET /probe: who may call', () => {
  const cases: ReadonlyArray<[string, string, 'none' | 'full' | 'read', number]> = [
    ['default (full): no token', '', 'none', 401],
    ['default (full): read-only token', '', 'read', 403],
    ['default (full): full token', '', 'full', 200],
    ['auth read: no token', 'probeEndpoint: { auth: read }', 'none', 401],
    ['auth read: read-only token', 'probeEndpoint: { auth: read }', 'read', 200],
    ['auth none: no token', 'probeEndpoint: { auth: none }', 'none', 200],
  ];
  for (const [name, yaml, token, status] of cases) {
    test(`${name} → ${status}`, async () => {
      const h = await harness(yaml);
      try {
        const headers = token === 'none' ? {} : bearer(token === 'full' ? h.full : h.readOnly);
        const response = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers });
        assert.equal(response.statusCode, status, response.body);
        assert.equal(h.calls.length, status === 200 ? 1 : 0);
      } finally {
        await h.t.close();
      }
    });
  }

  test('a wrong token is refused even when no token is needed', async () => {
    const h = await harness('probeEndpoint: { auth: none }');
    try {
      const response = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(generateToken()) });
      assert.equal(response.statusCode, 401);
      assert.equal(h.calls.length, 0);
    } finally {
      await h.t.close();
    }
  });

  test('turned off: 404 saying so', async () => {
    const h = await harness('probeEndpoint: { enabled: false }');
    try {
      const response = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(h.full) });
      assert.equal(response.statusCode, 404);
      assert.match(response.json<{ message: string }>().message, /probeEndpoint\.enabled: false/);
      assert.equal(h.calls.length, 0);
    } finally {
      await h.t.close();
    }
  });
});

describe('GET /probe: budget, rate limit, probes at once', () => {
  test('scrapeBudgetMs follows blackbox: header less 0.5 s, never above the probe timeout', () => {
    assert.deepEqual(scrapeBudgetMs(undefined, 15_000), { ok: true, ms: 15_000 });
    assert.deepEqual(scrapeBudgetMs('10', 15_000), { ok: true, ms: 9_500 });
    assert.deepEqual(scrapeBudgetMs('3.25', 15_000), { ok: true, ms: 2_750 });
    assert.deepEqual(scrapeBudgetMs('120', 15_000), { ok: true, ms: 15_000 });
    assert.deepEqual(scrapeBudgetMs('0.4', 15_000), { ok: true, ms: 400 });
    for (const bad of ['', '0', '-1', 'ten', '1e3', 'NaN']) assert.equal(scrapeBudgetMs(bad, 15_000).ok, false, bad);
  });

  test('the scrape timeout header shortens the probe; a bad one is a 400', async () => {
    const h = await harness();
    try {
      const ok = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: { ...bearer(h.full), 'x-prometheus-scrape-timeout-seconds': '3' } });
      assert.equal(ok.statusCode, 200);
      const timeoutMs = h.calls[0]?.options?.timeoutMs ?? Number.NaN;
      assert.ok(timeoutMs > 0 && timeoutMs <= 2_500, String(timeoutMs));
      assert.ok(ok.body.split('\n').includes('probe_timeout_seconds 2.5'), ok.body);
      const bad = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: { ...bearer(h.full), 'x-prometheus-scrape-timeout-seconds': 'soon' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ message: string }>().message, /X-Prometheus-Scrape-Timeout-Seconds must be a positive number/);
    } finally {
      await h.t.close();
    }
  });

  test('perMinute is enforced per token', async () => {
    const h = await harness('probeEndpoint: { perMinute: 2 }');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(h.full) })).statusCode);
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.equal(h.calls.length, 2);
    } finally {
      await h.t.close();
    }
  });

  test('concurrency 1: one probe runs, four wait in line, the next gets 503 at once; then all five are answered', async () => {
    const releases: Array<() => void> = [];
    let running = 0;
    let most = 0;
    const checkNow: AppDeps['checkNow'] = async (request) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return probeResult({ url: request.url });
    };
    const h = await harness('probeEndpoint: { concurrency: 1 }', checkNow);
    try {
      const inflight = Array.from({ length: 5 }, () => h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(h.full) }));
      await until(() => releases.length === 1);
      const rejected = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(h.full) });
      assert.equal(rejected.statusCode, 503, rejected.body);
      assert.equal(rejected.headers['retry-after'], '1');
      assert.equal(rejected.json<{ code: string }>().code, 'BUSY');
      for (let done = 0; done < 5; done++) {
        await until(() => releases.length === done + 1);
        releases[done]!();
      }
      const answers = await Promise.all(inflight);
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        [200, 200, 200, 200, 200],
      );
      assert.equal(most, 1);
    } finally {
      for (const release of releases) release();
      await h.t.close();
    }
  });

  test('a caller waiting in line past its scrape timeout gets 503 and never probes', async () => {
    let release: (() => void) | undefined;
    let probes = 0;
    const checkNow: AppDeps['checkNow'] = async (request) => {
      probes++;
      await new Promise<void>((resolve) => (release = resolve));
      return probeResult({ url: request.url });
    };
    const h = await harness('probeEndpoint: { concurrency: 1 }', checkNow);
    try {
      const first = h.t.app.inject({ method: 'GET', url: probeUrl(), headers: bearer(h.full) });
      await until(() => release !== undefined);
      const waiting = await h.t.app.inject({ method: 'GET', url: probeUrl(), headers: { ...bearer(h.full), 'x-prometheus-scrape-timeout-seconds': '0.2' } });
      assert.equal(waiting.statusCode, 503);
      assert.equal(probes, 1);
      release!();
      assert.equal((await first).statusCode, 200);
    } finally {
      release?.();
      await h.t.close();
    }
  });
});

async function until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('GET /probe: the target is hostile (real probes, address policy as configured)', () => {
  // Only loopback targets: were the policy broken, these would still dial nothing off this machine
  // (the metadata and private ranges are covered by the address-policy table tests).
  const cases: ReadonlyArray<[string, (port: number) => string]> = [
    ['loopback IP', (port) => `http://127.0.0.1:${port}/mcp`],
    ['localhost', (port) => `http://localhost:${port}/mcp`],
    ['IPv4-mapped loopback', (port) => `http://[::ffff:127.0.0.1]:${port}/mcp`],
  ];
  for (const [name, target] of cases) {
    test(`${name} without probe.allowPrivate: probe_success 0, ADDRESS_BLOCKED, nothing dialled`, async () => {
      const listener = createServer((socket) => socket.destroy());
      let connections = 0;
      listener.on('connection', () => connections++);
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      const settings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: false, timeoutMs: 5_000 };
      const h = await harness('probe: { allowPrivate: false }', (request, options = {}) => runProbe(request, settings, options.signal ? { signal: options.signal } : {}));
      try {
        const response = await h.t.app.inject({ method: 'GET', url: probeUrl(target(port)), headers: bearer(h.full) });
        assert.equal(response.statusCode, 200, response.body);
        const lines = response.body.split('\n');
        assert.ok(lines.includes('probe_success 0'), response.body);
        assert.ok(lines.includes('mcp_probe_failure{code="ADDRESS_BLOCKED"} 1'), response.body);
        assert.ok(lines.includes('probe_http_status_code 0'));
        assert.equal(connections, 0);
      } finally {
        await h.t.close();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    });
  }
});
