// The pure mapping from a registry ServerResponse to endpoint definitions: stable slugs, one
// endpoint per remote, templates, withheld secrets, statuses, and entries that are not servers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapRegistryServer, registrySlugBase, type MappedServer } from '../../src/config/registry-server.ts';
import { SLUG } from '../../src/config/schema.ts';

const OPTIONS = { registry: 'official', intervalS: 60, timeoutMs: 5000, public: true, allowPrivate: false };

function mapped(entry: unknown): MappedServer {
  const outcome = mapRegistryServer(entry, OPTIONS);
  if (!outcome.ok) assert.fail(outcome.reason);
  return outcome.server;
}

const entry = (server: Record<string, unknown>, status = 'active') => ({
  server: { version: '1.0.0', description: 'd', ...server },
  _meta: { 'io.modelcontextprotocol.registry/official': { status, updatedAt: '2026-05-01T10:00:00Z', isLatest: true } },
});

test('slugs are the server name under r--, the same for the same input, distinct per remote', () => {
  const input = entry({
    name: 'io.github.acme/weather',
    remotes: [
      { type: 'streamable-http', url: 'https://w.example.com/mcp' },
      { type: 'sse', url: 'https://w.example.com/sse' },
      { type: 'streamable-http', url: 'https://w2.example.com/mcp' },
      { type: 'sse', url: 'https://w2.example.com/sse' },
    ],
  });
  const slugs = mapped(input).endpoints.map((e) => e.slug);
  assert.deepEqual(slugs, ['r--io-github-acme-weather', 'r--io-github-acme-weather-sse', 'r--io-github-acme-weather-http', 'r--io-github-acme-weather-sse-2']);
  assert.deepEqual(mapped(structuredClone(input)).endpoints.map((e) => e.slug), slugs);
  assert.deepEqual(mapped(input).endpoints.map((e) => [e.name, e.era, e.public, e.source, e.paused]).slice(0, 2), [
    ['io.github.acme/weather (Streamable HTTP)', 'auto', true, 'registry', false],
    ['io.github.acme/weather (SSE)', 'sse', true, 'registry', false],
  ]);
});

test('a name too long for a slug keeps its head and a hash of the whole: valid, stable, distinct', () => {
  const a = `io.github.${'x'.repeat(150)}/alpha`;
  const b = `io.github.${'x'.repeat(150)}/beta`;
  for (const name of [a, b, 'io.github.acme/weather', '///', 'ÄÖÜ.example/ünïcode']) {
    const slug = registrySlugBase(name);
    assert.ok(slug.startsWith('r--'), slug);
    assert.ok(SLUG.test(`${slug}-sse-2`), `${slug} must stay a valid slug with a suffix`);
    assert.equal(registrySlugBase(name), slug);
  }
  assert.notEqual(registrySlugBase(a), registrySlugBase(b));
});

test('statuses, facts and the cap on untrusted text', () => {
  const server = mapped(
    entry(
      {
        name: 'io.example/x',
        title: '<img src=x onerror=alert(1)>',
        description: 'y'.repeat(2000),
        websiteUrl: 'javascript:alert(1)',
        repository: { url: 'https://github.com/x/y', source: 'github' },
        remotes: [{ type: 'streamable-http', url: 'https://x.example.com/mcp' }],
      },
      'deprecated',
    ),
  );
  assert.equal(server.status, 'deprecated');
  assert.equal(server.updatedAt, '2026-05-01T10:00:00Z');
  assert.equal(server.facts.title, '<img src=x onerror=alert(1)>', 'kept verbatim: escaping is the page\'s job');
  assert.equal(server.facts.websiteUrl, 'javascript:alert(1)');
  assert.equal(server.facts.description?.length, 500);
  assert.equal(mapped(entry({ name: 'io.example/x' }, 'retired')).status, 'active', 'an unknown status reads as active');
});

test('entries that are not servers are refused with the reason', () => {
  for (const bad of [null, 'x', {}, { server: { name: '' } }, { server: { name: 'a/b', remotes: 'x' } }]) {
    const outcome = mapRegistryServer(bad, OPTIONS);
    assert.equal(outcome.ok, false, JSON.stringify(bad));
    if (!outcome.ok) assert.match(outcome.reason, /^not a server entry: /);
  }
});

test('remotes: unknown transports, secret URL variables, bad URLs and reserved headers are left out; nothing comes from the environment', () => {
  process.env.MCPWATCH_HEADER_X_API_KEY = 'operator-secret';
  try {
    const server = mapped(
      entry({
        name: 'io.example/mixed',
        remotes: [
          { type: 'websocket', url: 'wss://x.example.com' },
          { type: 'streamable-http', url: 'https://x.example.com/{key}', variables: { key: { isSecret: true, default: 'k' } } },
          { type: 'streamable-http', url: 'ftp://x.example.com/mcp' },
          { type: 'streamable-http', url: 'https://ok.example.com/mcp', headers: [{ name: 'Host', value: 'evil' }, { name: 'X-API-Key', isRequired: true }, { name: 'X-Tier', value: '{tier}', variables: { tier: { default: 'free' } } }] },
        ],
      }),
    );
    assert.deepEqual(server.endpoints.map((e) => [e.url, e.secrets.headers]), [['https://ok.example.com/mcp', { 'X-Tier': 'free' }]]);
    assert.equal(server.skipped.length, 3, server.skipped.join('\n'));
    // Skipped remotes keep their place: a remote that turns valid later does not shift the others' slugs.
    assert.deepEqual(server.withheld, ['r--io-example-mixed-http-3: X-API-Key']);
  } finally {
    delete process.env.MCPWATCH_HEADER_X_API_KEY;
  }
});
