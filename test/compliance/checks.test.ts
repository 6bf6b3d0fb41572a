// Every compliance check against purpose-built loopback servers: each one compliant by default
// and broken by one knob, so each check is seen passing and failing. Plus what the runner owes
// whatever happens: every check reported in catalogue order, bounded time, never a rejection.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CHECKS, CHECK_IDS, type CheckId } from '../../src/compliance/catalogue.ts';
import { createComplianceRunner, runCompliance, type ComplianceLimits } from '../../src/compliance/run.ts';
import type { CheckOutcome, ComplianceReport } from '../../src/domain/compliance.ts';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { DEFAULT_PROBE_SETTINGS, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { closedPort, startSilentTcpServer } from '../fixtures/fault-server.ts';
import { definition } from '../store/helper.ts';
import { authServerMetadata, startComplianceServer, startJsonHost, type ComplianceFaults, type ComplianceServer } from '../fixtures/compliance-server.ts';

const SETTINGS: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 10_000 };

async function check(url: string, options: { listTools?: boolean; bearerToken?: string; limits?: ComplianceLimits } = {}): Promise<ComplianceReport> {
  return runCompliance({ url, listTools: options.listTools ?? true, ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}) }, SETTINGS, { hosts: null }, options.limits);
}

function outcomes(report: ComplianceReport): Partial<Record<CheckId, CheckOutcome>> {
  return Object.fromEntries(report.results.map((r) => [r.id, r.outcome]));
}

function expectOutcomes(report: ComplianceReport, expected: Partial<Record<CheckId, CheckOutcome>>): void {
  const got = outcomes(report);
  for (const [id, outcome] of Object.entries(expected)) {
    const result = report.results.find((r) => r.id === id);
    assert.equal(got[id as CheckId], outcome, `${id}: ${result?.outcome} — ${result?.evidence}`);
  }
}

const servers: ComplianceServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(faults: ComplianceFaults): Promise<ComplianceServer> {
  const server = await startComplianceServer(faults);
  servers.push(server);
  return server;
}

interface Case {
  readonly name: string;
  readonly faults: ComplianceFaults;
  readonly expect: Partial<Record<CheckId, CheckOutcome>>;
}

function deepSchema(depth: number): unknown {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { next: schema } };
  return schema;
}

const NETWORK_REF_TOOL = (host: string): unknown => ({ name: 'remote', inputSchema: { type: 'object', properties: { a: { $ref: `${host}/schemas/a.json` } } } });

