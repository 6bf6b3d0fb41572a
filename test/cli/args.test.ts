import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, type Command } from '../../src/cli/args.ts';
import { COMMANDS, parseCommand } from '../../src/cli/commands.ts';
import { usage } from '../../src/cli/help.ts';
import { DEFAULT_PROBE_SETTINGS, type ProbeRequest, type ProbeSettings } from '../../src/probe/run-probe.ts';

type Env = Readonly<Record<string, string | undefined>>;
const URL_ = 'https://mcp.example.com/mcp';
const USAGE = usage(COMMANDS);

function checkCommand(overrides: { request?: Partial<ProbeRequest>; settings?: Partial<ProbeSettings>; json?: boolean; grade?: boolean; caFile?: string }): Command {
  return {
    command: 'check',
    request: { url: URL_, headers: {}, era: 'auto', listTools: false, ...overrides.request },
    settings: { ...DEFAULT_PROBE_SETTINGS, ...overrides.settings },
    json: overrides.json ?? false,
    grade: overrides.grade ?? false,
    caFile: overrides.caFile,
  };
}

describe('parseCommand: commands', () => {
  const cases: readonly { name: string; argv: string[]; env?: Env; expected: Command }[] = [
    { name: 'no arguments → usage, exit 2', argv: [], expected: { command: 'help', text: USAGE, exitCode: 2 } },
    { name: 'help', argv: ['help'], expected: { command: 'help', text: USAGE, exitCode: 0 } },
    { name: '--help', argv: ['--help'], expected: { command: 'help', text: USAGE, exitCode: 0 } },
    { name: '-h', argv: ['-h'], expected: { command: 'help', text: USAGE, exitCode: 0 } },
    { name: 'version', argv: ['version'], expected: { command: 'version' } },
    { name: '--version', argv: ['--version'], expected: { command: 'version' } },
    { name: 'check with defaults', argv: ['check', URL_], expected: checkCommand({}) },
    { name: 'check --grade', argv: ['check', '--grade', URL_], expected: checkCommand({ grade: true }) },
    {
      name: 'check with every option',
      argv: [
        'check',
        '--json',
        '--tools',
        '--era', 'sse',
        '--timeout', '2000',
        '--header', 'X-Tenant: acme',
        '--header', 'Accept-Language:   en-GB  ',
        '--header-env', 'X-Api-Key=MY_KEY',
        '--bearer-env', 'MY_TOKEN',
        '--allow-private',
        '--ca-file', '/etc/mcpwatch/ca.pem',
        '--dns-server', '127.0.0.1:5353',
        '--dns-server', '::1',
        '--slow', '500',
        '--cert-days', '0',
        URL_,
      ],
      env: { MY_KEY: 'k-123', MY_TOKEN: 'tok-456', MCPWATCH_BEARER_TOKEN: 'ignored' },
      expected: checkCommand({
        request: { headers: { 'X-Tenant': 'acme', 'Accept-Language': 'en-GB', 'X-Api-Key': 'k-123' }, bearerToken: 'tok-456', era: 'sse', listTools: true },
        settings: { timeoutMs: 2000, dnsTimeoutMs: 2000, connectTimeoutMs: 2000, tlsTimeoutMs: 2000, allowPrivate: true, dnsServers: ['127.0.0.1:5353', '::1'], slowMs: 500, certExpiringDays: 0 },
        json: true,
        caFile: '/etc/mcpwatch/ca.pem',
      }),
    },
    {
      name: 'options after the URL',
      argv: ['check', URL_, '--era', 'modern', '--json'],
      expected: checkCommand({ request: { era: 'modern' }, json: true }),
    },
    {
      name: 'a large --timeout keeps the per-phase defaults',
      argv: ['check', '--timeout', '60000', URL_],
      expected: checkCommand({ settings: { timeoutMs: 60_000 } }),
    },
    {
      name: '--timeout 100 (the minimum) caps the DNS, connect and TLS limits',
      argv: ['check', '--timeout', '100', URL_],
      expected: checkCommand({ settings: { timeoutMs: 100, dnsTimeoutMs: 100, connectTimeoutMs: 100, tlsTimeoutMs: 100 } }),
    },
    {
      name: 'bearer token from MCPWATCH_BEARER_TOKEN',
      argv: ['check', URL_],
      env: { MCPWATCH_BEARER_TOKEN: 'env-token' },
      expected: checkCommand({ request: { bearerToken: 'env-token' } }),
    },
    {
      name: 'an empty MCPWATCH_BEARER_TOKEN means no token',
      argv: ['check', URL_],
      env: { MCPWATCH_BEARER_TOKEN: '' },
      expected: checkCommand({}),
    },
    {
      name: 'the URL is passed through as given (the probe re-parses it)',
      argv: ['check', 'https://mcp.example.com/mcp#frag'],
      expected: checkCommand({ request: { url: 'https://mcp.example.com/mcp#frag' } }),
    },
    {
      name: 'a header value may contain colons',
      argv: ['check', '--header', 'X-Forwarded-Host: a.example:8443', URL_],
      expected: checkCommand({ request: { headers: { 'X-Forwarded-Host': 'a.example:8443' } } }),
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseCommand(c.argv, c.env ?? {}), c.expected);
    });
  }
});

