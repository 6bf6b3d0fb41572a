// The registry sync against a real local registry (test/fixtures/registry-server.ts) and a real
// SQLite store: paging, increments, deletions, moved remotes, templates, secret headers, and the
// registries that fail (500, HTML, 50 MB, a cursor loop) while the last good list stays.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { RegistryConfig } from '../../src/config/schema.ts';
import { DEFAULT_REGISTRY } from '../../src/config/schema.ts';
import { RegistrySync, admitsServer, archiveUnlistedRegistries, globMatches } from '../../src/registry/sync.ts';
import { openSqliteStorage } from '../../src/store/sqlite/open.ts';
import type { Storage } from '../../src/store/store.ts';
import { startRegistry, type FixtureServer, type RegistryFixture } from '../fixtures/registry-server.ts';
import { tempDir } from '../store/helper.ts';

const tmp = tempDir('mcpwatch-registry-');
after(tmp.cleanup);
let n = 0;

interface World {
  readonly registry: RegistryFixture;
  readonly storage: Storage;
  readonly sync: RegistrySync;
  changes: number;
  readonly logs: string[];
}

async function world(t: TestContext, servers: readonly FixtureServer[], overrides: Partial<RegistryConfig> = {}): Promise<World> {
  const registry = await startRegistry(servers);
  const storage = openSqliteStorage(join(tmp.dir, `db-${n++}.sqlite`));
  t.after(async () => {
    await storage.close();
    await registry.close();
  });
  const config: RegistryConfig = {
    ...DEFAULT_REGISTRY,
    name: 'local',
    url: registry.url,
    filters: { names: [], namespaces: [], transports: [] },
    allowPrivate: true,
    timeoutMs: 10_000,
    ...overrides,
  };
  const logs: string[] = [];
  const w: World = {
    registry,
    storage,
    changes: 0,
    logs,
    sync: new RegistrySync(config, {
      store: storage.store,
      registries: storage.registries,
      log: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }),
      clock: Date.now,
      defaults: { intervalS: 60, timeoutMs: 5000 },
      onEndpointsChanged: () => {
        w.changes++;
      },
    }),
  };
  return w;
}

const remote = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'streamable-http', url, ...extra });

async function live(storage: Storage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await storage.store.listEndpoints()) if (e.archivedAt === null) out[e.slug] = e.url;
  return out;
}

test('first pass pages through every cursor; each remote becomes a registry endpoint with the facts kept', async (t) => {
  const servers = Array.from({ length: 25 }, (_, i) => ({ name: `io.example/s${String(i).padStart(2, '0')}`, remotes: [remote(`https://s${i}.example.com/mcp`)] }));
  servers.push({
    name: 'io.github.acme/weather',
    title: 'Weather',
    description: 'Forecasts',
    version: '2.1.0',
    websiteUrl: 'https://acme.example/weather',
    repository: { url: 'https://github.com/acme/weather', source: 'github' },
    remotes: [remote('https://weather.example.com/mcp'), { type: 'sse', url: 'https://weather.example.com/sse' }],
  } as never);
  const w = await world(t, servers, { pageSize: 10 });
  const report = await w.sync.syncOnce();
  assert.equal(report.ok, true, report.error ?? '');
  assert.equal(report.pages, 3);
  assert.equal(report.incremental, false);
  assert.equal(report.added.length, 27);
  assert.equal(report.servers, 26);
  assert.deepEqual(w.registry.requests.map((q) => [q.get('version'), q.get('limit'), q.has('cursor'), q.has('updated_since')]), [
    ['latest', '10', false, false],
    ['latest', '10', true, false],
    ['latest', '10', true, false],
  ]);
  const endpoints = await w.storage.store.listEndpoints();
  const weather = endpoints.filter((e) => e.slug.startsWith('r--io-github-acme-weather'));
  assert.deepEqual(weather.map((e) => [e.slug, e.name, e.era, e.source, e.public]), [
    ['r--io-github-acme-weather', 'Weather (Streamable HTTP)', 'auto', 'registry', false],
    ['r--io-github-acme-weather-sse', 'Weather (SSE)', 'sse', 'registry', false],
  ]);
  const facts = await w.storage.registries.listFacts();
  assert.deepEqual(facts.get(weather[0]?.id ?? -1), {
    registry: 'local',
    serverName: 'io.github.acme/weather',
    title: 'Weather',
    description: 'Forecasts',
    version: '2.1.0',
    repositoryUrl: 'https://github.com/acme/weather',
    websiteUrl: 'https://acme.example/weather',
    status: 'active',
  });
  assert.equal(w.changes, 1);
  // The same list again changes nothing and asks only for what changed.
  const again = await w.sync.syncOnce();
  assert.equal(again.incremental, true);
  assert.deepEqual([again.added, again.updated, again.archived], [[], [], []]);
  assert.equal(w.registry.requests.at(-1)?.get('updated_since'), w.registry.list().map((s) => s.updatedAt ?? '').sort().at(-1));
  assert.equal(w.changes, 1);
});

