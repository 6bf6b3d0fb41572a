// blackbox_exporter's series with blackbox's meanings, from real probes of real MCP servers on
// loopback: through GET /probe (one fresh probe) and through /metrics (the last result of an
// endpoint). Status code and version of the last MCP response, SSL 0/1, the TLS version label, the
// last verified chain's expiry, IPv4 and IPv6 with blackbox's FNV-1a address hash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { ipAddrHash } from '../../src/metrics/blackbox.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { createTestPki, type TestPki } from '../fixtures/certs.ts';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { startSwitchablePort, unusedLoopbackPort, type SwitchablePort } from '../fixtures/switchable-port.ts';
import { startTlsTerminator } from '../fixtures/tls-terminator.ts';
import { buildTestApp, type TestApp } from '../http/helper.ts';
import { definition } from '../store/helper.ts';

// FNV-1a 32 of the address bytes, computed independently (Python's ipaddress + the FNV constants):
// 7f 00 00 01 and the 16 bytes of ::1.
const HASH_127_0_0_1 = 3668918509;
const HASH_IPV6_LOOPBACK = 1751717746;

/** Samples of an exposition as "name{labels} value" lines, comments dropped. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function value(lines: readonly string[], series: string): string | undefined {
  const line = lines.find((l) => l.startsWith(`${series} `));
  return line?.slice(series.length + 1);
}

/** The soonest notAfter of the certificates in a PEM bundle, unix seconds. */
function earliestNotAfter(...pems: string[]): number {
  const blocks = pems.join('\n').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return Math.min(...blocks.map((pem) => Math.floor(Date.parse(new X509Certificate(pem).validTo) / 1000)));
}

