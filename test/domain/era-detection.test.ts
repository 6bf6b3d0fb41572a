// Rows come from /work/shared/reference/mcp-wire/*.txt: each body is what a real server sent,
// verbatim unless marked "elided", turned into a ReplySummary the way probe/mcp/rpc.ts does it
// (the response to our id, else an id-less error; no message for a body that is not JSON-RPC).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  judgeDiscover,
  judgeInitialize,
  parseDiscoverResult,
  parseInitializeResult,
  pickNoEraFailure,
  type DiscoverAttempt,
  type DiscoverFacts,
  type DiscoverVerdict,
  type InitializeFacts,
  type InitializeVerdict,
  type ReplySummary,
} from '../../src/domain/era-detection.ts';
import type { Failure } from '../../src/domain/failure-codes.ts';
import { findResponse, findUnmatchedError, parseJsonRpcPayload, type JsonRpcId } from '../../src/domain/jsonrpc.ts';

const SPEAKS = 'mcpwatch speaks 2026-07-28 and 2024-11-05…2025-11-25';

interface Wire {
  readonly status: number;
  /** The body as captured (JSON text, an SSE event's data, HTML, or ''). */
  readonly body: string;
  /** The id of the request we sent. */
  readonly id?: JsonRpcId;
  readonly hasCredentials?: boolean;
  readonly location?: string;
  readonly retryAfter?: string;
  readonly problem?: Failure;
}

function summarize(wire: Wire): ReplySummary {
  let messages;
  try {
    messages = parseJsonRpcPayload(JSON.parse(wire.body));
  } catch {
    messages = undefined;
  }
  const message = messages === undefined ? undefined : (findResponse(messages, wire.id ?? 1) ?? findUnmatchedError(messages));
  return {
    status: wire.status,
    message,
    problem: wire.problem,
    hasCredentials: wire.hasCredentials ?? false,
    ...(wire.location !== undefined ? { location: wire.location } : {}),
    ...(wire.retryAfter !== undefined ? { retryAfter: wire.retryAfter } : {}),
  };
}

// modern-2026-07-28.txt, [http://127.0.0.1:3103/strict] POST server/discover
const STRICT_DISCOVER =
  '{"result":{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{"listChanged":true}},"resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"v2-probe-target","version":"1.0.0"}}},"jsonrpc":"2.0","id":1}';
// v2-dual-era-legacy-path.txt #19 (the dual-era server on /mcp, our id "d1")
const DUAL_ERA_DISCOVER =
  '{"result":{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{"listChanged":true}},"resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"v2-probe-target","version":"1.0.0"}}},"jsonrpc":"2.0","id":"d1"}';
// modern-2026-07-28.txt, [http://127.0.0.1:3113/mcp] POST server/discover (instructions elided)
const EVERYTHING_DISCOVER =
  '{"result":{"supportedVersions":["2026-07-28"],"capabilities":{"logging":{},"completions":{},"prompts":{"listChanged":true},"resources":{"subscribe":true,"listChanged":true},"tools":{"listChanged":true}},"instructions":"# Everything Server","resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-servers/everything","title":"Everything Reference Server","version":"2.0.0"}}},"jsonrpc":"2.0","id":1}';
// everything-streamable.txt #19: server-everything (2025 SDK) answering server/discover
const EVERYTHING_NOT_INITIALIZED = '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}';
// unknown-session-and-get.txt (3103): a 2025 server's empty result, as it answers ping
const EMPTY_RESULT = '{"result":{},"jsonrpc":"2.0","id":1}';
// v2-modern-only.txt #13 / #1
const UNSUPPORTED_1999 =
  '{"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version: 1999-01-01","data":{"supported":["2026-07-28"],"requested":"1999-01-01"}},"id":1}';
// The conformance suite's request-metadata scenario (0.2.0-alpha.12): the first request of a
// client is refused with -32022 even though it asked for the one revision the server lists.
const REFUSED_ALTHOUGH_LISTED =
  '{"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}}';
const UNSUPPORTED_2025 =
  '{"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version: 2025-11-25","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}},"id":1}';
