// Name resolution in a real probe: the test's own hosts file, a DNS server on loopback that
// answers otherwise (or not at all, or refuses), and a working MCP responder behind them.
// Every address the DNS server or the hosts file hands out that is not loopback is a documentation
// address (192.0.2.0/24), which the address policy refuses even with allowPrivate: a probe that
// got resolution wrong is stopped before it dials anything off this machine.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { createResolver } from '../../src/probe/dns.ts';
import { HostsFile } from '../../src/probe/hosts-file.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { startDnsServer, unusedUdpPort, type TestDnsServer } from '../fixtures/dns-server.ts';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';

const HOSTS = `# the test's own hosts file
127.0.0.1   mcp.hosts.test   MCP-Alias.hosts.test   # a comment
192.0.2.7   pinned.localhost
127.0.0.1   localhost
::1         localhost
169.254.169.254 metadata.hosts.test
`;

const SETTINGS: ProbeSettings = Object.freeze({ ...DEFAULT_PROBE_SETTINGS, timeoutMs: 8000, dnsTimeoutMs: 3000, allowPrivate: true });

let server: FaultServer;
let dns: TestDnsServer;
let refusedDnsPort: number;
let dir: string;
let hosts: HostsFile;

before(async () => {
  server = await startFaultServer();
  dns = await startDnsServer({
    // DNS disagrees with the hosts file and with RFC 6761: neither answer may be used.
    'mcp.hosts.test': { a: ['192.0.2.1'] },
    'foo.localhost': { a: ['192.0.2.2'] },
    'localhost': { a: ['192.0.2.3'] },
    'dns-only.test': { a: ['127.0.0.1'], ttl: 120 },
    'lossy.test': { a: ['127.0.0.1'], dropFirst: 1 },
    'silent.test': 'noanswer',
  });
  refusedDnsPort = await unusedUdpPort();
  dir = await mkdtemp(join(tmpdir(), 'mcpwatch-dns-'));
  await writeFile(join(dir, 'hosts'), HOSTS);
  hosts = new HostsFile({ path: join(dir, 'hosts') });
});

after(async () => {
  await Promise.all([server.close(), dns.close(), rm(dir, { recursive: true, force: true })]);
});

function probe(host: string, settings: Partial<ProbeSettings> = {}, hostsFile: HostsFile | null = hosts): Promise<ProbeResult> {
  const merged = { ...SETTINGS, dnsServers: [dns.address], ...settings };
  const resolver = createResolver({ servers: merged.dnsServers, timeoutMs: merged.dnsTimeoutMs });
  return runProbe({ url: `http://${host}:${server.port}/ok` }, merged, { resolver, hosts: hostsFile });
}

function asked(name: string): number {
  return dns.queries.filter((q) => q.name.toLowerCase() === name).length;
}

const addresses = (r: ProbeResult): string[] => r.addresses.map((a) => `${a.address}${a.ttl === null ? '' : ` ttl ${a.ttl}`}`);

describe('the hosts file comes before DNS', () => {
  test('a name in the hosts file resolves from it; DNS is never asked', async () => {
    const result = await probe('mcp.hosts.test');
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1']);
    assert.equal(asked('mcp.hosts.test'), 0);
  });

  test('aliases match case-insensitively, with a trailing dot too', async () => {
    const result = await probe('mcp-alias.HOSTS.test.');
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1']);
  });

  test('with the resolver down, names in the hosts file still resolve', async () => {
    const result = await probe('mcp.hosts.test', { dnsServers: [`127.0.0.1:${refusedDnsPort}`] });
    assert.equal(result.status, 'up', result.detail);
  });

  test('a name not in the file goes to DNS, with its TTL', async () => {
    const result = await probe('dns-only.test');
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1 ttl 120']);
  });

  test('with the resolver down, other names are DNS_UNREACHABLE, at once', async () => {
    // A 30 s DNS deadline: a refusal ends the query long before it, however loaded the runner.
    const result = await probe('dns-only.test', { dnsServers: [`127.0.0.1:${refusedDnsPort}`], dnsTimeoutMs: 30_000, timeoutMs: 40_000 });
    assert.equal(result.code, 'DNS_UNREACHABLE', result.detail);
    assert.ok(result.durationMs < 15_000, `took ${result.durationMs} ms: it waited for a timeout`);
  });
});

describe('localhost is loopback (RFC 6761)', () => {
  test('foo.localhost is loopback although DNS answers otherwise; DNS is never asked', async () => {
    const result = await probe('foo.localhost');
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1', '::1']);
    assert.equal(result.connectedAddress, '127.0.0.1');
    assert.equal(asked('foo.localhost'), 0);
  });

  test('a hosts line mapping a localhost name off loopback is ignored', async () => {
    const result = await probe('pinned.localhost');
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1', '::1']);
    assert.equal(asked('pinned.localhost'), 0);
  });

  test('the loopback addresses the hosts file gives localhost are the ones used', async () => {
    const path = join(dir, 'hosts-v6-only');
    await writeFile(path, '::1 localhost\n');
    const result = await probe('foo.localhost', {}, new HostsFile({ path }));
    // The fixture listens on 127.0.0.1 alone: ::1 is tried and refused, as the system would.
    assert.equal(result.code, 'TCP_REFUSED', result.detail);
    assert.deepEqual(addresses(result), ['::1']);
  });

  test('without a hosts file, localhost is 127.0.0.1 and ::1', async () => {
    const result = await probe('LocalHost.', {}, null);
    assert.equal(result.status, 'up', result.detail);
    assert.deepEqual(addresses(result), ['127.0.0.1', '::1']);
    assert.equal(asked('localhost'), 0);
  });
});

describe('the address policy applies to names from the hosts file', () => {
  test('localhost without allowPrivate is refused, as any loopback address is', async () => {
    const result = await probe('localhost', { allowPrivate: false });
    assert.equal(result.code, 'ADDRESS_BLOCKED');
    assert.match(result.detail, /127\.0\.0\.1 is a loopback address; refusing to connect \(allow private addresses/);
  });

  test('a hosts-file name on loopback without allowPrivate is refused', async () => {
    const result = await probe('mcp.hosts.test', { allowPrivate: false });
    assert.equal(result.code, 'ADDRESS_BLOCKED');
    assert.equal(result.connectedAddress, null);
  });

  test('a hosts-file name on a cloud metadata address is refused even with allowPrivate', async () => {
    const result = await probe('metadata.hosts.test');
    assert.equal(result.code, 'ADDRESS_BLOCKED');
    assert.match(result.detail, /169\.254\.169\.254 is a cloud metadata address/);
  });
});

describe('the resolver', () => {
  test('retries once: a lost first reply is not a DNS_TIMEOUT', async () => {
    const result = await probe('lossy.test');
    assert.equal(result.status, 'up', result.detail);
    assert.ok(asked('lossy.test') >= 3, `the server saw ${asked('lossy.test')} questions (A, AAAA, then the retry)`);
  });

  test('a silent server is still DNS_TIMEOUT, after the retry and within the DNS limit', async () => {
    const result = await probe('silent.test', { dnsTimeoutMs: 1500 });
    assert.equal(result.code, 'DNS_TIMEOUT', result.detail);
    // A and AAAA, each sent twice.
    const sent = asked('silent.test');
    assert.ok(sent >= 3 && sent <= 4, `the server saw ${sent} questions`);
    // Not before the deadline (it waited for both tries); the upper bound only rules out hanging.
    assert.ok(result.durationMs >= 1500 - 50 && result.durationMs < 1500 + 10_000, `took ${result.durationMs} ms`);
  });
});
