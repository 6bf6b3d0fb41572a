import { setTimeout as sleep } from 'node:timers/promises';
import type { Failure, Outcome } from '../../domain/failure-codes.ts';
import { failureForStatus, truncate } from '../../domain/http-status.ts';
import type { ReconnectPlan } from '../../domain/sse-resumption.ts';
import { classifyError } from '../classify.ts';
import { discardBody, header, sendRequest, type ResponseHead } from '../http.ts';
import { pathOf, type McpContext } from './context.ts';

type Reconnect = Extract<ReconnectPlan, { kind: 'reconnect' }>;

/** Request headers a resumed stream keeps: the session and the revision, not the body's method. */
const CARRIED = ['mcp-session-id', 'mcp-protocol-version'];

/**
 * The headers of the reconnecting GET: the operator's, the session (taken from the POST's reply
 * when the request was initialize, which is where the server issued it) and the revision.
 */
export function resumeHeaders(ctx: McpContext, sent: Readonly<Record<string, string>> | undefined, postHead: ResponseHead, lastEventId: string): Record<string, string> {
  const headers: Record<string, string> = { ...ctx.headers, accept: 'text/event-stream', 'last-event-id': lastEventId };
  for (const [name, value] of Object.entries(sent ?? {})) {
    if (CARRIED.includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  const issued = header(postHead.headers, 'mcp-session-id');
  if (headers['mcp-session-id'] === undefined && issued !== undefined) headers['mcp-session-id'] = issued;
  return headers;
}

/**
 * Waits the server's `retry` and reopens the stream with GET + Last-Event-ID (SEP-1699) at the URL
 * the POST went to. Anything
 * but an event stream back means the server cannot resume; auth, rate limits and 5xx keep their
 * own codes, everything else is "no response" with the status in the detail.
 */
export async function reopenStream(ctx: McpContext, plan: Reconnect, headers: Record<string, string>, target: URL): Promise<Outcome<{ head: ResponseHead }>> {
  try {
    // The deadline's own signal: a cancelled or expired probe does not sit out the wait.
    await sleep(plan.delayMs, undefined, { signal: ctx.deadline.signal });
  } catch (err) {
    return { ok: false, ...classifyError(ctx.deadline.signal.reason ?? err, 'body') };
  }
  const sent = await sendRequest(ctx.dispatcher, { method: 'GET', path: pathOf(target), headers }, ctx.limits, ctx.deadline);
  if (!sent.ok) return sent;
  const { head } = sent;
  if (head.status >= 200 && head.status < 300 && head.contentType === 'text/event-stream') return { ok: true, head };
  await discardBody(head, ctx.limits, ctx.deadline);
  const status = failureForStatus(head.status, { hasCredentials: ctx.hasCredentials, retryAfter: header(head.headers, 'retry-after') });
  const own = ['AUTH_REQUIRED', 'AUTH_FAILED', 'AUTH_FORBIDDEN', 'HTTP_RATE_LIMITED', 'HTTP_5XX'];
  if (status && own.includes(status.code)) return { ok: false, code: status.code, detail: `resuming the event stream: ${status.detail}` };
  const answered = status ? `HTTP ${head.status}` : `${head.contentType || 'an untyped body'}, not an event stream`;
  const failure: Failure = {
    code: 'SSE_NO_RESPONSE',
    detail: `the server closed the event stream before the response and answered the reconnecting GET (Last-Event-ID ${JSON.stringify(truncate(plan.lastEventId, 60))}) with ${answered}`,
  };
  return { ok: false, ...failure };
}