// modern-2026-07-28.txt: tools/list without Mcp-Method header (our id 3)
const HEADER_MISMATCH =
  '{"jsonrpc":"2.0","error":{"code":-32020,"message":"Bad Request: the request headers and body disagree: the body names method tools/list but the required Mcp-Method header is absent","data":{"mismatch":{"header":"(missing)","body":"the body names method tools/list but the required Mcp-Method header is absent"}}},"id":3}';
// auth-401.txt #1/#6 and #4: RFC 6750 bodies, not JSON-RPC
const AUTH_MISSING = '{"error":"invalid_token","error_description":"Missing Authorization header"}';
const AUTH_INVALID = '{"error":"invalid_token","error_description":"Token is not valid"}';
// v2-modern-only.txt #15: GET/DELETE on a modern endpoint
const METHOD_NOT_ALLOWED = '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Method not allowed."},"id":null}';
// modern-2026-07-28.txt: POST ping to a modern server (our id 4)
const METHOD_NOT_FOUND = '{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"Method not found"}}';
// auth-401.txt #5 and v2-dual-era-legacy-path.txt #1 (SSE event data)
const V2_INITIALIZE =
  '{"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"v2-probe-target","version":"1.0.0"}},"jsonrpc":"2.0","id":1}';
// everything-sse.txt F (instructions elided)
const EVERYTHING_SSE_INITIALIZE =
  '{"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{"listChanged":true},"logging":{}},"serverInfo":{"name":"mcp-servers/everything","title":"Everything Reference Server","version":"2.0.0"},"instructions":"# Everything Server"},"jsonrpc":"2.0","id":1}';
// everything-sse.txt G: Express answering POST /sse
const EXPRESS_404_HTML =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /sse</pre>\n</body>\n</html>\n';
// everything-streamable.txt #10: POST initialize without the right Accept header
const NOT_ACCEPTABLE =
  '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"},"id":null}';
// everything-streamable.txt #8: a 2025 SDK's session error, sent without an id
const NO_SESSION = '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}';

const V2_SERVER = { name: 'v2-probe-target', version: '1.0.0', title: null };
const EVERYTHING_SERVER = { name: 'mcp-servers/everything', version: '2.0.0', title: 'Everything Reference Server' };

const STRICT_FACTS: DiscoverFacts = {
  supportedVersions: ['2026-07-28'],
  protocolVersion: '2026-07-28',
  capabilities: { tools: { listChanged: true } },
  serverInfo: V2_SERVER,
};

function discoverResult(result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, result });
}

function rpcError(code: number, message: string, data?: unknown, id: JsonRpcId | null = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } });
}

const FIRST_TRY: DiscoverAttempt = { version: '2026-07-28', retried: false };
const RETRY: DiscoverAttempt = { version: '2026-07-28', retried: true };
const REFUSED_ON_RETRY: DiscoverVerdict = {
  kind: 'modern-failure',
  failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: 'server/discover refused 2026-07-28 on the retry too, although the server lists 2026-07-28' },
  supported: ['2026-07-28'],
};

