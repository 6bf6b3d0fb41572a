// DNS-rebinding defence: the Host allow-list on every route and the Origin check on /mcp, as the
// config decides them (config/schema.ts hostCheck; its table is in test/config/host-check.test.ts).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { HostCheck } from '../../src/config/schema.ts';
import { judgeHost, judgeOrigin } from '../../src/http/host-guard.ts';
import { buildTestApp, type TestApp } from './helper.ts';

const LOOPBACK_ONLY: HostCheck = { enforced: true, names: [], anyHost: false };
const WITH_NAMES: HostCheck = { enforced: true, names: ['status.example.com', '.lan'], anyHost: false };
const OPEN: HostCheck = { enforced: false, names: [], anyHost: false };
const ANY: HostCheck = { enforced: false, names: [], anyHost: true };

describe('judgeHost', () => {
  const cases: readonly [string, HostCheck, string | undefined, boolean][] = [
    ['localhost with a port', LOOPBACK_ONLY, 'localhost:8080', true],
    ['LOCALHOST (case-insensitive)', LOOPBACK_ONLY, 'LOCALHOST:8080', true],
    ['a *.localhost name (RFC 6761)', LOOPBACK_ONLY, 'mcpwatch.localhost', true],
    ['127.0.0.1', LOOPBACK_ONLY, '127.0.0.1:8080', true],
    ['[::1]', LOOPBACK_ONLY, '[::1]:8080', true],
    ['any IP literal (nobody can rebind one)', LOOPBACK_ONLY, '192.0.2.7', true],
    ['the rebinding page', LOOPBACK_ONLY, 'evil.example.com:8080', false],
    ['localhost as a prefix of a foreign name', LOOPBACK_ONLY, 'localhost.evil.example', false],
    ['no Host header', LOOPBACK_ONLY, undefined, false],
    ['an unparsable Host header', LOOPBACK_ONLY, 'a b', false],
    ['a listed name', WITH_NAMES, 'status.example.com', true],
    ['a listed name, trailing dot', WITH_NAMES, 'status.example.com.:443', true],
    ['a subdomain of a listed name: not unless listed with a dot', WITH_NAMES, 'www.status.example.com', false],
    ['.lan covers lan itself', WITH_NAMES, 'lan', true],
    ['.lan covers its subdomains', WITH_NAMES, 'box.lan:8080', true],
    ['.lan does not cover a look-alike', WITH_NAMES, 'evillan', false],
    ['not enforced: anything', OPEN, 'evil.example.com', true],
    ['"*": anything', ANY, 'evil.example.com', true],
  ];
  for (const [name, check, host, expected] of cases) test(name, () => assert.equal(judgeHost(check, host).ok, expected));

  test('the refusal names the host and the setting to change', () => {
    const verdict = judgeHost(LOOPBACK_ONLY, 'evil.example.com:8080');
    assert.deepEqual(verdict, {
      ok: false,
      message:
        'this mcpwatch does not answer to the host name "evil.example.com" (DNS rebinding protection); add it to listen.allowedHosts (MCPWATCH_ALLOWED_HOSTS) or set publicUrl to the address you use',
    });
  });
});