test('increments: a new server, a remote that moves (same slug, same id), a deprecated one, a deleted one archived with its history', async (t) => {
  const w = await world(t, [
    { name: 'io.example/moving', remotes: [remote('https://old.example.com/mcp')] },
    { name: 'io.example/aging', remotes: [remote('https://aging.example.com/mcp')] },
    { name: 'io.example/leaving', remotes: [remote('https://leaving.example.com/mcp')] },
  ]);
  assert.equal((await w.sync.syncOnce()).ok, true);
  const before = await w.storage.store.getEndpointBySlug('r--io-example-moving');
  const leaving = await w.storage.store.getEndpointBySlug('r--io-example-leaving');
  assert.ok(before && leaving);
  await w.storage.store.writeTick({ results: [{ endpointId: leaving.id, ts: Date.now(), status: 'up', code: null, detail: null, durationMs: 5, dnsMs: null, connectMs: null, tlsMs: null, era: null, retried: false, stalled: false, lagMs: 0 }], states: [], events: [], certObservations: [], toolSnapshots: [] });

  w.registry.put({ name: 'io.example/moving', remotes: [remote('https://new.example.com/mcp')] });
  w.registry.put({ name: 'io.example/aging', status: 'deprecated', remotes: [remote('https://aging.example.com/mcp')] });
  w.registry.put({ name: 'io.example/arriving', remotes: [remote('https://arriving.example.com/mcp')] });
  w.registry.remove('io.example/leaving');
  const report = await w.sync.syncOnce();
  assert.equal(report.incremental, true);
  assert.deepEqual(report.added, ['r--io-example-arriving']);
  assert.deepEqual(report.updated, ['r--io-example-moving']);
  assert.deepEqual(report.archived, ['r--io-example-leaving']);
  // Only the four changed servers came back.
  assert.equal(report.servers, 3);
  const after = await w.storage.store.getEndpointBySlug('r--io-example-moving');
  assert.equal(after?.id, before.id);
  assert.equal(after?.url, 'https://new.example.com/mcp');
  const gone = await w.storage.store.getEndpointBySlug('r--io-example-leaving');
  assert.notEqual(gone?.archivedAt, null);
  assert.equal((await w.storage.store.results(leaving.id, { fromMs: 0, toMs: Date.now() + 1000, limit: 10 })).length, 1, 'history kept');
  const facts = await w.storage.registries.listFacts();
  assert.equal(facts.get(leaving.id)?.status, 'deleted');
  const aging = await w.storage.store.getEndpointBySlug('r--io-example-aging');
  assert.equal(aging?.archivedAt, null, 'a deprecated server is still watched');
  assert.equal(facts.get(aging?.id ?? -1)?.status, 'deprecated');

  // Listed again: restored with the same id.
  w.registry.put({ name: 'io.example/leaving', remotes: [remote('https://leaving.example.com/mcp')] });
  const back = await w.sync.syncOnce();
  assert.deepEqual(back.restored, ['r--io-example-leaving']);
  assert.equal((await w.storage.store.getEndpointBySlug('r--io-example-leaving'))?.id, leaving.id);
});