describe('judgeDiscover', () => {
  const cases: readonly { name: string; wire: Wire; attempt?: DiscoverAttempt; expected: DiscoverVerdict }[] = [
    { name: 'modern-only server: 200 DiscoverResult → modern', wire: { status: 200, body: STRICT_DISCOVER }, expected: { kind: 'modern', facts: STRICT_FACTS } },
    {
      name: 'dual-era server on /mcp: 200 DiscoverResult with string id → modern',
      wire: { status: 200, body: DUAL_ERA_DISCOVER, id: 'd1' },
      expected: { kind: 'modern', facts: STRICT_FACTS },
    },
    {
      name: 'server-everything 2.0 modern: serverInfo title and all capabilities kept',
      wire: { status: 200, body: EVERYTHING_DISCOVER },
      expected: {
        kind: 'modern',
        facts: {
          supportedVersions: ['2026-07-28'],
          protocolVersion: '2026-07-28',
          capabilities: { logging: {}, completions: {}, prompts: { listChanged: true }, resources: { subscribe: true, listChanged: true }, tools: { listChanged: true } },
          serverInfo: EVERYTHING_SERVER,
        },
      },
    },
    {
      name: 'DiscoverResult listing a legacy revision too → modern with the shared modern revision',
      wire: { status: 200, body: discoverResult({ supportedVersions: ['2025-11-25', '2026-07-28'], capabilities: {} }) },
      expected: { kind: 'modern', facts: { supportedVersions: ['2025-11-25', '2026-07-28'], protocolVersion: '2026-07-28', capabilities: {}, serverInfo: null } },
    },
    {
      name: 'server-everything 2025: 400 -32000 "Server not initialized" → legacy NOT_MCP',
      wire: { status: 400, body: EVERYTHING_NOT_INITIALIZED },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: HTTP 400' } },
    },
    {
      name: '200 with an empty result {} → legacy NOT_MCP',
      wire: { status: 200, body: EMPTY_RESULT },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: no MCP answer (HTTP 200)' } },
    },
    {
      name: '200 DiscoverResult with empty supportedVersions → legacy NOT_MCP',
      wire: { status: 200, body: discoverResult({ supportedVersions: [], capabilities: {} }) },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: no MCP answer (HTTP 200)' } },
    },
    {
      name: '-32022 with data.supported [2026-07-28] → retry with 2026-07-28',
      wire: { status: 400, body: UNSUPPORTED_1999 },
      expected: { kind: 'retry', version: '2026-07-28', supported: ['2026-07-28'] },
    },
    {
      name: '-32022 refusing 2026-07-28 while listing it, first try → retry with the same revision',
      wire: { status: 400, body: REFUSED_ALTHOUGH_LISTED },
      attempt: FIRST_TRY,
      expected: { kind: 'retry', version: '2026-07-28', supported: ['2026-07-28'] },
    },
    {
      name: '-32022 refusing 2026-07-28 while listing it, on the retry → modern-failure PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 400, body: REFUSED_ALTHOUGH_LISTED },
      attempt: RETRY,
      expected: REFUSED_ON_RETRY,
    },
    {
      name: '-32022 naming a shared revision on the retry (after 1999-01-01) → modern-failure, no third request',
      wire: { status: 400, body: UNSUPPORTED_1999 },
      attempt: RETRY,
      expected: REFUSED_ON_RETRY,
    },
    {
      name: '-32022 with only 2025 revisions on the retry → still legacy (the 2025 handshake may work)',
      wire: { status: 400, body: rpcError(-32022, 'Unsupported protocol version: 2026-07-28', { supported: ['2025-11-25'] }) },
      attempt: RETRY,
      expected: { kind: 'legacy', fallback: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2025-11-25; ${SPEAKS}` } },
    },
    {
      name: 'DiscoverResult on the retry → modern',
      wire: { status: 200, body: STRICT_DISCOVER },
      attempt: RETRY,
      expected: { kind: 'modern', facts: STRICT_FACTS },
    },
    {
      name: '-32022 with data.supported only 2025 revisions → legacy PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 400, body: rpcError(-32022, 'Unsupported protocol version: 2026-07-28', { supported: ['2025-11-25', '2025-06-18'] }) },
      expected: {
        kind: 'legacy',
        fallback: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2025-11-25, 2025-06-18; ${SPEAKS}` },
      },
    },
    {
      name: '-32022 with unknown revisions only → modern-failure PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 400, body: rpcError(-32022, 'Unsupported protocol version: 2026-07-28', { supported: ['2027-03-01', 7] }) },
      expected: {
        kind: 'modern-failure',
        failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2027-03-01; ${SPEAKS}` },
        supported: ['2027-03-01'],
      },
    },
    {
      name: '-32022 without data.supported → legacy NOT_MCP',
      wire: { status: 400, body: rpcError(-32022, 'Unsupported protocol version') },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: HTTP 400' } },
    },
    {
      name: '-32020 header mismatch → modern-failure JSONRPC_ERROR',
      wire: { status: 400, body: HEADER_MISMATCH, id: 3 },
      expected: {
        kind: 'modern-failure',
        failure: {
          code: 'JSONRPC_ERROR',
          detail:
            'server/discover rejected: JSON-RPC error -32020: Bad Request: the request headers and body disagree: the body names method tools/list but the required Mcp-Method header is absent',
        },
        supported: [],
      },
    },
    {
      name: '401 without credentials → stop AUTH_REQUIRED',
      wire: { status: 401, body: AUTH_MISSING },
      expected: { kind: 'stop', failure: { code: 'AUTH_REQUIRED', detail: 'HTTP 401: the server requires authorization' } },
    },
    {
      name: '401 with credentials → stop AUTH_FAILED',
      wire: { status: 401, body: AUTH_INVALID, hasCredentials: true },
      expected: { kind: 'stop', failure: { code: 'AUTH_FAILED', detail: 'HTTP 401: the configured credentials were rejected' } },
    },
    {
      name: '401 carrying -32022 still stops on auth',
      wire: { status: 401, body: UNSUPPORTED_1999 },
      expected: { kind: 'stop', failure: { code: 'AUTH_REQUIRED', detail: 'HTTP 401: the server requires authorization' } },
    },
    {
      name: '403 → stop AUTH_FORBIDDEN',
      wire: { status: 403, body: '' },
      expected: { kind: 'stop', failure: { code: 'AUTH_FORBIDDEN', detail: 'HTTP 403: access forbidden' } },
    },
    {
      name: '307 with location → stop HTTP_REDIRECT naming the target',
      wire: { status: 307, body: '', location: 'https://mcp.example.com/mcp/' },
      expected: { kind: 'stop', failure: { code: 'HTTP_REDIRECT', detail: 'HTTP 307 redirect to https://mcp.example.com/mcp/ (not followed)' } },
    },
    {
      name: '429 with retry-after → stop HTTP_RATE_LIMITED',
      wire: { status: 429, body: '', retryAfter: '30' },
      expected: { kind: 'stop', failure: { code: 'HTTP_RATE_LIMITED', detail: 'HTTP 429: rate limited (Retry-After: 30)' } },
    },
    {
      name: '404 -32601 Method not found → legacy HTTP_NOT_FOUND',
      wire: { status: 404, body: METHOD_NOT_FOUND, id: 4 },
      expected: { kind: 'legacy', fallback: { code: 'HTTP_NOT_FOUND', detail: 'server/discover: HTTP 404: no MCP endpoint at this path' } },
    },
    {
      name: '405 JSON-RPC "Method not allowed." → legacy NOT_MCP',
      wire: { status: 405, body: METHOD_NOT_ALLOWED },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: HTTP 405' } },
    },
    {
      name: '500 without a body → legacy HTTP_5XX',
      wire: { status: 500, body: '' },
      expected: { kind: 'legacy', fallback: { code: 'HTTP_5XX', detail: 'server/discover: HTTP 500: server error' } },
    },
    {
      name: '200 with a content problem → legacy, the problem is the fallback',
      wire: { status: 200, body: 'not json', problem: { code: 'INVALID_JSON', detail: 'the reply to server/discover is not valid JSON: not json' } },
      expected: { kind: 'legacy', fallback: { code: 'INVALID_JSON', detail: 'the reply to server/discover is not valid JSON: not json' } },
    },
    {
      name: '200 JSON-RPC error -32601 → legacy NOT_MCP naming the error',
      wire: { status: 200, body: rpcError(-32601, 'Method not found') },
      expected: { kind: 'legacy', fallback: { code: 'NOT_MCP', detail: 'server/discover: JSON-RPC error -32601: Method not found' } },
    },
    {
      name: '200 DiscoverResult with only 2025 revisions → legacy PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 200, body: discoverResult({ supportedVersions: ['2025-06-18'], capabilities: {} }) },
      expected: { kind: 'legacy', fallback: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2025-06-18; ${SPEAKS}` } },
    },
    {
      name: '200 DiscoverResult with unknown revisions only → modern-failure',
      wire: { status: 200, body: discoverResult({ supportedVersions: ['2027-03-01'], capabilities: {} }) },
      expected: {
        kind: 'modern-failure',
        failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2027-03-01; ${SPEAKS}` },
        supported: ['2027-03-01'],
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(judgeDiscover(summarize(c.wire), c.attempt), c.expected);
    });
  }
});

describe('judgeInitialize', () => {
  const v2Facts: InitializeFacts = { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: V2_SERVER };
  const cases: readonly { name: string; wire: Wire; expected: InitializeVerdict }[] = [
    { name: 'v2 dual-era: 200 2025-11-25 result → streamable', wire: { status: 200, body: V2_INITIALIZE }, expected: { kind: 'streamable', facts: v2Facts } },
    {
      name: 'server-everything over HTTP+SSE: 2024-11-05 result → streamable facts',
      wire: { status: 200, body: EVERYTHING_SSE_INITIALIZE },
      expected: {
        kind: 'streamable',
        facts: { protocolVersion: '2024-11-05', capabilities: { tools: { listChanged: true }, logging: {} }, serverInfo: EVERYTHING_SERVER },
      },
    },
    {
      name: 'result without protocolVersion → INIT_RESULT_INVALID',
      wire: { status: 200, body: discoverResult({ capabilities: {}, serverInfo: { name: 'x', version: '1' } }) },
      expected: { kind: 'failure', failure: { code: 'INIT_RESULT_INVALID', detail: 'the initialize result lacks protocolVersion or capabilities' } },
    },
    {
      name: 'result without capabilities → INIT_RESULT_INVALID',
      wire: { status: 200, body: discoverResult({ protocolVersion: '2025-11-25' }) },
      expected: { kind: 'failure', failure: { code: 'INIT_RESULT_INVALID', detail: 'the initialize result lacks protocolVersion or capabilities' } },
    },
    {
      name: 'unknown protocolVersion → PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 200, body: discoverResult({ protocolVersion: '1999-01-01', capabilities: {} }) },
      expected: { kind: 'failure', failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 1999-01-01; ${SPEAKS}` } },
    },
    {
      name: 'modern revision in an initialize result → PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 200, body: discoverResult({ protocolVersion: '2026-07-28', capabilities: {} }) },
      expected: { kind: 'failure', failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2026-07-28; ${SPEAKS}` } },
    },
    {
      name: '200 -32603 error → JSONRPC_ERROR',
      wire: { status: 200, body: rpcError(-32603, 'Internal error') },
      expected: { kind: 'failure', failure: { code: 'JSONRPC_ERROR', detail: 'initialize failed: JSON-RPC error -32603: Internal error' } },
    },
    {
      name: '500 -32603 error with our id → JSONRPC_ERROR',
      wire: { status: 500, body: rpcError(-32603, 'Internal error') },
      expected: { kind: 'failure', failure: { code: 'JSONRPC_ERROR', detail: 'initialize failed: JSON-RPC error -32603: Internal error' } },
    },
    {
      name: 'modern-only server: 400 -32022 {supported:[2026-07-28]} → modern',
      wire: { status: 400, body: UNSUPPORTED_2025 },
      expected: { kind: 'modern', supported: ['2026-07-28'] },
    },
    {
      name: '-32022 naming unknown revisions only → PROTOCOL_VERSION_UNSUPPORTED',
      wire: { status: 400, body: rpcError(-32022, 'Unsupported protocol version: 2025-11-25', { supported: ['2027-03-01'] }) },
      expected: { kind: 'failure', failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server supports 2027-03-01; ${SPEAKS}` } },
    },
    {
      name: "express's 404 HTML page (no JSON-RPC) → sse HTTP_NOT_FOUND",
      wire: { status: 404, body: EXPRESS_404_HTML },
      expected: { kind: 'sse', fallback: { code: 'HTTP_NOT_FOUND', detail: 'initialize: HTTP 404: no MCP endpoint at this path' } },
    },
    {
      name: '405 JSON-RPC error with id null → sse NOT_MCP',
      wire: { status: 405, body: METHOD_NOT_ALLOWED },
      expected: { kind: 'sse', fallback: { code: 'NOT_MCP', detail: 'initialize: JSON-RPC error -32000: Method not allowed. (HTTP 405)' } },
    },
    {
      name: '400 id-less session error → sse NOT_MCP',
      wire: { status: 400, body: NO_SESSION },
      expected: { kind: 'sse', fallback: { code: 'NOT_MCP', detail: 'initialize: JSON-RPC error -32000: Bad Request: No valid session ID provided (HTTP 400)' } },
    },
    {
      name: '400 JSON-RPC error answering our id → JSONRPC_ERROR (the server speaks MCP and refused)',
      wire: { status: 400, body: rpcError(-32602, 'Invalid params') },
      expected: { kind: 'failure', failure: { code: 'JSONRPC_ERROR', detail: 'initialize failed: JSON-RPC error -32602: Invalid params' } },
    },
    {
      name: 'server-everything 406 Not Acceptable (id null) → JSONRPC_ERROR',
      wire: { status: 406, body: NOT_ACCEPTABLE },
      expected: {
        kind: 'failure',
        failure: { code: 'JSONRPC_ERROR', detail: 'initialize failed: JSON-RPC error -32000: Not Acceptable: Client must accept both application/json and text/event-stream' },
      },
    },
    {
      name: '401 without credentials → stop AUTH_REQUIRED',
      wire: { status: 401, body: AUTH_MISSING },
      expected: { kind: 'stop', failure: { code: 'AUTH_REQUIRED', detail: 'HTTP 401: the server requires authorization' } },
    },
    {
      name: '401 with credentials → stop AUTH_FAILED',
      wire: { status: 401, body: AUTH_INVALID, hasCredentials: true },
      expected: { kind: 'stop', failure: { code: 'AUTH_FAILED', detail: 'HTTP 401: the configured credentials were rejected' } },
    },
    {
      name: '302 → stop HTTP_REDIRECT',
      wire: { status: 302, body: '', location: '/login' },
      expected: { kind: 'stop', failure: { code: 'HTTP_REDIRECT', detail: 'HTTP 302 redirect to /login (not followed)' } },
    },
    {
      name: '200 with a content problem → failure with that problem',
      wire: { status: 200, body: '', problem: { code: 'SSE_NO_RESPONSE', detail: 'the event stream ended without a response to request 1' } },
      expected: { kind: 'failure', failure: { code: 'SSE_NO_RESPONSE', detail: 'the event stream ended without a response to request 1' } },
    },
    {
      name: '500 without a body → sse HTTP_5XX',
      wire: { status: 500, body: '' },
      expected: { kind: 'sse', fallback: { code: 'HTTP_5XX', detail: 'initialize: HTTP 500: server error' } },
    },
    {
      name: '405 without a body → sse NOT_MCP',
      wire: { status: 405, body: '' },
      expected: { kind: 'sse', fallback: { code: 'NOT_MCP', detail: 'initialize: HTTP 405' } },
    },
    {
      name: '200 with no message and no problem → sse NOT_MCP',
      wire: { status: 200, body: '' },
      expected: { kind: 'sse', fallback: { code: 'NOT_MCP', detail: 'initialize: no MCP answer (HTTP 200)' } },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(judgeInitialize(summarize(c.wire)), c.expected);
    });
  }
});

