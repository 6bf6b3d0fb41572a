// A fast MCP fleet for load benchmarks: one process listening on many loopback addresses
// (127.0.H.1 for H in 1..hosts), answering in one write each. Run as a child process so its CPU is
// not charged to mcpwatch.
//   bench/fleet-server.ts HOSTS [PORT] [--tls CERT.json] [--era modern|legacy]
// modern (the default): the 2026-07-28 `server/discover` and tools/list, JSON replies.
// legacy: the 2025-11-25 Streamable HTTP session (initialize with an Mcp-Session-Id, initialized
// 202, ping, tools/list, DELETE), every reply an SSE stream as server-everything sends them.
// --tls: HTTPS with the chain and key of CERT.json ({ chainPem, keyPem }, e.g. a wildcard), one
// set of ticket keys across the listeners so a resumed session is accepted wherever it lands.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { parseArgs } from 'node:util';
import { fleetHostAddress } from './fleet-address.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { tls: { type: 'string' }, era: { type: 'string', default: 'modern' } } });
const hosts = Number(positionals[0] ?? 50);
const port = Number(positionals[1] ?? 0);
const era = values.era;
if (era !== 'modern' && era !== 'legacy') throw new Error(`fleet-server: --era must be modern or legacy, got ${era}`);
const cert = values.tls === undefined ? undefined : (JSON.parse(readFileSync(values.tls, 'utf8')) as { chainPem: string; keyPem: string });
const ticketKeys = randomBytes(48);

const TOOLS = [
  { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
];
const LEGACY_VERSION = '2025-11-25';

type Message = { id?: unknown; method?: string };

function modernAnswer(res: ServerResponse, message: Message): void {
  const reply = (result: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  };
  if (message.method === 'server/discover') {
    reply({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'fleet', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    reply({ tools: TOOLS });
  } else {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, error: { code: -32601, message: 'Method not found' } }));
  }
}

function legacyAnswer(req: IncomingMessage, res: ServerResponse, message: Message): void {
  const stream = (result: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    res.end(`event: message\ndata: ${JSON.stringify({ result, jsonrpc: '2.0', id: message.id })}\n\n`);
  };
  if (message.method === 'initialize') {
    stream({ protocolVersion: LEGACY_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'fleet', version: '1.0.0' } }, { 'mcp-session-id': randomUUID() });
  } else if (req.headers['mcp-session-id'] === undefined) {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}');
  } else if (message.method === 'notifications/initialized') {
    res.writeHead(202).end();
  } else if (message.method === 'ping') {
    stream({});
  } else if (message.method === 'tools/list') {
    stream({ tools: TOOLS });
  } else {
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, error: { code: -32601, message: 'Method not found' } })}\n\n`);
  }
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  let message: Message;
  try {
    message = JSON.parse(body) as Message;
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    return;
  }
  if (era === 'modern') modernAnswer(res, message);
  else legacyAnswer(req, res, message);
}

const onRequest: RequestListener = (req, res) => {
  if (era === 'legacy' && req.method === 'DELETE') {
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
};

function newServer(): Server {
  const server = cert === undefined ? createServer(onRequest) : createTlsServer({ cert: cert.chainPem, key: cert.keyPem, ticketKeys }, onRequest);
  server.keepAliveTimeout = 5000;
  return server;
}

// One listener per address spreads per-host caps like a real fleet.
let listening = 0;
let chosenPort = port;
async function listenAll(): Promise<void> {
  for (let h = 1; h <= hosts; h++) {
    const s = newServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(chosenPort, fleetHostAddress(h), resolve);
    });
    if (h === 1) chosenPort = (s.address() as { port: number }).port;
    listening++;
  }
}
await listenAll();
process.stdout.write(`${chosenPort} ${listening}\n`);
process.on('SIGTERM', () => process.exit(0));
