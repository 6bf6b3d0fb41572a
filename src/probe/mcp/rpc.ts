import type { IncomingHttpHeaders } from 'node:http';
import type { Failure, Outcome } from '../../domain/failure-codes.ts';
import { parseBoundedJson } from '../../domain/bounded-json.ts';
import { looksBinary } from '../../domain/detail.ts';
import { truncate } from '../../domain/http-status.ts';
import { findResponse, findUnmatchedError, parseJsonRpcPayload, type JsonRpcId, type JsonRpcMessage } from '../../domain/jsonrpc.ts';
import { dropBody, header, readBody, sendRequest, SseReader, type ResponseHead } from '../http.ts';
import { planReconnect } from '../../domain/sse-resumption.ts';
import { pathOf, type McpContext } from './context.ts';
import { reopenStream, resumeHeaders } from './sse-polling.ts';

/** What came back for one JSON-RPC POST, before any era decides what it means. */
export interface RpcReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly contentType: string;
  /** The response matched to our id (or an id-less error sent before the server read our id). */
  readonly message: JsonRpcMessage | undefined;
  /** A content problem (bad JSON, wrong media type, stream without our response). */
  readonly problem: Failure | undefined;
  readonly snippet: string;
}

export interface RpcRequest {
  readonly id: JsonRpcId | null; // null for a notification
  readonly method: string;
  readonly params?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** Byte cap for this reply (list calls get more than the handshake). */
  readonly maxBytes?: number;
}

export function encodeRpc(request: RpcRequest): string {
  const message: Record<string, unknown> = { jsonrpc: '2.0' };
  if (request.id !== null) message.id = request.id;
  message.method = request.method;
  if (request.params !== undefined) message.params = request.params;
  return JSON.stringify(message);
}

/**
 * POSTs one message to a Streamable HTTP endpoint and reads the reply, JSON or SSE, under the
 * limits. Transport failures (timeouts, resets, oversize) end the probe and come back as a
 * failed Outcome; anything about the content is left in `problem` for the era logic to judge.
 */
export async function postRpc(ctx: McpContext, request: RpcRequest, target: URL = ctx.url): Promise<Outcome<{ reply: RpcReply }>> {
  const sent = await sendRequest(
    ctx.dispatcher,
    {
      method: 'POST',
      path: pathOf(target),
      headers: {
        ...ctx.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...request.headers,
      },
      body: encodeRpc(request),
    },
    ctx.limits,
    ctx.deadline,
    ctx.responses,
  );
  if (!sent.ok) return sent;
  return readReply(ctx, sent.head, request, target);
}

async function readReply(ctx: McpContext, head: ResponseHead, request: RpcRequest, target: URL): Promise<Outcome<{ reply: RpcReply }>> {
  const base = { status: head.status, headers: head.headers, contentType: head.contentType };
  const maxBytes = request.maxBytes ?? ctx.limits.maxBodyBytes;
  const success = head.status >= 200 && head.status < 300;
  if (success && head.contentType === 'text/event-stream') {
    if (request.id === null) {
      dropBody(head.body);
      return { ok: true, reply: { ...base, message: undefined, problem: undefined, snippet: '' } };
    }
    const found = await readSseReply(ctx, head, request, request.id, maxBytes, target);
    if (!found.ok && !isContentProblem(found.code)) return found;
    return {
      ok: true,
      reply: { ...base, message: found.ok ? found.message : undefined, problem: found.ok ? undefined : found, snippet: '' },
    };
  }
  // Error bodies are read with a small cap: they only ever carry a JSON-RPC error or a page.
  const body = await readBody(head, ctx.limits, ctx.deadline, success ? maxBytes : Math.min(maxBytes, 64 * 1024));
  if (!body.ok) return body;
  const snippet = bodySnippet(body.text, body.bytes, head.headers, 200);
  if (body.text.trim() === '') return { ok: true, reply: { ...base, message: undefined, problem: success && request.id !== null ? emptyBody(head) : undefined, snippet } };
  const parsed = parseMessages(body.text);
  const looksJson = head.contentType === 'application/json' || head.contentType.endsWith('+json');
  if (parsed === 'invalid-json') {
    const problem: Failure | undefined = !success
      ? undefined
      : looksJson
        ? { code: 'INVALID_JSON', detail: `the reply to ${request.method} is not valid JSON: ${snippet}` }
        : { code: 'UNEXPECTED_CONTENT_TYPE', detail: `the reply to ${request.method} is ${head.contentType || 'untyped'}, not JSON or SSE: ${snippet}` };
    return { ok: true, reply: { ...base, message: undefined, problem, snippet } };
  }
  if (typeof parsed === 'object' && 'beyond' in parsed) {
    const problem: Failure | undefined = success ? { code: 'INVALID_JSON', detail: `the reply to ${request.method} ${parsed.beyond}; mcpwatch reads no further` } : undefined;
    return { ok: true, reply: { ...base, message: undefined, problem, snippet: '' } };
  }
  if (parsed === 'not-jsonrpc') {
    const problem: Failure | undefined = success ? { code: 'INVALID_JSONRPC', detail: `the reply to ${request.method} is JSON but not JSON-RPC: ${snippet}` } : undefined;
    return { ok: true, reply: { ...base, message: undefined, problem, snippet } };
  }
  const message = request.id === null ? undefined : (findResponse(parsed, request.id) ?? findUnmatchedError(parsed));
  const problem: Failure | undefined =
    success && request.id !== null && message === undefined
      ? { code: 'INVALID_JSONRPC', detail: `the reply to ${request.method} does not answer request id ${String(request.id)}` }
      : undefined;
  return { ok: true, reply: { ...base, message, problem, snippet } };
}