describe('pickNoEraFailure', () => {
  const discover404: Failure = { code: 'HTTP_NOT_FOUND', detail: 'server/discover: HTTP 404: no MCP endpoint at this path' };
  const initialize404: Failure = { code: 'HTTP_NOT_FOUND', detail: 'initialize: HTTP 404: no MCP endpoint at this path' };
  const get404: Failure = { code: 'HTTP_NOT_FOUND', detail: 'GET (HTTP+SSE): HTTP 404: no MCP endpoint at this path' };
  const initialize405Rpc: Failure = { code: 'NOT_MCP', detail: 'initialize: JSON-RPC error -32000: Method not allowed. (HTTP 405)' };
  const initialize410: Failure = { code: 'HTTP_4XX', detail: 'initialize: HTTP 410' };
  const initialize502: Failure = { code: 'HTTP_5XX', detail: 'initialize: HTTP 502: server error' };
  const html: Failure = { code: 'NOT_MCP', detail: 'GET (HTTP+SSE) answered text/html, not an event stream' };
  const badJson: Failure = { code: 'INVALID_JSON', detail: 'the reply to server/discover is not valid JSON: {' };
  const wrongType: Failure = { code: 'UNEXPECTED_CONTENT_TYPE', detail: 'the reply to initialize is text/html, not JSON or SSE: <html>' };

  const cases: readonly { name: string; attempts: readonly Failure[]; expected: Failure }[] = [
    {
      name: 'all 404 → HTTP_NOT_FOUND listing every transport',
      attempts: [discover404, initialize404, get404],
      expected: {
        code: 'HTTP_NOT_FOUND',
        detail: `HTTP 404 to every MCP transport (${discover404.detail}; ${initialize404.detail}; ${get404.detail})`,
      },
    },
    { name: 'a 5xx among 404s → that HTTP_5XX', attempts: [discover404, initialize502, get404], expected: initialize502 },
    { name: 'a 5xx wins over a content problem', attempts: [badJson, initialize502, html], expected: initialize502 },
    {
      name: 'mixed 404 and a JSON-RPC-shaped 405 → NOT_MCP listing every transport',
      attempts: [discover404, initialize405Rpc, get404],
      expected: { code: 'NOT_MCP', detail: `no MCP transport answered: ${discover404.detail}; ${initialize405Rpc.detail}; ${get404.detail}` },
    },
    // 400/405 arrive as NOT_MCP; any other 4xx (410 Gone, 418) is specific enough to report itself.
    { name: 'mixed 404 and a 410 → that HTTP_4XX', attempts: [discover404, initialize410, get404], expected: initialize410 },
    { name: 'UNEXPECTED_CONTENT_TYPE ranks above INVALID_JSON', attempts: [badJson, wrongType], expected: wrongType },
    {
      name: 'no attempts → NOT_MCP',
      attempts: [],
      expected: { code: 'NOT_MCP', detail: 'no MCP transport answered: ' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pickNoEraFailure(c.attempts), c.expected);
    });
  }
});

