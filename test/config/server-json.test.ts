import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { envNameFor, importServerJson, type ImportResult } from '../../src/config/server-json.ts';
import { SLUG } from '../../src/config/schema.ts';
import type { EndpointDefinition } from '../../src/domain/endpoint.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Shaped like a real registry entry (schema 2025-12-11): two remotes, URL and header variables, a package. */
const WEATHER = {
  $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
  name: 'io.github.acme/weather-mcp',
  title: 'Acme Weather',
  description: 'Forecasts and alerts from Acme',
  version: '2.1.0',
  websiteUrl: 'https://acme.example/weather',
  repository: { url: 'https://github.com/acme/weather-mcp', source: 'github' },
  remotes: [
    {
      type: 'streamable-http',
      url: 'https://{region}.weather.acme.example/mcp',
      variables: { region: { description: 'Data region', default: 'eu', choices: ['eu', 'us'] } },
      headers: [
        {
          name: 'Authorization',
          value: 'Bearer {api_key}',
          isRequired: true,
          isSecret: true,
          variables: { api_key: { description: 'Your Acme API key', isRequired: true, isSecret: true } },
        },
        { name: 'X-Units', description: 'metric or imperial', default: 'metric' },
        { name: 'X-Debug', description: 'optional, no default' },
      ],
    },
    {
      type: 'sse',
      url: 'https://{tenant}.weather.acme.example/sse',
      variables: { tenant: { description: 'Tenant id', isRequired: true } },
      headers: [{ name: 'X-API-Key', description: 'API key', isRequired: true, isSecret: true }],
    },
  ],
  packages: [{ registryType: 'npm', identifier: '@acme/weather-mcp', version: '2.1.0', transport: { type: 'stdio' } }],
  _meta: { 'io.modelcontextprotocol.registry/publisher-provided': { tool: 'ci' } },
};

function imported(overrides: Partial<EndpointDefinition> & Pick<EndpointDefinition, 'slug' | 'name' | 'url' | 'era'>): EndpointDefinition {
  return {
    intervalS: 60,
    timeoutMs: 15_000,
    public: false,
    paused: false,
    pausedReason: null,
    tags: [],
    listTools: true,
    allowPrivate: false,
    source: 'import',
    secrets: { headers: {}, bearerToken: null },
    ...overrides,
  };
}

function ok(result: ImportResult): { endpoints: EndpointDefinition[]; warnings: string[] } {
  if (!result.ok) assert.fail(`expected endpoints, got errors:\n${result.errors.join('\n')}`);
  return result;
}

function errorsOf(result: ImportResult): string[] {
  if (result.ok) assert.fail('expected errors, got endpoints');
  return result.errors;
}

const PACKAGES_WARNING = 'packages: 1 package ignored; mcpwatch monitors only the remotes';

