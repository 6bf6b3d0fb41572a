// Checks that each fixture in test/fixtures/mcp-servers.ts really speaks the protocol
// era it claims, using nothing but fetch, so a fixture regression cannot hide behind
// the probe code it exists to test.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  dummyToolName,
  startEverything,
  startSupergateway,
  startV2Server,
  type RunningServer,
} from '../fixtures/mcp-servers.ts';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const READ_DEADLINE_MS = 15_000;
const TEST_TIMEOUT_MS = 60_000;

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
};

interface JsonRpcReply {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

interface RpcResponse {
  status: number;
  headers: Headers;
  reply: JsonRpcReply;
}

async function withFixture(
  t: TestContext,
  start: () => Promise<RunningServer>,
  check: (url: string) => Promise<void>,
): Promise<RunningServer> {
  const began = performance.now();
  const server = await start();
  t.diagnostic(`started in ${Math.round(performance.now() - began)} ms at ${server.url}`);
  try {
    await check(server.url);
  } finally {
    const closing = performance.now();
    await server.close();
    t.diagnostic(`closed in ${Math.round(performance.now() - closing)} ms`);
  }
  return server;
}

function modernRequest(url: string, method: string, params: Record<string, unknown> = {}, extra: Record<string, string> = {}): Promise<RpcResponse> {
  return postRpc(url, { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: MODERN_META } }, {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...extra,
  });
}

function discover(url: string, extra: Record<string, string> = {}): Promise<RpcResponse> {
  return modernRequest(url, 'server/discover', {}, extra);
}

function initialize(url: string): Promise<RpcResponse> {
  return postRpc(url, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 't', version: '1' } },
  });
}

async function postRpc(url: string, body: { id: number; [key: string]: unknown }, extra: Record<string, string> = {}): Promise<RpcResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), READ_DEADLINE_MS);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const reply = await readReply(response, body.id);
    return { status: response.status, headers: response.headers, reply };
  } finally {
    clearTimeout(timer);
    // A streamed reply may leave the SSE response open; we have what we came for.
    controller.abort();
  }
}

// The reply may be a JSON body or an SSE stream carrying it among other messages.
async function readReply(response: Response, id: number): Promise<JsonRpcReply> {
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return (await response.json()) as JsonRpcReply;
  }
  const event = await readSseUntil(response, (e) => {
    const message = parseJson(e.data) as JsonRpcReply | undefined;
    return message?.id === id && (message.result !== undefined || message.error !== undefined);
  });
  return JSON.parse(event.data) as JsonRpcReply;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readSseUntil(response: Response, wanted: (event: EventSourceMessage) => boolean): Promise<EventSourceMessage> {
  assert.ok(response.body, 'SSE response has no body');
  let found: EventSourceMessage | undefined;
  const parser = createParser({ onEvent: (event) => (found ??= wanted(event) ? event : undefined) });
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  while (found === undefined) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel().catch(() => undefined);
  assert.ok(found, 'SSE stream ended without the expected event');
  return found;
}

async function endpointEvent(url: string): Promise<EventSourceMessage> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), READ_DEADLINE_MS);
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    return await readSseUntil(response, (e) => e.event === 'endpoint');
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function assertModernDiscover(response: RpcResponse, serverName?: string): void {
  assert.equal(response.status, 200, JSON.stringify(response.reply));
  const result = response.reply.result;
  assert.ok(result, JSON.stringify(response.reply));
  assert.ok(Array.isArray(result.supportedVersions), 'supportedVersions missing');
  assert.ok((result.supportedVersions as unknown[]).includes(MODERN));
  if (serverName !== undefined) {
    const meta = result._meta as Record<string, { name?: string }> | undefined;
    assert.equal(meta?.['io.modelcontextprotocol/serverInfo']?.name, serverName);
  }
}

function assertLegacyInitialize(response: RpcResponse): Record<string, unknown> {
  assert.equal(response.status, 200, JSON.stringify(response.reply));
  const result = response.reply.result;
  assert.ok(result, JSON.stringify(response.reply));
  assert.equal(typeof result.protocolVersion, 'string');
  return result;
}

