import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { EndpointDefinition } from '../../src/domain/endpoint.ts';
import type { Status } from '../../src/domain/failure-codes.ts';
import { incidentIdFor, initialState, type EndpointState } from '../../src/domain/health.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { buildTestApp, type TestApp } from './helper.ts';

const BUSYBOX = '/usr/bin/busybox';
const MINUTE = 60_000;

function definition(slug: string, overrides: Partial<EndpointDefinition> = {}): EndpointDefinition {
  return {
    slug,
    name: `Server ${slug}`,
    url: `https://${slug}.example.com/mcp`,
    intervalS: 60,
    timeoutMs: 15_000,
    era: 'auto',
    public: true,
    paused: false,
    pausedReason: null,
    tags: [],
    listTools: true,
    allowPrivate: false,
    source: 'api',
    secrets: { headers: {}, bearerToken: null },
    ...overrides,
  };
}

function row(endpointId: number, ts: number, status: Status, durationMs: number): ResultRow {
  return {
    endpointId,
    ts,
    status,
    code: status === 'up' ? null : status === 'auth_required' ? 'AUTH_REQUIRED' : 'HTTP_5XX',
    detail: status === 'up' ? null : 'HTTP 503 from the server',
    durationMs,
    dnsMs: 1,
    connectMs: 1,
    tlsMs: 1,
    era: 'modern',
    retried: false,
    stalled: false,
    lagMs: 0,
  };
}

interface Seeded {
  readonly t: TestApp;
  readonly url: string;
  readonly token: string;
  readonly readOnlyToken: string;
}

/**
 * Four endpoints: `weather` (public, up for 10 rounds, modern), `search` (public, down with an
 * open incident), `internal` (private, down with an open incident), `legacy-box` (public, paused).
 */
async function seed(): Promise<Seeded> {
  const t = await buildTestApp();
  const now = Date.now();
  const weather = await t.store.createEndpoint(definition('weather', { name: 'Weather API' }));
  const search = await t.store.createEndpoint(definition('search', { name: 'Search' }));
  const internal = await t.store.createEndpoint(definition('internal', { name: 'Internal tools', public: false }));
  await t.store.createEndpoint(definition('legacy-box', { paused: true, pausedReason: 'retired' }));
  const at = (msAgo: number): string => new Date(now - msAgo).toISOString();
  const state = (id: number, s: Partial<EndpointState>): EndpointState => ({ ...initialState(id), ...s });

  const results: ResultRow[] = [];
  for (let i = 1; i <= 10; i++) results.push(row(weather.id, now - i * MINUTE, 'up', 100 + i * 10));
  for (let i = 1; i <= 4; i++) results.push(row(search.id, now - i * MINUTE, i <= 2 ? 'down' : 'up', 200));
  results.push(row(internal.id, now - 2 * MINUTE, 'down', 300), row(internal.id, now - MINUTE, 'down', 300));
  await t.store.writeTick({
    results,
    states: [
      state(weather.id, {
        health: 'up',
        healthSince: at(10 * MINUTE),
        lastStatus: 'up',
        lastCheckedAt: at(MINUTE),
        lastDurationMs: 110,
        era: 'modern',
        protocolVersion: '2026-07-28',
        serverName: 'weather-mcp',
        serverVersion: '2.1.0',
        certNotAfter: new Date(now + 30.5 * 86_400_000).toISOString(),
        toolsCount: 4,
      }),
      state(search.id, { health: 'down', healthSince: at(2 * MINUTE), openIncidentId: incidentIdFor(search.id, 1), incidentsOpened: 1, lastStatus: 'down', lastCode: 'HTTP_5XX', lastDetail: 'HTTP 503 from the server', lastCheckedAt: at(MINUTE), era: 'streamable', protocolVersion: '2025-06-18' }),
      state(internal.id, { health: 'down', healthSince: at(2 * MINUTE), openIncidentId: incidentIdFor(internal.id, 1), incidentsOpened: 1, lastStatus: 'down', lastCode: 'HTTP_5XX', lastDetail: 'HTTP 503 from the server', lastCheckedAt: at(MINUTE) }),
    ],
    events: [
      { endpointId: search.id, event: { kind: 'incident_opened', at: at(MINUTE), incidentId: incidentIdFor(search.id, 1), startedAt: at(2 * MINUTE), code: 'HTTP_5XX', detail: 'HTTP 503 from the server' } },
      { endpointId: internal.id, event: { kind: 'incident_opened', at: at(MINUTE), incidentId: incidentIdFor(internal.id, 1), startedAt: at(2 * MINUTE), code: 'TCP_REFUSED', detail: 'connection refused' } },
    ],
    certObservations: [],
    toolSnapshots: [],
  });
  const token = generateToken();
  const readOnlyToken = generateToken();
  await t.store.createToken('full', hashToken(token), false);
  await t.store.createToken('reader', hashToken(readOnlyToken), true);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return { t, url: `http://127.0.0.1:${port}/mcp`, token, readOnlyToken };
}

