// Every failure code and warning the probe can report, each produced by a real peer on loopback
// (test/fixtures/fault-server.ts, certs.ts, dns-server.ts), with the exact status and code and
// a bound on how long the probe took: a hostile server must never hold a probe past its limits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_CODES, WARNING_CODES, type FailureCode, type Status, type WarningCode } from '../../src/domain/failure-codes.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeRequest, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { createTestPki, type TestPki } from '../fixtures/certs.ts';
import { startDnsServer, unusedUdpPort, type TestDnsServer } from '../fixtures/dns-server.ts';
import { netnsUnavailable } from '../fixtures/netns.ts';
import {
  closedPort,
  FAULT_AUTH_TOKEN,
  startBacklogFullListener,
  startFaultServer,
  startSilentTcpServer,
  type BacklogFullListener,
  type FaultServer,
  type SocketPeer,
} from '../fixtures/fault-server.ts';

/**
 * Slack for scheduling, handshakes and teardown on top of the limit that ends a probe. It bounds
 * "never held past its limit", so it must absorb a loaded runner: 500 ms failed on a loaded
 * 2-core machine (durationMs 925 for an immediate refusal, wall 1302 ms for an 800 ms limit).
 * Which timer ended a probe is asserted by its failure code (TCP_TIMEOUT, HTTP_TTFB_TIMEOUT, …
 * versus PROBE_TIMEOUT at SETTINGS.timeoutMs), so a generous margin hides no wrong timer; it only
 * catches a probe that hangs far past every limit.
 */
const MARGIN_MS = 10_000;
/** How much earlier than its limit a timeout may fire (timer granularity). */
const EARLY_MS = 50;

const SETTINGS: ProbeSettings = Object.freeze({
  ...DEFAULT_PROBE_SETTINGS,
  timeoutMs: 3000,
  dnsTimeoutMs: 500,
  connectTimeoutMs: 800,
  tlsTimeoutMs: 800,
  ttfbMs: 800,
  bodyMs: 800,
  sseEventMs: 800,
  allowPrivate: true,
});

type TimeLimit = 'timeoutMs' | 'dnsTimeoutMs' | 'connectTimeoutMs' | 'tlsTimeoutMs' | 'ttfbMs' | 'bodyMs' | 'sseEventMs';
type CertPreset = 'valid' | 'expired' | 'notYetValid' | 'expiringIn5Days' | 'wrongHost' | 'selfSigned' | 'untrustedCa';
const CERT_PRESETS: readonly CertPreset[] = ['valid', 'expired', 'notYetValid', 'expiringIn5Days', 'wrongHost', 'selfSigned', 'untrustedCa'];

interface Env {
  http: FaultServer;
  https: Record<CertPreset, FaultServer>;
  silent: SocketPeer;
  tlsReset: SocketPeer;
  refusedPort: number;
  backlog: BacklogFullListener;
  dns: TestDnsServer;
  /** A UDP port nothing listens on: a resolver that is down. */
  refusedDnsPort: number;
  pki: TestPki;
}

let env: Env | undefined;
function fx(): Env {
  assert.ok(env, 'fixtures did not start');
  return env;
}

/** Teardown for whatever started, even when a later fixture fails to. */
const closers: (() => Promise<void>)[] = [];
async function started<T extends { close(): Promise<void> }>(fixture: Promise<T>): Promise<T> {
  const running = await fixture;
  closers.push(() => running.close());
  return running;
}

before(async () => {
  const pki = await createTestPki();
  const https = {} as Record<CertPreset, FaultServer>;
  for (const preset of CERT_PRESETS) https[preset] = await started(startFaultServer({ tls: pki[preset] }));
  env = {
    http: await started(startFaultServer()),
    https,
    silent: await started(startSilentTcpServer()),
    tlsReset: await started(startSilentTcpServer({ resetOnData: true })),
    refusedPort: await closedPort(),
    backlog: await started(startBacklogFullListener()),
    dns: await started(
      startDnsServer({
        'nodata.test': 'nodata',
        'servfail.test': 'servfail',
        'silent.test': 'noanswer',
        'loopback.test': { a: ['127.0.0.1'] },
        'other.test': { a: ['127.0.0.1'] },
      }),
    ),
    refusedDnsPort: await unusedUdpPort(),
    pki,
  };
});

after(async () => {
  await Promise.all(closers.map((close) => close()));
});

interface Outcome {
  result: ProbeResult;
  wallMs: number;
}