const CASES: readonly Case[] = [
  {
    name: 'a compliant modern server passes every modern, origin and tools check',
    faults: { era: 'modern' },
    expect: {
      'modern.discover.supported-versions': 'pass',
      'modern.discover.result-type': 'pass',
      'modern.discover.ttl-ms': 'pass',
      'modern.discover.cache-scope': 'pass',
      'modern.discover.server-info': 'pass',
      'modern.http.header-mismatch': 'pass',
      'modern.http.unsupported-version': 'pass',
      'modern.http.method-not-found': 'pass',
      'modern.http.get-405': 'pass',
      'modern.http.delete-405': 'pass',
      'modern.tools-list.caching-hints': 'pass',
      'http.origin.foreign-refused': 'pass',
      'tools.names.valid': 'pass',
      'tools.names.unique': 'pass',
      'tools.schema.valid': 'pass',
      'tools.schema.no-network-ref': 'pass',
      'streamable.notification.202': 'not_applicable',
      'auth.prm.well-formed': 'not_applicable',
    },
  },
  { name: 'modern without ttlMs', faults: { era: 'modern', omit: ['ttlMs'] }, expect: { 'modern.discover.ttl-ms': 'fail', 'modern.discover.cache-scope': 'pass' } },
  { name: 'modern without cacheScope', faults: { era: 'modern', omit: ['cacheScope'] }, expect: { 'modern.discover.cache-scope': 'fail', 'modern.discover.ttl-ms': 'pass' } },
  { name: 'modern without resultType', faults: { era: 'modern', omit: ['resultType'] }, expect: { 'modern.discover.result-type': 'fail' } },
  { name: 'modern without serverInfo', faults: { era: 'modern', omit: ['serverInfo'] }, expect: { 'modern.discover.server-info': 'fail' } },
  {
    name: 'modern ignoring MCP-Protocol-Version',
    faults: { era: 'modern', ignoreVersionHeader: true },
    expect: { 'modern.http.header-mismatch': 'fail', 'modern.http.unsupported-version': 'pass' },
  },
  { name: 'modern answering GET with a stream', faults: { era: 'modern', get: 'stream' }, expect: { 'modern.http.get-405': 'fail', 'modern.http.delete-405': 'pass' } },
  { name: 'modern accepting a foreign Origin', faults: { era: 'modern', acceptForeignOrigin: true }, expect: { 'http.origin.foreign-refused': 'fail' } },
  { name: 'modern tools/list without caching hints', faults: { era: 'modern', toolsWithoutCaching: true }, expect: { 'modern.tools-list.caching-hints': 'fail' } },
  {
    name: 'tools with invalid and duplicate names',
    faults: { era: 'modern', tools: [{ name: 'get weather', inputSchema: { type: 'object' } }, { name: 'dup', inputSchema: { type: 'object' } }, { name: 'dup', inputSchema: { type: 'object' } }] },
    expect: { 'tools.names.valid': 'fail', 'tools.names.unique': 'fail', 'tools.schema.valid': 'pass' },
  },
  {
    name: 'tools with invalid schemas (2020-12 and draft-07)',
    faults: {
      era: 'modern',
      tools: [
        { name: 'a', inputSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 'zero' } } } },
        { name: 'b', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: 'x' } },
        { name: 'c', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { r: { $ref: '#/$defs/missing' } } } },
      ],
    },
    expect: { 'tools.schema.valid': 'fail', 'tools.names.valid': 'pass' },
  },
  {
    name: 'tools with valid draft-07 and 2020-12 schemas',
    faults: {
      era: 'modern',
      tools: [
        { name: 'd7', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', definitions: { s: { type: 'string' } }, properties: { s: { $ref: '#/definitions/s' } } } },
        { name: 'd2020', inputSchema: { type: 'object', $defs: { s: { type: 'string' } }, properties: { s: { $ref: '#/$defs/s' } }, unevaluatedProperties: false } },
      ],
    },
    expect: { 'tools.schema.valid': 'pass', 'tools.schema.no-network-ref': 'pass' },
  },
  {
    name: 'a tool whose inputSchema is not an object schema',
    faults: { era: 'modern', tools: [{ name: 'nul', inputSchema: null }, { name: 'str', inputSchema: { type: 'string' } }] },
    expect: { 'tools.schema.valid': 'fail' },
  },
  {
    name: 'a schema past the depth bound is reported as not validated, not guessed at',
    faults: { era: 'modern', tools: [{ name: 'deep', inputSchema: deepSchema(40) }] },
    expect: { 'tools.schema.valid': 'not_applicable', 'tools.schema.no-network-ref': 'pass' },
  },
  {
    name: 'hostile tool names: flagged, and the evidence stays one printable line',
    faults: { era: 'modern', tools: [{ name: '\u202eevil\nname\u0007', inputSchema: { type: 'object' } }, { name: 'x'.repeat(5000), inputSchema: { type: 'object' } }] },
    expect: { 'tools.names.valid': 'fail', 'tools.names.unique': 'pass' },
  },
  {
    name: 'a compliant 2025 streamable server',
    faults: { era: 'streamable' },
    expect: {
      'streamable.notification.202': 'pass',
      'streamable.http.get-stream-or-405': 'pass',
      'streamable.http.unsupported-version': 'pass',
      'streamable.session.id-charset': 'pass',
      'streamable.session.delete': 'pass',
      'http.origin.foreign-refused': 'pass',
      'modern.discover.ttl-ms': 'not_applicable',
      'tools.names.valid': 'pass',
    },
  },
  { name: 'streamable answering a notification 200', faults: { era: 'streamable', notificationStatus: 200 }, expect: { 'streamable.notification.202': 'fail' } },
  { name: 'streamable answering GET 400', faults: { era: 'streamable', get: 400 }, expect: { 'streamable.http.get-stream-or-405': 'fail' } },
  { name: 'streamable answering GET 405', faults: { era: 'streamable', get: 405 }, expect: { 'streamable.http.get-stream-or-405': 'pass' } },
  { name: 'streamable ignoring MCP-Protocol-Version', faults: { era: 'streamable', ignoreVersionHeader: true }, expect: { 'streamable.http.unsupported-version': 'fail' } },
  { name: 'streamable keeping a deleted session', faults: { era: 'streamable', onDelete: 'keep' }, expect: { 'streamable.session.delete': 'fail' } },
  { name: 'streamable refusing DELETE with 405', faults: { era: 'streamable', onDelete: 405 }, expect: { 'streamable.session.delete': 'pass' } },
  {
    name: 'streamable, stateless',
    faults: { era: 'streamable', sessionId: null },
    expect: { 'streamable.session.delete': 'not_applicable', 'streamable.session.id-charset': 'not_applicable', 'streamable.notification.202': 'pass' },
  },
  { name: 'streamable with a session id holding a space', faults: { era: 'streamable', sessionId: 'abc def' }, expect: { 'streamable.session.id-charset': 'fail' } },
  { name: 'streamable accepting a foreign Origin', faults: { era: 'streamable', acceptForeignOrigin: true }, expect: { 'http.origin.foreign-refused': 'fail' } },
];

