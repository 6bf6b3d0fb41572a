// Property: whatever a server answers, the real probe returns a ProbeResult, within its deadline,
// with a printable detail, and memory stays bounded. Thousands of generated hostile replies
// (deep nesting, huge arrays, __proto__ keys, invalid UTF-8, binary, gzip, wrong types at every
// field, SSE framing; over Streamable HTTP and HTTP+SSE) go through runProbe against one loopback
// server whose reply is switched per case. The number of probes is HOSTILE_RUNS (default 2,000;
// CI keeps the default).
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../src/domain/bounded-json.ts';
import { MAX_DETAIL_CHARS } from '../../src/domain/detail.ts';
import { FAILURE_CODES, STATUSES } from '../../src/domain/failure-codes.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { MAX_RESPONSE_HEAD_BYTES } from '../../src/probe/connection.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { startHostileServer, type HostileMethod, type HostileReply, type HostileServer } from '../fixtures/hostile-server.ts';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 2000);
const SETTINGS: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 5000, ttfbMs: 3000, bodyMs: 3000, sseEventMs: 2000, slowMs: 0 };
/** "Within the deadline", with room for a loaded 2-core runner: the probe's budget plus 10 s. */
const WALL_LIMIT_MS = SETTINGS.timeoutMs + 10_000;
/** Heap growth allowed over the whole run, after a full GC: no case may leave its reply behind. */
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// ---------------------------------------------------------------------------------------------
// Generators. Bodies are Buffers; `ID` in them becomes the request's id (see the fixture).
// ---------------------------------------------------------------------------------------------

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** Anything JSON, including strings with lone surrogates, control characters and bidi overrides. */
const anyJson = fc.jsonValue({ maxDepth: 4 });
const nastyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.constantFrom('\ud800', '\u202eevil', '\u0000\u001b[31m', 'x'.repeat(5000)));
const field = fc.oneof(anyJson, nastyString);

const tool = fc.record({ name: fc.oneof(nastyString, anyJson), inputSchema: field, outputSchema: field, description: field }, { requiredKeys: [] });
const toolsResult = fc.record({ tools: fc.oneof(fc.array(tool, { maxLength: 6 }), field), nextCursor: fc.oneof(fc.constant('again'), fc.constant('again'), field) }, { requiredKeys: [] });
const initResult = fc.record(
  {
    protocolVersion: fc.oneof(fc.constantFrom('2025-06-18', '2025-03-26', '2025-11-25', '2024-11-05', '2026-07-28'), field),
    capabilities: fc.oneof(fc.dictionary(nastyString, field, { maxKeys: 4 }), field),
    serverInfo: fc.oneof(fc.record({ name: field, version: field, title: field }, { requiredKeys: [] }), field),
  },
  { requiredKeys: [] },
);
const discoverResult = fc.record({ supportedVersions: fc.oneof(fc.array(fc.oneof(fc.constantFrom('2026-07-28', '2025-11-25'), nastyString), { maxLength: 5 }), field), capabilities: field, _meta: field }, { requiredKeys: [] });
const errorObject = fc.record({ code: fc.oneof(fc.constantFrom(-32601, -32022, -32000, -32001, -32020), field), message: field, data: fc.oneof(fc.record({ supported: field }), field) }, { requiredKeys: [] });
const idText = fc.constantFrom('ID', 'ID', 'ID', 'null', '"1"', '999', '{"x":1}');

/** A JSON-RPC-shaped envelope with wrong types anywhere. */
const envelope = fc
  .record({
    id: idText,
    jsonrpc: fc.constantFrom('"2.0"', '"2.0"', '"1.0"', '2'),
    payload: fc.oneof(
      fc.tuple(fc.constant('result'), fc.oneof(toolsResult, initResult, discoverResult, anyJson)),
      fc.tuple(fc.constant('error'), fc.oneof(errorObject, anyJson)),
    ),
  })
  .map(({ id, jsonrpc, payload }) => `{"jsonrpc":${jsonrpc},"id":${id},"${payload[0]}":${json(payload[1])}}`);

/** Nesting from just under the bound to far past it, as arrays or objects, where a schema or capabilities go. */
const deep = fc.record({ depth: fc.integer({ min: MAX_JSON_DEPTH - 10, max: 20_000 }), array: fc.boolean(), place: fc.constantFrom('schema', 'capabilities', 'result') }).map(({ depth, array, place }) => {
  const nest = array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  if (place === 'schema') return `{"jsonrpc":"2.0","id":ID,"result":{"protocolVersion":"2025-06-18","capabilities":{},"tools":[{"name":"deep","inputSchema":${nest}}]}}`;
  if (place === 'capabilities') return `{"jsonrpc":"2.0","id":ID,"result":{"protocolVersion":"2025-06-18","capabilities":${nest},"tools":[]}}`;
  return `{"jsonrpc":"2.0","id":ID,"result":${nest}}`;
});