/**
 * Reads a response stream to our response, following it across server-side closes: a stream
 * that ends cleanly after an event id is resumed with GET + Last-Event-ID after the server's
 * `retry` (SEP-1699), each reconnect a row of the waterfall. The whole search shares one SSE
 * deadline, one byte cap and one event cap, so reconnects cannot stretch any of them.
 */
async function readSseReply(ctx: McpContext, head: ResponseHead, request: RpcRequest, id: JsonRpcId, maxBytes: number, target: URL): Promise<Outcome<{ message: JsonRpcMessage }>> {
  const deadlineAt = ctx.deadline.clock() + ctx.limits.sseEventMs;
  let reader = new SseReader(head, { ...ctx.limits, maxBodyBytes: maxBytes });
  let bytes = 0;
  let events = 0;
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  for (let reconnects = 0; ; reconnects++) {
    const found = await awaitSseResponse(reader, ctx, id, deadlineAt);
    if (found.ok) {
      await reader.finish(ctx.deadline, 250);
      return found;
    }
    reader.close();
    if (found.code !== 'SSE_NO_RESPONSE' || !reader.ended) return found;
    bytes += reader.bytesRead;
    events += reader.eventsRead;
    lastEventId = reader.lastEventId ?? lastEventId;
    retryMs = reader.retryMs ?? retryMs;
    const leftMs = Math.min(deadlineAt - ctx.deadline.clock(), ctx.deadline.remaining());
    const plan = planReconnect({ lastEventId, retryMs, reconnects, leftMs, request: `request ${String(id)}` });
    if (plan.kind === 'give-up') return { ok: false, ...plan.failure };
    const headers = resumeHeaders(ctx, request.headers, head, plan.lastEventId);
    const reopened = await ctx.phases.time('reconnect', () => reopenStream(ctx, plan, headers, target));
    if (!reopened.ok) return reopened;
    reader = new SseReader(reopened.head, { ...ctx.limits, maxBodyBytes: Math.max(0, maxBytes - bytes), maxSseEvents: Math.max(0, ctx.limits.maxSseEvents - events) });
  }
}

function emptyBody(head: ResponseHead): Failure {
  return head.status === 202
    ? { code: 'NOT_MCP', detail: 'the server accepted a request with 202 and no response (an HTTP+SSE message endpoint?)' }
    : { code: 'INVALID_JSONRPC', detail: `HTTP ${head.status} with an empty body to a request` };
}

/**
 * What to quote of a body in a detail: the text, or what it is when it is not text (a gzip bomb
 * sent without being asked for decoded to raw compressed bytes in the stored detail).
 */
export function bodySnippet(text: string, bytes: number, headers: IncomingHttpHeaders, max: number): string {
  const encoding = header(headers, 'content-encoding');
  const encoded = encoding !== undefined && encoding.trim().toLowerCase() !== 'identity';
  if (encoded || looksBinary(text)) {
    return `${bytes} bytes of binary data${encoded ? ` (Content-Encoding: ${truncate(encoding, 40)}, which mcpwatch does not ask for)` : ''}`;
  }
  return truncate(text.trim(), max);
}

/** A reply beyond the JSON bounds says how (`beyond`); nothing downstream ever sees its value. */
type ParsedMessages = JsonRpcMessage[] | 'invalid-json' | 'not-jsonrpc' | { readonly beyond: string };

function parseMessages(text: string): ParsedMessages {
  const parsed = parseBoundedJson(text);
  if (!parsed.ok) return parsed.reason === 'syntax' ? 'invalid-json' : { beyond: parsed.detail };
  return parseJsonRpcPayload(parsed.value) ?? 'not-jsonrpc';
}

const CONTENT_PROBLEMS = new Set(['SSE_NO_RESPONSE', 'INVALID_JSON', 'INVALID_JSONRPC']);

function isContentProblem(code: string): boolean {
  return CONTENT_PROBLEMS.has(code);
}

/**
 * Reads events until the one answering `id`. Priming events (empty data, 2025-11-25) and
 * server notifications are skipped; the whole search shares one SSE deadline.
 */
export async function awaitSseResponse(
  reader: SseReader,
  ctx: McpContext,
  id: JsonRpcId,
  deadlineAt = ctx.deadline.clock() + ctx.limits.sseEventMs,
): Promise<Outcome<{ message: JsonRpcMessage }>> {
  let sawInvalid: string | undefined;
  for (;;) {
      const left = Math.max(0, deadlineAt - ctx.deadline.clock());
      const next = await reader.next(ctx.deadline, left);
      if (!next.ok) {
        if (next.code === 'SSE_TIMEOUT') return { ok: false, code: 'SSE_TIMEOUT', detail: `no response to request ${String(id)} on the event stream within ${ctx.limits.sseEventMs} ms` };
        return next;
      }
      if (next.event === null) {
        return sawInvalid !== undefined
          ? { ok: false, code: 'INVALID_JSON', detail: `the event stream carried invalid JSON: ${sawInvalid}` }
          : { ok: false, code: 'SSE_NO_RESPONSE', detail: `the event stream ended without a response to request ${String(id)}` };
      }
      const data = next.event.data.trim();
      if (data === '' || (next.event.event !== undefined && next.event.event !== 'message')) continue;
      const parsed = parseMessages(data);
      if (parsed === 'invalid-json') {
        sawInvalid ??= truncate(data, 120);
        continue;
      }
      if (typeof parsed === 'object' && 'beyond' in parsed) {
        sawInvalid ??= `an event ${parsed.beyond}`;
        continue;
      }
      if (parsed === 'not-jsonrpc') continue;
      const message = findResponse(parsed, id) ?? findUnmatchedError(parsed);
      if (message !== undefined) return { ok: true, message };
  }
}

export function retryAfter(headers: IncomingHttpHeaders): string | undefined {
  return header(headers, 'retry-after');
}
