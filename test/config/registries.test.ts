// The registries: section: defaults, derived names, and the exact errors for bad entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfig, parseConfig } from '../../src/config/parse.ts';

function errorsOf(text: string): string[] {
  const result = parseConfig(text, {});
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? [] : result.errors;
}

test('defaults: name from the host, 1 h, private, both transports; the file without the section has none', () => {
  const result = parseConfig('registries:\n  - url: https://registry.modelcontextprotocol.io/\n  - url: https://mcp.acme.example/sub\n    name: acme\n    interval: 5m\n    public: true\n    filters: { names: ["io.github.acme/*"], namespaces: [io.github.acme], transports: [sse] }\n', {});
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.deepEqual(result.config.registries, [
    { name: 'registry-modelcontextprotocol-io', url: 'https://registry.modelcontextprotocol.io', filters: { names: [], namespaces: [], transports: [] }, intervalS: 3600, public: false, allowPrivate: false, pageSize: 100, timeoutMs: 30_000, maxPageBytes: 10_485_760 },
    { name: 'acme', url: 'https://mcp.acme.example/sub', filters: { names: ['io.github.acme/*'], namespaces: ['io.github.acme'], transports: ['sse'] }, intervalS: 300, public: true, allowPrivate: false, pageSize: 100, timeoutMs: 30_000, maxPageBytes: 10_485_760 },
  ]);
  assert.match(describeConfig(result.config), /registry {4}acme "https:\/\/mcp\.acme\.example\/sub" every 300 s, public \(names io\.github\.acme\/\*; namespaces io\.github\.acme; transports sse\)/);
  const none = parseConfig('endpoints: []\n', {});
  assert.ok(none.ok);
  assert.equal(none.config.registries, undefined);
});

test('bad entries are refused naming the field and the value', () => {
  assert.deepEqual(errorsOf('registries:\n  - url: ftp://x.example\n'), ['registries[0].url: only http and https URLs can be probed, not ftp, got "ftp://x.example"']);
  assert.deepEqual(errorsOf('registries:\n  - url: https://x.example\n    filters: { transports: [websocket] }\n'), ['registries[0].filters.transports[0]: must be one of streamable-http, sse, got "websocket"']);
  assert.deepEqual(errorsOf('registries:\n  - url: https://x.example\n    interval: 1s\n'), ['registries[0].interval: must be at least 10 s, got "1s"']);
  assert.deepEqual(errorsOf('registries:\n  - url: https://x.example\n  - url: https://x.example/other\n'), [
    'registries[1].name: "x-example" (derived from url "https://x.example/other") is already the name of registries[0]; give each registry its own name',
  ]);
  assert.deepEqual(errorsOf('registries:\n  - url: https://x.example?page=2\n'), ['registries[0].url: expected a base URL without a query or fragment, got "https://x.example/?page=2"']);
  assert.deepEqual(errorsOf('registries:\n  - url: https://x.example\n    filter: {}\n'), ['registries[0].filter: unknown key (did you mean "filters"?)']);
});

test('an endpoint in the file may not take a slug under the registry prefix', () => {
  assert.deepEqual(errorsOf('endpoints:\n  - name: Mine\n    slug: r--mine\n    url: https://mine.example.com/mcp\n'), ['endpoints[0].slug: slugs starting with "r--" are reserved for endpoints synced from a registry, got "r--mine"']);
});