describe('importServerJson: resolving remotes', () => {
  const cases: readonly { name: string; json: unknown; env: Env; endpoints: EndpointDefinition[]; warnings: string[] }[] = [
    {
      name: 'two remotes, everything provided by the environment',
      json: WEATHER,
      env: { MCPWATCH_VAR_API_KEY: 'k-1', MCPWATCH_VAR_REGION: 'us', MCPWATCH_VAR_TENANT: 'acme-corp', MCPWATCH_HEADER_X_API_KEY: 'x-2' },
      endpoints: [
        imported({
          slug: 'weather-mcp',
          name: 'Acme Weather (Streamable HTTP)',
          url: 'https://us.weather.acme.example/mcp',
          era: 'auto',
          secrets: { headers: { Authorization: 'Bearer k-1', 'X-Units': 'metric' }, bearerToken: null },
        }),
        imported({
          slug: 'weather-mcp-sse',
          name: 'Acme Weather (SSE)',
          url: 'https://acme-corp.weather.acme.example/sse',
          era: 'sse',
          secrets: { headers: { 'X-API-Key': 'x-2' }, bearerToken: null },
        }),
      ],
      warnings: [PACKAGES_WARNING],
    },
    {
      name: 'missing required secrets and variables → paused, naming what to set',
      json: WEATHER,
      env: {},
      endpoints: [
        imported({
          slug: 'weather-mcp',
          name: 'Acme Weather (Streamable HTTP)',
          url: 'https://eu.weather.acme.example/mcp',
          era: 'auto',
          paused: true,
          pausedReason: 'environment variable MCPWATCH_VAR_API_KEY is not set ({api_key} in header Authorization: Your Acme API key)',
          secrets: { headers: { 'X-Units': 'metric' }, bearerToken: null },
        }),
        imported({
          slug: 'weather-mcp-sse',
          name: 'Acme Weather (SSE)',
          // Kept as written: the endpoint cannot run until MCPWATCH_VAR_TENANT fills the hole.
          url: 'https://{tenant}.weather.acme.example/sse',
          era: 'sse',
          paused: true,
          pausedReason:
            'environment variables MCPWATCH_VAR_TENANT and MCPWATCH_HEADER_X_API_KEY are not set (MCPWATCH_VAR_TENANT: {tenant} in the URL: Tenant id; MCPWATCH_HEADER_X_API_KEY: required header X-API-Key: API key)',
        }),
      ],
      warnings: [
        PACKAGES_WARNING,
        'remotes[0].headers[0]: set MCPWATCH_VAR_API_KEY ({api_key} in header Authorization: Your Acme API key); endpoint "weather-mcp" starts paused until then',
        'remotes[1].url: set MCPWATCH_VAR_TENANT ({tenant} in the URL: Tenant id); endpoint "weather-mcp-sse" starts paused until then',
        'remotes[1].headers[0]: set MCPWATCH_HEADER_X_API_KEY (required header X-API-Key: API key); endpoint "weather-mcp-sse" starts paused until then',
      ],
    },
    {
      name: 'a whole header from MCPWATCH_HEADER_ wins over its template and default',
      json: WEATHER,
      env: { MCPWATCH_HEADER_AUTHORIZATION: 'Bearer from-env', MCPWATCH_HEADER_X_UNITS: 'imperial', MCPWATCH_VAR_TENANT: 't', MCPWATCH_HEADER_X_API_KEY: 'x' },
      endpoints: [
        imported({
          slug: 'weather-mcp',
          name: 'Acme Weather (Streamable HTTP)',
          url: 'https://eu.weather.acme.example/mcp',
          era: 'auto',
          secrets: { headers: { Authorization: 'Bearer from-env', 'X-Units': 'imperial' }, bearerToken: null },
        }),
        imported({
          slug: 'weather-mcp-sse',
          name: 'Acme Weather (SSE)',
          url: 'https://t.weather.acme.example/sse',
          era: 'sse',
          secrets: { headers: { 'X-API-Key': 'x' }, bearerToken: null },
        }),
      ],
      warnings: [PACKAGES_WARNING],
    },
    {
      name: 'one remote: bare slug, title as name; registry API wrapper accepted',
      json: { server: { name: 'com.example/Remote_Files', description: 'Files', version: '1.0.0', remotes: [{ type: 'sse', url: 'https://files.example.com/sse' }] }, _meta: {} },
      env: {},
      endpoints: [imported({ slug: 'remote-files', name: 'com.example/Remote_Files', url: 'https://files.example.com/sse', era: 'sse' })],
      warnings: [],
    },
    {
      name: 'three remotes: suffixes by transport, numbered when repeated',
      json: {
        name: 'io.github.u/multi',
        description: 'd',
        version: '1',
        remotes: [
          { type: 'streamable-http', url: 'https://a.example/mcp' },
          { type: 'streamable-http', url: 'https://b.example/mcp' },
          { type: 'sse', url: 'https://c.example/sse' },
          { type: 'streamable-http', url: 'https://d.example/mcp' },
        ],
      },
      env: {},
      endpoints: [
        imported({ slug: 'multi', name: 'io.github.u/multi (Streamable HTTP)', url: 'https://a.example/mcp', era: 'auto' }),
        imported({ slug: 'multi-http', name: 'io.github.u/multi (Streamable HTTP 2)', url: 'https://b.example/mcp', era: 'auto' }),
        imported({ slug: 'multi-sse', name: 'io.github.u/multi (SSE)', url: 'https://c.example/sse', era: 'sse' }),
        imported({ slug: 'multi-http-2', name: 'io.github.u/multi (Streamable HTTP 3)', url: 'https://d.example/mcp', era: 'auto' }),
      ],
      warnings: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = ok(importServerJson(JSON.stringify(c.json), c.env));
      assert.deepEqual(result.endpoints, c.endpoints);
      assert.deepEqual(result.warnings, c.warnings);
      assert.ok(result.endpoints.every((e) => Object.isFrozen(e) && Object.isFrozen(e.secrets.headers)));
    });
  }

  test('interval and timeout can be supplied by the caller', () => {
    const { endpoints } = ok(importServerJson(JSON.stringify({ name: 'a/b', remotes: [{ type: 'sse', url: 'https://x.example/sse' }] }), {}, { intervalS: 120, timeoutMs: 5000 }));
    assert.deepEqual([endpoints[0]?.intervalS, endpoints[0]?.timeoutMs], [120, 5000]);
  });

  test('environment names for headers and variables', () => {
    assert.deepEqual(
      [envNameFor('HEADER', 'X-API-Key'), envNameFor('HEADER', 'Authorization'), envNameFor('VAR', 'tenant_id')],
      ['MCPWATCH_HEADER_X_API_KEY', 'MCPWATCH_HEADER_AUTHORIZATION', 'MCPWATCH_VAR_TENANT_ID'],
    );
  });
});