describe('parseDiscoverResult', () => {
  const cases: readonly { name: string; result: unknown; expected: DiscoverFacts | undefined }[] = [
    { name: 'the strict server’s result', result: (JSON.parse(STRICT_DISCOVER) as { result: unknown }).result, expected: STRICT_FACTS },
    { name: 'no supportedVersions → undefined', result: { capabilities: {} }, expected: undefined },
    { name: 'supportedVersions not an array → undefined', result: { supportedVersions: '2026-07-28' }, expected: undefined },
    { name: 'not an object → undefined', result: ['2026-07-28'], expected: undefined },
    { name: 'null → undefined', result: null, expected: undefined },
    {
      name: 'non-string versions dropped, no modern revision → first listed',
      result: { supportedVersions: [1, '2025-11-25', null, '2025-06-18'] },
      expected: { supportedVersions: ['2025-11-25', '2025-06-18'], protocolVersion: '2025-11-25', capabilities: {}, serverInfo: null },
    },
    {
      name: 'empty list → empty protocolVersion',
      result: { supportedVersions: [] },
      expected: { supportedVersions: [], protocolVersion: '', capabilities: {}, serverInfo: null },
    },
    {
      name: 'capabilities not an object → {}; serverInfo with non-string fields → nulls',
      result: { supportedVersions: ['2026-07-28'], capabilities: ['tools'], _meta: { 'io.modelcontextprotocol/serverInfo': { name: 42, version: '1', title: {} } } },
      expected: { supportedVersions: ['2026-07-28'], protocolVersion: '2026-07-28', capabilities: {}, serverInfo: { name: null, version: '1', title: null } },
    },
    {
      name: 'serverInfo at the top level (not in _meta) is not read',
      result: { supportedVersions: ['2026-07-28'], serverInfo: { name: 'x', version: '1' } },
      expected: { supportedVersions: ['2026-07-28'], protocolVersion: '2026-07-28', capabilities: {}, serverInfo: null },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseDiscoverResult(c.result), c.expected);
    });
  }
});

describe('parseInitializeResult', () => {
  const cases: readonly { name: string; result: unknown; expected: InitializeFacts | undefined }[] = [
    {
      name: 'the v2 server’s result',
      result: (JSON.parse(V2_INITIALIZE) as { result: unknown }).result,
      expected: { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: V2_SERVER },
    },
    { name: 'no serverInfo → null', result: { protocolVersion: '2025-03-26', capabilities: {} }, expected: { protocolVersion: '2025-03-26', capabilities: {}, serverInfo: null } },
    { name: 'protocolVersion not a string → undefined', result: { protocolVersion: 20251125, capabilities: {} }, expected: undefined },
    { name: 'capabilities missing → undefined', result: { protocolVersion: '2025-11-25' }, expected: undefined },
    { name: 'capabilities an array → undefined', result: { protocolVersion: '2025-11-25', capabilities: [] }, expected: undefined },
    { name: 'empty result {} → undefined', result: {}, expected: undefined },
    { name: 'a string → undefined', result: '2025-11-25', expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseInitializeResult(c.result), c.expected);
    });
  }
});
