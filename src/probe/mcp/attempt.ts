import type { Failure } from '../../domain/failure-codes.ts';
import type { AuthFacts, Era, ServerFacts, ToolsFacts, Warning } from '../../domain/probe-result.ts';
import { header } from '../http.ts';
import type { McpContext } from './context.ts';
import type { RpcReply } from './rpc.ts';
import type { ReplySummary } from '../../domain/era-detection.ts';

export interface Handshake {
  readonly era: Era;
  readonly transport: 'streamable-http' | 'sse';
  readonly protocolVersion: string;
  readonly supportedVersions: readonly string[];
  readonly capabilities: Record<string, unknown>;
  readonly server: ServerFacts | null;
  readonly tools: ToolsFacts | null;
  /** A step after a good handshake that failed (tools/list): the server is degraded, not down. */
  readonly followUpFailure: Failure | null;
  readonly warnings: readonly Warning[];
}

/** One era's try: it spoke, it spoke and failed (final), or it showed no sign of this era (next). */
export type Attempt =
  | { readonly kind: 'ok'; readonly handshake: Handshake }
  | { readonly kind: 'final'; readonly failure: Failure; readonly era: Era | null; readonly auth?: AuthFacts }
  | { readonly kind: 'next'; readonly fallback: Failure };

export function summarize(reply: RpcReply, ctx: McpContext): ReplySummary {
  return {
    status: reply.status,
    message: reply.message,
    problem: reply.problem,
    hasCredentials: ctx.hasCredentials,
    location: header(reply.headers, 'location'),
    retryAfter: header(reply.headers, 'retry-after'),
  };
}

/** A final failure; a 401 without credentials also gathers the challenge and RFC 9728 metadata. */
export async function finalFailure(ctx: McpContext, failure: Failure, era: Era | null, challenge?: string): Promise<Attempt> {
  if (failure.code !== 'AUTH_REQUIRED' && failure.code !== 'AUTH_FAILED') return { kind: 'final', failure, era };
  const auth = await ctx.phases.time('auth_metadata', async () => {
    const facts = await ctx.describeAuth(challenge);
    return { ok: facts.metadataError === null, facts };
  });
  return { kind: 'final', failure, era, auth: auth.facts };
}

export function wwwAuthenticate(reply: RpcReply | { headers: RpcReply['headers'] }): string | undefined {
  return header(reply.headers, 'www-authenticate');
}