describe('importServerJson: refusals', () => {
  const cases: readonly { name: string; text: string; env?: Env; errors: string[] }[] = [
    {
      name: 'packages only',
      text: JSON.stringify({ name: 'io.github.u/local', description: 'd', version: '1', packages: [{ registryType: 'npm', identifier: 'x', transport: { type: 'stdio' } }] }),
      errors: ['remotes: io.github.u/local lists only packages, which run locally over stdio; mcpwatch monitors remote servers and needs at least one entry in remotes'],
    },
    {
      name: 'neither remotes nor packages',
      text: JSON.stringify({ name: 'io.github.u/empty', description: 'd', version: '1' }),
      errors: ['remotes: io.github.u/empty has no remotes; mcpwatch needs at least one remote (type and url) to monitor'],
    },
    { name: 'missing name', text: JSON.stringify({ remotes: [] }), errors: ['name: expected a string, got nothing'] },
    {
      name: 'stdio transport among remotes',
      text: JSON.stringify({ name: 'a/b', remotes: [{ type: 'stdio', url: 'https://x.example/' }] }),
      errors: ['remotes[0].type: must be "streamable-http" or "sse", got "stdio"'],
    },
    {
      name: 'the older snake_case format',
      text: JSON.stringify({ name: 'a/b', remotes: [{ transport_type: 'sse', url: 'https://x.example/sse' }] }),
      errors: ['remotes[0].type: expected a string, got nothing (this looks like the older server.json format with transport_type; use the current schema, where it is type)'],
    },
    {
      name: 'a URL that is not http(s) after substitution',
      text: JSON.stringify({ name: 'a/b', remotes: [{ type: 'sse', url: '{base}/sse', variables: { base: { default: 'ftp://x.example' } } }] }),
      errors: ['remotes[0].url: only http and https URLs can be probed, not ftp, got "ftp://x.example/sse"'],
    },
    {
      name: 'a value outside the variable\'s choices',
      text: JSON.stringify(WEATHER),
      env: { MCPWATCH_VAR_REGION: 'asia', MCPWATCH_VAR_API_KEY: 'k' },
      errors: ['MCPWATCH_VAR_REGION: must be one of eu, us, got "asia"'],
    },
    {
      name: 'a header value with a line break',
      text: JSON.stringify({ name: 'a/b', remotes: [{ type: 'sse', url: 'https://x.example/sse', headers: [{ name: 'X-Key', isRequired: true }] }] }),
      env: { MCPWATCH_HEADER_X_KEY: 'a\r\nInjected: 1' },
      errors: ['remotes[0].headers[0]: the value of X-Key (from MCPWATCH_HEADER_X_KEY) contains a line break or NUL'],
    },
    { name: 'a JSON array', text: '[]', errors: ['(top level): expected an object, got a list'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(errorsOf(importServerJson(c.text, c.env ?? {})), c.errors);
    });
  }

  test('malformed JSON', () => {
    const errors = errorsOf(importServerJson('{ "name": "a/b",\n  "remotes": [ }', {}));
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^not valid JSON: /);
  });
});

describe('importServerJson: slugs', () => {
  test('slugs within one server.json are unique and valid, whatever the name and the mix of remotes', () => {
    const remoteType = fc.constantFrom('streamable-http', 'sse');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 90 }), fc.array(remoteType, { minLength: 1, maxLength: 8 }), (tail, types) => {
        const name = `io.github.acme/${tail}`;
        const result = importServerJson(JSON.stringify({ name, remotes: types.map((type, i) => ({ type, url: `https://h${i}.example.com/mcp` })) }), {});
        // A name with nothing usable in it is refused; that is a different test's business.
        if (!result.ok) return;
        const slugs = result.endpoints.map((e) => e.slug);
        assert.equal(new Set(slugs).size, slugs.length, `duplicate slugs ${JSON.stringify(slugs)} for ${JSON.stringify(name)}`);
        for (const slug of slugs) assert.match(slug, SLUG);
      }),
      { numRuns: 300 },
    );
  });

  test('a base name that already ends in a remote suffix still gets distinct slugs', () => {
    const json = { name: 'io.github.acme/weather-sse', remotes: [{ type: 'sse', url: 'https://a.example.com/sse' }, { type: 'sse', url: 'https://b.example.com/sse' }, { type: 'sse', url: 'https://c.example.com/sse' }] };
    assert.deepEqual(ok(importServerJson(JSON.stringify(json), {})).endpoints.map((e) => e.slug), ['weather-sse', 'weather-sse-sse', 'weather-sse-sse-2']);
  });
});