function usageError(argv: string[], env: Env): UsageError {
  try {
    parseCommand(argv, env);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.name, 'UsageError');
    return err;
  }
  assert.fail(`parseCommand(${JSON.stringify(argv)}) did not throw`);
}

describe('parseCommand: usage errors', () => {
  const cases: readonly { name: string; argv: string[]; env?: Env; message: string | RegExp }[] = [
    { name: 'unknown command', argv: ['frobnicate'], message: 'unknown command "frobnicate"' },
    { name: 'missing URL', argv: ['check'], message: 'check needs a URL' },
    { name: 'missing URL with options', argv: ['check', '--json'], message: 'check needs a URL' },
    { name: 'two URLs', argv: ['check', URL_, 'https://other.example.com/mcp'], message: 'check takes exactly one URL' },
    { name: 'bad --era', argv: ['check', '--era', 'v2', URL_], message: '--era must be one of auto, modern, streamable, sse' },
    { name: "--timeout 'abc'", argv: ['check', '--timeout', 'abc', URL_], message: '--timeout must be a whole number ≥ 100, got "abc"' },
    { name: '--timeout 50', argv: ['check', '--timeout', '50', URL_], message: '--timeout must be a whole number ≥ 100, got "50"' },
    { name: '--timeout 1500.5', argv: ['check', '--timeout', '1500.5', URL_], message: '--timeout must be a whole number ≥ 100, got "1500.5"' },
    { name: '--timeout without a value', argv: ['check', URL_, '--timeout'], message: /--timeout/ },
    { name: '--slow=-1', argv: ['check', '--slow=-1', URL_], message: '--slow must be a whole number ≥ 0, got "-1"' },
    { name: '--cert-days=-1', argv: ['check', '--cert-days=-1', URL_], message: '--cert-days must be a whole number ≥ 0, got "-1"' },
    { name: '--header without colon', argv: ['check', '--header', 'X-Tenant acme', URL_], message: `--header must look like 'Name: value', got "X-Tenant acme"` },
    { name: '--header with an empty name', argv: ['check', '--header', ': value', URL_], message: `--header must look like 'Name: value', got ": value"` },
    { name: 'header name with a space', argv: ['check', '--header', 'X Tenant: acme', URL_], message: '--header: "X Tenant" is not a valid header name' },
    { name: 'header value with CR/LF', argv: ['check', '--header', 'X-Tenant: acme\r\nX-Injected: 1', URL_], message: '--header: the value of X-Tenant contains a line break' },
    { name: 'header value with LF only', argv: ['check', '--header', 'X-Tenant: a\nb', URL_], message: '--header: the value of X-Tenant contains a line break' },
    { name: 'header value with NUL', argv: ['check', '--header', 'X-Tenant: a\u0000b', URL_], message: '--header: the value of X-Tenant contains a line break' },
    { name: '--header-env naming an unset variable', argv: ['check', '--header-env', 'X-Api-Key=UNSET_VAR', URL_], message: '--header-env: environment variable UNSET_VAR is not set' },
    { name: '--header-env without =', argv: ['check', '--header-env', 'X-Api-Key', URL_], message: '--header-env must look like Name=ENV_VAR, got "X-Api-Key"' },
    { name: '--header-env with a bad name', argv: ['check', '--header-env', 'X Key=K', URL_], env: { K: 'v' }, message: '--header-env: "X Key" is not a valid header name' },
    { name: '--header-env value with a line break', argv: ['check', '--header-env', 'X-Api-Key=K', URL_], env: { K: 'v\r\nX-Evil: 1' }, message: '--header-env: the value of X-Api-Key contains a line break' },
    { name: '--bearer-env unset', argv: ['check', '--bearer-env', 'MY_TOKEN', URL_], env: { MCPWATCH_BEARER_TOKEN: 'fallback' }, message: '--bearer-env: environment variable MY_TOKEN is not set' },
    { name: '--bearer-env naming an empty variable', argv: ['check', '--bearer-env', 'MY_TOKEN', URL_], env: { MY_TOKEN: '' }, message: '--bearer-env: environment variable MY_TOKEN is not set' },
    { name: 'bearer token with a line break', argv: ['check', URL_], env: { MCPWATCH_BEARER_TOKEN: 'tok\nX-Evil: 1' }, message: 'the bearer token contains a line break' },
    { name: 'no --bearer flag: tokens never come from argv', argv: ['check', '--bearer', 'tok-in-argv', URL_], message: /^unknown option --bearer for check/ },
    { name: 'no --token flag either', argv: ['check', '--token=tok-in-argv', URL_], message: /^unknown option --token for check/ },
    { name: 'boolean flag given a value', argv: ['check', '--json=yes', URL_], message: "Option '--json' does not take an argument" },
    { name: 'bad URL: ftp', argv: ['check', 'ftp://x'], message: 'only http and https URLs can be probed, not ftp' },
    { name: 'bad URL: not a URL', argv: ['check', 'mcp.example.com/mcp'], message: 'not a valid absolute URL: "mcp.example.com/mcp"' },
    { name: 'bad URL: credentials', argv: ['check', 'http://user:pw@host/'], message: 'the URL contains user:password; configure credentials as a header or bearer token instead' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const err = usageError(c.argv, c.env ?? {});
      if (typeof c.message === 'string') assert.equal(err.message, c.message);
      else assert.match(err.message, c.message);
    });
  }

  test('--bearer-env takes a variable name; a token given there is not used as the token', () => {
    const err = usageError(['check', '--bearer-env', 'tok-literal', URL_], { MCPWATCH_BEARER_TOKEN: 'env-token' });
    assert.equal(err.message, '--bearer-env takes the NAME of an environment variable holding the token, not the token');
    assert.doesNotMatch(err.message, /tok-literal/);
  });
});

