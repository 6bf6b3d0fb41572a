// The resolver cache against a real UDP DNS server on loopback (every question it receives is
// logged, so "answered from the cache" is counted on the wire), with an injected clock for TTLs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCachingResolver, type DnsCacheOptions } from '../../src/probe/dns-cache.ts';
import { createResolver } from '../../src/probe/dns.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { startDnsServer, type TestDnsServer } from '../fixtures/dns-server.ts';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';

let dns: TestDnsServer;
let server: FaultServer;

before(async () => {
  server = await startFaultServer();
  dns = await startDnsServer({
    'short.test': { a: ['127.0.0.1'], ttl: 1 },
    'zero.test': { a: ['127.0.0.1'], ttl: 0 },
    'normal.test': { a: ['127.0.0.1'], aaaa: ['::1'], ttl: 60 },
    'long.test': { a: ['127.0.0.1'], ttl: 86_400 },
    'missing.test': 'nxdomain',
    'empty.test': 'nodata',
    'broken.test': 'servfail',
    'shared.test': { a: ['127.0.0.1'], ttl: 60 },
    'lossy.test': { a: ['127.0.0.1'], dropFirst: 1, ttl: 60 },
    ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`n${i}.test`, { a: ['127.0.0.1'], ttl: 60 }])),
  });
});

after(async () => {
  await Promise.all([dns.close(), server.close()]);
});

function cache(options: Partial<DnsCacheOptions> = {}): { resolver: ReturnType<typeof createCachingResolver>; clock: { now: number } } {
  const clock = { now: Date.UTC(2026, 11, 2, 12) };
  const resolver = createCachingResolver(createResolver({ servers: [dns.address], timeoutMs: 3_000 }), { clock: () => clock.now, ...options });
  return { resolver, clock };
}

function asked(name: string, type = 'A'): number {
  return dns.queries.filter((q) => q.name.toLowerCase() === name && q.type === type).length;
}