test('a full pass archives the servers the registry no longer lists', async (t) => {
  const w = await world(t, [
    { name: 'io.example/a', remotes: [remote('https://a.example.com/mcp')] },
    { name: 'io.example/b', remotes: [remote('https://b.example.com/mcp')] },
  ]);
  await w.sync.syncOnce();
  // A registry reset (no updatedSince) sees only a; b is archived.
  await w.storage.registries.saveSyncState({ name: 'local', updatedSince: null, lastAttemptMs: null, lastSuccessMs: null, lastError: null, servers: 2 });
  w.registry.remove('io.example/b');
  const report = await w.sync.syncOnce();
  assert.equal(report.incremental, false);
  assert.deepEqual(report.archived, ['r--io-example-b']);
  assert.deepEqual(Object.keys(await live(w.storage)), ['r--io-example-a']);
});

test('templated URLs resolve from defaults or are skipped with the reason; secret headers are withheld, not paused', async (t) => {
  const w = await world(t, [
    { name: 'io.example/tenant', remotes: [remote('https://{tenant}.example.com/mcp', { variables: { tenant: { default: 'acme', description: 'your tenant' } } })] },
    { name: 'io.example/open-template', remotes: [remote('https://{region}.example.com/mcp', { variables: { region: { description: 'your region', isRequired: true } } })] },
    { name: 'io.example/keyed', remotes: [remote('https://keyed.example.com/mcp', { headers: [{ name: 'Authorization', isRequired: true, isSecret: true, description: 'Bearer token' }, { name: 'X-Client', value: 'mcpwatch' }] })] },
    { name: 'io.example/local-only', packages: [{ registryType: 'npm', identifier: 'x' }] },
  ]);
  const report = await w.sync.syncOnce();
  assert.equal(report.ok, true);
  assert.deepEqual(await live(w.storage), { 'r--io-example-tenant': 'https://acme.example.com/mcp', 'r--io-example-keyed': 'https://keyed.example.com/mcp' });
  assert.ok(report.skipped.some((s) => s.startsWith('io.example/open-template remotes[0]: the URL template has no default for {region}')), report.skipped.join('\n'));
  assert.ok(report.skipped.some((s) => s.startsWith('io.example/local-only only packages')), report.skipped.join('\n'));
  const keyed = await w.storage.store.getEndpointBySlug('r--io-example-keyed');
  assert.equal(keyed?.paused, false);
  assert.deepEqual(keyed?.secrets, { headers: { 'X-Client': 'mcpwatch' }, bearerToken: null });
});

