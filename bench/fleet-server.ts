// A fast MCP fleet for load benchmarks: one process listening on many loopback addresses
// (127.0.H.1 for H in 1..hosts), answering the 2026-07-28 handshake and tools/list in one write
// each. Run as a child process so its CPU is not charged to mcpwatch.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const [hostsArg, portArg] = process.argv.slice(2);
const hosts = Number(hostsArg ?? 50);
const port = Number(portArg ?? 0);

const TOOLS = [
  { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  let message: { id?: unknown; method?: string };
  try {
    message = JSON.parse(body) as { id?: unknown; method?: string };
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    return;
  }
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

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
});
server.keepAliveTimeout = 5000;

// All of 127.0.0.0/8 is loopback on Linux; one listener per address spreads per-host caps like a real fleet.
let listening = 0;
let chosenPort = port;
async function listenAll(): Promise<void> {
  const first = createServer(server.listeners('request')[0] as never);
  await new Promise<void>((resolve) => first.listen(chosenPort, '127.0.1.1', resolve));
  chosenPort = (first.address() as { port: number }).port;
  listening++;
  for (let h = 2; h <= hosts; h++) {
    const s = createServer(server.listeners('request')[0] as never);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(chosenPort, `127.0.${Math.floor(h / 250) + 1}.${(h % 250) + 1}`, resolve);
    });
    listening++;
  }
}
await listenAll();
process.stdout.write(`${chosenPort} ${listening}\n`);
process.on('SIGTERM', () => process.exit(0));