async function timedProbe(request: ProbeRequest, settings: ProbeSettings): Promise<Outcome> {
  const started = performance.now();
  const result = await runProbe(request, settings);
  return { result, wallMs: performance.now() - started };
}

interface Case {
  readonly name: string;
  readonly status: Status;
  readonly code: FailureCode | null;
  readonly warnings?: readonly WarningCode[];
  /**
   * What ends the probe. A named limit is a timeout the probe must wait out (no earlier than the
   * limit) and not overstay; a number is the time the fault itself takes; 0: nothing to wait for.
   */
  readonly limit: TimeLimit | number;
  readonly url: () => string;
  readonly request?: Omit<ProbeRequest, 'url'>;
  readonly settings?: () => Partial<ProbeSettings>;
  /** The server whose connections the probe must not leave open. */
  readonly server?: () => FaultServer;
  readonly check?: (result: ProbeResult) => void;
  /** Runs the probe somewhere else (a network namespace); returns a reason to skip, or the outcome. */
  readonly run?: (settings: ProbeSettings) => Promise<Outcome | string>;
}

const http = (path: string) => (): string => fx().http.url(path);
const httpServer = (): FaultServer => fx().http;
const tls = (preset: CertPreset, path = '/ok') => (): string => fx().https[preset].url(path);
const tlsServer = (preset: CertPreset) => (): FaultServer => fx().https[preset];
const trustTestCa = (): Partial<ProbeSettings> => ({ extraCaPem: fx().pki.caPem });
const useTestDns = (): Partial<ProbeSettings> => ({ dnsServers: [fx().dns.address] });