test('a registry returning 500, HTML, a non-list, a 50 MB body or a cursor loop changes nothing and says why', async (t) => {
  const w = await world(t, [{ name: 'io.example/kept', remotes: [remote('https://kept.example.com/mcp')] }], { maxPageBytes: 10 * 1024 * 1024 });
  assert.equal((await w.sync.syncOnce()).ok, true);
  const good = await w.storage.registries.listSyncStates();
  const cases: ReadonlyArray<[RegistryFixture['mode'], RegExp]> = [
    ['error500', /^page 1: HTTP 500$/],
    ['html', /^page 1: not JSON \(content-type "text\/html"\)$/],
    ['not-a-list', /^page 1: not a server list \(servers: /],
    ['huge', /^page 1: response over the 10485760-byte cap; stopped reading$/],
    ['cursor-loop', /^page 2: cursor "same-cursor" came back a second time; stopped \(a cursor loop\)$/],
  ];
  for (const [mode, expected] of cases) {
    w.registry.mode = mode;
    // A full pass would archive everything it does not see: the failure must not count as "nothing listed".
    await w.storage.registries.saveSyncState({ ...(good[0] ?? assert.fail('no state')), updatedSince: null });
    const report = await w.sync.syncOnce();
    assert.equal(report.ok, false, mode);
    assert.match(report.error ?? '', expected, mode);
    assert.deepEqual(await live(w.storage), { 'r--io-example-kept': 'https://kept.example.com/mcp' }, mode);
    const [state] = await w.storage.registries.listSyncStates();
    assert.match(state?.lastError ?? '', expected);
    assert.equal(state?.lastSuccessMs, good[0]?.lastSuccessMs, 'the last success stays the last good pass');
    assert.equal(state?.servers, 1);
  }
  assert.ok(w.logs.some((line) => line.includes('its endpoints stay as the last good list left them')));
  w.registry.mode = 'ok';
  const healed = await w.sync.syncOnce();
  assert.equal(healed.ok, true);
  assert.equal((await w.storage.registries.listSyncStates())[0]?.lastError, null);
});

test('a registry on a private address is refused unless allowPrivate', async (t) => {
  const w = await world(t, [{ name: 'io.example/a', remotes: [remote('https://a.example.com/mcp')] }], { allowPrivate: false });
  const report = await w.sync.syncOnce();
  assert.equal(report.ok, false);
  assert.match(report.error ?? '', /^registry address refused: .*127\.0\.0\.1 is a loopback address/);
  assert.deepEqual(w.registry.requests, [], 'no request left');
});

test('filters: name globs, namespaces and transports; a server filtered out later is archived', async (t) => {
  const w = await world(
    t,
    [
      { name: 'io.github.acme/weather', remotes: [remote('https://w.example.com/mcp'), { type: 'sse', url: 'https://w.example.com/sse' }] },
      { name: 'io.github.acme/maps', remotes: [remote('https://m.example.com/mcp')] },
      { name: 'com.other/weather', remotes: [remote('https://o.example.com/mcp')] },
    ],
    { filters: { names: ['*weather*', 'io.github.acme/ma*'], namespaces: ['io.github.acme'], transports: ['streamable-http'] } },
  );
  await w.sync.syncOnce();
  assert.deepEqual(Object.keys(await live(w.storage)).sort(), ['r--io-github-acme-maps', 'r--io-github-acme-weather']);
  assert.equal(globMatches('io.*/we?ther', 'io.x/we?ther'), true);
  assert.equal(globMatches('io.*', 'com.io'), false);
  assert.equal(admitsServer({ names: [], namespaces: ['IO.GitHub.Acme'], transports: [] }, 'io.github.acme/x'), true);
});

test('slugs never collide with an operator endpoint; a taken slug is reported and skipped', async (t) => {
  const w = await world(t, [{ name: 'io.example/taken', remotes: [remote('https://t.example.com/mcp')] }]);
  // Only a store-level write can make this happen (the config file and the API refuse r-- slugs).
  await w.storage.store.createEndpoint({ slug: 'r--io-example-taken', name: 'Mine', url: 'https://mine.example.com/mcp', intervalS: 60, timeoutMs: 5000, era: 'auto', public: false, paused: false, pausedReason: null, tags: [], listTools: true, allowPrivate: false, source: 'api', secrets: { headers: {}, bearerToken: null } });
  const report = await w.sync.syncOnce();
  assert.deepEqual(report.conflicts, ['r--io-example-taken']);
  assert.equal((await w.storage.store.getEndpointBySlug('r--io-example-taken'))?.url, 'https://mine.example.com/mcp');
});

test('endpoints of a registry taken out of the configuration are archived, the others left alone', async (t) => {
  const w = await world(t, [{ name: 'io.example/a', remotes: [remote('https://a.example.com/mcp')] }]);
  await w.sync.syncOnce();
  assert.deepEqual(await archiveUnlistedRegistries(w.storage.store, w.storage.registries, ['local'], Date.now), []);
  assert.deepEqual(await archiveUnlistedRegistries(w.storage.store, w.storage.registries, ['other'], Date.now), ['r--io-example-a']);
  assert.deepEqual(await live(w.storage), {});
  // Put back in the file: its next pass is a full one, which restores the endpoint.
  const again = await w.sync.syncOnce();
  assert.equal(again.incremental, false);
  assert.deepEqual(again.restored, ['r--io-example-a']);
});

test('an endpoint created by a pass that stopped before writing its facts is adopted, not reported as a conflict', async (t) => {
  const w = await world(t, [{ name: 'io.example/half', remotes: [remote('https://half.example.com/mcp')] }]);
  await w.storage.store.createEndpoint({ slug: 'r--io-example-half', name: 'io.example/half', url: 'https://half.example.com/mcp', intervalS: 60, timeoutMs: 5000, era: 'auto', public: false, paused: false, pausedReason: null, tags: [], listTools: true, allowPrivate: true, source: 'registry', secrets: { headers: {}, bearerToken: null } });
  const report = await w.sync.syncOnce();
  assert.deepEqual([report.conflicts, report.added], [[], []]);
  const id = (await w.storage.store.getEndpointBySlug('r--io-example-half'))?.id ?? -1;
  assert.equal((await w.storage.registries.listFacts()).get(id)?.serverName, 'io.example/half');
});
