import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import { Packet } from 'dns2';
import { startDnsServer, unusedUdpPort, type TestDnsServer } from '../fixtures/dns-server.ts';

const TIMEOUT_MS = 300;
let server: TestDnsServer;

before(async () => {
  server = await startDnsServer({
    'mcp.test': { a: ['127.0.0.1', '127.0.0.2'], aaaa: ['::1', '::ffff:127.0.0.1'], ttl: 42 },
    'default-ttl.test': { a: ['127.0.0.1'] },
    'zero-ttl.test': { a: ['127.0.0.1'], ttl: 0 },
    'Gone.Test.': 'nxdomain',
    'broken.test': 'servfail',
    'silent.test': 'noanswer',
    'empty.test': 'nodata',
    'lossy.test': { a: ['127.0.0.1'], dropFirst: 1 },
  });
});

after(async () => {
  await server.close();
});

/** A fresh Resolver per call keeps each case independent of the others' channel state. */
function resolver(): dns.Resolver {
  const r = new dns.Resolver({ timeout: TIMEOUT_MS, tries: 1 });
  r.setServers([server.address]);
  return r;
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  assert.fail('expected the lookup to fail');
}

void test('address is 127.0.0.1:port', () => {
  assert.equal(server.address, `127.0.0.1:${server.port}`);
  assert.ok(server.port > 0);
});

void test('A records come back with their TTL', async () => {
  const answers = await resolver().resolve4('mcp.test', { ttl: true });
  assert.deepEqual(answers, [
    { address: '127.0.0.1', ttl: 42 },
    { address: '127.0.0.2', ttl: 42 },
  ]);
});

void test('AAAA records, including embedded IPv4, come back with their TTL', async () => {
  const answers = await resolver().resolve6('mcp.test', { ttl: true });
  assert.deepEqual(answers, [
    { address: '::1', ttl: 42 },
    { address: '::ffff:127.0.0.1', ttl: 42 },
  ]);
});

void test('TTL defaults to 300; ttl 0 is honoured', async () => {
  assert.deepEqual(await resolver().resolve4('default-ttl.test', { ttl: true }), [{ address: '127.0.0.1', ttl: 300 }]);
  assert.deepEqual(await resolver().resolve4('zero-ttl.test', { ttl: true }), [{ address: '127.0.0.1', ttl: 0 }]);
});

void test('names match case-insensitively and without the trailing dot', async () => {
  assert.deepEqual(await resolver().resolve4('MCP.Test.'), ['127.0.0.1', '127.0.0.2']);
});

void test('nxdomain and unknown names → ENOTFOUND', async () => {
  assert.equal(await errorCode(resolver().resolve4('gone.test')), 'ENOTFOUND');
  assert.equal(await errorCode(resolver().resolve4('not-in-zone.test')), 'ENOTFOUND');
});

void test('nodata → ENODATA, and so does a missing record type', async () => {
  assert.equal(await errorCode(resolver().resolve4('empty.test')), 'ENODATA');
  assert.equal(await errorCode(resolver().resolve6('default-ttl.test')), 'ENODATA');
});

void test('servfail → ESERVFAIL', async () => {
  assert.equal(await errorCode(resolver().resolve4('broken.test')), 'ESERVFAIL');
});

// Node polls c-ares on a timer whose period is the timeout, so expiry can be noticed up to one
// period late: observed 300-600ms for timeout 300.
void test('noanswer → ETIMEOUT after roughly the resolver timeout', async (t) => {
  const started = performance.now();
  assert.equal(await errorCode(resolver().resolve4('silent.test')), 'ETIMEOUT');
  const elapsed = performance.now() - started;
  // Not earlier than the timeout; the upper bound only rules out waiting for something else
  // entirely (c-ares retries at 300 ms each), not a loaded runner's delay.
  assert.ok(elapsed >= TIMEOUT_MS * 0.9 && elapsed < 30_000, `elapsed=${elapsed}`);
  t.diagnostic(`noanswer ETIMEOUT after ${Math.round(elapsed)}ms`);
});

void test('queries are logged with name and type', async () => {
  const before = server.queries.length;
  await resolver().resolve6('mcp.test');
  assert.deepEqual(server.queries.slice(before), [{ name: 'mcp.test', type: 'AAAA' }]);
});

void test('node does not cache answers within one Resolver: every lookup reaches the server', async () => {
  const r = resolver();
  const count = (): number => server.queries.filter((q) => q.name === 'default-ttl.test').length;
  const before = count();
  await r.resolve4('default-ttl.test');
  await r.resolve4('default-ttl.test');
  assert.equal(count() - before, 2);
});

void test('wire format: QR, RA, RCODE and echoed question', async () => {
  const socket = dgram.createSocket('udp4');
  try {
    const query = new Packet();
    query.header.id = 0x1234;
    query.header.rd = 1;
    query.questions.push(new Packet.Question('gone.test', Packet.TYPE.A, Packet.CLASS.IN));
    const reply = await new Promise<Buffer>((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
      socket.send(query.toBuffer(), server.port, '127.0.0.1');
    });
    const parsed = Packet.parse(reply);
    assert.equal(parsed.header.id, 0x1234);
    assert.equal(parsed.header.qr, 1);
    assert.equal(parsed.header.ra, 1);
    assert.equal(parsed.header.rd, 1);
    assert.equal(parsed.header.rcode, 3);
    assert.deepEqual(
      parsed.questions.map((q) => [q.name, q.type, q.class]),
      [['gone.test', Packet.TYPE.A, Packet.CLASS.IN]],
    );
  } finally {
    socket.close();
  }
});

void test('invalid zone addresses are rejected up front', async () => {
  await assert.rejects(startDnsServer({ 'bad.test': { a: ['::1'] } }), /invalid ipv4/);
  await assert.rejects(startDnsServer({ 'bad.test': { aaaa: ['127.0.0.1'] } }), /invalid ipv6/);
});

void test('dropFirst: the first question goes unanswered, the next one is answered', async () => {
  const count = (): number => server.queries.filter((q) => q.name === 'lossy.test').length;
  assert.equal(await errorCode(resolver().resolve4('lossy.test')), 'ETIMEOUT');
  assert.deepEqual(await resolver().resolve4('lossy.test'), ['127.0.0.1']);
  assert.equal(count(), 2);
});

void test('unusedUdpPort: a query there is refused at once (ICMP port unreachable)', async () => {
  const r = new dns.Resolver({ timeout: 30_000, tries: 1 });
  r.setServers([`127.0.0.1:${await unusedUdpPort()}`]);
  const started = performance.now();
  assert.equal(await errorCode(r.resolve4('mcp.test')), 'ECONNREFUSED');
  // Far below the 30 s timeout: the refusal is what ended it.
  assert.ok(performance.now() - started < 15_000, `took ${Math.round(performance.now() - started)} ms`);
});

test('listens on the port asked for and, with record: false, answers without keeping the questions', async () => {
  const port = await unusedUdpPort();
  const quiet = await startDnsServer({ 'quiet.test': { a: ['127.0.0.3'] } }, { port, record: false });
  try {
    assert.equal(quiet.port, port);
    assert.equal(quiet.address, `127.0.0.1:${port}`);
    const r = new dns.Resolver({ timeout: TIMEOUT_MS, tries: 1 });
    r.setServers([quiet.address]);
    assert.deepEqual(await r.resolve4('quiet.test'), ['127.0.0.3']);
    assert.deepEqual(quiet.queries, []);
  } finally {
    await quiet.close();
  }
});
