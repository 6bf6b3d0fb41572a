// The probe against real MCP implementations from npm, one per era and framework. If any of
// these comes out anything but `up` in its own era, the monitor would page someone for nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runProbe, DEFAULT_PROBE_SETTINGS, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { startEverything, startSupergateway, startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { createTestPki, type TestPki } from '../fixtures/certs.ts';
import { startTlsTerminator } from '../fixtures/tls-terminator.ts';
import { startDnsServer, type TestDnsServer } from '../fixtures/dns-server.ts';

const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 8_000 };

describe('real MCP servers come out up in their own era', () => {
  const servers: RunningServer[] = [];
  const start = async (s: Promise<RunningServer>): Promise<RunningServer> => {
    const server = await s;
    servers.push(server);
    return server;
  };
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const cases = [
    { name: 'server-everything, Streamable HTTP', start: () => startEverything('streamableHttp'), era: 'streamable', version: '2025-11-25', transport: 'streamable-http', server: 'mcp-servers/everything' },
    { name: 'server-everything, HTTP+SSE', start: () => startEverything('sse'), era: 'sse', version: '2025-11-25', transport: 'sse', server: 'mcp-servers/everything' },
    { name: 'SDK v2, modern only', start: () => startV2Server({ era: 'modern' }), era: 'modern', version: '2026-07-28', transport: 'streamable-http', server: 'v2-probe-target' },
    { name: 'SDK v2, dual era (modern preferred)', start: () => startV2Server({ era: 'dual' }), era: 'modern', version: '2026-07-28', transport: 'streamable-http', server: 'v2-probe-target' },
    { name: 'supergateway, HTTP+SSE', start: () => startSupergateway('sse'), era: 'sse', version: '2025-11-25', transport: 'sse', server: 'mcp-servers/everything' },
    { name: 'supergateway, Streamable HTTP', start: () => startSupergateway('streamableHttp'), era: 'streamable', version: '2025-11-25', transport: 'streamable-http', server: 'mcp-servers/everything' },
  ] as const;

  for (const c of cases) {
    test(c.name, async () => {
      const server = await start(c.start());
      const result = await runProbe({ url: server.url, listTools: true }, settings);
      assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
      assert.equal(result.code, null);
      assert.equal(result.era, c.era);
      assert.equal(result.protocolVersion, c.version);
      assert.equal(result.transport, c.transport);
      assert.equal(result.server?.name, c.server);
      assert.ok((result.tools?.count ?? 0) >= 1, 'tools were listed');
      assert.match(result.tools?.hash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(result.eraSource, 'detected');
      assert.ok(result.phases.some((p) => p.phase === 'connect'));
      // A second probe with the detected era as hint goes straight there.
      const again = await runProbe({ url: server.url, eraHint: c.era }, settings);
      assert.equal(again.status, 'up');
      assert.equal(again.eraSource, 'hint');
      assert.equal(again.phases[1]?.phase, c.era === 'modern' ? 'discover' : c.era === 'sse' ? 'sse_open' : 'initialize');
    });
  }

  test('the dual-era server also passes the 2025 handshake when forced', async () => {
    const server = await start(startV2Server({ era: 'dual' }));
    const result = await runProbe({ url: server.url, era: 'streamable' }, settings);
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'streamable');
    assert.equal(result.protocolVersion, '2025-11-25');
    assert.equal(result.eraSource, 'override');
  });

  test('forcing the 2025 handshake on a modern-only server says so, not "down for no reason"', async () => {
    const server = await start(startV2Server({ era: 'modern' }));
    const result = await runProbe({ url: server.url, era: 'streamable' }, settings);
    assert.equal(result.status, 'down');
    assert.equal(result.code, 'PROTOCOL_VERSION_UNSUPPORTED');
    assert.match(result.detail, /2026-07-28/);
  });

  test('a stale era hint is re-detected inside the same probe', async () => {
    const modern = await start(startV2Server({ era: 'modern' }));
    const stale = await runProbe({ url: modern.url, eraHint: 'sse' }, settings);
    assert.equal(stale.status, 'up', `${stale.code}: ${stale.detail}`);
    assert.equal(stale.era, 'modern');
    assert.equal(stale.eraSource, 'detected');
    const legacy = await start(startEverything('streamableHttp'));
    const stale2 = await runProbe({ url: legacy.url, eraHint: 'modern' }, settings);
    assert.equal(stale2.status, 'up', `${stale2.code}: ${stale2.detail}`);
    assert.equal(stale2.era, 'streamable');
  });

  test('tools/list follows every page and the hash is stable across probes', async () => {
    const server = await start(startV2Server({ era: 'modern', tools: 25, pageSize: 10 }));
    const first = await runProbe({ url: server.url, listTools: true }, settings);
    assert.equal(first.status, 'up', `${first.code}: ${first.detail}`);
    assert.equal(first.tools?.count, 26);
    assert.equal(first.tools?.pages, 3);
    assert.equal(first.tools?.truncated, false);
    const second = await runProbe({ url: server.url, listTools: true }, settings);
    assert.equal(second.tools?.hash, first.tools?.hash);
    const capped = await runProbe({ url: server.url, listTools: true }, { ...settings, maxToolPages: 2 });
    assert.equal(capped.tools?.count, 20);
    assert.equal(capped.tools?.truncated, true);
  });
});

