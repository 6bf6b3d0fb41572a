// Requests whose answers several checks read (the discover result, one 2025 session, the answer
// to an unauthenticated request, the authorization metadata): each made once per run, on first
// use, under the deadline of the check that first needs it.
import type { Outcome } from '../domain/failure-codes.ts';
import { LATEST_LEGACY, LATEST_MODERN } from '../domain/protocol-versions.ts';
import type { McpContext } from '../probe/mcp/context.ts';
import type { RpcReply } from '../probe/mcp/rpc.ts';
import { initializeParams } from '../probe/mcp/streamable.ts';
import { header, modernHeaders, modernMeta, rpc } from './exchange.ts';
import { fetchMetadata, type FetchedJson, type MetadataFetcher } from './metadata.ts';

export interface LegacySession {
  readonly initialize: RpcReply;
  readonly sessionId: string | undefined;
  readonly protocolVersion: string;
  /** The reply to notifications/initialized; null when initialize itself failed. */
  readonly initialized: { readonly status: number; readonly bodyless: boolean; readonly contentType: string } | null;
}

export interface Observations {
  discover(ctx: McpContext, version: string): Promise<Outcome<{ reply: RpcReply }>>;
  legacySession(ctx: McpContext): Promise<Outcome<{ session: LegacySession }>>;
  /** A request without the endpoint's credentials, to see whether (and how) it asks for them. */
  unauthenticated(ctx: McpContext): Promise<Outcome<{ reply: RpcReply }>>;
  json(ctx: McpContext, url: URL): Promise<Outcome<{ doc: FetchedJson }>>;
}

function once<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let memo: Promise<T> | undefined;
  return (...args) => (memo ??= fn(...args));
}

export function observations(fetcher: MetadataFetcher): Observations {
  const documents = new Map<string, Promise<Outcome<{ doc: FetchedJson }>>>();
  return {
    discover: once((ctx, version) => rpc(ctx, 'server/discover', { _meta: modernMeta(version) }, modernHeaders(version, 'server/discover'))),
    legacySession: once(async (ctx) => {
      const init = await rpc(ctx, 'initialize', initializeParams());
      if (!init.ok) return init;
      const result = init.reply.message?.kind === 'result' ? init.reply.message.result : undefined;
      const version = typeof (result as { protocolVersion?: unknown } | undefined)?.protocolVersion === 'string' ? (result as { protocolVersion: string }).protocolVersion : LATEST_LEGACY;
      const sessionId = header(init.reply.headers, 'mcp-session-id');
      if (result === undefined) return { ok: true, session: { initialize: init.reply, sessionId, protocolVersion: version, initialized: null } };
      const headers: Record<string, string> = { 'mcp-protocol-version': version, ...(sessionId !== undefined ? { 'mcp-session-id': sessionId } : {}) };
      const note = await rpc(ctx, 'notifications/initialized', undefined, headers, { notification: true });
      if (!note.ok) return note;
      const initialized = { status: note.reply.status, bodyless: note.reply.snippet === '' && note.reply.message === undefined, contentType: note.reply.contentType };
      return { ok: true, session: { initialize: init.reply, sessionId, protocolVersion: version, initialized } };
    }),
    unauthenticated: once((ctx) => {
      // Only what identifies us: no configured header, no token.
      const bare: McpContext = { ...ctx, headers: { 'user-agent': ctx.headers['user-agent'] ?? 'mcpwatch' } };
      return rpc(bare, 'server/discover', { _meta: modernMeta(LATEST_MODERN) }, modernHeaders(LATEST_MODERN, 'server/discover'));
    }),
    json(ctx, url) {
      let pending = documents.get(url.href);
      if (!pending) {
        pending = fetchMetadata(fetcher, ctx, url);
        documents.set(url.href, pending);
      }
      return pending;
    },
  };
}

