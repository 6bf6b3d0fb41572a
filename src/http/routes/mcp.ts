// POST /mcp: mcpwatch's own MCP server, both eras (2026-07-28 per-request `_meta`, and the 2025
// initialize handshake served statelessly), so the classic container HEALTHCHECK (POST initialize,
// grep protocolVersion) works against mcpwatch itself. GET and DELETE get the SDK's 405.
import type { IncomingMessage } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import { hostCheck } from '../../config/schema.ts';
import type { ReadDeps } from '../../mcp-server/queries.ts';
import { createMcpwatchServer } from '../../mcp-server/server.ts';
import { authenticate } from '../api/auth.ts';
import type { AppDeps } from '../deps.ts';
import { judgeOrigin } from '../host-guard.ts';

// The API's access policy, unchanged: anonymous callers see public endpoints; any valid API token
// (read-only ones too: every tool here only reads) sees all; a presented but invalid credential is
// a 401 rather than a silent downgrade to public data, which would hide a misconfigured client.
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="mcpwatch", error="invalid_token"';

export function mcpRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const check = hostCheck(deps.config.listen, deps.config.publicUrl);
  const read: ReadDeps = { store: deps.store, state: deps.state, clock: deps.clock, policy: deps.config.health };
  const maxRequestBodySize = app.initialConfig.bodyLimit ?? 256 * 1024;
  const onerror = (err: Error): void => app.log.warn({ err }, 'mcp request failed');
  const handler = createMcpHandler((ctx) => createMcpwatchServer(read, ctx.authInfo ? 'all' : 'public'), {
    legacy: 'stateless',
    maxRequestBodySize,
    onerror,
  });
  const serve = toNodeHandler(handler, { maxRequestBodySize, onerror });
  app.addHook('onClose', () => handler.close());

  // This plugin's own context: the body stream is left for the SDK, which reads it under its own
  // bound and answers malformed JSON in JSON-RPC's words (-32700) instead of Fastify's 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    handler: async (request, reply) => {
      // Before authentication: a foreign page learns nothing, not even whether a token is valid.
      const origin = judgeOrigin(check, request.headers.origin, request.headers.host);
      if (!origin.ok) return reply.code(403).send({ jsonrpc: '2.0', error: { code: -32000, message: origin.message }, id: null });
      const access = await authenticate(request, deps);
      if (access.kind === 'invalid') {
        return reply
          .code(401)
          .header('www-authenticate', INVALID_TOKEN_CHALLENGE)
          .send({ jsonrpc: '2.0', error: { code: -32001, message: 'invalid bearer token: unknown, revoked or not "Bearer mcpw_…"' }, id: null });
      }
      const req = request.raw as IncomingMessage & { auth?: AuthInfo };
      // toNodeHandler passes req.auth on to the server factory as authInfo; never the token itself.
      if (access.kind === 'token') req.auth = { token: `api-token-${access.tokenId}`, clientId: `api-token-${access.tokenId}`, scopes: [] };
      // Headers other hooks already set (security headers, request id, rate-limit counts) would be
      // lost once the reply is hijacked; writeHead merges them with the SDK's own.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      await serve(req, reply.raw);
    },
  });
  return Promise.resolve();
}
