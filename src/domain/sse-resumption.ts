// SSE polling (SEP-1699, revision 2025-11-25): a server may close a response stream after an
// event carrying an `id` (and usually `retry`) and before the response; the client reconnects
// with GET + Last-Event-ID after `retry` ms and gets the response there. This module decides
// whether and when to reconnect; probe/mcp/sse-polling.ts does the waiting and the GET.
import type { Failure } from './failure-codes.ts';
import { truncate } from './http-status.ts';

/**
 * Reconnects allowed per request. A polling server answers on the first or second reconnect
 * (the SDKs' own limit is 2 retries); more than a few closes in a row is a server that never
 * answers, and each costs a whole `retry` wait of the probe's budget.
 */
export const MAX_RECONNECTS = 3;

/**
 * The wait when the server sent no `retry:` field. The SSE standard leaves the initial
 * reconnection time to the client ("a few seconds"); the MCP TypeScript SDK waits 1000 ms
 * before its first reconnect, so a server tuned against it sees the same delay from us.
 */
export const DEFAULT_RETRY_MS = 1000;

const MAX_EVENT_ID_CHARS = 1024;
/** RFC 9110 field-value characters: visible ASCII, space, tab, obs-text. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What the stream that just ended left behind. */
export interface StreamEnd {
  /** The last event id seen on any stream of this request, or undefined if none carried one. */
  readonly lastEventId: string | undefined;
  /** The last `retry:` seen on any stream of this request. */
  readonly retryMs: number | undefined;
  /** Reconnects already made for this request. */
  readonly reconnects: number;
  /** Time left for this response (the SSE wait and the probe's deadline, whichever ends first). */
  readonly leftMs: number;
  /** Names the request in details ("request 1"). */
  readonly request: string;
}

export type ReconnectPlan =
  | { readonly kind: 'reconnect'; readonly lastEventId: string; readonly delayMs: number }
  | { readonly kind: 'give-up'; readonly failure: Failure };

/** Pure: a response stream ended cleanly without our response; reconnect, or report why not. */
export function planReconnect(end: StreamEnd): ReconnectPlan {
  const giveUp = (detail: string): ReconnectPlan => ({ kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail } });
  // Without an id there is nothing to resume: a GET would open a new stream, on which the
  // server must not send responses (2025-11-25 §Listening for Messages).
  if (end.lastEventId === undefined || end.lastEventId === '') {
    return giveUp(
      end.reconnects === 0
        ? `the event stream ended without a response to ${end.request} (and without an event id to resume from)`
        : `the resumed event stream ended without a response to ${end.request} and without an event id to resume from`,
    );
  }
  // The id goes back in a header: a control character or a huge id cannot be sent (undici would
  // refuse it), and no honest server needs more than a cursor.
  if (end.lastEventId.length > MAX_EVENT_ID_CHARS || !HEADER_VALUE.test(end.lastEventId)) {
    return giveUp(`the event stream ended without a response to ${end.request}, and its event id cannot be sent back as Last-Event-ID`);
  }
  if (end.reconnects >= MAX_RECONNECTS) {
    return giveUp(
      `the server closed the event stream ${end.reconnects + 1} times without answering ${end.request} ` +
        `(last event id ${JSON.stringify(truncate(end.lastEventId, 60))}); gave up after ${MAX_RECONNECTS} reconnects`,
    );
  }
  const delayMs = end.retryMs ?? DEFAULT_RETRY_MS;
  // The client MUST wait `retry` ms (it may not reconnect sooner), so a wait that does not fit
  // in what is left can only end in a timeout: say so now instead of sleeping into it.
  if (delayMs >= end.leftMs) {
    return giveUp(
      `the server closed the event stream before answering ${end.request} and asked to reconnect after ${delayMs} ms, ` +
        `more than the ${Math.max(0, Math.floor(end.leftMs))} ms left`,
    );
  }
  return { kind: 'reconnect', lastEventId: end.lastEventId, delayMs };
}