const CASES: readonly Case[] = [
  // Sanity: the fixture's responder is a working server, so every failure below is the fault's.
  { name: 'working 2025-11-25 responder', status: 'up', code: null, limit: 0, url: http('/ok'), server: httpServer, request: { listTools: true }, check: (r) => assert.equal(r.tools?.count, 1) },
  { name: 'working responder over TLS', status: 'up', code: null, limit: 0, url: tls('valid'), settings: trustTestCa, server: tlsServer('valid') },

  // URL and address policy: nothing is sent anywhere.
  { name: 'URL_INVALID ftp scheme', status: 'down', code: 'URL_INVALID', limit: 0, url: () => 'ftp://x' },
  { name: 'URL_INVALID user-info', status: 'down', code: 'URL_INVALID', limit: 0, url: () => 'http://user:pw@h/' },
  { name: 'URL_INVALID not a URL', status: 'down', code: 'URL_INVALID', limit: 0, url: () => 'not a url' },
  {
    name: 'ADDRESS_BLOCKED name resolving to 127.0.0.1 without allowPrivate',
    status: 'down',
    code: 'ADDRESS_BLOCKED',
    limit: 0,
    url: () => `http://loopback.test:${fx().http.port}/ok`,
    settings: () => ({ ...useTestDns(), allowPrivate: false }),
    check: (r) => {
      assert.equal(r.connectedAddress, null);
      assert.deepEqual(r.addresses.map((a) => a.address), ['127.0.0.1']);
    },
  },
  { name: 'ADDRESS_BLOCKED literal 127.0.0.1 without allowPrivate', status: 'down', code: 'ADDRESS_BLOCKED', limit: 0, url: http('/ok'), settings: () => ({ allowPrivate: false }) },

  // DNS, against the fixture resolver.
  { name: 'DNS_NXDOMAIN', status: 'down', code: 'DNS_NXDOMAIN', limit: 0, url: () => 'http://nx.test/', settings: useTestDns },
  { name: 'DNS_NO_RECORDS', status: 'down', code: 'DNS_NO_RECORDS', limit: 0, url: () => 'http://nodata.test/', settings: useTestDns },
  { name: 'DNS_SERVFAIL', status: 'down', code: 'DNS_SERVFAIL', limit: 0, url: () => 'http://servfail.test/', settings: useTestDns },
  { name: 'DNS_TIMEOUT', status: 'down', code: 'DNS_TIMEOUT', limit: 'dnsTimeoutMs', url: () => 'http://silent.test/', settings: useTestDns },
  // ICMP port unreachable comes back at once: a resolver that is down, not a slow one.
  {
    name: 'DNS_UNREACHABLE resolver port refuses (nothing listens there)',
    status: 'down',
    code: 'DNS_UNREACHABLE',
    limit: 0,
    url: () => 'http://mcp.test/',
    settings: () => ({ dnsServers: [`127.0.0.1:${fx().refusedDnsPort}`] }),
    check: (r) => assert.match(r.detail, /no DNS server could be reached/),
  },

  // TCP.
  { name: 'TCP_REFUSED closed port', status: 'down', code: 'TCP_REFUSED', limit: 0, url: () => `http://127.0.0.1:${fx().refusedPort}/` },
  { name: 'TCP_TIMEOUT full accept queue (SIGSTOPped listener)', status: 'down', code: 'TCP_TIMEOUT', limit: 'connectTimeoutMs', url: () => `http://127.0.0.1:${fx().backlog.port}/` },
  {
    name: 'TCP_UNREACHABLE no route (loopback-only network namespace)',
    status: 'down',
    code: 'TCP_UNREACHABLE',
    limit: 0,
    url: () => 'http://10.255.255.1:9/',
    run: probeInEmptyNetns,
  },
  { name: 'CONN_RESET RST on request', status: 'down', code: 'CONN_RESET', limit: 0, url: http('/reset'), server: httpServer },

  // TLS.
  { name: 'TLS_TIMEOUT listener that never speaks', status: 'down', code: 'TLS_TIMEOUT', limit: 'tlsTimeoutMs', url: () => `https://127.0.0.1:${fx().silent.port}/` },
  { name: 'TLS_HANDSHAKE_FAILED reset in answer to the ClientHello', status: 'down', code: 'TLS_HANDSHAKE_FAILED', limit: 0, url: () => `https://127.0.0.1:${fx().tlsReset.port}/` },
  { name: 'TLS_HANDSHAKE_FAILED plain HTTP on an https URL', status: 'down', code: 'TLS_HANDSHAKE_FAILED', limit: 0, url: () => fx().http.url('/ok').replace(/^http:/, 'https:'), server: httpServer },
  { name: 'TLS_CERT_EXPIRED', status: 'down', code: 'TLS_CERT_EXPIRED', limit: 0, url: tls('expired'), settings: trustTestCa, server: tlsServer('expired'), check: (r) => assert.ok(r.certificate && r.certificate.daysLeft < 0) },
  { name: 'TLS_CERT_NOT_YET_VALID', status: 'down', code: 'TLS_CERT_NOT_YET_VALID', limit: 0, url: tls('notYetValid'), settings: trustTestCa, server: tlsServer('notYetValid') },
  {
    name: 'TLS_HOSTNAME_MISMATCH IP literal not in the SANs',
    status: 'down',
    code: 'TLS_HOSTNAME_MISMATCH',
    limit: 0,
    url: tls('wrongHost'),
    settings: trustTestCa,
    server: tlsServer('wrongHost'),
    // The chain is fine (issued by the trusted test CA); only the name is wrong.
    check: (r) => assert.equal(r.certificate?.chainValid, true, `chainError: ${r.certificate?.chainError}`),
  },
  {
    name: 'TLS_HOSTNAME_MISMATCH host name (SNI) not in the SANs',
    status: 'down',
    code: 'TLS_HOSTNAME_MISMATCH',
    limit: 0,
    url: () => `https://other.test:${fx().https.valid.port}/ok`,
    settings: () => ({ ...trustTestCa(), ...useTestDns() }),
    server: tlsServer('valid'),
  },
  { name: 'TLS_UNTRUSTED self-signed', status: 'down', code: 'TLS_UNTRUSTED', limit: 0, url: tls('selfSigned'), settings: trustTestCa, server: tlsServer('selfSigned') },
  { name: 'TLS_UNTRUSTED unknown CA', status: 'down', code: 'TLS_UNTRUSTED', limit: 0, url: tls('untrustedCa'), settings: trustTestCa, server: tlsServer('untrustedCa') },
  {
    name: 'TLS_CERT_EXPIRING warning on a working server',
    status: 'up',
    code: null,
    warnings: ['TLS_CERT_EXPIRING'],
    limit: 0,
    url: tls('expiringIn5Days'),
    settings: trustTestCa,
    server: tlsServer('expiringIn5Days'),
    check: (r) => assert.equal(r.certificate?.daysLeft, 4),
  },

  // HTTP status.
  {
    name: 'HTTP_REDIRECT 307 on POST, not followed',
    status: 'down',
    code: 'HTTP_REDIRECT',
    limit: 0,
    url: http('/redirect'),
    server: httpServer,
    check: () => assert.equal(fx().http.requests.filter((r) => r.path === '/redirect-target').length, 0, 'the probe followed the redirect'),
  },
  { name: 'HTTP_RATE_LIMITED 429 + Retry-After', status: 'down', code: 'HTTP_RATE_LIMITED', limit: 0, url: http('/rate-limited'), server: httpServer, check: (r) => assert.match(r.detail, /Retry-After: 120/) },
  { name: 'HTTP_4XX 418 to everything', status: 'down', code: 'HTTP_4XX', limit: 0, url: http('/teapot'), server: httpServer },
  { name: 'HTTP_NOT_FOUND 404 to every transport', status: 'down', code: 'HTTP_NOT_FOUND', limit: 0, url: http('/gone-404'), server: httpServer },
  { name: 'HTTP_5XX', status: 'down', code: 'HTTP_5XX', limit: 0, url: http('/error-500'), server: httpServer },
  {
    name: 'AUTH_REQUIRED 401 + RFC 9728 metadata',
    status: 'auth_required',
    code: 'AUTH_REQUIRED',
    limit: 0,
    url: http('/auth'),
    server: httpServer,
    check: (r) => {
      assert.equal(r.auth?.resourceMetadataUrl, fx().http.url('/.well-known/oauth-protected-resource/auth'));
      assert.deepEqual(r.auth?.authorizationServers, [fx().http.url('/as')]);
      assert.equal(r.auth?.metadataError, null);
    },
  },
  { name: 'AUTH_FAILED 401 with a wrong bearer token', status: 'down', code: 'AUTH_FAILED', limit: 0, url: http('/auth'), request: { bearerToken: 'wrong-token' }, server: httpServer },
  { name: 'auth: the right bearer token gets through', status: 'up', code: null, limit: 0, url: http('/auth'), request: { bearerToken: FAULT_AUTH_TOKEN }, server: httpServer },
  { name: 'AUTH_FORBIDDEN 403', status: 'down', code: 'AUTH_FORBIDDEN', limit: 0, url: http('/forbidden'), server: httpServer },

  // Time and size limits on replies.
  { name: 'HTTP_TTFB_TIMEOUT headers never sent', status: 'down', code: 'HTTP_TTFB_TIMEOUT', limit: 'ttfbMs', url: http('/hang-headers'), server: httpServer },
  { name: 'HTTP_TTFB_TIMEOUT plain listener that never answers', status: 'down', code: 'HTTP_TTFB_TIMEOUT', limit: 'ttfbMs', url: () => `http://127.0.0.1:${fx().silent.port}/` },
  { name: 'BODY_TIMEOUT slowloris body', status: 'down', code: 'BODY_TIMEOUT', limit: 'bodyMs', url: http('/slow-body'), server: httpServer },
  { name: 'BODY_TOO_LARGE 10 MB chunked body', status: 'down', code: 'BODY_TOO_LARGE', limit: 0, url: http('/huge-body'), server: httpServer },
  { name: 'BODY_TOO_LARGE 10 MB declared Content-Length', status: 'down', code: 'BODY_TOO_LARGE', limit: 0, url: http('/huge-body?declared=1'), server: httpServer },
  { name: 'PROBE_TIMEOUT every step slow, none over its own limit', status: 'down', code: 'PROBE_TIMEOUT', limit: 'timeoutMs', url: http('/drip-timeout'), server: httpServer },

  // Content.
  { name: 'UNEXPECTED_CONTENT_TYPE text/html to POST', status: 'down', code: 'UNEXPECTED_CONTENT_TYPE', limit: 0, url: http('/html'), server: httpServer },
  { name: 'INVALID_JSON', status: 'down', code: 'INVALID_JSON', limit: 0, url: http('/bad-json'), server: httpServer },
  { name: 'INVALID_JSONRPC', status: 'down', code: 'INVALID_JSONRPC', limit: 0, url: http('/not-jsonrpc'), server: httpServer },
  { name: 'SSE_TIMEOUT priming event then silence', status: 'down', code: 'SSE_TIMEOUT', limit: 'sseEventMs', url: http('/sse-silent'), server: httpServer },
  // Flooded with notifications, the event cap (maxSseEvents, 200) is met within milliseconds,
  // long before the byte cap (200 events ≈ 22 KB of 1 MiB) or the SSE wait (sseEventMs).
  { name: 'SSE_NO_RESPONSE endless notification flood (event cap)', status: 'down', code: 'SSE_NO_RESPONSE', limit: 0, url: http('/sse-endless'), server: httpServer },
  // One notification every 50 ms: 16 events in 800 ms, far from the cap, so the wait ends it.
  { name: 'SSE_TIMEOUT endless slow notification drip (wait)', status: 'down', code: 'SSE_TIMEOUT', limit: 'sseEventMs', url: http('/sse-endless?interval=50'), server: httpServer },
  { name: 'SSE_NO_RESPONSE stream ends without the response', status: 'down', code: 'SSE_NO_RESPONSE', limit: 0, url: http('/sse-closes'), server: httpServer },
  { name: 'SSE_ENDPOINT_MISSING HTTP+SSE stream without endpoint event', status: 'down', code: 'SSE_ENDPOINT_MISSING', limit: 0, url: http('/legacy-no-endpoint'), server: httpServer },
  {
    name: 'SSE_ENDPOINT_CROSS_ORIGIN endpoint on 127.0.0.2',
    status: 'down',
    code: 'SSE_ENDPOINT_CROSS_ORIGIN',
    limit: 0,
    url: http('/legacy-cross-origin'),
    server: httpServer,
    check: (r) => assert.match(r.detail, /127\.0\.0\.2/),
  },
  {
    name: 'SSE_ENDPOINT_CROSS_ORIGIN endpoint on localhost, never followed',
    status: 'down',
    code: 'SSE_ENDPOINT_CROSS_ORIGIN',
    limit: 0,
    url: http('/legacy-cross-origin?host=localhost'),
    server: httpServer,
    // localhost:PORT is this very server: a followed endpoint would show up here.
    check: () => assert.deepEqual(fx().http.requests.filter((r) => r.path.startsWith('/legacy-cross-origin/message')), []),
  },
  { name: 'NOT_MCP web page (POST 405, GET text/html)', status: 'down', code: 'NOT_MCP', limit: 0, url: http('/web-page'), server: httpServer },

  // MCP handshake.
  { name: 'JSONRPC_ERROR initialize → -32603', status: 'down', code: 'JSONRPC_ERROR', limit: 0, url: http('/init-error'), server: httpServer },
  { name: 'INIT_RESULT_INVALID no protocolVersion', status: 'down', code: 'INIT_RESULT_INVALID', limit: 0, url: http('/init-invalid'), server: httpServer },
  { name: 'PROTOCOL_VERSION_UNSUPPORTED 1999-01-01', status: 'down', code: 'PROTOCOL_VERSION_UNSUPPORTED', limit: 0, url: http('/bad-version'), server: httpServer },
  { name: 'SESSION_REJECTED session forgotten after initialize', status: 'down', code: 'SESSION_REJECTED', limit: 0, url: http('/lost-session'), server: httpServer },
  { name: 'PING_UNSUPPORTED warning (ping → -32601)', status: 'up', code: null, warnings: ['PING_UNSUPPORTED'], limit: 0, url: http('/no-ping'), server: httpServer },
  // discover, initialize, initialized, ping and DELETE each wait 300 ms.
  { name: 'SLOW warning (300 ms a reply, slowMs 200)', status: 'up', code: null, warnings: ['SLOW'], limit: 5 * 300, url: http('/slow-ok'), settings: () => ({ slowMs: 200 }), server: httpServer },
];

