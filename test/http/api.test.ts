// The JSON API through app.inject(), over a real SQLite file: every route, its auth rules, its
// schema errors, and that secrets never come back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { incidentIdFor } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { EMPTY_TICK, result, state } from '../store/helper.ts';
import { SqliteRegistries } from '../../src/store/sqlite/registries.ts';
import { buildTestApp, type TestApp } from './helper.ts';

interface EndpointJson {
  id: number;
  slug: string;
  name: string;
  url: string;
  intervalS: number;
  archivedAt?: string | null;
  timeoutMs: number;
  era: string;
  public: boolean;
  paused: boolean;
  pausedReason: string | null;
  tags: string[];
  listTools: boolean;
  allowPrivate: boolean;
  source: string;
  secretHeaders: string[];
  status: { health: string; lastStatus: string | null };
}

interface ErrorJson {
  statusCode: number;
  code: string;
  message: string;
  fields?: { field: string; message: string }[];
  requestId: string;
}

interface ResultsJson {
  endpointId: number;
  from: number;
  to: number;
  limit: number;
  results: { ts: number; at: string; status: string; code: string | null; durationMs: number }[];
  nextBefore: number | null;
}

const SECRET_HEADER_VALUE = 'hdr-value-7f3a9c1e-should-never-appear';
const SECRET_BEARER = 'bearer-value-2b8d4e6f-should-never-appear';
const BASE = '/api/v1';