describe('compliance checks against fault servers', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const server = await serve(c.faults);
      const report = await check(server.url);
      assert.equal(report.era, c.faults.era);
      expectOutcomes(report, c.expect);
    });
  }

  test('tools are listed, never called', async () => {
    for (const era of ['modern', 'streamable'] as const) {
      const server = await serve({ era });
      await check(server.url);
      assert.ok(server.requests.includes('rpc tools/list'), `${era}: ${server.requests.join(', ')}`);
      assert.ok(!server.requests.includes('rpc tools/call'), `${era}: a tool was called`);
    }
    const server = await serve({ era: 'streamable' });
    const report = await check(server.url, { listTools: false });
    expectOutcomes(report, { 'tools.names.valid': 'not_applicable', 'tools.schema.valid': 'not_applicable' });
    assert.match(report.results.find((r) => r.id === 'tools.names.valid')?.evidence ?? '', /listing is off/);
  });

  test('a network $ref is reported and never fetched (SEP-2106)', async () => {
    const refHost = await startJsonHost(() => ({ '/schemas/a.json': { type: 'string' } }));
    servers.push(refHost);
    const server = await serve({ era: 'modern', tools: [NETWORK_REF_TOOL(refHost.origin)] });
    const report = await check(server.url);
    expectOutcomes(report, { 'tools.schema.no-network-ref': 'fail', 'tools.schema.valid': 'pass' });
    assert.match(report.results.find((r) => r.id === 'tools.schema.no-network-ref')?.evidence ?? '', /schemas\/a\.json/);
    assert.deepEqual(refHost.requests, [], 'the $ref host must see no request');
  });
});

describe('authorization checks after a 401', () => {
  test('well-formed metadata on another origin passes, fetched under the same policy', async () => {
    const as = await startJsonHost((origin) => ({ '/.well-known/oauth-authorization-server/tenant': authServerMetadata(`${origin}/tenant`) }));
    servers.push(as);
    const server = await serve({ era: 'modern', bearerToken: 'secret', authServer: `${as.origin}/tenant` });
    const report = await check(server.url);
    expectOutcomes(report, {
      'auth.prm.well-formed': 'pass',
      'auth.as.metadata': 'pass',
      'auth.as.pkce-s256': 'pass',
      'modern.discover.ttl-ms': 'not_applicable',
      'tools.names.valid': 'not_applicable',
    });
    assert.deepEqual(as.requests, ['GET /.well-known/oauth-authorization-server/tenant']);
  });

  test('metadata that names another resource and no authorization server fails', async () => {
    const server = await serve({ era: 'modern', bearerToken: 'secret', resourceMetadata: () => ({ resource: 'https://elsewhere.example/mcp', authorization_servers: [] }) });
    expectOutcomes(await check(server.url), { 'auth.prm.well-formed': 'fail', 'auth.as.metadata': 'error' });
  });

  test('authorization server metadata without S256, with a wrong issuer', async () => {
    const as = await startJsonHost(() => ({ '/.well-known/oauth-authorization-server/as': authServerMetadata('https://honest.example/as', { code_challenge_methods_supported: ['plain'] }) }));
    servers.push(as);
    const server = await serve({ era: 'modern', bearerToken: 'secret', authServer: `${as.origin}/as` });
    const report = await check(server.url);
    expectOutcomes(report, { 'auth.prm.well-formed': 'pass', 'auth.as.metadata': 'fail', 'auth.as.pkce-s256': 'fail' });
    assert.match(report.results.find((r) => r.id === 'auth.as.metadata')?.evidence ?? '', /issuer/);
  });

  test('authorization server metadata missing everywhere', async () => {
    const as = await startJsonHost(() => ({}));
    servers.push(as);
    const server = await serve({ era: 'modern', bearerToken: 'secret', authServer: `${as.origin}/as` });
    expectOutcomes(await check(server.url), { 'auth.as.metadata': 'fail', 'auth.as.pkce-s256': 'fail' });
    assert.deepEqual(as.requests, ['GET /.well-known/oauth-authorization-server/as', 'GET /.well-known/openid-configuration/as', 'GET /as/.well-known/openid-configuration']);
  });

  test('with the right credentials the era checks run and the auth checks still see the 401', async () => {
    const server = await serve({ era: 'modern', bearerToken: 'secret' });
    expectOutcomes(await check(server.url, { bearerToken: 'secret' }), { 'modern.discover.ttl-ms': 'pass', 'auth.prm.well-formed': 'pass', 'auth.as.pkce-s256': 'pass' });
  });

  test('metadata on a blocked address is not fetched', async () => {
    const server = await serve({ era: 'modern', bearerToken: 'secret', authServer: 'http://169.254.169.254/as' });
    const report = await check(server.url);
    expectOutcomes(report, { 'auth.prm.well-formed': 'pass', 'auth.as.metadata': 'error' });
    assert.match(report.results.find((r) => r.id === 'auth.as.metadata')?.evidence ?? '', /ADDRESS_BLOCKED|refusing/);
  });
});