/**
 * Runs the probe in a child inside a fresh network namespace that has only `lo`: 10.255.255.1 has
 * no route there, so connect() fails at once with ENETUNREACH and no packet leaves the machine.
 */
async function probeInEmptyNetns(settings: ProbeSettings): Promise<Outcome | string> {
  const unavailable = netnsUnavailable();
  if (unavailable !== undefined) return unavailable;
  const script = `
    const { runProbe } = await import(process.env.RUN_PROBE_URL);
    const started = performance.now();
    const result = await runProbe({ url: 'http://10.255.255.1:9/' }, JSON.parse(process.env.PROBE_SETTINGS));
    process.stdout.write(JSON.stringify({ result, wallMs: performance.now() - started }));
  `;
  const child = spawn('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx --input-type=module -e "$PROBE_SCRIPT"', process.execPath], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: {
      ...process.env,
      PROBE_SCRIPT: script,
      RUN_PROBE_URL: new URL('../../src/probe/run-probe.ts', import.meta.url).href,
      PROBE_SETTINGS: JSON.stringify(settings),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, `probe in the network namespace failed: ${stderr}`);
  return JSON.parse(stdout) as Outcome;
}

function limitOf(c: Case, settings: ProbeSettings): { ms: number; waits: boolean } {
  return typeof c.limit === 'number' ? { ms: c.limit, waits: false } : { ms: settings[c.limit], waits: true };
}

