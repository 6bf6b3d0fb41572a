import type { Failure, Outcome } from '../../domain/failure-codes.ts';
import { judgeInitialize } from '../../domain/era-detection.ts';
import { failureForStatus, truncate } from '../../domain/http-status.ts';
import { parseBoundedJson } from '../../domain/bounded-json.ts';
import { findResponse, parseJsonRpcPayload, type JsonRpcId, type JsonRpcMessage } from '../../domain/jsonrpc.ts';
import { discardBody, header, readBody, sendRequest, SseReader } from '../http.ts';
import { finalFailure, type Attempt } from './attempt.ts';
import { interpretReply, type CallOutcome, type RpcChannel } from './channel.ts';
import { pathOf, type McpContext } from './context.ts';
import { awaitSseResponse, encodeRpc, type RpcReply } from './rpc.ts';
import { legacyFollowUp } from './session-steps.ts';
import { initializeParams } from './streamable.ts';

/**
 * The deprecated HTTP+SSE transport (2024-11-05): a GET opens the stream, whose first event
 * names the URL to POST to; answers arrive on the stream, not in the POST's reply.
 */
export async function trySse(ctx: McpContext): Promise<Attempt> {
  const opened = await ctx.phases.time('sse_open', () => openStream(ctx));
  if (!opened.ok) {
    if ('next' in opened) return { kind: 'next', fallback: opened.fallback };
    if (opened.code === 'AUTH_REQUIRED' || opened.code === 'AUTH_FAILED') return finalFailure(ctx, opened, null, opened.challenge);
    return { kind: 'final', failure: opened, era: opened.evidence ? 'sse' : null };
  }
  const { reader, endpoint } = opened;
  try {
    const channel = sseChannel(ctx, reader, endpoint);
    const init = await ctx.phases.time('initialize', () => channel.request('initialize', initializeParams()));
    const reply: RpcReply = {
      status: 200,
      headers: {},
      contentType: 'application/json',
      message: init.ok ? { kind: 'result', id: 1, result: init.result } : init.rpcError ? { kind: 'error', id: 1, error: init.rpcError } : undefined,
      problem: init.ok || init.rpcError ? undefined : init,
      snippet: '',
    };
    if (!init.ok && !init.rpcError) return { kind: 'final', failure: init, era: 'sse' };
    const verdict = judgeInitialize({ status: 200, message: reply.message, problem: reply.problem, hasCredentials: ctx.hasCredentials });
    if (verdict.kind !== 'streamable') {
      const failure: Failure =
        verdict.kind === 'modern'
          ? { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: 'the server refused initialize over HTTP+SSE' }
          : 'failure' in verdict
            ? verdict.failure
            : verdict.fallback;
      return { kind: 'final', failure, era: 'sse' };
    }
    return await legacyFollowUp(ctx, channel, verdict.facts, 'sse');
  } finally {
    reader.close();
  }
}

type Opened =
  | { ok: true; reader: SseReader; endpoint: URL }
  | ({ ok: false; next: true; fallback: Failure })
  | ({ ok: false; evidence: boolean; challenge?: string } & Failure);

async function openStream(ctx: McpContext): Promise<Opened> {
  const sent = await sendRequest(ctx.streamDispatcher(), { method: 'GET', path: pathOf(ctx.url), headers: { ...ctx.headers, accept: 'text/event-stream' } }, ctx.limits, ctx.deadline, ctx.responses);
  if (!sent.ok) return { ...sent, evidence: false };
  const { head } = sent;
  if (head.status < 200 || head.status >= 300) {
    await discardBody(head, ctx.limits, ctx.deadline);
    const failure = failureForStatus(head.status, { hasCredentials: ctx.hasCredentials, location: header(head.headers, 'location'), retryAfter: header(head.headers, 'retry-after') });
    const stops = ['AUTH_REQUIRED', 'AUTH_FAILED', 'AUTH_FORBIDDEN', 'HTTP_REDIRECT', 'HTTP_RATE_LIMITED'];
    if (failure && stops.includes(failure.code)) return { ok: false, evidence: false, ...failure, challenge: header(head.headers, 'www-authenticate') };
    return { ok: false, next: true, fallback: { code: failure?.code ?? 'NOT_MCP', detail: `GET (HTTP+SSE): ${failure?.detail ?? `HTTP ${head.status}`}` } };
  }
  if (head.contentType !== 'text/event-stream') {
    const body = await readBody(head, ctx.limits, ctx.deadline, 4096);
    const snippet = body.ok ? truncate(body.text.trim(), 80) : '';
    return { ok: false, next: true, fallback: { code: 'NOT_MCP', detail: `GET (HTTP+SSE) answered ${head.contentType || 'untyped'}, not an event stream${snippet ? `: ${snippet}` : ''}` } };
  }
  const streamCap = ctx.tools.enabled ? Math.max(ctx.limits.maxBodyBytes, ctx.tools.maxBytes) : ctx.limits.maxBodyBytes;
  const reader = new SseReader(head, { ...ctx.limits, maxBodyBytes: streamCap });
  const endpoint = await awaitEndpoint(ctx, reader);
  if (!endpoint.ok) {
    reader.close();
    return { ...endpoint, evidence: true };
  }
  return { ok: true, reader, endpoint: endpoint.url };
}