describe('blackbox series from real probes', () => {
  let pki: TestPki;
  let up: RunningServer;
  let protectedServer: RunningServer;
  let tlsUrl: string;
  let ipv6: SwitchablePort | undefined;
  let app: TestApp;
  let token: string;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    pki = await createTestPki();
    up = await startV2Server({ era: 'dual' });
    closers.push(() => up.close());
    protectedServer = await startV2Server({ era: 'dual', bearerToken: 'not-sent-by-probe' });
    closers.push(() => protectedServer.close());
    const upPort = Number(new URL(up.url).port);
    const tls = await startTlsTerminator(pki.valid, upPort);
    closers.push(() => tls.close());
    tlsUrl = tls.url(up.url);
    try {
      ipv6 = await startSwitchablePort(upPort, '::1');
      closers.push(() => ipv6!.close());
    } catch {
      ipv6 = undefined; // no ::1 on this machine: the IPv6 case says so below
    }
    const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 8_000, extraCaPem: pki.caPem };
    app = await buildTestApp({
      yaml: 'probe: { allowPrivate: true }',
      checkNow: (request, options = {}) => runProbe(request, { ...settings, timeoutMs: Math.min(settings.timeoutMs, options.timeoutMs ?? Infinity) }, options.signal ? { signal: options.signal } : {}),
    });
    token = generateToken();
    await app.store.createToken('prometheus', hashToken(token), false);
  });

  after(async () => {
    await app?.close();
    await Promise.all(closers.map((close) => close()));
  });

  async function probe(target: string): Promise<string[]> {
    const response = await app.app.inject({ method: 'GET', url: `/probe?target=${encodeURIComponent(target)}&module=mcp`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200, response.body);
    return samples(response.body);
  }

  test('plain HTTP, up: status 200, HTTP/1.1, no SSL and no TLS series, IPv4 with its hash', async () => {
    const lines = await probe(up.url);
    assert.equal(value(lines, 'probe_success'), '1', lines.join('\n'));
    assert.equal(value(lines, 'probe_http_status_code'), '200');
    assert.equal(value(lines, 'probe_http_version'), '1.1');
    assert.equal(value(lines, 'probe_http_ssl'), '0');
    assert.equal(value(lines, 'probe_ip_protocol'), '4');
    assert.equal(value(lines, 'probe_ip_addr_hash'), String(HASH_127_0_0_1));
    assert.equal(value(lines, 'probe_dns_lookup_time_seconds'), '0');
    assert.ok(!lines.some((l) => l.startsWith('probe_tls_version_info') || l.startsWith('probe_ssl_')), lines.join('\n'));
    const phases = lines.filter((l) => l.startsWith('probe_http_duration_seconds{')).map((l) => /phase="(\w+)"/.exec(l)?.[1]);
    assert.deepEqual(phases, ['resolve', 'connect', 'tls', 'processing', 'transfer']);
    assert.equal(value(lines, 'probe_http_duration_seconds{phase="tls"}'), '0');
    assert.ok(Number(value(lines, 'probe_http_duration_seconds{phase="processing"}')) > 0);
    assert.ok(lines.includes('mcp_probe_status{status="up"} 1'));
    assert.ok(lines.some((l) => l.startsWith('mcp_server_info{era="modern",protocol_version="2026-07-28",server_name="v2-probe-target"')), lines.join('\n'));
  });

  test('behind TLS: SSL 1, TLS 1.3, the last chain expiry is the verified chain\'s earliest notAfter', async () => {
    const lines = await probe(tlsUrl);
    assert.equal(value(lines, 'probe_success'), '1', lines.join('\n'));
    assert.equal(value(lines, 'probe_http_status_code'), '200');
    assert.equal(value(lines, 'probe_http_ssl'), '1');
    assert.ok(lines.includes('probe_tls_version_info{version="TLS 1.3"} 1'), lines.join('\n'));
    const expiry = earliestNotAfter(pki.valid.chainPem, pki.caPem);
    assert.equal(value(lines, 'probe_ssl_last_chain_expiry_timestamp_seconds'), String(expiry));
    assert.equal(value(lines, 'probe_ssl_earliest_cert_expiry'), String(expiry));
    assert.ok(Number(value(lines, 'probe_http_duration_seconds{phase="tls"}')) > 0);
  });

  test('refused: success 0, status and version 0, SSL 0, the address still known (IPv4)', async () => {
    const lines = await probe(`http://127.0.0.1:${await unusedLoopbackPort()}/mcp`);
    assert.equal(value(lines, 'probe_success'), '0');
    assert.equal(value(lines, 'probe_http_status_code'), '0');
    assert.equal(value(lines, 'probe_http_version'), '0');
    assert.equal(value(lines, 'probe_http_ssl'), '0');
    assert.equal(value(lines, 'probe_ip_protocol'), '4');
    assert.ok(lines.includes('mcp_probe_failure{code="TCP_REFUSED"} 1'), lines.join('\n'));
    assert.equal(value(lines, 'probe_http_duration_seconds{phase="processing"}'), '0');
  });

  test('401 without credentials: the status is the 401, not the metadata document fetched after it', async () => {
    const lines = await probe(protectedServer.url);
    assert.ok(lines.includes('mcp_probe_status{status="auth_required"} 1'), lines.join('\n'));
    assert.equal(value(lines, 'probe_http_status_code'), '401');
    assert.equal(value(lines, 'probe_success'), '1'); // auth_required is not an outage by default
  });

  test('IPv6 loopback: ip protocol 6 and the hash of the 16 bytes', async (t) => {
    if (!ipv6) {
      t.diagnostic('::1 cannot be bound on this machine; IPv6 not exercised');
      assert.fail('::1 is unavailable, so the IPv6 case cannot run here');
    }
    const lines = await probe(`http://[::1]:${ipv6.port}/mcp`);
    assert.equal(value(lines, 'probe_success'), '1', lines.join('\n'));
    assert.equal(value(lines, 'probe_ip_protocol'), '6');
    assert.equal(value(lines, 'probe_ip_addr_hash'), String(HASH_IPV6_LOOPBACK));
  });

  test('promtool check metrics accepts a whole /probe answer', { skip: existsSync('/usr/bin/promtool') ? false : 'promtool is not installed (apt-get install prometheus; .ci/run installs it)' }, async () => {
    const response = await app.app.inject({ method: 'GET', url: `/probe?target=${encodeURIComponent(tlsUrl)}&module=mcp`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200);
    const checked = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: response.body, encoding: 'utf8', timeout: 30_000 });
    assert.equal(`${checked.stdout}${checked.stderr}`, '', response.body);
    assert.equal(checked.status, 0);
  });

  test('/metrics renders the same series for an endpoint whose last result is a real probe', async () => {
    const result: ProbeResult = await runProbe({ url: tlsUrl }, { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 8_000, extraCaPem: pki.caPem });
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(result.http, { ...result.http, lastStatus: 200, version: '1.1' });
    const metrics = await buildTestApp({ latestResult: () => result });
    try {
      await metrics.store.createEndpoint(definition('tls-up', { name: 'TLS up', url: tlsUrl, timeoutMs: 8_000, public: true, listTools: false, allowPrivate: true }));
      const lines = samples((await metrics.app.inject({ method: 'GET', url: '/metrics' })).body);
      assert.equal(value(lines, 'probe_http_status_code{slug="tls-up"}'), '200');
      assert.equal(value(lines, 'probe_http_version{slug="tls-up"}'), '1.1');
      assert.equal(value(lines, 'probe_http_ssl{slug="tls-up"}'), '1');
      assert.ok(lines.includes('probe_tls_version_info{slug="tls-up",version="TLS 1.3"} 1'));
      assert.equal(value(lines, 'probe_ip_protocol{slug="tls-up"}'), '4');
      assert.equal(value(lines, 'probe_ip_addr_hash{slug="tls-up"}'), String(ipAddrHash('127.0.0.1')));
      assert.equal(value(lines, 'probe_ssl_last_chain_expiry_timestamp_seconds{slug="tls-up"}'), String(earliestNotAfter(pki.valid.chainPem, pki.caPem)));
    } finally {
      await metrics.close();
    }
  });
});

describe('ipAddrHash is blackbox\'s ipHash', () => {
  const cases: ReadonlyArray<[string, number]> = [
    ['127.0.0.1', HASH_127_0_0_1],
    ['::ffff:127.0.0.1', HASH_127_0_0_1], // Go's To4() folds IPv4-mapped addresses to 4 bytes
    ['::1', HASH_IPV6_LOOPBACK],
    ['192.0.2.10', 1886098357],
    ['2001:db8::1', 1851458804],
    ['not an address', 0],
  ];
  for (const [address, hash] of cases) test(address, () => assert.equal(ipAddrHash(address), hash));
  test('the same after thousands of other addresses have filled and emptied the memo', () => {
    for (let i = 0; i < 10_000; i++) ipAddrHash(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    for (const [address, hash] of cases) assert.equal(ipAddrHash(address), hash);
    assert.notEqual(ipAddrHash('10.0.0.1'), ipAddrHash('10.0.0.2'));
  });
});