describe('the runner', () => {
  test('reports every check, in catalogue order, with its level', async () => {
    const server = await serve({ era: 'modern' });
    const report = await check(server.url);
    assert.deepEqual(report.results.map((r) => r.id), CHECK_IDS);
    assert.deepEqual(report.results.map((r) => r.level), CHECKS.map((c) => c.level));
    for (const r of report.results) assert.ok(r.evidence.length > 0 && r.evidence.length <= 300 && !/[\r\n]/.test(r.evidence), `${r.id}: ${r.evidence}`);
  });

  test('a closed port: every check is an error, nothing throws', async () => {
    const port = await closedPort();
    const report = await check(`http://127.0.0.1:${port}/mcp`);
    assert.equal(report.era, null);
    assert.ok(report.results.every((r) => r.outcome === 'error'), JSON.stringify(report.results[0]));
  });

  test('a server that never answers: the run ends within its budget', async () => {
    const silent = await startSilentTcpServer();
    try {
      const report = await runCompliance({ url: `http://127.0.0.1:${silent.port}/mcp` }, { ...SETTINGS, timeoutMs: 500, ttfbMs: 500 }, { hosts: null }, { totalMs: 2_000, perCheckMs: 500 });
      assert.ok(report.results.every((r) => r.outcome === 'error'));
      // Generous: the bound is the point, not the speed.
      assert.ok(report.durationMs < 30_000, `took ${report.durationMs} ms`);
    } finally {
      await silent.close();
    }
  });

  test('an address the policy blocks is never dialled', async () => {
    const report = await runCompliance({ url: 'http://127.0.0.1:9/mcp' }, { ...SETTINGS, allowPrivate: false }, { hosts: null });
    assert.ok(report.results.every((r) => r.outcome === 'error' && /ADDRESS_BLOCKED/.test(r.evidence)));
  });
});

describe('createComplianceRunner (the service’s entry point)', () => {
  const endpoint = (url: string, overrides: Partial<Endpoint> = {}): Endpoint => ({
    ...definition('fixture', { url, timeoutMs: 10_000, allowPrivate: true }),
    id: 1,
    createdAt: '2026-12-02T00:00:00.000Z',
    updatedAt: '2026-12-02T00:00:00.000Z',
    archivedAt: null,
    ...overrides,
  });

  test("uses the endpoint's own settings: private addresses, tool listing, credentials", async () => {
    const server = await serve({ era: 'modern', bearerToken: 'secret' });
    const runner = createComplianceRunner({ ...DEFAULT_PROBE_SETTINGS, allowPrivate: false }, { hosts: null });
    const withSecret = await runner(endpoint(server.url, { secrets: { headers: {}, bearerToken: 'secret' } }));
    expectOutcomes(withSecret, { 'modern.discover.ttl-ms': 'pass', 'tools.names.valid': 'pass', 'auth.as.pkce-s256': 'pass' });
    const noListing = await runner(endpoint(server.url, { listTools: false, secrets: { headers: {}, bearerToken: 'secret' } }));
    expectOutcomes(noListing, { 'tools.names.valid': 'not_applicable', 'modern.tools-list.caching-hints': 'not_applicable' });
    const blocked = await runner(endpoint(server.url, { allowPrivate: false }));
    assert.ok(blocked.results.every((r) => r.outcome === 'error'));
  });

  test('a cancelled run still reports every check', async () => {
    const server = await serve({ era: 'modern' });
    const runner = createComplianceRunner({ ...DEFAULT_PROBE_SETTINGS }, { hosts: null });
    const controller = new AbortController();
    controller.abort();
    const report = await runner(endpoint(server.url), controller.signal);
    assert.deepEqual(report.results.map((r) => r.id), CHECK_IDS);
    assert.ok(report.results.every((r) => r.outcome === 'error' || r.outcome === 'not_applicable'), JSON.stringify(report.results.slice(0, 2)));
  });
});
