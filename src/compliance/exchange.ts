// The few kinds of request the checks send, over the probe's own HTTP client (vetted address,
// byte caps, deadlines): a JSON-RPC POST read like the probe reads one, and a bare GET/DELETE
// whose body is never read (a GET may open an endless event stream).
import type { IncomingHttpHeaders } from 'node:http';
import type { Outcome } from '../domain/failure-codes.ts';
import type { JsonRpcErrorObject } from '../domain/jsonrpc.ts';
import { dropBody, header, sendRequest } from '../probe/http.ts';
import { pathOf, type McpContext } from '../probe/mcp/context.ts';
import { postRpc, type RpcReply } from '../probe/mcp/rpc.ts';

export { modernHeaders, modernMeta } from '../probe/mcp/modern.ts';

let nextId = 9000;

/** One JSON-RPC request (or notification, id null); transport failures come back as a failed Outcome. */
export function rpc(
  ctx: McpContext,
  method: string,
  params: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
  options: { notification?: boolean } = {},
): Promise<Outcome<{ reply: RpcReply }>> {
  const id = options.notification === true ? null : nextId++;
  return postRpc(ctx, { id, method, ...(params !== undefined ? { params } : {}), headers });
}

export interface BareReply {
  readonly status: number;
  readonly contentType: string;
  readonly headers: IncomingHttpHeaders;
}

/** A GET or DELETE on the MCP endpoint; only the head is read. */
export async function bare(ctx: McpContext, method: 'GET' | 'DELETE', headers: Record<string, string>): Promise<Outcome<{ reply: BareReply }>> {
  const sent = await sendRequest(ctx.dispatcher, { method, path: pathOf(ctx.url), headers: { ...ctx.headers, ...headers } }, ctx.limits, ctx.deadline);
  if (!sent.ok) return sent;
  dropBody(sent.head.body);
  return { ok: true, reply: { status: sent.head.status, contentType: sent.head.contentType, headers: sent.head.headers } };
}

export function rpcError(reply: RpcReply): JsonRpcErrorObject | undefined {
  return reply.message?.kind === 'error' ? reply.message.error : undefined;
}

export function rpcResult(reply: RpcReply): unknown {
  return reply.message?.kind === 'result' ? reply.message.result : undefined;
}

/** "HTTP 400, JSON-RPC -32020" — what came back, for evidence. */
export function describeReply(reply: { status: number; message?: RpcReply['message']; contentType?: string }): string {
  const error = reply.message?.kind === 'error' ? `, JSON-RPC ${reply.message.error.code}` : reply.message?.kind === 'result' ? ', a result' : '';
  return `HTTP ${reply.status}${error}`;
}

export { header };