async function tokenFor(t: TestApp, readOnly: boolean): Promise<string> {
  const token = generateToken();
  await t.store.createToken(readOnly ? 'reader' : 'writer', hashToken(token), readOnly);
  return token;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function setup(options: Parameters<typeof buildTestApp>[0] = {}): Promise<{ t: TestApp; write: Record<string, string>; read: Record<string, string> }> {
  const t = await buildTestApp(options);
  return { t, write: bearer(await tokenFor(t, false)), read: bearer(await tokenFor(t, true)) };
}

async function create(t: TestApp, headers: Record<string, string>, body: Record<string, unknown>): Promise<EndpointJson> {
  const res = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints`, headers, payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<EndpointJson>();
}

function errorOf(res: LightMyRequestResponse): ErrorJson {
  return res.json<ErrorJson>();
}

function fieldsOf(res: LightMyRequestResponse): string[] {
  return (errorOf(res).fields ?? []).map((f) => f.field);
}

const CHECK_RESULT: ProbeResult = {
  url: 'https://mcp.example.com/mcp',
  startedAt: '2026-11-23T21:09:31.000Z',
  status: 'up',
  code: null,
  detail: 'MCP 2025-11-25 over streamable HTTP',
  warnings: [],
  durationMs: 100,
  phases: [{ phase: 'dns', startMs: 0, ms: 5, ok: true }],
  era: 'streamable',
  protocolVersion: '2025-11-25',
  supportedVersions: ['2025-11-25'],
  transport: 'streamable-http',
  server: { name: 'everything', version: '2.0.0', title: null },
  capabilities: {},
  tools: null,
  addresses: [{ address: '93.184.216.34', family: 4, ttl: 300 }],
  connectedAddress: '93.184.216.34',
  certificate: null,
  http: null,
  auth: null,
  eraSource: 'detected',
};

const CONFIG_YAML = `endpoints:
  - name: Config Owned
    slug: from-yaml
    url: https://yaml.example.com/mcp
    public: true
    bearerToken: ${SECRET_BEARER}
`;

describe('endpoints CRUD', () => {
  test('POST creates an endpoint: 201, Location, defaults, derived slug, header names only', async () => {
    const { t, write } = await setup();
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `${BASE}/endpoints`,
        headers: write,
        payload: { name: 'Weather API (EU)', url: 'https://weather.example.com/mcp', headers: { 'X-Api-Key': SECRET_HEADER_VALUE }, bearerToken: SECRET_BEARER, tags: ['prod', 'prod', 'eu'] },
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json<EndpointJson>();
      assert.equal(res.headers.location, `${BASE}/endpoints/${body.id}`);
      assert.equal(body.slug, 'weather-api-eu');
      assert.equal(body.source, 'api');
      assert.equal(body.intervalS, t.config.scheduler.defaultIntervalS);
      assert.equal(body.timeoutMs, t.config.probe.timeoutMs);
      assert.equal(body.era, 'auto');
      assert.equal(body.public, false);
      assert.equal(body.listTools, true);
      assert.deepEqual(body.tags, ['prod', 'eu']);
      assert.deepEqual(body.secretHeaders, ['Authorization', 'X-Api-Key']);
      assert.equal(body.status.health, 'unknown');
      assert.ok(!res.body.includes(SECRET_HEADER_VALUE) && !res.body.includes(SECRET_BEARER));
      assert.equal(t.reloads, 1);
      // Stored for the probe, with the values.
      const stored = await t.store.getEndpoint(body.id);
      assert.deepEqual(stored?.secrets, { headers: { 'X-Api-Key': SECRET_HEADER_VALUE }, bearerToken: SECRET_BEARER });
    } finally {
      await t.close();
    }
  });

  test('GET lists, and reads one by id or by slug', async () => {
    const { t, write, read } = await setup();
    try {
      const a = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const b = await create(t, write, { name: 'Beta', slug: 'beta-server', url: 'https://b.example.com/mcp', public: true });
      const list = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints`, headers: read });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list.json<{ endpoints: EndpointJson[] }>().endpoints.map((e) => e.slug),
        [a.slug, b.slug],
      );
      for (const ref of [String(b.id), 'beta-server']) {
        const one = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${ref}`, headers: read });
        assert.equal(one.statusCode, 200, ref);
        assert.equal(one.json<EndpointJson>().id, b.id);
      }
    } finally {
      await t.close();
    }
  });

  test('PATCH changes what is given and keeps the rest, secrets included; null clears a secret', async () => {
    const { t, write } = await setup();
    try {
      const created = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp', headers: { 'X-Api-Key': SECRET_HEADER_VALUE }, bearerToken: SECRET_BEARER });
      const patched = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/${created.id}`, headers: write, payload: { intervalS: 120, public: true, era: 'sse' } });
      assert.equal(patched.statusCode, 200, patched.body);
      const body = patched.json<EndpointJson>();
      assert.equal(body.intervalS, 120);
      assert.equal(body.public, true);
      assert.equal(body.era, 'sse');
      assert.equal(body.name, 'Alpha');
      assert.deepEqual(body.secretHeaders, ['Authorization', 'X-Api-Key']);
      assert.deepEqual((await t.store.getEndpoint(created.id))?.secrets, { headers: { 'X-Api-Key': SECRET_HEADER_VALUE }, bearerToken: SECRET_BEARER });

      const cleared = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/alpha`, headers: write, payload: { bearerToken: null, headers: { 'X-Other': 'v2' } } });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.deepEqual(cleared.json<EndpointJson>().secretHeaders, ['X-Other']);
      assert.deepEqual((await t.store.getEndpoint(created.id))?.secrets, { headers: { 'X-Other': 'v2' }, bearerToken: null });
      assert.equal(t.reloads, 3);
    } finally {
      await t.close();
    }
  });

  test('PUT replaces: omitted fields take their defaults, but the slug and the write-only secrets are kept', async () => {
    const { t, write } = await setup();
    try {
      const created = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp', intervalS: 300, public: true, tags: ['x'], bearerToken: SECRET_BEARER });
      const res = await t.app.inject({ method: 'PUT', url: `${BASE}/endpoints/${created.id}`, headers: write, payload: { name: 'Alpha Two', url: 'https://a2.example.com/mcp' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<EndpointJson>();
      assert.equal(body.slug, 'alpha');
      assert.equal(body.name, 'Alpha Two');
      assert.equal(body.url, 'https://a2.example.com/mcp');
      assert.equal(body.intervalS, t.config.scheduler.defaultIntervalS);
      assert.equal(body.public, false);
      assert.deepEqual(body.tags, []);
      assert.deepEqual(body.secretHeaders, ['Authorization']);
      assert.equal((await t.store.getEndpoint(created.id))?.secrets.bearerToken, SECRET_BEARER);
    } finally {
      await t.close();
    }
  });

  test('DELETE removes the endpoint (204) and it is gone afterwards', async () => {
    const { t, write } = await setup();
    try {
      const created = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const res = await t.app.inject({ method: 'DELETE', url: `${BASE}/endpoints/${created.id}`, headers: write });
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.equal(await t.store.getEndpoint(created.id), undefined);
      assert.equal(t.reloads, 2);
      const again = await t.app.inject({ method: 'DELETE', url: `${BASE}/endpoints/${created.id}`, headers: write });
      assert.equal(again.statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('pause with an optional reason, resume clears it', async () => {
    const { t, write } = await setup();
    try {
      const created = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const bare = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/${created.id}/pause`, headers: write });
      assert.equal(bare.statusCode, 200, bare.body);
      assert.equal(bare.json<EndpointJson>().paused, true);
      assert.equal(bare.json<EndpointJson>().pausedReason, 'paused through the API');
      const withReason = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/pause`, headers: write, payload: { reason: 'maintenance window' } });
      assert.equal(withReason.json<EndpointJson>().pausedReason, 'maintenance window');
      assert.equal((await t.store.getEndpoint(created.id))?.paused, true);
      const resumed = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/resume`, headers: write });
      assert.equal(resumed.statusCode, 200);
      assert.equal(resumed.json<EndpointJson>().paused, false);
      assert.equal(resumed.json<EndpointJson>().pausedReason, null);
      assert.equal(t.reloads, 4);
    } finally {
      await t.close();
    }
  });

  test('archive keeps the history and takes it off the public list; restore brings it back; the file-owned one is refused', async () => {
    const { t, write, read } = await setup({
      yaml: CONFIG_YAML,
      withStore: (store) => {
        const registries = new SqliteRegistries(store.database);
        return { archiveEndpoint: (id, atIso) => registries.setArchived(id, atIso) };
      },
    });
    try {
      await t.store.syncConfigEndpoints(t.config.endpoints);
      const created = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp', public: true });
      assert.equal((await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/archive`, headers: read })).statusCode, 403, 'a read-only token cannot archive');
      const archived = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/archive`, headers: write });
      assert.equal(archived.statusCode, 200, archived.body);
      assert.match(String(archived.json<EndpointJson & { archivedAt: string | null }>().archivedAt), /^\d{4}-\d\d-\d\dT/);
      assert.notEqual((await t.store.getEndpoint(created.id))?.archivedAt, null);
      const again = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/archive`, headers: write });
      assert.equal(again.json<{ archivedAt: string | null }>().archivedAt, archived.json<{ archivedAt: string | null }>().archivedAt, 'archiving twice keeps the first time');
      const restored = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/${created.id}/restore`, headers: write });
      assert.equal(restored.statusCode, 200, restored.body);
      assert.equal(restored.json<{ archivedAt: string | null }>().archivedAt, null);
      assert.equal((await t.store.getEndpoint(created.id))?.archivedAt, null);
      const owned = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/from-yaml/archive`, headers: write });
      assert.equal(owned.statusCode, 409);
      assert.equal(errorOf(owned).code, 'CONFIG_OWNED');
      assert.equal((await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/nope/archive`, headers: write })).statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('without an archive store (a build that cannot archive) archive is a clear 404', async () => {
    const { t, write } = await setup();
    try {
      await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const res = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints/alpha/archive`, headers: write });
      assert.equal(res.statusCode, 404);
      assert.match(errorOf(res).message, /archiving is not available on this server/);
    } finally {
      await t.close();
    }
  });

  test('a slug already in use is a 409', async () => {
    const { t, write } = await setup({ yaml: CONFIG_YAML });
    try {
      await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const res = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints`, headers: write, payload: { name: 'Alpha', url: 'https://other.example.com/mcp' } });
      assert.equal(res.statusCode, 409);
      assert.equal(errorOf(res).code, 'SLUG_TAKEN');
      await t.store.syncConfigEndpoints(t.config.endpoints);
      const yaml = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints`, headers: write, payload: { name: 'X', slug: 'from-yaml', url: 'https://x.example.com/mcp' } });
      assert.equal(yaml.statusCode, 409);
      assert.match(errorOf(yaml).message, /configuration file/);
    } finally {
      await t.close();
    }
  });
});

describe('schema errors name the field', () => {
  const cases: { name: string; body: unknown; field: string; message?: RegExp }[] = [
    { name: 'missing name', body: { url: 'https://a.example.com/mcp' }, field: 'body.name', message: /required/ },
    { name: 'missing url', body: { name: 'A' }, field: 'body.url', message: /required/ },
    { name: 'unknown field (a typo)', body: { name: 'A', url: 'https://a.example.com/mcp', intreval: 30 }, field: 'body.intreval', message: /unknown field/ },
    { name: 'interval below the minimum', body: { name: 'A', url: 'https://a.example.com/mcp', intervalS: 5 }, field: 'body.intervalS', message: />= 10/ },
    { name: 'interval not a whole number', body: { name: 'A', url: 'https://a.example.com/mcp', intervalS: 30.5 }, field: 'body.intervalS', message: /integer/ },
    { name: 'timeout too short', body: { name: 'A', url: 'https://a.example.com/mcp', timeoutMs: 5 }, field: 'body.timeoutMs' },
    { name: 'unknown era', body: { name: 'A', url: 'https://a.example.com/mcp', era: 'legacy' }, field: 'body.era', message: /auto, modern, streamable, sse/ },
    { name: 'public not a boolean', body: { name: 'A', url: 'https://a.example.com/mcp', public: 'yes' }, field: 'body.public', message: /boolean/ },
    { name: 'bad slug', body: { name: 'A', slug: 'Not_A_Slug', url: 'https://a.example.com/mcp' }, field: 'body.slug' },
    { name: 'no slug derivable', body: { name: '!!!', url: 'https://a.example.com/mcp' }, field: 'body.slug', message: /cannot be derived/ },
    { name: 'ftp URL', body: { name: 'A', url: 'ftp://a.example.com/' }, field: 'body.url', message: /http and https/ },
    { name: 'URL with user:password', body: { name: 'A', url: 'https://u:p@a.example.com/' }, field: 'body.url', message: /user:password/ },
    { name: 'not a URL', body: { name: 'A', url: 'weather' }, field: 'body.url', message: /not a valid absolute URL/ },
    { name: 'header reserved by the probe', body: { name: 'A', url: 'https://a.example.com/mcp', headers: { 'Mcp-Session-Id': 'x' } }, field: 'body.headers.Mcp-Session-Id', message: /set by mcpwatch/ },
    { name: 'invalid header name', body: { name: 'A', url: 'https://a.example.com/mcp', headers: { 'Bad Name': 'x' } }, field: 'body.headers.Bad Name', message: /not a valid header name/ },
    { name: 'header value not a string', body: { name: 'A', url: 'https://a.example.com/mcp', headers: { 'X-Key': 5 } }, field: 'body.headers.X-Key', message: /string/ },
    { name: 'headers duplicated by case', body: { name: 'A', url: 'https://a.example.com/mcp', headers: { 'X-Key': 'a', 'x-key': 'b' } }, field: 'body.headers.x-key', message: /case-insensitive/ },
    { name: 'bearer token and Authorization header', body: { name: 'A', url: 'https://a.example.com/mcp', headers: { Authorization: 'Basic x' }, bearerToken: 'tok' }, field: 'body.bearerToken', message: /conflicts/ },
    { name: 'bearer token not a string', body: { name: 'A', url: 'https://a.example.com/mcp', bearerToken: 12 }, field: 'body.bearerToken', message: /string or null/ },
    { name: 'bearer token empty', body: { name: 'A', url: 'https://a.example.com/mcp', bearerToken: '' }, field: 'body.bearerToken', message: /fewer than 1 character/ },
    { name: 'pause reason too long', body: { name: 'A', url: 'https://a.example.com/mcp', paused: true, pausedReason: 'x'.repeat(201) }, field: 'body.pausedReason', message: /more than 200 characters/ },
    { name: 'private addresses through the API', body: { name: 'A', url: 'https://a.example.com/mcp', allowPrivate: true }, field: 'body.allowPrivate', message: /configuration file/ },
    { name: 'a tag too long', body: { name: 'A', url: 'https://a.example.com/mcp', tags: ['x'.repeat(65)] }, field: 'body.tags.0' },
    { name: 'body not an object', body: ['A'], field: 'body', message: /object/ },
  ];
  for (const c of cases) {
    test(`POST /endpoints: ${c.name} → 400 ${c.field}`, async () => {
      const { t, write } = await setup();
      try {
        const res = await t.app.inject({ method: 'POST', url: `${BASE}/endpoints`, headers: write, payload: c.body as object });
        assert.equal(res.statusCode, 400, res.body);
        const error = errorOf(res);
        assert.equal(error.code, 'VALIDATION_FAILED');
        const field = error.fields?.find((f) => f.field === c.field);
        assert.ok(field, `expected ${c.field} in ${res.body}`);
        if (c.message) assert.match(field.message, c.message);
        assert.ok(error.message.includes(c.field), error.message);
        assert.equal((await t.store.listEndpoints()).length, 0);
        assert.equal(t.reloads, 0);
      } finally {
        await t.close();
      }
    });
  }

  test('a header value with a line break is refused without echoing the value', async () => {
    const { t, write } = await setup();
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `${BASE}/endpoints`,
        headers: write,
        payload: { name: 'A', url: 'https://a.example.com/mcp', headers: { 'X-Key': `${SECRET_HEADER_VALUE}\r\nX-Injected: 1` } },
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(fieldsOf(res), ['body.headers.X-Key']);
      assert.ok(!res.body.includes(SECRET_HEADER_VALUE));
    } finally {
      await t.close();
    }
  });

  test('PATCH checks the merged result, and querystring errors name the parameter', async () => {
    const { t, write, read } = await setup();
    try {
      const created = await create(t, write, { name: 'A', url: 'https://a.example.com/mcp', bearerToken: 'tok' });
      const conflict = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/${created.id}`, headers: write, payload: { headers: { Authorization: 'Basic x' } } });
      assert.equal(conflict.statusCode, 400);
      assert.deepEqual(fieldsOf(conflict), ['body.bearerToken']);
      const empty = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/${created.id}`, headers: write, payload: { name: '' } });
      assert.deepEqual(fieldsOf(empty), ['body.name']);

      const queries: [string, string][] = [
        [`${BASE}/endpoints/${created.id}/results?limit=abc`, 'querystring.limit'],
        [`${BASE}/endpoints/${created.id}/results?limit=100000`, 'querystring.limit'],
        [`${BASE}/endpoints/${created.id}/results?from=yesterday`, 'querystring.from'],
        [`${BASE}/endpoints/${created.id}/results?from=2000&to=1000`, 'querystring.from'],
        [`${BASE}/endpoints/${created.id}/results?colour=red`, 'querystring.colour'],
        [`${BASE}/endpoints/${created.id}/uptime?window=1y`, 'querystring.window'],
        [`${BASE}/incidents?open=maybe`, 'querystring.open'],
      ];
      for (const [url, field] of queries) {
        const res = await t.app.inject({ method: 'GET', url, headers: read });
        assert.equal(res.statusCode, 400, url);
        assert.deepEqual(fieldsOf(res), [field], url);
      }
    } finally {
      await t.close();
    }
  });
});

describe('authentication', () => {
  /** Every write route, against an existing endpoint. */
  function writes(id: number): { method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: object }[] {
    return [
      { method: 'POST', url: `${BASE}/endpoints`, payload: { name: 'New', url: 'https://new.example.com/mcp' } },
      { method: 'PUT', url: `${BASE}/endpoints/${id}`, payload: { name: 'Changed', url: 'https://changed.example.com/mcp' } },
      { method: 'PATCH', url: `${BASE}/endpoints/${id}`, payload: { public: true } },
      { method: 'DELETE', url: `${BASE}/endpoints/${id}` },
      { method: 'POST', url: `${BASE}/endpoints/${id}/pause` },
      { method: 'POST', url: `${BASE}/endpoints/${id}/resume` },
      { method: 'POST', url: `${BASE}/endpoints/${id}/archive` },
      { method: 'POST', url: `${BASE}/endpoints/${id}/restore` },
      { method: 'POST', url: `${BASE}/check`, payload: { url: 'https://mcp.example.com/mcp' } },
    ];
  }

  test('writes without a token are 401 with WWW-Authenticate: Bearer, and nothing changes', async () => {
    const { t, write } = await setup({ checkResult: CHECK_RESULT });
    try {
      const existing = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const before = JSON.stringify(await t.store.listEndpoints());
      const reloadsBefore = t.reloads;
      for (const request of writes(existing.id)) {
        for (const headers of [{}, { authorization: `Bearer ${generateToken()}` }, { authorization: 'Bearer not-a-token' }, { authorization: 'Basic dXNlcjpwYXNz' }]) {
          const res = await t.app.inject({ ...request, headers });
          assert.equal(res.statusCode, 401, `${request.method} ${request.url} ${JSON.stringify(headers)}: ${res.body}`);
          assert.match(String(res.headers['www-authenticate']), /^Bearer realm="mcpwatch"/);
          assert.equal(errorOf(res).code, 'UNAUTHORIZED');
        }
      }
      assert.equal(JSON.stringify(await t.store.listEndpoints()), before);
      assert.equal((await t.store.listEndpoints()).length, 1);
      assert.equal(t.reloads, reloadsBefore);
      assert.equal(t.checks.length, 0);
    } finally {
      await t.close();
    }
  });

  test('an unknown token says invalid_token; no header says only that a token is needed', async () => {
    const { t } = await setup();
    try {
      const none = await t.app.inject({ method: 'DELETE', url: `${BASE}/endpoints/1` });
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="mcpwatch"');
      const unknown = await t.app.inject({ method: 'DELETE', url: `${BASE}/endpoints/1`, headers: bearer(generateToken()) });
      assert.equal(unknown.headers['www-authenticate'], 'Bearer realm="mcpwatch", error="invalid_token"');
      // A bad credential is refused on reads too, rather than silently treated as anonymous.
      const read = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints`, headers: bearer(generateToken()) });
      assert.equal(read.statusCode, 401);
    } finally {
      await t.close();
    }
  });

  test('a read-only token reads everything but every write is 403 and nothing changes', async () => {
    const { t, write, read } = await setup({ checkResult: CHECK_RESULT });
    try {
      const existing = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const before = JSON.stringify(await t.store.listEndpoints());
      for (const request of writes(existing.id)) {
        const res = await t.app.inject({ ...request, headers: read });
        assert.equal(res.statusCode, 403, `${request.method} ${request.url}: ${res.body}`);
        assert.equal(errorOf(res).code, 'FORBIDDEN');
      }
      assert.equal(JSON.stringify(await t.store.listEndpoints()), before);
      assert.equal(t.checks.length, 0);
      const one = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${existing.id}`, headers: read });
      assert.equal(one.statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('anonymous callers see public endpoints only; a private one looks absent', async () => {
    const { t, write } = await setup();
    try {
      const open = await create(t, write, { name: 'Open', url: 'https://open.example.com/mcp', public: true });
      const hidden = await create(t, write, { name: 'Hidden', url: 'https://hidden.example.com/mcp' });
      const list = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints` });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list.json<{ endpoints: EndpointJson[] }>().endpoints.map((e) => e.slug),
        ['open'],
      );
      for (const suffix of ['', '/results', '/uptime', '/status']) {
        const pub = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${open.id}${suffix}` });
        assert.equal(pub.statusCode, 200, suffix);
        const priv = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${hidden.id}${suffix}` });
        assert.equal(priv.statusCode, 404, suffix);
        assert.match(errorOf(priv).message, /need a bearer token/);
      }
      const incidents = await t.app.inject({ method: 'GET', url: `${BASE}/incidents?endpoint=hidden` });
      assert.equal(incidents.statusCode, 404);
    } finally {
      await t.close();
    }
  });
});

