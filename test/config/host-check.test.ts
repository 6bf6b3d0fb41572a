import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.ts';
import { hostCheck, isLoopbackHost, type HostCheck } from '../../src/config/schema.ts';

type Env = Readonly<Record<string, string | undefined>>;

function checkOf(yaml: string, env: Env = {}): HostCheck {
  const parsed = parseConfig(yaml, env);
  if (!parsed.ok) assert.fail(parsed.errors.join('\n'));
  return hostCheck(parsed.config.listen, parsed.config.publicUrl);
}

function errorsOf(yaml: string, env: Env = {}): string[] {
  const parsed = parseConfig(yaml, env);
  if (parsed.ok) assert.fail('expected errors, got a valid config');
  return parsed.errors;
}

describe('hostCheck: when the Host allow-list is enforced, and with which names', () => {
  const cases: readonly { name: string; yaml: string; env?: Env; expected: HostCheck }[] = [
    { name: 'defaults: bound to 127.0.0.1, so enforced with the loopback names only', yaml: '', expected: { enforced: true, names: [], anyHost: false } },
    { name: 'bound to ::1', yaml: 'listen: { host: "::1" }', expected: { enforced: true, names: [], anyHost: false } },
    { name: 'bound to localhost', yaml: 'listen: { host: localhost }', expected: { enforced: true, names: [], anyHost: false } },
    { name: 'bound to 127.0.0.2 (all of 127/8 is loopback)', yaml: 'listen: { host: 127.0.0.2 }', expected: { enforced: true, names: [], anyHost: false } },
    {
      name: 'loopback behind a reverse proxy: the public URL host is allowed',
      yaml: 'publicUrl: https://Status.Example.com/mcpwatch',
      expected: { enforced: true, names: ['status.example.com'], anyHost: false },
    },
    { name: 'bound to 0.0.0.0 with nothing configured: names unknown, not enforced', yaml: 'listen: { host: 0.0.0.0 }', expected: { enforced: false, names: [], anyHost: false } },
    {
      name: 'bound to 0.0.0.0 with a public URL only: still not enforced (compose: Prometheus scrapes mcpwatch:8080)',
      yaml: 'listen: { host: 0.0.0.0 }\npublicUrl: https://status.example.com',
      expected: { enforced: false, names: ['status.example.com'], anyHost: false },
    },
    {
      name: 'bound to :: with allowedHosts: enforced, public URL host first',
      yaml: 'listen: { host: "::", allowedHosts: [mcpwatch, .lan, status.example.com] }\npublicUrl: https://status.example.com',
      expected: { enforced: true, names: ['status.example.com', 'mcpwatch', '.lan'], anyHost: false },
    },
    { name: 'allowedHosts "*" turns the check off even on loopback', yaml: 'listen: { allowedHosts: ["*"] }', expected: { enforced: false, names: [], anyHost: true } },
    {
      name: 'MCPWATCH_ALLOWED_HOSTS replaces the file list',
      yaml: 'listen: { host: 0.0.0.0, allowedHosts: [from-file.example] }',
      env: { MCPWATCH_ALLOWED_HOSTS: 'from-env.example' },
      expected: { enforced: true, names: ['from-env.example'], anyHost: false },
    },
    { name: 'an empty MCPWATCH_ALLOWED_HOSTS counts as unset', yaml: 'listen: { host: 0.0.0.0 }', env: { MCPWATCH_ALLOWED_HOSTS: ' ' }, expected: { enforced: false, names: [], anyHost: false } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(checkOf(c.yaml, c.env), c.expected));
});

describe('listen.allowedHosts: invalid entries are refused with the field and value', () => {
  const MESSAGE = 'expected a host name such as "status.example.com", ".example.com" (the name and its subdomains) or "*" (any host), without scheme or port, got';
  const cases: readonly { name: string; yaml: string; env?: Env; errors: string[] }[] = [
    { name: 'a URL', yaml: 'listen: { allowedHosts: ["https://status.example.com"] }', errors: [`listen.allowedHosts[0]: ${MESSAGE} "https://status.example.com"`] },
    { name: 'a port', yaml: 'listen: { allowedHosts: [ok.example, "status.example.com:443"] }', errors: [`listen.allowedHosts[1]: ${MESSAGE} "status.example.com:443"`] },
    { name: 'a glob other than "*"', yaml: 'listen: { allowedHosts: ["*.example.com"] }', errors: [`listen.allowedHosts[0]: ${MESSAGE} "*.example.com"`] },
    { name: 'not a list', yaml: 'listen: { allowedHosts: status.example.com }', errors: ['listen.allowedHosts: expected a list of host names such as ["status.example.com"], got "status.example.com"'] },
    { name: 'a bad entry in the environment', yaml: '', env: { MCPWATCH_ALLOWED_HOSTS: 'ok.example,bad host' }, errors: [`MCPWATCH_ALLOWED_HOSTS: ${MESSAGE} "bad host"`] },
    { name: 'a typo in the key', yaml: 'listen: { allowedHost: [a.example] }', errors: ['listen.allowedHost: unknown key (did you mean "allowedHosts"?)'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(errorsOf(c.yaml, c.env), c.errors));
});

describe('isLoopbackHost', () => {
  const cases: readonly [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['app.localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['localhost.example.com', false],
    ['mcpwatch', false],
  ];
  for (const [host, expected] of cases) test(`${host} → ${expected}`, () => assert.equal(isLoopbackHost(host), expected));
});
