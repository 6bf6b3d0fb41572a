// Regression (issue 10): public status pages showed raw probe details such as
// "connect: connect ECONNREFUSED 127.0.0.1:47313": a private address, and "connect:" twice.
// A real probe to a closed loopback port, recorded by the real Recorder into the app's store.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { endpointStatus, openIncidents, type ReadDeps } from '../../src/mcp-server/queries.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { Recorder } from '../../src/service/recorder.ts';
import { closedPort } from '../fixtures/fault-server.ts';
import { definition } from '../store/helper.ts';
import { buildTestApp, type TestApp } from './helper.ts';

describe('regression: public page showing address', () => {
  let t: TestApp;
  let port: number;
  let detail: string;
  let recorder: Recorder;

  before(async () => {
    t = await buildTestApp();
    port = await closedPort();
    const endpoint = await t.store.createEndpoint(definition('refused', { public: true, url: 'https://mcp.example.com/mcp' }));
    recorder = await Recorder.open(t.store, DEFAULT_HEALTH_POLICY);
    for (let round = 0; round < DEFAULT_HEALTH_POLICY.downAfter; round++) {
      const result = await runProbe({ url: `http://127.0.0.1:${port}/mcp` }, { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true });
      detail = result.detail;
      recorder.record(endpoint, { result, retried: false, firstAttempt: null }, { plannedAt: Date.now(), startedAt: Date.now(), stalled: false });
    }
    await recorder.flush();
  });
  after(() => t.close());

  test('the probe says "connect" once, in words', () => {
    assert.equal(detail, `connect: connection refused (127.0.0.1:${port})`);
  });

  test('public pages, their JSON and the badges show the code in words and no address', async () => {
    for (const url of ['/status', '/status.json', '/status/refused', '/status/refused.json', '/badge/refused.svg', '/badge/refused.json']) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /127\.0\.0\.1|ECONNREFUSED|connection refused \(/, url);
    }
    assert.match((await t.app.inject({ url: '/status/refused' })).body, /TCP_REFUSED<\/span> The server refused the connection\./);
    const json = (await t.app.inject({ url: '/status/refused.json' })).json<{ status: string; incidents: Array<Record<string, unknown>> }>();
    assert.equal(json.status, 'down');
    assert.deepEqual(json.incidents.map((i) => [i.code, i.summary, 'detail' in i]), [['TCP_REFUSED', 'The server refused the connection.', false]]);
  });

  test('the operator dashboard keeps the full detail', async () => {
    const res = await t.app.inject({ url: '/dashboard.json' });
    assert.ok(res.body.includes(`connect: connection refused (127.0.0.1:${port})`), res.body.slice(0, 500));
  });

  test('the API without a token shows the code in words; with a token, the full detail', async () => {
    const urls = ['/api/v1/endpoints/refused/status', '/api/v1/endpoints/refused/results', '/api/v1/incidents'];
    for (const url of urls) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /127\.0\.0\.1|connection refused \(/, url);
      assert.match(res.body, /The server refused the connection\./, url);
    }
    const token = generateToken();
    await t.store.createToken('reader', hashToken(token), true);
    for (const url of urls) {
      const res = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 200, url);
      assert.ok(res.body.includes(`connection refused (127.0.0.1:${port})`), `${url}: ${res.body.slice(0, 300)}`);
    }
  });

  test("mcpwatch's own MCP tools without a token show the code in words; with one, the full detail", async () => {
    const deps: ReadDeps = { store: t.store, state: (id) => recorder.state(id), clock: Date.now, policy: DEFAULT_HEALTH_POLICY };
    const anonymous = JSON.stringify([await endpointStatus(deps, 'public', 'refused'), await openIncidents(deps, 'public')]);
    assert.doesNotMatch(anonymous, /127\.0\.0\.1|connection refused \(/);
    assert.match(anonymous, /The server refused the connection\./);
    const operator = JSON.stringify([await endpointStatus(deps, 'all', 'refused'), await openIncidents(deps, 'all')]);
    assert.ok(operator.includes(`connection refused (127.0.0.1:${port})`), operator.slice(0, 300));
  });
});