describe('parseCommand: endpoints', () => {
  test('list and purge, with --config and --yes', () => {
    assert.deepEqual(parseCommand(['endpoints', 'list'], {}), { command: 'endpoints', action: 'list', configPath: undefined });
    assert.deepEqual(parseCommand(['endpoints', 'purge', 'weather', '--config', 'm.yaml'], {}), { command: 'endpoints', action: 'purge', configPath: 'm.yaml', slug: 'weather', yes: false });
    assert.deepEqual(parseCommand(['endpoints', 'purge', '--yes', 'weather'], {}), { command: 'endpoints', action: 'purge', configPath: undefined, slug: 'weather', yes: true });
    assert.match(USAGE, /endpoints purge <slug>/);
  });
  const errors: Array<[string[], string]> = [
    [['endpoints'], 'endpoints needs a subcommand: list, purge'],
    [['endpoints', 'delete', 'x'], 'unknown endpoints subcommand "delete" (expected list, purge)'],
    [['endpoints', 'purge'], 'endpoints purge needs the slug of one endpoint (see mcpwatch endpoints list)'],
    [['endpoints', 'purge', 'a', 'b'], 'endpoints purge takes exactly one argument, got 2'],
    [['endpoints', 'list', 'x'], 'endpoints list takes no arguments, got "x"'],
  ];
  for (const [argv, message] of errors) {
    test(argv.join(' '), () => {
      assert.throws(() => parseCommand(argv, {}), (err: unknown) => err instanceof UsageError && err.message === message);
    });
  }
});