describe('judgeOrigin', () => {
  const cases: readonly [string, HostCheck, string | undefined, string, boolean][] = [
    ['no Origin (not a browser)', LOOPBACK_ONLY, undefined, 'localhost:8080', true],
    ['a local tool such as the MCP Inspector', LOOPBACK_ONLY, 'http://localhost:6274', 'localhost:8080', true],
    ['the rebinding page', LOOPBACK_ONLY, 'http://evil.example.com:8080', 'evil.example.com:8080', false],
    ['the opaque "null" origin', LOOPBACK_ONLY, 'null', 'localhost:8080', false],
    ['a listed name', WITH_NAMES, 'https://status.example.com', 'status.example.com', true],
    ['not enforced: same origin passes', OPEN, 'http://watch.internal:8080', 'watch.internal:8080', true],
    ['not enforced: a cross-site page does not', OPEN, 'https://evil.example.com', 'watch.internal:8080', false],
    ['"*": any origin', ANY, 'https://evil.example.com', 'watch.internal:8080', true],
  ];
  for (const [name, check, origin, host, expected] of cases) test(name, () => assert.equal(judgeOrigin(check, origin, host).ok, expected));
});

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'host-guard-test', version: '0' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('the app bound to loopback (the default)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ yaml: 'publicUrl: https://status.example.com', appOptions: { trustProxy: true } });
  });
  after(() => t.close());

  for (const url of ['/', '/status', '/healthz', '/api/v1/endpoints', '/no-such-page']) {
    test(`${url}: a foreign Host gets 403 with the usual error body and headers`, async () => {
      const res = await t.app.inject({ url, headers: { host: 'evil.example.com:8080' } });
      assert.equal(res.statusCode, 403);
      const body = res.json<{ code: string; message: string; requestId: string }>();
      assert.equal(body.code, 'FORBIDDEN');
      assert.match(body.message, /host name "evil\.example\.com".*listen\.allowedHosts/);
      assert.equal(res.headers['x-request-id'], body.requestId);
      assert.ok(res.headers['content-security-policy']);
    });
  }

  for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'status.example.com']) {
    test(`/status answers Host ${host}`, async () => {
      assert.equal((await t.app.inject({ url: '/status', headers: { host } })).statusCode, 200);
    });
  }

  test('X-Forwarded-Host is not believed, even from a trusted proxy', async () => {
    const forged = await t.app.inject({ url: '/status', headers: { host: 'evil.example.com', 'x-forwarded-host': 'status.example.com' } });
    assert.equal(forged.statusCode, 403);
    const proxied = await t.app.inject({ url: '/status', headers: { host: 'status.example.com', 'x-forwarded-host': 'evil.example.com' } });
    assert.equal(proxied.statusCode, 200);
  });

  test('/mcp: a foreign Origin gets 403 in JSON-RPC words, before the token is looked at', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...MCP_HEADERS, host: 'localhost:8080', origin: 'https://evil.example.com', authorization: 'Bearer not-a-token' },
      payload: INITIALIZE,
    });
    assert.equal(res.statusCode, 403);
    const body = res.json<{ error: { code: number; message: string }; id: null }>();
    assert.equal(body.error.code, -32000);
    assert.match(body.error.message, /pages on "evil\.example\.com"/);
  });

  test('/mcp: the public origin and a local tool are served', async () => {
    for (const origin of ['https://status.example.com', 'http://localhost:6274']) {
      const res = await t.app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, host: 'status.example.com', origin }, payload: INITIALIZE });
      assert.equal(res.statusCode, 200, origin);
      assert.match(res.body, /"protocolVersion":"2025-11-25"/);
    }
  });

  test('over a real socket: the rebinding request is refused, the loopback one served', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    const get = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/status', headers: { host }, timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get(`evil.example.com:${port}`), 403);
    assert.equal(await get(`localhost:${port}`), 200);
  });
});

describe('the app bound to a wider address', () => {
  test('with no allowedHosts: every Host is served (names unknown), the Origin check still applies on /mcp', async () => {
    const t = await buildTestApp({ yaml: 'listen: { host: 0.0.0.0 }' });
    try {
      assert.equal((await t.app.inject({ url: '/status', headers: { host: 'watch.internal:8080' } })).statusCode, 200);
      const same = await t.app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, host: 'watch.internal:8080', origin: 'http://watch.internal:8080' }, payload: INITIALIZE });
      assert.equal(same.statusCode, 200);
      const cross = await t.app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, host: 'watch.internal:8080', origin: 'https://evil.example.com' }, payload: INITIALIZE });
      assert.equal(cross.statusCode, 403);
    } finally {
      await t.close();
    }
  });

  test('with allowedHosts (compose: Prometheus scrapes mcpwatch:8080): listed names only', async () => {
    const t = await buildTestApp({ yaml: 'listen: { host: 0.0.0.0, allowedHosts: [mcpwatch, .lan] }\npublicUrl: https://status.example.com' });
    try {
      for (const host of ['mcpwatch:8080', 'box.lan', 'status.example.com', '127.0.0.1:8080']) {
        assert.equal((await t.app.inject({ url: '/metrics', headers: { host } })).statusCode, 200, host);
      }
      assert.equal((await t.app.inject({ url: '/metrics', headers: { host: 'evil.example.com' } })).statusCode, 403);
    } finally {
      await t.close();
    }
  });

  test('allowedHosts "*" serves every Host and Origin, on loopback too', async () => {
    const t = await buildTestApp({ yaml: 'listen: { allowedHosts: ["*"] }' });
    try {
      assert.equal((await t.app.inject({ url: '/status', headers: { host: 'evil.example.com' } })).statusCode, 200);
      const res = await t.app.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, host: 'evil.example.com', origin: 'http://evil.example.com' }, payload: INITIALIZE });
      assert.equal(res.statusCode, 200);
    } finally {
      await t.close();
    }
  });
});
