// The hardening plugin over the whole app: security headers with the exact CSP, rate limits, and
// an error handler that hides internals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { RATE_LIMITS } from '../../src/http/routes/security.ts';
import { buildTestApp } from './helper.ts';

const CSP = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'";

function assertHardened(res: LightMyRequestResponse, what: string): void {
  assert.equal(res.headers['content-security-policy'], CSP, what);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.ok(res.headers['strict-transport-security'], what);
  assert.ok(res.headers['x-request-id'], what);
  assert.equal(res.headers['x-powered-by'], undefined, what);
}

interface ErrorJson {
  statusCode: number;
  code: string;
  message: string;
  requestId: string;
}

describe('security headers', () => {
  test('pages, API, health and unknown routes all carry them, with the exact CSP', async () => {
    const t = await buildTestApp({ yaml: 'endpoints:\n  - name: Open\n    url: https://open.example.com/mcp\n    public: true\n' });
    try {
      await t.store.syncConfigEndpoints(t.config.endpoints);
      for (const url of ['/', '/status', '/status/open', '/api/v1/endpoints', '/api/v1/openapi.json', '/healthz', '/readyz', '/no-such-page', '/api/v1/no-such-route']) {
        const res = await t.app.inject({ method: 'GET', url });
        assertHardened(res, `${url} (${res.statusCode})`);
      }
      const write = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: {} });
      assert.equal(write.statusCode, 401);
      assertHardened(write, 'a refused write');
    } finally {
      await t.close();
    }
  });
});

describe('rate limits', () => {
  test(`anonymous callers get ${RATE_LIMITS.anonymousPerMinute} requests a minute per IP, then 429; a token has its own budget; health, metrics and page assets are exempt`, async () => {
    const t = await buildTestApp();
    try {
      const statuses: number[] = [];
      let last: LightMyRequestResponse | undefined;
      for (let i = 0; i <= RATE_LIMITS.anonymousPerMinute; i++) {
        last = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints' });
        statuses.push(last.statusCode);
      }
      assert.deepEqual(statuses.slice(0, -1), new Array<number>(RATE_LIMITS.anonymousPerMinute).fill(200));
      assert.ok(last);
      assert.equal(last.statusCode, 429);
      const body = last.json<ErrorJson>();
      assert.equal(body.code, 'RATE_LIMITED');
      assert.match(body.message, new RegExp(`at most ${RATE_LIMITS.anonymousPerMinute} requests a minute`));
      assert.ok(Number(last.headers['retry-after']) > 0);
      assertHardened(last, 'a 429');

      // Same IP, a valid token: counted per token, so not refused.
      const token = generateToken();
      await t.store.createToken('dash', hashToken(token), true);
      const authed = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${token}` } });
      assert.equal(authed.statusCode, 200);
      assert.equal(authed.headers['x-ratelimit-limit'], String(RATE_LIMITS.tokenPerMinute));
      // Random tokens do not buy fresh buckets: they are charged to the address, which is spent.
      const guessed = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${generateToken()}` } });
      assert.equal(guessed.statusCode, 429);

      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.notEqual(res.statusCode, 429, url);
      }
      for (const url of ['/assets/app.css', '/assets/app.js']) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, `${url}: a page's assets are served to an address whose budget is spent`);
      }
    } finally {
      await t.close();
    }
  });
});