/**
 * Wide rather than deep: thousands of tools, or now and then a bare array of up to 1.2 million
 * values (2.4 MB, inside the 8 MiB list cap but past the 1,000,000-value bound).
 */
const huge = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => new Array<string>(n).fill('{"name":"t","inputSchema":{}}').join(',')) },
  { weight: 1, arbitrary: fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => '0,'.repeat(n - 1) + '0') },
).map((items) => `{"jsonrpc":"2.0","id":ID,"result":{"protocolVersion":"2025-06-18","capabilities":{},"tools":[${items}]}}`);

/** `__proto__` as an own key at every level a reader looks at. */
const proto = fc.constantFrom(
  '{"jsonrpc":"2.0","id":ID,"result":{"__proto__":{"tools":[{"name":"x"}],"protocolVersion":"2025-06-18"},"capabilities":{"__proto__":{"polluted":true}}}}',
  '{"__proto__":{"jsonrpc":"2.0","id":ID,"result":{}},"jsonrpc":"2.0"}',
  '{"jsonrpc":"2.0","id":ID,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"__proto__":{"name":"p"}},"tools":[{"__proto__":{"name":"p"},"name":"n","inputSchema":{"__proto__":{"type":"object"}}}]}}',
  '{"jsonrpc":"2.0","id":ID,"error":{"__proto__":{"code":-32601},"message":"m"}}',
);

const bodyText = fc.oneof(
  { weight: 6, arbitrary: envelope },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: proto },
  { weight: 1, arbitrary: fc.array(envelope, { minLength: 0, maxLength: 3 }).map((items) => `[${items.join(',')}]`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

/** Bytes: text, text with invalid UTF-8 spliced in, or raw binary. */
const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]].map((b) => Buffer.from(b));
const bodyBytes = fc.oneof(
  { weight: 8, arbitrary: bodyText.map(text) },
  {
    weight: 2,
    arbitrary: fc.tuple(bodyText, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([t, at, bad]) => {
      const b = text(t);
      const cut = b.length === 0 ? 0 : at % b.length;
      return Buffer.concat([b.subarray(0, cut), bad, b.subarray(cut)]);
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)) },
);

/** Server-Sent Events around a body: optional priming event, each line a data line, maybe unterminated. */
function sse(body: Buffer, priming: boolean, terminated: boolean): Buffer {
  const lines = body.toString('latin1').split('\n');
  const events = `${priming ? 'id: p1\nretry: 10\ndata:\n\n' : ''}event: message\n${lines.map((l) => `data: ${l}`).join('\n')}${terminated ? '\n\n' : ''}`;
  return Buffer.from(events, 'latin1');
}

const printableAscii = fc.string({ unit: 'grapheme-ascii', maxLength: 200 });

const reply: fc.Arbitrary<HostileReply> = fc
  .record({
    method: fc.constantFrom<HostileMethod>('server/discover', 'initialize', 'ping', 'tools/list', 'tools/list', 'endpoint'),
    status: fc.constantFrom(200, 200, 200, 200, 202, 204, 400, 401, 404, 405, 429, 500, 503),
    contentType: fc.constantFrom('application/json', 'application/json', 'text/event-stream', 'text/event-stream', 'text/html', 'application/json; charset=iso-8859-1', ''),
    gzip: fc.constantFrom('none', 'none', 'none', 'header-only', 'compressed'),
    sse: fc.record({ priming: fc.boolean(), terminated: fc.boolean() }),
    extra: fc.record({ 'mcp-session-id': printableAscii, 'www-authenticate': printableAscii, 'retry-after': printableAscii, location: printableAscii }, { requiredKeys: [] }),
    body: bodyBytes,
  })
  .map(({ method, status, contentType, gzip, sse: framing, extra, body }) => {
    let bytes = contentType === 'text/event-stream' ? sse(body, framing.priming, framing.terminated) : body;
    if (gzip === 'compressed') bytes = gzipSync(bytes);
    const headers: Record<string, string> = { ...extra };
    if (contentType !== '') headers['content-type'] = contentType;
    if (gzip !== 'none') headers['content-encoding'] = 'gzip';
    const described = `${method} → HTTP ${status} ${JSON.stringify(headers)} ${bytes.length} bytes: ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}`;
    // A counterexample prints as this line, not as a Buffer of 100,000 numbers.
    return { method, status, headers, body: bytes, [fc.toStringMethod]: () => described };
  });

/** Which transport serves the case: Streamable HTTP (with or without detection) or HTTP+SSE. */
const transport = fc.constantFrom('auto', 'streamable', 'auto', 'streamable', 'sse', 'sse-detected');