async function awaitEndpoint(ctx: McpContext, reader: SseReader): Promise<Outcome<{ url: URL }>> {
  const until = ctx.deadline.clock() + ctx.limits.sseEventMs;
  for (;;) {
    const next = await reader.next(ctx.deadline, Math.max(0, until - ctx.deadline.clock()));
    if (!next.ok) {
      if (next.code === 'SSE_TIMEOUT') return { ok: false, code: 'SSE_ENDPOINT_MISSING', detail: `no endpoint event within ${ctx.limits.sseEventMs} ms of opening the event stream` };
      return next;
    }
    if (next.event === null) return { ok: false, code: 'SSE_ENDPOINT_MISSING', detail: 'the event stream ended without an endpoint event' };
    if (next.event.event !== 'endpoint') continue;
    let url: URL;
    try {
      url = new URL(next.event.data.trim(), ctx.url);
    } catch {
      return { ok: false, code: 'SSE_ENDPOINT_MISSING', detail: `the endpoint event is not a URL: ${truncate(next.event.data, 80)}` };
    }
    // The POST URL comes from the server: following it elsewhere would let any server aim the
    // monitor (and its credentials) at another host. Same origin means the same vetted address.
    if (url.origin !== ctx.url.origin) {
      return { ok: false, code: 'SSE_ENDPOINT_CROSS_ORIGIN', detail: `the endpoint event points to another origin (${truncate(url.origin, 80)})` };
    }
    return { ok: true, url };
  }
}

/** POSTs go to the endpoint URL; their answers are read back from the one GET stream. */
function sseChannel(ctx: McpContext, reader: SseReader, endpoint: URL): RpcChannel {
  let nextId = 1;
  const post = async (id: JsonRpcId | null, method: string, params?: Record<string, unknown>): Promise<Outcome<{ inline: JsonRpcMessage | undefined; status: number }>> => {
    const sent = await sendRequest(
      ctx.dispatcher,
      { method: 'POST', path: pathOf(endpoint), headers: { ...ctx.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: encodeRpc({ id, method, ...(params ? { params } : {}) }) },
      ctx.limits,
      ctx.deadline,
      ctx.responses,
    );
    if (!sent.ok) return sent;
    const body = await readBody(sent.head, ctx.limits, ctx.deadline, 64 * 1024);
    if (!body.ok) return body;
    const status = sent.head.status;
    if (status < 200 || status >= 300) {
      const failure = failureForStatus(status, { hasCredentials: ctx.hasCredentials }) ?? { code: 'HTTP_4XX' as const, detail: `HTTP ${status}` };
      return { ok: false, code: status === 404 || status === 400 ? 'SESSION_REJECTED' : failure.code, detail: `POST ${method} to the SSE message endpoint: ${failure.detail}${body.text ? ` (${truncate(body.text, 80)})` : ''}` };
    }
    // Some servers answer inline although the transport says "on the stream"; accept either.
    let inline: JsonRpcMessage | undefined;
    if (id !== null && body.text.trim().startsWith('{')) {
      const parsed = parseBoundedJson(body.text);
      inline = parsed.ok ? findResponse(parseJsonRpcPayload(parsed.value) ?? [], id) : undefined;
    }
    return { ok: true, inline, status };
  };
  return {
    async request(method, params) {
      const id = nextId++;
      const posted = await post(id, method, params);
      if (!posted.ok) return posted;
      let message = posted.inline;
      if (message === undefined) {
        const found = await awaitSseResponse(reader, ctx, id);
        if (!found.ok) return found;
        message = found.message;
      }
      const reply: RpcReply = { status: 200, headers: {}, contentType: 'application/json', message, problem: undefined, snippet: '' };
      return interpretReply(reply, method, ctx, false) satisfies CallOutcome;
    },
    async notify(method) {
      const posted = await post(null, method);
      return posted.ok ? { ok: true } : posted;
    },
  };
}