async function connect(url: string, options: { era: 'modern' | 'legacy'; token?: string }): Promise<Client> {
  const client = new Client({ name: 'mcpwatch-test', version: '1' }, options.era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; data: Record<string, unknown>; text: string }> {
  const result = await client.callTool({ name, arguments: args });
  const first = (result.content as Array<{ type: string; text?: string }>)[0];
  return { isError: result.isError === true, data: (result.structuredContent ?? {}) as Record<string, unknown>, text: first?.text ?? '' };
}

function shell(command: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe('POST /mcp', () => {
  let s: Seeded;
  before(async () => {
    s = await seed();
  });
  after(async () => {
    await s.t.close();
  });

  test('the classic container HEALTHCHECK passes (busybox wget, verbatim)', { skip: existsSync(BUSYBOX) ? false : `${BUSYBOX} is not installed (apt-get install busybox)` }, async () => {
    const healthcheck = (url: string): string =>
      `busybox wget -qO- --header='Content-Type: application/json' --header='Accept: application/json, text/event-stream' --post-data='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"healthcheck","version":"1"}}}' ${url} | grep -q protocolVersion`;
    assert.equal(await shell(healthcheck(s.url)), 0);
    // The same check fails where there is no MCP server, so the pass above means something.
    assert.notEqual(await shell(healthcheck(s.url.replace('/mcp', '/not-mcp'))), 0);
  });

  test('GET and DELETE are 405, as the SDK answers them; malformed JSON is a JSON-RPC parse error', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await s.t.app.inject({ method, url: '/mcp', headers: { accept: 'application/json, text/event-stream' } });
      assert.equal(response.statusCode, 405, method);
      assert.equal(response.json<{ error: { code: number } }>().error.code, -32000);
    }
    const bad = await s.t.app.inject({ method: 'POST', url: '/mcp', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, payload: '{"jsonrpc":' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ error: { code: number } }>().error.code, -32700);
  });

  for (const era of ['modern', 'legacy'] as const) {
    test(`an SDK client (${era} era) lists the four read-only tools and sees public endpoints only`, async () => {
      const client = await connect(s.url, { era });
      try {
        assert.equal(client.getProtocolEra(), era);
        assert.deepEqual(client.getServerVersion(), { name: 'mcpwatch', version: '0.1.0' });
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((tool) => tool.name).sort(), ['endpoint_status', 'list_endpoints', 'open_incidents', 'uptime']);
        for (const tool of tools) assert.equal(tool.annotations?.readOnlyHint, true, tool.name);

        const listed = await call(client, 'list_endpoints');
        assert.equal(listed.isError, false);
        assert.deepEqual(listed.data, {
          endpoints: [
            { slug: 'weather', name: 'Weather API', status: 'up', era: 'modern' },
            { slug: 'search', name: 'Search', status: 'down', era: 'streamable' },
            { slug: 'legacy-box', name: 'Server legacy-box', status: 'paused', era: null },
          ],
        });
        assert.deepEqual(JSON.parse(listed.text), listed.data);
        const down = await call(client, 'list_endpoints', { status: 'down' });
        assert.deepEqual(
          (down.data.endpoints as Array<{ slug: string }>).map((e) => e.slug),
          ['search'],
        );

        const status = await call(client, 'endpoint_status', { slug: 'weather' });
        assert.equal(status.isError, false);
        assert.deepEqual(
          { ...status.data, healthSince: typeof status.data.healthSince, lastCheckedAt: typeof status.data.lastCheckedAt, certNotAfter: typeof status.data.certNotAfter },
          {
            slug: 'weather',
            name: 'Weather API',
            status: 'up',
            health: 'up',
            healthSince: 'string',
            code: null,
            detail: null,
            lastCheckedAt: 'string',
            lastDurationMs: 110,
            uptime24h: 1,
            certDaysLeft: 30,
            certNotAfter: 'string',
            era: 'modern',
            protocolVersion: '2026-07-28',
            serverName: 'weather-mcp',
            serverVersion: '2.1.0',
            toolsCount: 4,
            openIncident: null,
          },
        );
        const searchStatus = await call(client, 'endpoint_status', { slug: 'search' });
        assert.equal(searchStatus.data.uptime24h, 0.5);
        assert.equal(searchStatus.data.code, 'HTTP_5XX');
        assert.equal((searchStatus.data.openIncident as { firstCode: string } | null)?.firstCode, 'HTTP_5XX');

        const week = await call(client, 'uptime', { slug: 'weather', window: '7d' });
        assert.equal(week.isError, false);
        assert.equal(week.data.window, '7d');
        assert.equal(week.data.ratio, 1);
        assert.equal(week.data.rounds, 10);
        assert.equal(typeof week.data.p50Ms, 'number');
        assert.ok((week.data.p50Ms as number) <= (week.data.p95Ms as number));
        const day = await call(client, 'uptime', { slug: 'search' });
        assert.deepEqual({ window: day.data.window, ratio: day.data.ratio, up: day.data.up, down: day.data.down }, { window: '24h', ratio: 0.5, up: 2, down: 2 });
        const badWindow = await call(client, 'uptime', { slug: 'weather', window: '1y' });
        assert.equal(badWindow.isError, true);

        const incidents = await call(client, 'open_incidents');
        assert.deepEqual(
          (incidents.data.incidents as Array<{ slug: string; firstCode: string }>).map((i) => [i.slug, i.firstCode]),
          [['search', 'HTTP_5XX']],
        );
        const forWeather = await call(client, 'open_incidents', { slug: 'weather' });
        assert.deepEqual(forWeather.data, { incidents: [] });

        // The private endpoint does not exist for an anonymous caller, in the same words as a typo.
        for (const [tool, args] of [
          ['endpoint_status', { slug: 'internal' }],
          ['uptime', { slug: 'internal' }],
          ['open_incidents', { slug: 'internal' }],
        ] as const) {
          const hidden = await call(client, tool, args);
          const missing = await call(client, tool, { ...args, slug: 'no-such-thing' });
          assert.equal(hidden.isError, true, tool);
          assert.equal(hidden.text, 'no endpoint with slug "internal"');
          assert.equal(missing.text, 'no endpoint with slug "no-such-thing"');
        }
      } finally {
        await client.close();
      }
    });
  }

  test('an API token (read-only suffices) sees private endpoints too; an invalid one is a 401', async () => {
    for (const token of [s.token, s.readOnlyToken]) {
      const client = await connect(s.url, { era: 'modern', token });
      try {
        const listed = await call(client, 'list_endpoints');
        assert.deepEqual(
          (listed.data.endpoints as Array<{ slug: string }>).map((e) => e.slug),
          ['weather', 'search', 'internal', 'legacy-box'],
        );
        const status = await call(client, 'endpoint_status', { slug: 'internal' });
        assert.equal(status.isError, false);
        assert.equal(status.data.health, 'down');
        const incidents = await call(client, 'open_incidents');
        assert.deepEqual((incidents.data.incidents as Array<{ slug: string }>).map((i) => i.slug).sort(), ['internal', 'search']);
      } finally {
        await client.close();
      }
    }
    for (const authorization of [`Bearer ${generateToken()}`, 'Bearer not-a-token']) {
      const response = await fetch(s.url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
      assert.equal(response.status, 401, authorization);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
    }
  });

  test("mcpwatch's own probe reports its /mcp up in the modern era", async () => {
    const result = await runProbe({ url: s.url, listTools: true }, { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'modern');
    assert.equal(result.protocolVersion, '2026-07-28');
    assert.equal(result.server?.name, 'mcpwatch');
    assert.equal(result.tools?.count, 4);
    // And in the 2025 era, when told to speak it.
    const legacy = await runProbe({ url: s.url, era: 'streamable', listTools: true }, { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true });
    assert.equal(legacy.status, 'up', `${legacy.code}: ${legacy.detail}`);
    assert.equal(legacy.era, 'streamable');
    assert.equal(legacy.tools?.count, 4);
  });
});