describe('not found and config-owned', () => {
  test('unknown ids and slugs are 404 on every route', async () => {
    const { t, write, read } = await setup();
    try {
      for (const ref of ['9999', 'no-such-endpoint']) {
        const requests: { method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST'; url: string; payload?: object; headers: Record<string, string> }[] = [
          { method: 'GET', url: `${BASE}/endpoints/${ref}`, headers: read },
          { method: 'GET', url: `${BASE}/endpoints/${ref}/results`, headers: read },
          { method: 'GET', url: `${BASE}/endpoints/${ref}/uptime`, headers: read },
          { method: 'GET', url: `${BASE}/endpoints/${ref}/status`, headers: read },
          { method: 'GET', url: `${BASE}/incidents?endpoint=${ref}`, headers: read },
          { method: 'PUT', url: `${BASE}/endpoints/${ref}`, payload: { name: 'A', url: 'https://a.example.com/mcp' }, headers: write },
          { method: 'PATCH', url: `${BASE}/endpoints/${ref}`, payload: { public: true }, headers: write },
          { method: 'DELETE', url: `${BASE}/endpoints/${ref}`, headers: write },
          { method: 'POST', url: `${BASE}/endpoints/${ref}/pause`, headers: write },
          { method: 'POST', url: `${BASE}/endpoints/${ref}/resume`, headers: write },
          { method: 'POST', url: `${BASE}/endpoints/${ref}/archive`, headers: write },
          { method: 'POST', url: `${BASE}/endpoints/${ref}/restore`, headers: write },
        ];
        for (const request of requests) {
          const res = await t.app.inject(request);
          assert.equal(res.statusCode, 404, `${request.method} ${request.url}: ${res.body}`);
          assert.equal(errorOf(res).code, 'NOT_FOUND');
        }
      }
      const route = await t.app.inject({ method: 'GET', url: `${BASE}/nothing-here`, headers: read });
      assert.equal(route.statusCode, 404);
      assert.equal(errorOf(route).code, 'NOT_FOUND');
    } finally {
      await t.close();
    }
  });

  test('endpoints from the YAML file are read-only through the API: 409 naming the file', async () => {
    const { t, write, read } = await setup({ yaml: CONFIG_YAML });
    try {
      const [owned] = (await t.store.syncConfigEndpoints(t.config.endpoints)).endpoints;
      assert.ok(owned);
      const before = JSON.stringify(await t.store.getEndpoint(owned.id));
      const requests: { method: 'PUT' | 'PATCH' | 'DELETE' | 'POST'; url: string; payload?: object }[] = [
        { method: 'PUT', url: `${BASE}/endpoints/${owned.id}`, payload: { name: 'A', url: 'https://a.example.com/mcp' } },
        { method: 'PATCH', url: `${BASE}/endpoints/from-yaml`, payload: { public: false } },
        { method: 'DELETE', url: `${BASE}/endpoints/from-yaml` },
        { method: 'POST', url: `${BASE}/endpoints/from-yaml/pause` },
        { method: 'POST', url: `${BASE}/endpoints/from-yaml/resume` },
        { method: 'POST', url: `${BASE}/endpoints/from-yaml/archive` },
        { method: 'POST', url: `${BASE}/endpoints/from-yaml/restore` },
      ];
      for (const request of requests) {
        const res = await t.app.inject({ ...request, headers: write });
        assert.equal(res.statusCode, 409, `${request.method} ${request.url}: ${res.body}`);
        assert.equal(errorOf(res).code, 'CONFIG_OWNED');
        assert.match(errorOf(res).message, /edit it in the YAML file/);
      }
      assert.equal(JSON.stringify(await t.store.getEndpoint(owned.id)), before);
      assert.equal(t.reloads, 0);
      const get = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/from-yaml`, headers: read });
      assert.equal(get.statusCode, 200);
      assert.equal(get.json<EndpointJson>().source, 'config');
    } finally {
      await t.close();
    }
  });

  test('an archived config endpoint is listed as archived, cannot be changed, and can be deleted on purpose', async () => {
    const { t, write, read } = await setup({ yaml: CONFIG_YAML });
    try {
      const [owned] = (await t.store.syncConfigEndpoints(t.config.endpoints)).endpoints;
      assert.ok(owned);
      assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/from-yaml`, headers: read })).json<EndpointJson>().archivedAt, null);
      await t.store.syncConfigEndpoints([]);
      const listed = (await t.app.inject({ method: 'GET', url: `${BASE}/endpoints`, headers: read })).json<{ endpoints: EndpointJson[] }>().endpoints;
      const archived = listed.find((e) => e.slug === 'from-yaml');
      assert.ok(archived, 'still listed');
      assert.match(archived.archivedAt ?? '', /^\d{4}-\d\d-\d\dT/);
      const patch = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/from-yaml`, headers: write, payload: { public: false } });
      assert.equal(patch.statusCode, 409);
      assert.match(errorOf(patch).message, /archived: the configuration file owned it and no longer lists it/);
      const del = await t.app.inject({ method: 'DELETE', url: `${BASE}/endpoints/from-yaml`, headers: write });
      assert.equal(del.statusCode, 204, del.body);
      assert.equal(await t.store.getEndpoint(owned.id), undefined);
    } finally {
      await t.close();
    }
  });
});

describe('secrets are write-only', () => {
  test('no response of any read route contains a header value or bearer token', async () => {
    const { t, write, read } = await setup({ yaml: CONFIG_YAML, checkResult: CHECK_RESULT });
    try {
      await t.store.syncConfigEndpoints(t.config.endpoints);
      const created = await create(t, write, {
        name: 'Secretive',
        url: 'https://s.example.com/mcp',
        public: true,
        headers: { 'X-Api-Key': SECRET_HEADER_VALUE },
        bearerToken: SECRET_BEARER.replace('bearer', 'other'),
      });
      const patched = await t.app.inject({ method: 'PATCH', url: `${BASE}/endpoints/${created.id}`, headers: write, payload: { headers: { 'X-Api-Key': SECRET_HEADER_VALUE } } });
      const bodies = [patched.body];
      for (const headers of [read, write, {}]) {
        for (const url of [
          `${BASE}/endpoints`,
          `${BASE}/endpoints/${created.id}`,
          `${BASE}/endpoints/from-yaml`,
          `${BASE}/endpoints/${created.id}/status`,
          `${BASE}/endpoints/${created.id}/results`,
          `${BASE}/endpoints/${created.id}/uptime`,
          `${BASE}/incidents`,
          `${BASE}/openapi.json`,
        ]) {
          const res = await t.app.inject({ method: 'GET', url, headers });
          assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
          bodies.push(res.body);
        }
      }
      for (const body of bodies) {
        for (const secret of [SECRET_HEADER_VALUE, SECRET_BEARER, SECRET_BEARER.replace('bearer', 'other')]) assert.ok(!body.includes(secret), body);
      }
      const yaml = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/from-yaml`, headers: read });
      assert.deepEqual(yaml.json<EndpointJson>().secretHeaders, ['Authorization']);
    } finally {
      await t.close();
    }
  });
});

