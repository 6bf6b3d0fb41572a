import type { Outcome } from '../../domain/failure-codes.ts';
import { failureForStatus } from '../../domain/http-status.ts';
import { describeRpcError, RPC, type JsonRpcErrorObject } from '../../domain/jsonrpc.ts';
import { postRpc, retryAfter, type RpcReply } from './rpc.ts';
import { header } from '../http.ts';
import type { McpContext } from './context.ts';

/** A failed call keeps the JSON-RPC error, so callers can tell "method not found" from a crash. */
export type CallOutcome = Outcome<{ result: unknown }> & { readonly rpcError?: JsonRpcErrorObject };

/** How requests travel after the handshake: the steps after it are the same in every era. */
export interface RpcChannel {
  request(method: string, params: Record<string, unknown> | undefined, options?: { maxBytes?: number }): Promise<CallOutcome>;
  notify(method: string): Promise<Outcome<object>>;
}

function sessionLost(error: JsonRpcErrorObject): boolean {
  return error.code === RPC.sessionNotFound || /session|not initiali[sz]ed/i.test(error.message);
}

/** Judges a reply to a request sent after the handshake. */
export function interpretReply(reply: RpcReply, method: string, ctx: McpContext, hasSession: boolean): CallOutcome {
  const { message } = reply;
  const success = reply.status >= 200 && reply.status < 300;
  if (message?.kind === 'error') {
    if (hasSession && (reply.status === 404 || sessionLost(message.error))) {
      return { ok: false, code: 'SESSION_REJECTED', detail: `${method}: the server no longer knows the session it issued (${describeRpcError(message.error)})`, rpcError: message.error };
    }
    if (!success && message.error.code !== RPC.methodNotFound) {
      const status = failureForStatus(reply.status, { hasCredentials: ctx.hasCredentials, retryAfter: retryAfter(reply.headers) });
      if (status && status.code !== 'HTTP_4XX' && status.code !== 'HTTP_NOT_FOUND') return { ok: false, ...status, rpcError: message.error };
    }
    return { ok: false, code: 'JSONRPC_ERROR', detail: `${method} failed: ${describeRpcError(message.error)}`, rpcError: message.error };
  }
  if (!success) {
    if (hasSession && reply.status === 404) {
      return { ok: false, code: 'SESSION_REJECTED', detail: `${method}: HTTP 404 for the session the server issued` };
    }
    const status = failureForStatus(reply.status, { hasCredentials: ctx.hasCredentials, location: header(reply.headers, 'location'), retryAfter: retryAfter(reply.headers) });
    return { ok: false, ...(status ?? { code: 'HTTP_4XX', detail: `HTTP ${reply.status}` }) };
  }
  if (reply.problem) return { ok: false, ...reply.problem };
  if (message?.kind === 'result') return { ok: true, result: message.result };
  return { ok: false, code: 'INVALID_JSONRPC', detail: `${method}: no JSON-RPC response` };
}

/** Streamable HTTP after the handshake: every message is its own POST. */
export function streamableChannel(ctx: McpContext, extraHeaders: () => Record<string, string>, hasSession: boolean): RpcChannel {
  let nextId = 2;
  return {
    async request(method, params, options) {
      const id = nextId++;
      const sent = await postRpc(ctx, { id, method, ...(params ? { params } : {}), headers: extraHeaders(), ...options });
      if (!sent.ok) return sent;
      return interpretReply(sent.reply, method, ctx, hasSession);
    },
    async notify(method) {
      const sent = await postRpc(ctx, { id: null, method, headers: extraHeaders() });
      if (!sent.ok) return sent;
      // 202 is what the spec says; any 2xx is accepted because some servers answer 200 or 204.
      if (sent.reply.status >= 200 && sent.reply.status < 300) return { ok: true };
      return interpretReply(sent.reply, method, ctx, hasSession);
    },
  };
}

