import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeConfig, parseConfig } from '../../src/config/parse.ts';
import type { Config, ConfigResult } from '../../src/config/schema.ts';
import type { EndpointDefinition } from '../../src/domain/endpoint.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The defaults, written out rather than imported: this table is what the defaults are. */
const DEFAULTS: Config = {
  dataDir: './data',
  databasePath: './data/mcpwatch.db',
  database: { backend: 'sqlite', path: './data/mcpwatch.db' },
  node: { name: null, region: 'default', heartbeatMs: 2000, liveForMs: 10_000 },
  listen: { host: '127.0.0.1', port: 8080, trustProxy: false, allowedHosts: [] },
  publicUrl: null,
  probe: {
    timeoutMs: 15_000,
    dnsTimeoutMs: 3_000,
    connectTimeoutMs: 5_000,
    tlsTimeoutMs: 5_000,
    ttfbMs: 10_000,
    bodyMs: 10_000,
    sseEventMs: 10_000,
    maxBodyBytes: 1024 * 1024,
    maxListBytes: 8 * 1024 * 1024,
    maxSseEvents: 200,
    maxToolPages: 20,
    slowMs: 3_000,
    certExpiringDays: 14,
    allowPrivate: false,
    dnsServers: [],
    extraCaFile: null,
    workers: 0,
  },
  probeEndpoint: { enabled: true, auth: 'full', perMinute: 300, concurrency: 8 },
  health: { downAfter: 2, upAfter: 1, authRequiredIsOutage: false, degradedIsOutage: false },
  scheduler: { concurrency: 64, perHostConcurrency: 4, defaultIntervalS: 60, minIntervalS: 10, drainTimeoutMs: 25_000, retryOnFailure: true, maxPendingRounds: 100_000 },
  retention: { rawDays: 14, rollupDays: 400, hourlyRollupDays: 31, sealRawResults: true, pruneCron: '*/5 * * * *', pruneBatch: 5000 },
  compliance: { enabled: true, intervalS: 3600, concurrency: 2, latencyBudgetMs: 1000 },
  endpoints: [],
};

function endpoint(overrides: Partial<EndpointDefinition> & Pick<EndpointDefinition, 'slug' | 'name' | 'url'>): EndpointDefinition {
  return {
    intervalS: 60,
    timeoutMs: 15_000,
    era: 'auto',
    public: false,
    paused: false,
    pausedReason: null,
    tags: [],
    listTools: true,
    allowPrivate: false,
    source: 'config',
    secrets: { headers: {}, bearerToken: null },
    ...overrides,
  };
}

function ok(result: ConfigResult): { config: Config; warnings: string[] } {
  if (!result.ok) assert.fail(`expected a valid config, got errors:\n${result.errors.join('\n')}`);
  return result;
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) assert.fail('expected errors, got a valid config');
  return result.errors;
}

const FULL = `
dataDir: /var/lib/mcpwatch/
databasePath: /var/lib/mcpwatch/db/main.sqlite
listen: { host: "::", port: 9000, trustProxy: [uniquelocal, "203.0.113.7", "2001:db8::/32"], allowedHosts: [Status.Example.COM., .internal.example, status.example.com] }
publicUrl: https://status.example.com/
probe:
  timeoutMs: 20s
  dnsTimeoutMs: 2000
  connectTimeoutMs: 4s
  tlsTimeoutMs: 4s
  ttfbMs: 8s
  bodyMs: 9s
  sseEventMs: 7s
  maxBodyBytes: 512KiB
  maxListBytes: 2MB
  maxSseEvents: 50
  maxToolPages: 5
  slowMs: 0
  certExpiringDays: 30
  allowPrivate: true
  dnsServers: ["1.1.1.1", "127.0.0.1:5353", "[::1]:53"]
  extraCaFile: ./ca.pem
  workers: 3
health: { downAfter: 3, upAfter: 2, authRequiredIsOutage: true, degradedIsOutage: true }
scheduler:
  concurrency: 8
  perHostConcurrency: 2
  defaultIntervalS: 2m
  minIntervalS: 30
  drainTimeoutMs: 5s
  retryOnFailure: false
  maxPendingRounds: 5000
retention: { rawDays: 7, rollupDays: 90, pruneCron: "0 * * * *", pruneBatch: 100 }
compliance: { enabled: false, intervalS: 2h, concurrency: 4, latencyBudgetMs: 1500 }
probeEndpoint: { enabled: false, auth: read, perMinute: 60, concurrency: 2 }
defaults: &defaults
endpoints:
  - name: Acme Weather
    slug: weather
    url: https://mcp.acme.example/mcp#ignored
    interval: 1m30s
    timeout: 10s
    era: streamable
    public: true
    paused: false
    tags: [prod, eu, prod]
    tools: false
    allowPrivate: true
    headers:
      X-Api-Key: { env: ACME_KEY }
      X-Tenant: acme
    bearerToken: { env: ACME_TOKEN }
  - name: Légacy SSE — Server
    url: http://10.0.0.5:3000/sse
    era: sse
`.replace('defaults: &defaults\n', '');