async function code(query: Promise<unknown>): Promise<string> {
  try {
    await query;
    return 'answered';
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

describe('TTL with a floor and a ceiling', () => {
  // name, seconds after the first answer, whether the second lookup goes to the wire
  const rows: Array<[string, number, boolean, string]> = [
    ['normal.test', 59, false, 'inside its 60 s TTL: from the cache'],
    ['normal.test', 61, true, 'after its TTL: asked again'],
    ['short.test', 4, false, 'a 1 s TTL is raised to the 5 s floor'],
    ['short.test', 6, true, 'and expires after the floor'],
    ['zero.test', 0, false, 'a 0 s TTL is cached for the floor too'],
    ['long.test', 299, false, 'a day-long TTL is kept up to the ceiling'],
    ['long.test', 301, true, 'but no longer than the 300 s ceiling'],
  ];
  for (const [name, afterS, again, why] of rows) {
    test(`${name} ${afterS} s later: ${why}`, async () => {
      const { resolver, clock } = cache();
      const before = asked(name);
      const first = await resolver.resolve4(name, { ttl: true });
      assert.deepEqual(first.map((r) => r.address), ['127.0.0.1']);
      clock.now += afterS * 1000;
      const second = await resolver.resolve4(name, { ttl: true });
      assert.deepEqual(second.map((r) => r.address), ['127.0.0.1']);
      assert.equal(asked(name) - before, again ? 2 : 1);
    });
  }

  test('a cached answer carries the TTL that is left, not the original one', async () => {
    const { resolver, clock } = cache();
    assert.equal((await resolver.resolve4('normal.test', { ttl: true }))[0]!.ttl, 60);
    clock.now += 45_000;
    assert.equal((await resolver.resolve4('normal.test', { ttl: true }))[0]!.ttl, 15);
  });

  test('A and AAAA are cached apart', async () => {
    const { resolver } = cache();
    const [a, aaaa] = [asked('normal.test', 'A'), asked('normal.test', 'AAAA')];
    await resolver.resolve4('normal.test', { ttl: true });
    assert.deepEqual((await resolver.resolve6('normal.test', { ttl: true })).map((r) => r.address), ['::1']);
    await resolver.resolve6('NORMAL.test.', { ttl: true });
    assert.deepEqual([asked('normal.test', 'A') - a, asked('normal.test', 'AAAA') - aaaa], [1, 1]);
  });
});

describe('negative answers', () => {
  const rows: Array<[string, string, number, boolean]> = [
    ['missing.test', 'ENOTFOUND', 29, false],
    ['missing.test', 'ENOTFOUND', 31, true],
    ['empty.test', 'ENODATA', 29, false],
    // The name exists: "no AAAA" is kept like an answer, so IPv4-only servers are not asked every probe.
    ['empty.test', 'ENODATA', 299, false],
    ['empty.test', 'ENODATA', 301, true],
    ['broken.test', 'ESERVFAIL', 0, true],
  ];
  for (const [name, expected, afterS, again] of rows) {
    test(`${name} (${expected}) ${afterS} s later is ${again ? 'asked again' : 'answered from the cache'}`, async () => {
      const { resolver, clock } = cache();
      const before = asked(name);
      assert.equal(await code(resolver.resolve4(name, { ttl: true })), expected);
      clock.now += afterS * 1000;
      assert.equal(await code(resolver.resolve4(name, { ttl: true })), expected);
      assert.equal(asked(name) - before, again ? 2 : 1);
    });
  }

  test('the negative TTL never exceeds the ceiling', async () => {
    const { resolver, clock } = cache({ maxTtlS: 10, negativeTtlS: 60 });
    const before = asked('missing.test');
    await code(resolver.resolve4('missing.test', { ttl: true }));
    clock.now += 11_000;
    await code(resolver.resolve4('missing.test', { ttl: true }));
    assert.equal(asked('missing.test') - before, 2);
  });
});

describe('bounded, shared, and lossy', () => {
  test('past maxEntries the least recently used answer is dropped', async () => {
    const { resolver } = cache({ maxEntries: 2 });
    const before = [0, 1, 2].map((i) => asked(`n${i}.test`));
    await resolver.resolve4('n0.test', { ttl: true });
    await resolver.resolve4('n1.test', { ttl: true });
    await resolver.resolve4('n0.test', { ttl: true }); // n0 is now the most recently used
    await resolver.resolve4('n2.test', { ttl: true }); // evicts n1
    assert.equal(resolver.stats.entries, 2);
    await resolver.resolve4('n0.test', { ttl: true });
    await resolver.resolve4('n1.test', { ttl: true });
    assert.deepEqual(
      [0, 1, 2].map((i) => asked(`n${i}.test`) - before[i]!),
      [1, 2, 1],
    );
  });

  test('concurrent lookups of one name share one query', async () => {
    const { resolver } = cache();
    const before = asked('shared.test');
    const answers = await Promise.all(Array.from({ length: 50 }, () => resolver.resolve4('shared.test', { ttl: true })));
    assert.equal(answers.length, 50);
    for (const answer of answers) assert.deepEqual(answer.map((r) => r.address), ['127.0.0.1']);
    assert.equal(asked('shared.test') - before, 1);
    assert.deepEqual({ hits: resolver.stats.hits, misses: resolver.stats.misses }, { hits: 49, misses: 1 });
  });

  test('a lost UDP reply is retried by the resolver, and the answer then cached', async () => {
    const { resolver } = cache();
    const before = asked('lossy.test');
    assert.deepEqual((await resolver.resolve4('lossy.test', { ttl: true })).map((r) => r.address), ['127.0.0.1']);
    await resolver.resolve4('lossy.test', { ttl: true });
    assert.equal(asked('lossy.test') - before, 2, 'the dropped query and its retry; the second lookup is a hit');
  });

  test('probes through the cache resolve a name once', async () => {
    const { resolver } = cache();
    const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, dnsServers: [dns.address], allowPrivate: true, timeoutMs: 5_000 };
    const before = asked('normal.test');
    for (let i = 0; i < 3; i++) {
      const result = await runProbe({ url: `http://normal.test:${server.port}/ok` }, settings, { resolver, hosts: null });
      assert.equal(result.status, 'up', result.detail);
    }
    assert.equal(asked('normal.test') - before, 1);
  });
});
