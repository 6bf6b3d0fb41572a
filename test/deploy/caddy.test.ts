// The shipped deploy/Caddyfile run by a real Caddy (Debian's) in front of a real mcpwatch app, all
// on loopback: what it publishes and what it keeps back, and that with listen.trustProxy set to
// Caddy's address each visitor gets their own rate-limit budget while a forged X-Forwarded-For
// gains nothing. Only the upstream (mcpwatch:8080 → the test's port) and the admin endpoint (off,
// so parallel runs do not collide on :2019) differ from the file as shipped; the site address
// comes from MCPWATCH_DOMAIN as in compose.yml, here plain http on a loopback port.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { RATE_LIMITS } from '../../src/http/routes/security.ts';
import { buildTestApp, type TestApp } from '../http/helper.ts';
import { seedEndpoint } from '../http/page-seed.ts';

const HAVE_CADDY = !spawnSync('caddy', ['version']).error;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { from?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: options.from ?? '127.0.0.1', headers: options.headers ?? {}, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('deploy/Caddyfile in front of mcpwatch (a real Caddy)', { skip: HAVE_CADDY ? false : 'caddy is not installed (apt-get install caddy)' }, () => {
  let app: TestApp;
  let caddy: ChildProcess;
  let port: number;
  let output = '';

  before(async () => {
    const now = Date.now();
    app = await buildTestApp({ appOptions: { trustProxy: ['127.0.0.1'] } });
    await seedEndpoint(app.store, now, { slug: 'weather', days: 1, definition: { public: true } });
    await seedEndpoint(app.store, now, { slug: 'secret-internal', days: 1, definition: { public: false } });
    app.store.checkpoint();
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    const upstream = (app.app.server.address() as AddressInfo).port;

    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-caddy-'));
    const shipped = readFileSync('deploy/Caddyfile', 'utf8');
    assert.match(shipped, /reverse_proxy mcpwatch:8080 /);
    const config = shipped.replace('reverse_proxy mcpwatch:8080 ', `reverse_proxy 127.0.0.1:${upstream} `).replace(/^\{\n/, '{\n\tadmin off\n');
    writeFileSync(join(dir, 'Caddyfile'), config);
    port = await freePort();
    caddy = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, MCPWATCH_DOMAIN: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    caddy.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    caddy.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await get(port, '/healthz')).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || caddy.exitCode !== null) throw new Error(`caddy did not start:\n${output}`);
      await delay(100);
    }
  });

  after(async () => {
    caddy?.kill('SIGTERM');
    await app?.close();
  });

  test('the public status page is published; / leads to it; the dashboard and /metrics are not', async () => {
    const status = await get(port, '/status');
    assert.equal(status.status, 200);
    assert.match(status.body, /weather/);
    assert.doesNotMatch(status.body, /secret-internal/);

    const root = await get(port, '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/status');
    assert.doesNotMatch(root.body, /secret-internal/);
    for (const path of ['/dashboard.json', '/metrics']) {
      const hidden = await get(port, path);
      assert.equal(hidden.status, 404, path);
      assert.doesNotMatch(hidden.body, /secret-internal|mcp_endpoint_up/, path);
    }
    // Behind the proxy the app still serves them to whoever reaches it directly (Prometheus, the operator).
    assert.match((await app.app.inject({ url: '/' })).body, /secret-internal/);
  });

  test('each visitor has their own rate-limit budget, and a forged X-Forwarded-For does not buy a new one', async () => {
    const remaining = (r: Reply): number => Number(r.headers['x-ratelimit-remaining']);
    const max = RATE_LIMITS.anonymousPerMinute;
    const a1 = await get(port, '/api/v1/endpoints', { from: '127.0.0.2' });
    const b1 = await get(port, '/api/v1/endpoints', { from: '127.0.0.3' });
    assert.deepEqual([a1.status, remaining(a1), remaining(b1)], [200, max - 1, max - 1]);
    const forged = await get(port, '/api/v1/endpoints', { from: '127.0.0.2', headers: { 'x-forwarded-for': '198.51.100.77' } });
    assert.equal(remaining(forged), max - 2, 'still the budget of 127.0.0.2');
  });
});