describe('parseConfig: whole files', () => {
  const cases: readonly { name: string; text: string | undefined; env?: Env; expected: Config; warnings?: string[] }[] = [
    { name: 'no file → defaults', text: undefined, expected: DEFAULTS },
    { name: 'empty file → defaults', text: '', expected: DEFAULTS },
    { name: 'comments only → defaults', text: '# nothing here\n', expected: DEFAULTS },
    { name: 'empty sections → defaults', text: 'listen:\nprobe: {}\nendpoints: []\npublicUrl:\n', expected: DEFAULTS },
    {
      name: 'full file',
      text: FULL,
      env: { ACME_KEY: 'key-123', ACME_TOKEN: 'tok-456' },
      expected: {
        dataDir: '/var/lib/mcpwatch/',
        databasePath: '/var/lib/mcpwatch/db/main.sqlite',
        database: { backend: 'sqlite', path: '/var/lib/mcpwatch/db/main.sqlite' },
        node: { name: null, region: 'default', heartbeatMs: 2000, liveForMs: 10_000 },
        listen: { host: '::', port: 9000, trustProxy: ['uniquelocal', '203.0.113.7', '2001:db8::/32'], allowedHosts: ['status.example.com', '.internal.example'] },
        publicUrl: 'https://status.example.com',
        probe: {
          timeoutMs: 20_000,
          dnsTimeoutMs: 2_000,
          connectTimeoutMs: 4_000,
          tlsTimeoutMs: 4_000,
          ttfbMs: 8_000,
          bodyMs: 9_000,
          sseEventMs: 7_000,
          maxBodyBytes: 512 * 1024,
          maxListBytes: 2_000_000,
          maxSseEvents: 50,
          maxToolPages: 5,
          slowMs: 0,
          certExpiringDays: 30,
          allowPrivate: true,
          dnsServers: ['1.1.1.1', '127.0.0.1:5353', '[::1]:53'],
          extraCaFile: './ca.pem',
          workers: 3,
        },
        probeEndpoint: { enabled: false, auth: 'read', perMinute: 60, concurrency: 2 },
        health: { downAfter: 3, upAfter: 2, authRequiredIsOutage: true, degradedIsOutage: true },
        scheduler: { concurrency: 8, perHostConcurrency: 2, defaultIntervalS: 120, minIntervalS: 30, drainTimeoutMs: 5_000, retryOnFailure: false, maxPendingRounds: 5000 },
        retention: { rawDays: 7, rollupDays: 90, hourlyRollupDays: 31, sealRawResults: true, pruneCron: '0 * * * *', pruneBatch: 100 },
        compliance: { enabled: false, intervalS: 7200, concurrency: 4, latencyBudgetMs: 1500 },
        endpoints: [
          endpoint({
            slug: 'weather',
            name: 'Acme Weather',
            url: 'https://mcp.acme.example/mcp',
            intervalS: 90,
            timeoutMs: 10_000,
            era: 'streamable',
            public: true,
            tags: ['prod', 'eu'],
            listTools: false,
            allowPrivate: true,
            secrets: { headers: { 'X-Api-Key': 'key-123', 'X-Tenant': 'acme' }, bearerToken: 'tok-456' },
          }),
          endpoint({ slug: 'legacy-sse-server', name: 'Légacy SSE — Server', url: 'http://10.0.0.5:3000/sse', intervalS: 120, timeoutMs: 20_000, era: 'sse' }),
        ],
      },
    },
    {
      name: 'databasePath follows dataDir',
      text: 'dataDir: /srv/watch\n',
      expected: { ...DEFAULTS, dataDir: '/srv/watch', databasePath: '/srv/watch/mcpwatch.db', database: { backend: 'sqlite', path: '/srv/watch/mcpwatch.db' } },
    },
    {
      name: 'YAML anchors and merge keys',
      text: 'endpoints:\n  - &base { name: A, url: "https://a.example/mcp", interval: 30 }\n  - { <<: *base, name: B, url: "https://b.example/mcp" }\n',
      expected: {
        ...DEFAULTS,
        endpoints: [endpoint({ slug: 'a', name: 'A', url: 'https://a.example/mcp', intervalS: 30 }), endpoint({ slug: 'b', name: 'B', url: 'https://b.example/mcp', intervalS: 30 })],
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = ok(parseConfig(c.text, c.env ?? {}));
      assert.deepEqual(config, c.expected);
      assert.deepEqual(warnings, c.warnings ?? []);
    });
  }

  test('the result is deeply frozen', () => {
    const { config } = ok(parseConfig(FULL, { ACME_KEY: 'k', ACME_TOKEN: 't' }));
    const stack: unknown[] = [config];
    while (stack.length > 0) {
      const value = stack.pop();
      if (typeof value !== 'object' || value === null) continue;
      assert.ok(Object.isFrozen(value), 'every object is frozen');
      stack.push(...Object.values(value as Record<string, unknown>));
    }
    assert.throws(() => {
      (config.probe.dnsServers as string[]).push('9.9.9.9');
    }, TypeError);
  });

  test('hourly rollups default to 31 days, within the raw and daily retention whatever those are', () => {
    for (const [text, hourly] of [
      ['', 31],
      ['retention:\n  rollupDays: 20\n', 20],
      ['retention:\n  rawDays: 40\n', 40],
      ['retention:\n  hourlyRollupDays: 91\n', 91],
    ] as const) {
      const parsed = parseConfig(text, {});
      assert.ok(parsed.ok, text);
      assert.equal(parsed.config.retention.hourlyRollupDays, hourly, text);
    }
  });

  test('the shipped mcpwatch.example.yaml is valid and warns about nothing when its variables are set', () => {
    const text = readFileSync(new URL('../../mcpwatch.example.yaml', import.meta.url), 'utf8');
    const { config, warnings } = ok(parseConfig(text, { ACME_API_KEY: 'k', ACME_TOKEN: 't', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', SMTP_PASSWORD: 'p' }));
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      config.endpoints.map((e) => [e.slug, e.paused]),
      [
        ['acme-weather', false],
        ['legacy-sse-server', false],
      ],
    );
  });
});

describe('parseConfig: errors, one per class, with exact messages', () => {
  const ep = (lines: string): string => `endpoints:\n  - name: Weather\n    url: https://mcp.example.com/mcp\n${lines}`;
  const cases: readonly { name: string; text: string; env?: Env; errors: string[] }[] = [
    {
      name: 'unknown endpoint key, with suggestion',
      text: ep('    intreval: 30\n'),
      errors: ['endpoints[0].intreval: unknown key (did you mean "interval"?)'],
    },
    { name: 'trustProxy entry that is not an address', text: 'listen:\n  trustProxy: [10.0.0.0/8, proxy.local]\n', errors: ['listen.trustProxy[1]: expected an IP address, a CIDR such as "172.16.0.0/12", or one of loopback, linklocal, uniquelocal, got "proxy.local"'] },
    { name: 'trustProxy as a word', text: 'listen:\n  trustProxy: caddy\n', errors: ['listen.trustProxy: expected true, false or a list of proxy addresses and CIDRs, got "caddy"'] },
    { name: 'unknown top-level key, with suggestion', text: 'listne:\n  port: 1\n', errors: ['listne: unknown key (did you mean "listen"?)'] },
    { name: 'probe workers beyond the bound', text: 'probe:\n  workers: 65\n', errors: ['probe.workers: must be at most 64, got 65'] },
    { name: 'probe workers neither a count nor auto', text: 'probe:\n  workers: all\n', errors: ['probe.workers: expected a whole number from 0 to 64 or "auto", got "all"'] },
    { name: 'snake_case key', text: 'probe:\n  allow_private: true\n', errors: ['probe.allow_private: unknown key (did you mean "allowPrivate"?)'] },
    {
      name: 'unknown key without a near match lists the allowed ones',
      text: 'health:\n  frobnicate: 1\n',
      errors: ['health.frobnicate: unknown key (expected one of: downAfter, upAfter, authRequiredIsOutage, degradedIsOutage)'],
    },
    { name: 'typo inside { env: }', text: ep('    bearerToken: { evn: TOKEN }\n'), errors: ['endpoints[0].bearerToken.evn: unknown key (did you mean "env"?)'] },
    {
      name: 'URL with an unsupported scheme',
      text: 'endpoints:\n  - name: W\n    url: ftp://files.example.com/mcp\n',
      errors: ['endpoints[0].url: only http and https URLs can be probed, not ftp, got "ftp://files.example.com/mcp"'],
    },
    { name: 'URL that is not a URL', text: 'endpoints:\n  - name: W\n    url: mcp.example.com\n', errors: ['endpoints[0].url: not a valid absolute URL: "mcp.example.com"'] },
    {
      name: 'URL with credentials is refused without echoing the password',
      text: 'endpoints:\n  - name: W\n    url: https://user:hunter2@mcp.example.com/\n',
      errors: ['endpoints[0].url: the URL contains user:password; configure credentials as a header or bearer token instead, got "https://***@mcp.example.com/"'],
    },
    { name: 'missing url and name', text: 'endpoints:\n  - era: sse\n', errors: ['endpoints[0].name: required', 'endpoints[0].url: required'] },
    { name: 'interval below the minimum', text: ep('    interval: 5\n'), errors: ['endpoints[0].interval: must be at least 10 s (scheduler.minIntervalS), got 5 s'] },
    {
      name: 'interval below a configured minimum',
      text: `scheduler: { minIntervalS: 1m, defaultIntervalS: 5m }\n${ep('    interval: 30s\n')}`,
      errors: ['endpoints[0].interval: must be at least 60 s (scheduler.minIntervalS), got 30 s'],
    },
    {
      name: 'interval that is not a duration',
      text: ep('    interval: 30 secs\n'),
      errors: ['endpoints[0].interval: expected a duration such as "30s" or "2m", or a number of seconds, got "30 secs"'],
    },
    {
      name: 'interval quoted without a unit',
      text: ep('    interval: "30"\n'),
      errors: [
        'endpoints[0].interval: expected a duration such as "30s" or "2m", or a number of seconds, got "30" (a duration in quotes needs a unit; or write the number of seconds without quotes)',
      ],
    },
    { name: 'interval in fractions of a second', text: ep('    interval: 10.5s\n'), errors: ['endpoints[0].interval: must be a whole number of seconds, got "10.5s"'] },
    { name: 'timeout too short', text: ep('    timeout: 50ms\n'), errors: ['endpoints[0].timeout: must be at least 100 ms, got "50ms"'] },
    {
      name: 'duplicate explicit slug',
      text: 'endpoints:\n  - { name: One, slug: api, url: "https://a.example/" }\n  - { name: Two, slug: api, url: "https://b.example/" }\n',
      errors: ['endpoints[1].slug: "api" is already the slug of endpoints[0] ("One"); give one of them a distinct slug'],
    },
    {
      name: 'duplicate derived slug',
      text: 'endpoints:\n  - { name: Weather API, url: "https://a.example/" }\n  - { name: "weather api!", url: "https://b.example/" }\n',
      errors: ['endpoints[1].slug: "weather-api" (derived from name "weather api!") is already the slug of endpoints[0] ("Weather API"); give one of them a distinct slug'],
    },
    {
      name: 'name with nothing to derive a slug from',
      text: 'endpoints:\n  - { name: "!!!", url: "https://a.example/" }\n',
      errors: ['endpoints[0].name: cannot derive a slug from "!!!"; add slug: with lowercase letters, digits and dashes'],
    },
    {
      name: 'bad slug',
      text: ep('    slug: My_Server\n'),
      errors: ['endpoints[0].slug: expected lowercase letters, digits and dashes (at most 64, no dash at either end), got "My_Server"'],
    },
    { name: 'bad era', text: ep('    era: http\n'), errors: ['endpoints[0].era: must be one of auto, modern, streamable, sse, got "http"'] },
    { name: 'bad /probe auth', text: 'probeEndpoint: { auth: token }\n', errors: ['probeEndpoint.auth: must be one of none, read, full, got "token"'] },
    { name: 'unknown /probe key', text: 'probeEndpoint: { timeout: 5 }\n', errors: ['probeEndpoint.timeout: unknown key (expected one of: enabled, auth, perMinute, concurrency)'] },
    { name: 'YAML 1.1 boolean', text: ep('    public: yes\n'), errors: ['endpoints[0].public: expected true or false, got "yes"'] },
    { name: 'number as a string', text: 'listen:\n  port: "8080"\n', errors: ['listen.port: expected a whole number from 0 to 65535, got "8080"'] },
    { name: 'port out of range', text: 'listen:\n  port: 70000\n', errors: ['listen.port: must be at most 65535, got 70000'] },
    { name: 'tags as a string', text: ep('    tags: prod\n'), errors: ['endpoints[0].tags: expected a list, got "prod"'] },
    { name: 'endpoints as a mapping', text: 'endpoints:\n  weather:\n    url: https://x.example/\n', errors: ['endpoints: expected a list, got a mapping'] },
    { name: 'top level a list', text: '- a\n- b\n', errors: ['(top level): expected a mapping, got a list'] },
    { name: 'section as a scalar', text: 'probe: fast\n', errors: ['probe: expected a mapping, got "fast"'] },
    {
      name: 'header value of the wrong type shows its kind, not its value',
      text: ep('    headers:\n      X-Api-Key: 123456789\n'),
      errors: ['endpoints[0].headers.X-Api-Key: expected a string or { env: VARIABLE_NAME }, got a number'],
    },
    { name: 'headers as a string', text: ep('    headers: "Authorization: Bearer s3cret"\n'), errors: ['endpoints[0].headers: expected a mapping, got a string'] },
    { name: 'bad env variable name', text: ep('    bearerToken: { env: MY-TOKEN }\n'), errors: ['endpoints[0].bearerToken.env: expected an environment variable name (letters, digits, _), got "MY-TOKEN"'] },
    { name: 'invalid header name', text: ep('    headers:\n      "X Api Key": abc\n'), errors: ['endpoints[0].headers["X Api Key"]: not a valid header name, got "X Api Key"'] },
    { name: 'reserved header', text: ep('    headers:\n      Content-Type: text/plain\n'), errors: ['endpoints[0].headers.Content-Type: set by mcpwatch itself; it cannot be configured'] },
    {
      name: 'same header twice in different case',
      text: ep('    headers:\n      X-Tenant: a\n      x-tenant: b\n'),
      errors: ['endpoints[0].headers.x-tenant: same header as headers.X-Tenant (header names are case-insensitive)'],
    },
    {
      name: 'bearer token and Authorization header together',
      text: ep('    headers:\n      Authorization: { env: AUTH }\n    bearerToken: { env: TOKEN }\n'),
      env: { AUTH: 'Basic abc', TOKEN: 't' },
      errors: ['endpoints[0].bearerToken: conflicts with headers.Authorization; set only one of them'],
    },
    {
      name: 'secret from the environment with a line break',
      text: ep('    bearerToken: { env: TOKEN }\n'),
      env: { TOKEN: 'abc\r\nX-Injected: 1' },
      errors: ['endpoints[0].bearerToken: environment variable TOKEN contains a line break or NUL, which cannot be sent in a header'],
    },
    {
      name: 'default interval below the minimum',
      text: 'scheduler:\n  defaultIntervalS: 5\n',
      errors: ['scheduler.defaultIntervalS: must be at least scheduler.minIntervalS (10 s), got 5 s'],
    },
    { name: 'compliance checked more often than a minute', text: 'compliance:\n  intervalS: 30\n', errors: ['compliance.intervalS: must be at least 60 s, got 30'] },
    { name: 'compliance: unknown key', text: 'compliance:\n  latencyBudget: 500\n', errors: ['compliance.latencyBudget: unknown key (did you mean "latencyBudgetMs"?)'] },
    { name: 'rollups shorter than raw results', text: 'retention:\n  rawDays: 30\n  rollupDays: 7\n', errors: ['retention.rollupDays: must be at least retention.rawDays (30), got 7'] },
    {
      name: 'hourly rollups kept longer than daily ones',
      text: 'retention:\n  hourlyRollupDays: 500\n',
      errors: ['retention.hourlyRollupDays: must be between retention.rawDays (14) and retention.rollupDays (400), got 500'],
    },
    {
      name: 'hourly rollups kept shorter than raw results',
      text: 'retention:\n  hourlyRollupDays: 7\n',
      errors: ['retention.hourlyRollupDays: must be between retention.rawDays (14) and retention.rollupDays (400), got 7'],
    },
    { name: 'sealing switched by a non-boolean', text: 'retention:\n  sealRawResults: "no"\n', errors: ['retention.sealRawResults: expected true or false, got "no"'] },
    {
      name: 'bad cron expression',
      text: 'retention:\n  pruneCron: "*/5 * * *"\n',
      errors: ['retention.pruneCron: not a valid cron expression (expected 5 or 6 fields but got 4), got "*/5 * * *"'],
    },
    {
      name: 'bad DNS server',
      text: 'probe:\n  dnsServers: ["1.1.1.1", dns.google]\n',
      errors: ['probe.dnsServers[1]: expected an IP address with an optional port ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"), got "dns.google"'],
    },
    { name: 'bad size', text: 'probe:\n  maxBodyBytes: 1 lot\n', errors: ['probe.maxBodyBytes: expected a number of bytes or a size such as "512KiB" or "1MiB", got "1 lot"'] },
    { name: 'public URL with a query', text: 'publicUrl: https://status.example.com/?x=1\n', errors: ['publicUrl: must not have a query or fragment, got "https://status.example.com/?x=1"'] },
    {
      name: 'long values are cut short',
      text: `endpoints:\n  - name: W\n    url: https://a.example/\n    era: ${'x'.repeat(100)}\n`,
      errors: [`endpoints[0].era: must be one of auto, modern, streamable, sse, got "${'x'.repeat(60)}…"`],
    },
    {
      name: 'YAML syntax error with its line',
      text: 'listen:\n  port: 8080\nendpoints: [\n  { name: a\nprobe: {}\n',
      errors: [
        'YAML syntax error at line 5, column 1: Flow map in block collection must be sufficiently indented and end with a }',
        'YAML syntax error at line 5, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
    },
    { name: 'duplicate YAML key with its line', text: 'listen:\n  port: 1\nlisten:\n  port: 2\n', errors: ['YAML syntax error at line 3, column 1: Map keys must be unique'] },
    {
      name: 'several errors are reported together',
      text: 'listen:\n  port: -1\nendpoints:\n  - name: A\n    url: nope\n    intreval: 30\n',
      env: { MCPWATCH_CONCURRENCY: 'lots' },
      errors: [
        'listen.port: must be at least 0, got -1',
        'endpoints[0].url: not a valid absolute URL: "nope"',
        'endpoints[0].intreval: unknown key (did you mean "interval"?)',
        'MCPWATCH_CONCURRENCY: expected a whole number from 1 to 10000, got "lots"',
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(errorsOf(parseConfig(c.text, c.env ?? {})), c.errors);
    });
  }

  test('no error message contains a secret', () => {
    const text = ep('    headers:\n      X-Api-Key: [s3cret-value]\n    bearerToken: 98765432\n');
    const errors = errorsOf(parseConfig(text, {}));
    assert.equal(errors.length, 2);
    for (const error of errors) assert.doesNotMatch(error, /s3cret-value|98765432/);
  });
});

describe('parseConfig: environment overrides', () => {
  const FILE = 'dataDir: /from/file\nlisten: { host: 0.0.0.0, port: 1000 }\nprobe: { allowPrivate: false, dnsServers: ["8.8.8.8"] }\nscheduler: { concurrency: 2, drainTimeoutMs: 1000 }\nretention: { rawDays: 3 }\n';
  const cases: readonly { name: string; env: Env; pick: (c: Config) => unknown; expected: unknown }[] = [
    { name: 'MCPWATCH_DATA_DIR (and the database follows)', env: { MCPWATCH_DATA_DIR: '/env/data' }, pick: (c) => [c.dataDir, c.databasePath], expected: ['/env/data', '/env/data/mcpwatch.db'] },
    { name: 'MCPWATCH_DB', env: { MCPWATCH_DB: '/env/db.sqlite' }, pick: (c) => c.databasePath, expected: '/env/db.sqlite' },
    { name: 'MCPWATCH_HOST', env: { MCPWATCH_HOST: '::1' }, pick: (c) => c.listen, expected: { host: '::1', port: 1000, trustProxy: false, allowedHosts: [] } },
    { name: 'MCPWATCH_PORT', env: { MCPWATCH_PORT: '9999' }, pick: (c) => c.listen, expected: { host: '0.0.0.0', port: 9999, trustProxy: false, allowedHosts: [] } },
    { name: 'MCPWATCH_ALLOWED_HOSTS', env: { MCPWATCH_ALLOWED_HOSTS: 'watch.example.org, .lan,,' }, pick: (c) => c.listen.allowedHosts, expected: ['watch.example.org', '.lan'] },
    { name: 'MCPWATCH_TRUST_PROXY=true', env: { MCPWATCH_TRUST_PROXY: 'true' }, pick: (c) => c.listen.trustProxy, expected: true },
    { name: 'MCPWATCH_TRUST_PROXY as a list', env: { MCPWATCH_TRUST_PROXY: 'uniquelocal, 10.0.0.0/8,::1' }, pick: (c) => c.listen.trustProxy, expected: ['uniquelocal', '10.0.0.0/8', '::1'] },
    { name: 'MCPWATCH_PUBLIC_URL', env: { MCPWATCH_PUBLIC_URL: 'https://watch.example.org/' }, pick: (c) => c.publicUrl, expected: 'https://watch.example.org' },
    { name: 'MCPWATCH_ALLOW_PRIVATE=1', env: { MCPWATCH_ALLOW_PRIVATE: '1' }, pick: (c) => c.probe.allowPrivate, expected: true },
    { name: 'MCPWATCH_ALLOW_PRIVATE=TRUE', env: { MCPWATCH_ALLOW_PRIVATE: 'TRUE' }, pick: (c) => c.probe.allowPrivate, expected: true },
    { name: 'MCPWATCH_CONCURRENCY', env: { MCPWATCH_CONCURRENCY: '16' }, pick: (c) => c.scheduler.concurrency, expected: 16 },
    { name: 'MCPWATCH_RAW_RETENTION_DAYS', env: { MCPWATCH_RAW_RETENTION_DAYS: '30' }, pick: (c) => c.retention.rawDays, expected: 30 },
    { name: 'MCPWATCH_DRAIN_TIMEOUT_MS as a number', env: { MCPWATCH_DRAIN_TIMEOUT_MS: '5000' }, pick: (c) => c.scheduler.drainTimeoutMs, expected: 5000 },
    { name: 'MCPWATCH_DRAIN_TIMEOUT_MS as a duration', env: { MCPWATCH_DRAIN_TIMEOUT_MS: '10s' }, pick: (c) => c.scheduler.drainTimeoutMs, expected: 10_000 },
    { name: 'MCPWATCH_DNS_SERVERS', env: { MCPWATCH_DNS_SERVERS: ' 1.1.1.1, [::1]:53 ,' }, pick: (c) => c.probe.dnsServers, expected: ['1.1.1.1', '[::1]:53'] },
    { name: 'an empty variable is no override', env: { MCPWATCH_PORT: '', MCPWATCH_DNS_SERVERS: ' ' }, pick: (c) => [c.listen.port, c.probe.dnsServers], expected: [1000, ['8.8.8.8']] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = ok(parseConfig(FILE, c.env));
      assert.deepEqual(c.pick(config), c.expected);
      assert.deepEqual(warnings, []);
    });
  }

  test('overrides apply without a file too', () => {
    const { config } = ok(parseConfig(undefined, { MCPWATCH_PORT: '0', MCPWATCH_DATA_DIR: './state/' }));
    assert.deepEqual([config.listen.port, config.databasePath], [0, './state/mcpwatch.db']);
  });

  const bad: readonly { env: Env; error: string }[] = [
    { env: { MCPWATCH_PORT: '80a' }, error: 'MCPWATCH_PORT: expected a whole number from 0 to 65535, got "80a"' },
    { env: { MCPWATCH_PORT: '65536' }, error: 'MCPWATCH_PORT: must be at most 65535, got 65536' },
    { env: { MCPWATCH_TRUST_PROXY: 'caddy' }, error: 'MCPWATCH_TRUST_PROXY: expected an IP address, a CIDR such as "172.16.0.0/12", or one of loopback, linklocal, uniquelocal, got "caddy"' },
    { env: { MCPWATCH_TRUST_PROXY: '10.0.0.0/33' }, error: 'MCPWATCH_TRUST_PROXY: expected an IP address, a CIDR such as "172.16.0.0/12", or one of loopback, linklocal, uniquelocal, got "10.0.0.0/33"' },
    { env: { MCPWATCH_HOST: 'my host' }, error: 'MCPWATCH_HOST: expected a host name or IP address such as "127.0.0.1" or "::", got "my host"' },
    { env: { MCPWATCH_PUBLIC_URL: 'status.example.com' }, error: 'MCPWATCH_PUBLIC_URL: expected an absolute http or https URL such as "https://status.example.com", got "status.example.com"' },
    { env: { MCPWATCH_ALLOW_PRIVATE: 'maybe' }, error: 'MCPWATCH_ALLOW_PRIVATE: expected true or false (or 1/0, yes/no, on/off), got "maybe"' },
    { env: { MCPWATCH_CONCURRENCY: '0' }, error: 'MCPWATCH_CONCURRENCY: must be at least 1, got 0' },
    { env: { MCPWATCH_RAW_RETENTION_DAYS: '1.5' }, error: 'MCPWATCH_RAW_RETENTION_DAYS: expected a whole number from 1 to 3650, got 1.5' },
    { env: { MCPWATCH_DRAIN_TIMEOUT_MS: 'soon' }, error: 'MCPWATCH_DRAIN_TIMEOUT_MS: expected a duration such as "10s" or "500ms", or a number of milliseconds, got "soon"' },
    {
      env: { MCPWATCH_DNS_SERVERS: '1.1.1.1,dns.google' },
      error: 'MCPWATCH_DNS_SERVERS: expected an IP address with an optional port ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"), got "dns.google"',
    },
  ];
  for (const c of bad) {
    const [name] = Object.keys(c.env);
    test(`bad ${name ?? '?'}=${JSON.stringify(Object.values(c.env)[0])}`, () => {
      assert.deepEqual(errorsOf(parseConfig(undefined, c.env)), [c.error]);
    });
  }

  test('a misspelt MCPWATCH_ variable draws a warning', () => {
    const { warnings } = ok(parseConfig(undefined, { MCPWATCH_PROT: '1', MCPWATCH_HEADER_X_KEY: 'v', MCPWATCH_SOMETHING_ELSE: 'x' }));
    assert.deepEqual(warnings, ['MCPWATCH_PROT: not a variable mcpwatch reads (did you mean MCPWATCH_PORT?)']);
  });
});

describe('parseConfig: secrets', () => {
  const one = (lines: string): string => `endpoints:\n  - name: Weather\n    url: https://mcp.example.com/mcp\n${lines}`;
  const cases: readonly { name: string; text: string; env: Env; expected: Partial<EndpointDefinition>; warnings: string[] }[] = [
    {
      name: 'unset variable → paused, with a warning',
      text: one('    headers:\n      X-Api-Key: { env: WEATHER_KEY }\n      X-Tenant: acme\n'),
      env: {},
      expected: { paused: true, pausedReason: 'environment variable WEATHER_KEY is not set', secrets: { headers: { 'X-Tenant': 'acme' }, bearerToken: null } },
      warnings: ['endpoints[0].headers.X-Api-Key: environment variable WEATHER_KEY is not set; endpoint "weather" starts paused'],
    },
    {
      name: 'two unset variables, one empty',
      text: one('    headers:\n      X-Api-Key: { env: WEATHER_KEY }\n    bearerToken: { env: WEATHER_TOKEN }\n'),
      env: { WEATHER_TOKEN: '' },
      expected: { paused: true, pausedReason: 'environment variables WEATHER_KEY and WEATHER_TOKEN are not set', secrets: { headers: {}, bearerToken: null } },
      warnings: [
        'endpoints[0].headers.X-Api-Key: environment variable WEATHER_KEY is not set; endpoint "weather" starts paused',
        'endpoints[0].bearerToken: environment variable WEATHER_TOKEN is not set; endpoint "weather" starts paused',
      ],
    },
    {
      name: 'variables set → active, values trimmed',
      text: one('    headers:\n      X-Api-Key: { env: WEATHER_KEY }\n    bearerToken: { env: WEATHER_TOKEN }\n'),
      env: { WEATHER_KEY: ' k-1 \n', WEATHER_TOKEN: 't-2' },
      expected: { paused: false, pausedReason: null, secrets: { headers: { 'X-Api-Key': 'k-1' }, bearerToken: 't-2' } },
      warnings: [],
    },
    {
      name: 'paused in the file',
      text: one('    paused: true\n'),
      env: {},
      expected: { paused: true, pausedReason: 'paused in the config file' },
      warnings: [],
    },
    {
      name: 'literal secrets are allowed with a warning; non-secret headers without',
      text: one('    headers:\n      X-Api-Key: k-literal\n      X-Tenant: acme\n    bearerToken: t-literal\n'),
      env: {},
      expected: { secrets: { headers: { 'X-Api-Key': 'k-literal', 'X-Tenant': 'acme' }, bearerToken: 't-literal' } },
      warnings: [
        'endpoints[0].headers.X-Api-Key: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed',
        'endpoints[0].bearerToken: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed',
      ],
    },
    {
      name: 'a "Bearer " prefix on the token is removed',
      text: one('    bearerToken: { env: WEATHER_TOKEN }\n'),
      env: { WEATHER_TOKEN: 'Bearer abc' },
      expected: { secrets: { headers: {}, bearerToken: 'abc' } },
      warnings: ['endpoints[0].bearerToken: the value starts with "Bearer ", which mcpwatch adds itself; the prefix was removed'],
    },
    {
      name: 'a credential in the query string draws a warning',
      text: 'endpoints:\n  - name: Weather\n    url: https://mcp.example.com/mcp?api_key=abc&region=eu\n',
      env: {},
      expected: { url: 'https://mcp.example.com/mcp?api_key=abc&region=eu' },
      warnings: [
        'endpoints[0].url: the query parameter "api_key" looks like a credential; URLs appear in logs and pages, so prefer a header with { env: VARIABLE } if the server accepts one',
      ],
    },
    {
      name: 'a timeout as long as the interval draws a warning',
      text: one('    interval: 10\n    timeout: 10s\n'),
      env: {},
      expected: { intervalS: 10, timeoutMs: 10_000 },
      warnings: ['endpoints[0].timeout: 10000 ms is not shorter than the interval (10 s); a slow server will be checked back to back'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { config, warnings } = ok(parseConfig(c.text, c.env));
      const [only] = config.endpoints;
      assert.ok(only);
      assert.deepEqual(only, { ...only, ...c.expected });
      assert.deepEqual(warnings, c.warnings);
    });
  }
});

describe('describeConfig', () => {
  const SECRETS = ['k-literal-111', 'env-key-222', 'env-token-333', 'query-secret-444'];
  const text = `
publicUrl: https://status.example.com
endpoints:
  - name: Weather
    url: https://mcp.example.com/mcp?api_key=query-secret-444
    public: true
    tags: [prod]
    headers:
      X-Api-Key: k-literal-111
      X-Other: { env: OTHER }
    bearerToken: { env: TOKEN }
  - name: Paused one
    url: https://b.example.com/mcp
    headers:
      X-Missing: { env: NOT_SET_ANYWHERE }
`;
  const { config } = ok(parseConfig(text, { OTHER: 'env-key-222', TOKEN: 'env-token-333' }));
  const description = describeConfig(config);

  test('contains no secret value', () => {
    for (const secret of SECRETS) assert.ok(!description.includes(secret), `description leaks ${secret}`);
  });

  test('names what runs and how', () => {
    assert.deepEqual(description.split('\n'), [
      'data        ./data (database ./data/mcpwatch.db)',
      'listen      127.0.0.1:8080, public URL https://status.example.com',
      'hosts       only IP addresses, localhost, status.example.com (other Host headers get 403)',
      'probe       timeout 15000 ms, slow above 3000 ms, certificate warning 14 days before expiry, private addresses refused, DNS system resolver, probes on the main thread',
      '/probe      on for a full token; 300 a minute, 8 at once',
      'health      down after 2 failed round(s), up after 1 good; auth required does not count as an outage; degraded does not count',
      'scheduler   64 probes at once (4 per host), every 60 s by default (minimum 10 s), one immediate retry on failure, drain 25000 ms',
      'retention   raw results 14 days (past hours sealed into compressed blocks on SQLite), hourly rollups 31 days, daily rollups 400 days, pruned on "*/5 * * * *" in batches of 5000',
      'compliance  checks every 3600 s per endpoint, 2 at once, latency budget 1000 ms',
      'endpoints   2 (1 paused, 1 public)',
      '  weather (Weather) https://mcp.example.com/mcp?api_key=…: every 60 s, timeout 15000 ms, era auto, public, tags prod, sends Authorization, X-Api-Key, X-Other',
      '  paused-one (Paused one) https://b.example.com/mcp: every 60 s, timeout 15000 ms, era auto, PAUSED: environment variable NOT_SET_ANYWHERE is not set',
    ]);
  });
});