describe('results, uptime, status, incidents', () => {
  test('results: newest first, paged with before/nextBefore until the last page, bounded by from and to', async () => {
    const { t, write, read } = await setup();
    try {
      const ep = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const other = await create(t, write, { name: 'Other', url: 'https://o.example.com/mcp' });
      const t0 = Date.now() - 3_600_000;
      const rows = Array.from({ length: 250 }, (_, i) => result(ep.id, t0 + i * 10_000, { status: i % 10 === 0 ? 'down' : 'up', durationMs: 100 + i }));
      await t.store.writeTick({ ...EMPTY_TICK, results: [...rows, ...rows.map((r) => ({ ...r, endpointId: other.id }))] });

      const seen: number[] = [];
      let before: number | null = null;
      let pages = 0;
      do {
        const query: string = before === null ? 'limit=100' : `limit=100&before=${before}`;
        const res = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${ep.id}/results?${query}`, headers: read });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json<ResultsJson>();
        assert.equal(page.endpointId, ep.id);
        seen.push(...page.results.map((r) => r.ts));
        before = page.nextBefore;
        pages++;
        if (pages === 1) {
          assert.equal(page.results.length, 100);
          assert.equal(page.results[0]?.ts, t0 + 249 * 10_000);
          assert.equal(page.results[0]?.at, new Date(t0 + 249 * 10_000).toISOString());
          assert.equal(page.nextBefore, page.results[99]?.ts);
        }
      } while (before !== null && pages < 10);
      assert.equal(pages, 3);
      assert.equal(seen.length, 250);
      assert.equal(new Set(seen).size, 250);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => b - a),
      );

      const from = t0 + 100 * 10_000;
      const to = new Date(t0 + 110 * 10_000).toISOString();
      const window = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/alpha/results?from=${from}&to=${encodeURIComponent(to)}`, headers: read });
      const body = window.json<ResultsJson>();
      assert.equal(body.results.length, 10);
      assert.equal(body.nextBefore, null);
      assert.ok(body.results.every((r) => r.ts >= from && r.ts < t0 + 110 * 10_000));
      const down = body.results.find((r) => r.status === 'down');
      assert.equal(down?.code, 'HTTP_5XX');
    } finally {
      await t.close();
    }
  });

  test('uptime over a window, with p50 and p95, following the health policy', async () => {
    const { t, write, read } = await setup();
    try {
      const ep = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      const now = Date.now();
      const statuses = ['up', 'up', 'up', 'up', 'up', 'up', 'degraded', 'auth_required', 'down', 'down'] as const;
      await t.store.writeTick({ ...EMPTY_TICK, results: statuses.map((status, i) => result(ep.id, now - 3_600_000 + i * 60_000, { status, durationMs: 100 + i * 10 })) });
      const res = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${ep.id}/uptime?window=7d`, headers: read });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<{ window: string; from: number; to: number; rounds: number; up: number; degraded: number; authRequired: number; down: number; uptime: number; p50Ms: number; p95Ms: number }>();
      assert.equal(body.window, '7d');
      assert.equal(body.to - body.from, 7 * 86_400_000);
      assert.deepEqual([body.rounds, body.up, body.degraded, body.authRequired, body.down], [10, 6, 1, 1, 2]);
      // Default policy: degraded and auth_required are not outages.
      assert.equal(body.uptime, 0.8);
      assert.ok(body.p50Ms > 0 && body.p95Ms >= body.p50Ms, res.body);

      const empty = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/${ep.id}/uptime`, headers: read });
      assert.equal(empty.json<{ window: string }>().window, '24h');
    } finally {
      await t.close();
    }
  });

  test('status shows the live state of the endpoint', async () => {
    const { t, write, read } = await setup();
    try {
      const ep = await create(t, write, { name: 'Alpha', url: 'https://a.example.com/mcp' });
      await t.store.writeTick({ ...EMPTY_TICK, states: [state(ep.id, { health: 'down', lastStatus: 'down', lastCode: 'TCP_REFUSED', consecutiveFailures: 3, protocolVersion: '2025-06-18' })] });
      const res = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints/alpha/status`, headers: read });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<{ endpointId: number; slug: string; health: string; lastCode: string; consecutiveFailures: number; protocolVersion: string }>();
      assert.deepEqual([body.endpointId, body.slug, body.health, body.lastCode, body.consecutiveFailures, body.protocolVersion], [ep.id, 'alpha', 'down', 'TCP_REFUSED', 3, '2025-06-18']);
      const list = await t.app.inject({ method: 'GET', url: `${BASE}/endpoints`, headers: read });
      assert.equal(list.json<{ endpoints: EndpointJson[] }>().endpoints[0]?.status.health, 'down');
    } finally {
      await t.close();
    }
  });

  test('incidents: filter by endpoint and open, limit, and anonymous callers see public endpoints only', async () => {
    const { t, write, read } = await setup();
    try {
      const open = await create(t, write, { name: 'Open', url: 'https://open.example.com/mcp', public: true });
      const hidden = await create(t, write, { name: 'Hidden', url: 'https://hidden.example.com/mcp' });
      const at = (m: number): string => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
      const opened = (endpointId: number, n: number, m: number) => ({ kind: 'incident_opened' as const, at: at(m), incidentId: incidentIdFor(endpointId, n), startedAt: at(m), code: 'TCP_REFUSED' as const, detail: 'connection refused' });
      await t.store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: open.id, event: opened(open.id, 1, 0) }, { endpointId: hidden.id, event: opened(hidden.id, 1, 1) }] });
      const [first] = await t.store.incidents({ endpointId: open.id, limit: 1 });
      assert.ok(first);
      await t.store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: open.id, event: { kind: 'incident_resolved', at: at(5), incidentId: first.id, lastCode: null, lastDetail: null } }] });
      await t.store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: open.id, event: opened(open.id, 2, 10) }] });

      const all = await t.app.inject({ method: 'GET', url: `${BASE}/incidents`, headers: read });
      type IncidentsJson = { incidents: { id: number; endpointSlug: string; open: boolean; durationS: number | null; firstCode: string }[] };
      assert.deepEqual(
        all.json<IncidentsJson>().incidents.map((i) => [i.endpointSlug, i.open]),
        [
          ['open', true],
          ['hidden', true],
          ['open', false],
        ],
      );
      const resolved = all.json<IncidentsJson>().incidents[2];
      assert.equal(resolved?.durationS, 300);
      const openOnly = await t.app.inject({ method: 'GET', url: `${BASE}/incidents?open=true&endpoint=open`, headers: read });
      assert.deepEqual(
        openOnly.json<IncidentsJson>().incidents.map((i) => i.open),
        [true],
      );
      const limited = await t.app.inject({ method: 'GET', url: `${BASE}/incidents?limit=1`, headers: read });
      assert.equal(limited.json<IncidentsJson>().incidents.length, 1);
      const anonymous = await t.app.inject({ method: 'GET', url: `${BASE}/incidents` });
      assert.deepEqual(
        anonymous.json<IncidentsJson>().incidents.map((i) => i.endpointSlug),
        ['open', 'open'],
      );
    } finally {
      await t.close();
    }
  });
});

describe('POST /check', () => {
  test('probes through deps.checkNow with no credentials, and validates the URL', async () => {
    const { t, write } = await setup({ checkResult: CHECK_RESULT });
    try {
      const res = await t.app.inject({ method: 'POST', url: `${BASE}/check`, headers: write, payload: { url: 'https://mcp.example.com/mcp#frag', era: 'streamable', tools: true } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<{ status: string; protocolVersion: string; phases: unknown[]; server: { name: string } }>();
      assert.equal(body.status, 'up');
      assert.equal(body.protocolVersion, '2025-11-25');
      assert.equal(body.phases.length, 1);
      assert.equal(body.server.name, 'everything');
      assert.deepEqual(t.checks, [{ url: 'https://mcp.example.com/mcp', era: 'streamable', listTools: true }]);

      for (const payload of [{ url: 'ftp://x.example.com' }, { url: 'https://a.example.com', allowPrivate: true }, {}]) {
        const bad = await t.app.inject({ method: 'POST', url: `${BASE}/check`, headers: write, payload });
        assert.equal(bad.statusCode, 400, bad.body);
        assert.ok(fieldsOf(bad).some((f) => f.startsWith('body.')), bad.body);
      }
      assert.equal(t.checks.length, 1);
    } finally {
      await t.close();
    }
  });

  test('is rate-limited to 6 a minute per token', async () => {
    const { t, write } = await setup({ checkResult: CHECK_RESULT });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await t.app.inject({ method: 'POST', url: `${BASE}/check`, headers: write, payload: { url: 'https://mcp.example.com/mcp' } });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) {
          assert.equal(errorOf(res).code, 'RATE_LIMITED');
          assert.ok(Number(res.headers['retry-after']) > 0);
        }
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429]);
      assert.equal(t.checks.length, 6);
      // Another token has its own budget.
      const other = await t.app.inject({ method: 'POST', url: `${BASE}/check`, headers: bearer(await tokenFor(t, false)), payload: { url: 'https://mcp.example.com/mcp' } });
      assert.equal(other.statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('a probe that throws is a generic 500', async () => {
    const { t, write } = await setup();
    try {
      const res = await t.app.inject({ method: 'POST', url: `${BASE}/check`, headers: write, payload: { url: 'https://mcp.example.com/mcp' } });
      assert.equal(res.statusCode, 500);
      assert.equal(errorOf(res).code, 'INTERNAL');
      assert.ok(!res.body.includes('checkResult'), res.body);
    } finally {
      await t.close();
    }
  });
});

describe('OpenAPI', () => {
  test('served at /api/v1/openapi.json with every API route and nothing else', async () => {
    const { t } = await setup();
    try {
      const res = await t.app.inject({ method: 'GET', url: `${BASE}/openapi.json` });
      assert.equal(res.statusCode, 200);
      const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>; components: { securitySchemes: Record<string, unknown> } }>();
      assert.match(doc.openapi, /^3\./);
      assert.deepEqual(Object.keys(doc.paths).sort(), [
        '/api/v1/check',
        '/api/v1/endpoints',
        '/api/v1/endpoints/{ref}',
        '/api/v1/endpoints/{ref}/archive',
        '/api/v1/endpoints/{ref}/compliance',
        '/api/v1/endpoints/{ref}/compliance/run',
        '/api/v1/endpoints/{ref}/gaps',
        '/api/v1/endpoints/{ref}/pause',
        '/api/v1/endpoints/{ref}/restore',
        '/api/v1/endpoints/{ref}/results',
        '/api/v1/endpoints/{ref}/resume',
        '/api/v1/endpoints/{ref}/status',
        '/api/v1/endpoints/{ref}/uptime',
        '/api/v1/incidents',
      ]);
      assert.deepEqual(Object.keys(doc.paths['/api/v1/endpoints/{ref}'] ?? {}).sort(), ['delete', 'get', 'patch', 'put']);
      assert.ok(doc.paths['/api/v1/endpoints']?.post?.requestBody);
      assert.deepEqual(doc.paths['/api/v1/endpoints']?.post?.security, [{ bearerAuth: [] }]);
      assert.ok(doc.components.securitySchemes.bearerAuth);
    } finally {
      await t.close();
    }
  });
});