describe('rate limits on bad credentials (issue 11 item 7)', () => {
  const guess = (extra: Record<string, unknown> = {}) => ({ method: 'GET' as const, url: '/api/v1/endpoints', headers: { authorization: `Bearer ${generateToken()}` }, ...extra });

  test('guessed tokens are charged to the caller’s address: after its budget, 429 before any token lookup', async () => {
    const t = await buildTestApp();
    try {
      const max = RATE_LIMITS.anonymousPerMinute;
      const statuses: number[] = [];
      for (let i = 0; i < 250; i++) statuses.push((await t.app.inject(guess())).statusCode);
      assert.deepEqual(statuses.slice(0, max), new Array<number>(max).fill(401), 'within the budget a bad token is a 401');
      assert.deepEqual(statuses.slice(max), new Array<number>(250 - max).fill(429), 'past it, every guess is refused as a brute-force attempt');
      // The address's anonymous budget is the one spent: a plain anonymous read is refused too.
      const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints' });
      assert.equal(anonymous.statusCode, 429);
      // A write with a guessed token is counted and refused the same way (its check runs before the body is read).
      const write = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${generateToken()}` }, payload: {} });
      assert.equal(write.statusCode, 429);
      // A caller with a valid token keeps its own budget.
      const token = generateToken();
      await t.store.createToken('ok', hashToken(token), true);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('a 401 spends one request of the caller’s budget', async () => {
    const t = await buildTestApp();
    try {
      const bad = await t.app.inject(guess());
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.headers['x-ratelimit-remaining'], String(RATE_LIMITS.anonymousPerMinute - 1));
      const next = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints' });
      assert.equal(next.headers['x-ratelimit-remaining'], String(RATE_LIMITS.anonymousPerMinute - 2));
    } finally {
      await t.close();
    }
  });

  test('behind a trusted proxy the guesses are charged to the client the proxy names, not to everyone', async () => {
    const t = await buildTestApp({ appOptions: { trustProxy: ['127.0.0.1'] } });
    try {
      const max = RATE_LIMITS.anonymousPerMinute;
      const attacker = { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.66', authorization: `Bearer ${generateToken()}` } };
      let last = 0;
      for (let i = 0; i <= max; i++) last = (await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', ...attacker })).statusCode;
      assert.equal(last, 429);
      const bystander = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.7' } });
      assert.equal(bystander.statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits behind a reverse proxy (listen.trustProxy)', () => {
  const remaining = (res: LightMyRequestResponse): number => Number(res.headers['x-ratelimit-remaining']);
  const from = (remoteAddress: string, forwardedFor: string) => ({ url: '/api/v1/endpoints', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });

  test('a trusted proxy: each client behind it has its own budget; an untrusted peer cannot claim to be someone else', async () => {
    const t = await buildTestApp({ appOptions: { trustProxy: ['127.0.0.1'] } });
    try {
      const max = RATE_LIMITS.anonymousPerMinute;
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '198.51.100.1'))), max - 1);
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '198.51.100.2'))), max - 1, 'another client, another budget');
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '198.51.100.1'))), max - 2);
      // A client that prepends its own X-Forwarded-For is still the hop the proxy saw.
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '203.0.113.66, 198.51.100.2'))), max - 2);
      // A peer that is not the proxy: its header is ignored, whatever it says.
      assert.equal(remaining(await t.app.inject(from('192.0.2.50', '198.51.100.7'))), max - 1);
      assert.equal(remaining(await t.app.inject(from('192.0.2.50', '198.51.100.8'))), max - 2);
    } finally {
      await t.close();
    }
  });

  test('by default nobody is trusted: every client behind a proxy shares the proxy’s budget', async () => {
    const t = await buildTestApp();
    try {
      const max = RATE_LIMITS.anonymousPerMinute;
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '198.51.100.1'))), max - 1);
      assert.equal(remaining(await t.app.inject(from('127.0.0.1', '198.51.100.2'))), max - 2);
    } finally {
      await t.close();
    }
  });
});

describe('error handler', () => {
  test('a 500 says nothing about the cause: no message, no stack, only the request id', async () => {
    const t = await buildTestApp({
      readiness: () => {
        throw new Error('SQLITE_CANTOPEN /var/lib/mcpwatch/secret-path password=hunter2');
      },
    });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 500);
      const body = res.json<ErrorJson>();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'requestId', 'statusCode']);
      assert.equal(body.code, 'INTERNAL');
      assert.equal(body.requestId, res.headers['x-request-id']);
      assert.match(body.message, new RegExp(`request id ${body.requestId}`));
      for (const leak of ['SQLITE', 'secret-path', 'hunter2', 'at ', '.ts:', 'stack']) assert.ok(!res.body.includes(leak), `${leak} in ${res.body}`);
    } finally {
      await t.close();
    }
  });

  test('malformed JSON and wrong content types are 4xx without echoing the body', async () => {
    const t = await buildTestApp();
    try {
      const token = generateToken();
      await t.store.createToken('w', hashToken(token), false);
      const headers = { authorization: `Bearer ${token}` };
      const secret = 'tok-5e1f-not-to-be-echoed';
      const broken = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { ...headers, 'content-type': 'application/json' }, payload: `{"bearerToken": "${secret}",` });
      assert.equal(broken.statusCode, 400);
      assert.ok(!broken.body.includes(secret), broken.body);
      const form = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: `bearerToken=${secret}` });
      assert.equal(form.statusCode, 415);
      assert.ok(!form.body.includes(secret), form.body);
      const text = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { ...headers, 'content-type': 'text/plain' }, payload: secret });
      assert.equal(text.statusCode, 400);
      assert.ok(!text.body.includes(secret), text.body);
      assert.equal((await t.store.listEndpoints()).length, 0);
    } finally {
      await t.close();
    }
  });
});