// ---------------------------------------------------------------------------------------------

function assertSane(result: ProbeResult, wallMs: number): void {
  assert.equal(typeof result, 'object');
  assert.ok((STATUSES as readonly string[]).includes(result.status), `status ${String(result.status)}`);
  if (result.status === 'up') assert.equal(result.code, null);
  else assert.ok(result.code !== null && (FAILURE_CODES as readonly string[]).includes(result.code), `code ${String(result.code)}`);
  assert.ok(result.detail.length <= MAX_DETAIL_CHARS, `detail of ${result.detail.length} chars`);
  assert.doesNotMatch(result.detail, /[\p{C}\u2028\u2029]/u, 'detail has unprintable characters');
  assert.equal(Buffer.from(result.detail, 'utf8').toString('utf8'), result.detail, 'detail is not well-formed');
  assert.doesNotMatch(result.detail, /mcpwatch failed with an unexpected error/, `an unexpected exception: ${result.detail}`);
  for (const name of [result.server?.name, result.server?.version, ...(result.tools?.names ?? [])]) {
    if (typeof name === 'string') assert.ok(name.length <= 200 && !/[\p{C}]/u.test(name), `server text ${JSON.stringify(name.slice(0, 50))}`);
  }
  // Everything downstream serializes results (the CLI's --json, the API, the store).
  assert.doesNotThrow(() => JSON.stringify(result));
  assert.ok(result.durationMs <= WALL_LIMIT_MS && wallMs <= WALL_LIMIT_MS, `took ${Math.round(wallMs)} ms`);
}

describe('the probe against hostile replies (property)', () => {
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer();
  });
  after(() => server.close());

  test(`${RUNS} generated hostile replies: always a sane ProbeResult, within the deadline, bounded memory`, async () => {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let probes = 0;
    let slowest = 0;
    const codes = new Map<string, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(reply, transport, fc.boolean(), async (hostile, via, listTools) => {
        server.set(hostile);
        const sse = via === 'sse' || via === 'sse-detected';
        const request = { url: sse ? server.sseUrl : server.url, era: via === 'sse' ? 'sse' : via === 'streamable' ? 'streamable' : 'auto', listTools: listTools || hostile.method === 'tools/list' } as const;
        const t0 = performance.now();
        const result = await runProbe(request, SETTINGS);
        const wallMs = performance.now() - t0;
        probes += 1;
        slowest = Math.max(slowest, wallMs);
        codes.set(result.code ?? 'up', (codes.get(result.code ?? 'up') ?? 0) + 1);
        assertSane(result, wallMs);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const elapsed = performance.now() - started;
    server.set(null);
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    // The figures the report quotes; printed so a CI log shows them.
    console.log(`hostile replies: ${probes} probes in ${Math.round(elapsed)} ms (${(elapsed / probes).toFixed(1)} ms each, slowest ${Math.round(slowest)} ms), heap growth ${(growth / 1048576).toFixed(1)} MiB, ${server.served} requests served`);
    console.log(`  codes: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    assert.equal(probes, RUNS);
    assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew ${growth} bytes`);
    // The generators reach far: failures of many kinds, and healthy rounds too.
    if (RUNS >= 500) assert.ok(codes.size >= 8, `only ${codes.size} outcomes: ${[...codes.keys()].join(', ')}`);
  });

  test('a response head past the cap is BODY_TOO_LARGE, however it is made up', async () => {
    for (const headers of [{ 'x-padding': 'a'.repeat(MAX_RESPONSE_HEAD_BYTES + 1000) }, Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, 'v']))]) {
      server.set({ method: 'initialize', status: 200, headers: { 'content-type': 'application/json', ...headers }, body: text('{"jsonrpc":"2.0","id":ID,"result":{}}') });
      const result = await runProbe({ url: server.url, era: 'streamable' }, SETTINGS);
      assert.deepEqual([result.status, result.code], ['down', 'BODY_TOO_LARGE'], result.detail);
    }
    server.set(null);
  });

  test('past the depth bound, a tools/list reply is INVALID_JSON and the round degraded, at any depth', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_JSON_DEPTH, max: 50_000 }), fc.boolean(), async (depth, array) => {
        const nest = array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        server.set({ method: 'tools/list', status: 200, headers: { 'content-type': 'application/json' }, body: text(`{"jsonrpc":"2.0","id":ID,"result":{"tools":[{"name":"d","inputSchema":${nest}}]}}`) });
        const result = await runProbe({ url: server.url, era: 'streamable', listTools: true }, SETTINGS);
        assert.deepEqual([result.status, result.code], ['degraded', 'INVALID_JSON'], result.detail);
      }),
      { numRuns: 50 },
    );
    server.set(null);
  });
});