describe('auth', () => {
  let server: RunningServer;
  before(async () => {
    server = await startV2Server({ era: 'dual', bearerToken: 'sekrit-token' });
  });
  after(() => server.close());

  test('no credentials: auth_required with the challenge and RFC 9728 metadata', async () => {
    const result = await runProbe({ url: server.url }, settings);
    assert.equal(result.status, 'auth_required');
    assert.equal(result.code, 'AUTH_REQUIRED');
    assert.match(result.auth?.challenge ?? '', /^Bearer /);
    assert.match(result.auth?.resourceMetadataUrl ?? '', /\/\.well-known\/oauth-protected-resource\/mcp$/);
    assert.equal(result.auth?.metadataError, null);
    assert.equal(result.auth?.authorizationServers.length, 1);
    assert.deepEqual(result.auth?.scopes, ['mcp']);
  });

  test('the right bearer token: up', async () => {
    const result = await runProbe({ url: server.url, bearerToken: 'sekrit-token', listTools: true }, settings);
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'modern');
  });

  test('a wrong bearer token: down AUTH_FAILED, and the token never appears in the result', async () => {
    const result = await runProbe({ url: server.url, bearerToken: 'wrong-token-value' }, settings);
    assert.equal(result.status, 'down');
    assert.equal(result.code, 'AUTH_FAILED');
    assert.doesNotMatch(JSON.stringify(result), /wrong-token-value/);
  });

  test('a static Authorization header counts as credentials', async () => {
    const result = await runProbe({ url: server.url, headers: { Authorization: 'Bearer sekrit-token' } }, settings);
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
  });
});

describe('over TLS, by name, through a real DNS server', () => {
  let pki: TestPki;
  let dns: TestDnsServer;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    pki = await createTestPki();
    dns = await startDnsServer({ 'mcp.test': { a: ['127.0.0.1'], ttl: 60 } });
    closers.push(() => dns.close());
  });
  after(async () => {
    await Promise.all(closers.map((c) => c()));
  });

  test('server-everything behind TLS: up, with certificate facts from the same connection', async () => {
    const everything = await startEverything('streamableHttp');
    closers.push(() => everything.close());
    const cert = await pki.issue({ hostnames: ['mcp.test'] });
    const tls = await startTlsTerminator(cert, Number(new URL(everything.url).port));
    closers.push(() => tls.close());
    const result = await runProbe({ url: tls.url(everything.url, 'mcp.test') }, { ...settings, dnsServers: [dns.address], extraCaPem: pki.caPem });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.deepEqual(result.addresses, [{ address: '127.0.0.1', family: 4, ttl: 60 }]);
    assert.equal(result.connectedAddress, '127.0.0.1');
    assert.ok(result.certificate);
    assert.equal(result.certificate.chainValid, true);
    assert.equal(result.certificate.hostnameValid, true);
    assert.ok(result.certificate.daysLeft >= 360);
    assert.match(result.certificate.protocol ?? '', /^TLSv1\.[23]$/);
    assert.ok(result.certificate.sans.includes('DNS:mcp.test'));
    assert.deepEqual(result.phases.slice(0, 3).map((p) => p.phase), ['dns', 'connect', 'tls']);
  });

  test('a name resolving to loopback is refused without --allow-private, before any connection', async () => {
    const result = await runProbe({ url: 'https://mcp.test:1/mcp' }, { ...settings, allowPrivate: false, dnsServers: [dns.address] });
    assert.equal(result.status, 'down');
    assert.equal(result.code, 'ADDRESS_BLOCKED');
    assert.equal(result.connectedAddress, null);
    assert.ok(!result.phases.some((p) => p.phase === 'connect'));
  });
});