function canConnect(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function assertStopped(server: RunningServer): Promise<void> {
  assert.equal(await canConnect(server.url), false, `${server.url} still accepts connections after close()`);
}

void test('startV2Server modern: server/discover works, initialize is rejected with -32022', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await withFixture(t, () => startV2Server({ era: 'modern' }), async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assertModernDiscover(await discover(url), 'v2-probe-target');

    const init = await initialize(url);
    assert.equal(init.status, 400);
    assert.equal(init.reply.error?.code, -32022);
    assert.deepEqual(init.reply.error?.data?.supported, [MODERN]);

    const get = await fetch(url, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    await get.body?.cancel();
  });
  await assertStopped(server);
});

void test('startV2Server dual: answers server/discover and the 2025 initialize handshake', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withFixture(t, () => startV2Server({ era: 'dual' }), async (url) => {
    assertModernDiscover(await discover(url), 'v2-probe-target');
    const result = assertLegacyInitialize(await initialize(url));
    assert.equal(result.protocolVersion, LEGACY);
    assert.deepEqual(result.serverInfo, { name: 'v2-probe-target', version: '1.0.0' });
  });
});

void test('startV2Server tools: extra dummy tools, one page unless pageSize is set', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withFixture(t, () => startV2Server({ era: 'modern', tools: 30 }), async (url) => {
    const list = await modernRequest(url, 'tools/list');
    const tools = list.reply.result?.tools as { name: string }[];
    assert.equal(tools.length, 31);
    assert.equal(tools[0]?.name, 'echo');
    assert.equal(list.reply.result?.nextCursor, undefined);
  });
  await withFixture(t, () => startV2Server({ era: 'modern', tools: 30, pageSize: 10 }), async (url) => {
    const names: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const list = await modernRequest(url, 'tools/list', cursor === undefined ? {} : { cursor });
      names.push(...(list.reply.result?.tools as { name: string }[]).map((tool) => tool.name));
      cursor = list.reply.result?.nextCursor as string | undefined;
      if (cursor === undefined) break;
    }
    assert.equal(names.length, 31);
    assert.equal(names.at(-1), dummyToolName(30));
  });
});

void test('startV2Server bearerToken: 401 challenge, RFC 9728 metadata, token accepted', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withFixture(t, () => startV2Server({ era: 'dual', bearerToken: 'sekrit' }), async (url) => {
    const origin = new URL(url).origin;
    const metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;

    const anonymous = await discover(url);
    assert.equal(anonymous.status, 401);
    assert.equal(
      anonymous.headers.get('www-authenticate'),
      `Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="${metadataUrl}"`,
    );
    assert.equal((await initialize(url)).status, 401, 'the legacy handshake is gated too');

    const metadata = await fetch(metadataUrl);
    assert.equal(metadata.status, 200);
    assert.deepEqual(await metadata.json(), {
      resource: url,
      authorization_servers: [`${origin}/as`],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
    });

    const badToken = await discover(url, { authorization: 'Bearer nope' });
    assert.equal(badToken.status, 401);
    assert.match(badToken.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

    assertModernDiscover(await discover(url, { authorization: 'Bearer sekrit' }), 'v2-probe-target');
  });
});

void test('startEverything streamableHttp: 2025 initialize over streamable HTTP', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await withFixture(t, () => startEverything('streamableHttp'), async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const result = assertLegacyInitialize(await initialize(url));
    assert.equal(result.protocolVersion, LEGACY);
    // This build's streamable transport is session-based 2025-era only.
    const modern = await discover(url);
    t.diagnostic(`server/discover answered ${modern.status} ${JSON.stringify(modern.reply.error)}`);
  });
  await assertStopped(server);
});

void test('startEverything sse: GET yields an endpoint event', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await withFixture(t, () => startEverything('sse'), async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/sse$/);
    const event = await endpointEvent(url);
    assert.match(event.data, /^\/message\?sessionId=/);
  });
  await assertStopped(server);
});

void test('startSupergateway sse: GET yields an endpoint event', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await withFixture(t, () => startSupergateway('sse'), async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/sse$/);
    const event = await endpointEvent(url);
    assert.match(event.data, /^\/message\?sessionId=/);
  });
  await assertStopped(server);
});

void test('startSupergateway streamableHttp: 2025 initialize through the gateway', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await withFixture(t, () => startSupergateway('streamableHttp'), async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const result = assertLegacyInitialize(await initialize(url));
    assert.equal(typeof result.protocolVersion, 'string');
    const modern = await discover(url);
    t.diagnostic(`server/discover answered ${modern.status} ${JSON.stringify(modern.reply.error)}`);
  });
  await assertStopped(server);
});