/** The probe must close what it opened: the server sees every connection end soon after. */
async function assertNoConnectionLeft(server: FaultServer): Promise<void> {
  for (let i = 0; i < 50 && server.openConnections() > 0; i++) await delay(10);
  assert.equal(server.openConnections(), 0, 'the probe left a connection open');
}

describe('failure codes from real loopback peers', () => {
  for (const c of CASES) {
    test(c.name, async (t) => {
      const settings: ProbeSettings = { ...SETTINGS, ...c.settings?.() };
      const outcome = c.run ? await c.run(settings) : await timedProbe({ url: c.url(), ...c.request }, settings);
      if (typeof outcome === 'string') {
        t.skip(outcome);
        return;
      }
      const { result, wallMs } = outcome;
      const summary = `${result.status}/${result.code ?? '-'} in ${result.durationMs} ms: ${result.detail}`;
      t.diagnostic(summary);
      assert.equal(result.status, c.status, summary);
      assert.equal(result.code, c.code, summary);
      assert.deepEqual(
        result.warnings.map((w) => w.code),
        c.warnings ?? [],
        `warnings: ${result.warnings.map((w) => w.detail).join('; ')}`,
      );

      const limit = limitOf(c, settings);
      const bound = limit.ms + MARGIN_MS;
      assert.ok(result.durationMs <= bound, `durationMs ${result.durationMs} > ${bound}`);
      assert.ok(wallMs <= bound, `wall time ${Math.round(wallMs)} ms > ${bound}`);
      if (limit.waits) assert.ok(result.durationMs >= limit.ms - EARLY_MS, `gave up after ${result.durationMs} ms, before its ${limit.ms} ms limit`);

      c.check?.(result);
      if (c.server) await assertNoConnectionLeft(c.server());
    });
  }

  test('every failure code and warning has a case', () => {
    const codes = new Set(CASES.map((c) => c.code));
    const warnings = new Set(CASES.flatMap((c) => c.warnings ?? []));
    assert.deepEqual(FAILURE_CODES.filter((code) => !codes.has(code)), [], 'failure codes without a case');
    assert.deepEqual(WARNING_CODES.filter((code) => !warnings.has(code)), [], 'warnings without a case');
    assert.equal(FAILURE_CODES.length, 41);
    assert.equal(WARNING_CODES.length, 3);
  });
});

describe('hostile input stays bounded in time and memory', () => {
  const MAX_RSS_GROWTH = 50 * 1024 * 1024;
  // Bigger than the RSS bound, so a probe that buffered the body could not pass.
  const hostile = [
    { name: '10 MB JSON body', path: '/huge-body', code: 'BODY_TOO_LARGE', limit: 0 },
    { name: '200 MB JSON body', path: '/huge-body?bytes=200000000', code: 'BODY_TOO_LARGE', limit: 0 },
    { name: 'endless SSE flood', path: '/sse-endless', code: 'SSE_NO_RESPONSE', limit: 0 },
    { name: 'slowloris body', path: '/slow-body', code: 'BODY_TIMEOUT', limit: SETTINGS.bodyMs },
  ] as const;

  for (const h of hostile) {
    test(h.name, async (t) => {
      const sentBefore = fx().http.bytesWritten();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      try {
        for (let i = 0; i < 3; i++) {
          const { result, wallMs } = await timedProbe({ url: fx().http.url(h.path) }, SETTINGS);
          assert.equal(result.code, h.code, result.detail);
          assert.ok(result.durationMs <= h.limit + MARGIN_MS, `durationMs ${result.durationMs}`);
          assert.ok(wallMs <= h.limit + MARGIN_MS, `wall ${Math.round(wallMs)} ms`);
        }
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      const growthMb = (peak - baseline) / 1024 / 1024;
      t.diagnostic(`peak RSS growth ${growthMb.toFixed(1)} MB; the server got ${((fx().http.bytesWritten() - sentBefore) / 1024 / 1024).toFixed(1)} MB out before the probes hung up`);
      assert.ok(peak - baseline < MAX_RSS_GROWTH, `RSS grew ${growthMb.toFixed(1)} MB`);
      await assertNoConnectionLeft(fx().http);
    });
  }
});
