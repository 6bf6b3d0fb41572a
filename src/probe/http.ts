import type { IncomingHttpHeaders } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { Failure, Outcome } from '../domain/failure-codes.ts';
import type { HttpFacts } from '../domain/probe-result.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';

export interface Limits {
  readonly ttfbMs: number;
  readonly bodyMs: number;
  readonly sseEventMs: number;
  readonly maxBodyBytes: number;
  readonly maxSseEvents: number;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface ResponseHead {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly contentType: string;
  readonly body: Dispatcher.ResponseData['body'];
}

/**
 * Drops a body we will not read. undici's body stream reports being destroyed before its end as
 * an 'error' event ("Request aborted"); with no listener that is an uncaught exception, depending
 * on whether the end had already arrived. Dropping it is the point, so the error is swallowed.
 */
export function dropBody(body: ResponseHead['body']): void {
  if (body.destroyed) return;
  body.on('error', () => undefined);
  body.destroy();
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function mediaType(headers: IncomingHttpHeaders): string {
  return (header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The HTTP version of every response the probe reads. The probe's clients are undici's HTTP/1.1
 * client (no allowH2) behind ALPN "http/1.1", and undici does not report a status line's version:
 * an HTTP/1.0 reply (which undici accepts) would also read as 1.1.
 */
export const PROBE_HTTP_VERSION = '1.1';

/** Collects the facts of the responses handed to it (see HttpFacts for which ones are). */
export class ResponseLog {
  #lastStatus: number | null = null;
  #responses = 0;
  #headWaitMs = 0;

  saw(status: number, headWaitMs: number): void {
    this.#lastStatus = status;
    this.#responses += 1;
    this.#headWaitMs += headWaitMs;
  }

  get facts(): HttpFacts | null {
    if (this.#lastStatus === null) return null;
    return { lastStatus: this.#lastStatus, version: PROBE_HTTP_VERSION, responses: this.#responses, headWaitMs: Math.round(this.#headWaitMs * 100) / 100 };
  }
}

/**
 * Sends a request and waits for the response head (TTFB). The body is the caller's to read or drop.
 * `log`, when given, records the response's status and the wait for its head.
 */
export async function sendRequest(
  dispatcher: Dispatcher,
  request: HttpRequest,
  limits: Limits,
  deadline: Deadline,
  log?: ResponseLog,
): Promise<Outcome<{ head: ResponseHead }>> {
  const sentAt = deadline.clock();
  try {
    const response = await deadline.wait(limits.ttfbMs, 'HTTP_TTFB_TIMEOUT', (scope) =>
      dispatcher.request({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
        // A timed-out request must leave the connection: the probe may go on with another.
        signal: scope.signal,
        // Our own timers bound every wait; undici's would race them with other codes.
        headersTimeout: 0,
        bodyTimeout: 0,
      }),
    );
    const head: ResponseHead = {
      status: response.statusCode,
      headers: response.headers,
      contentType: mediaType(response.headers),
      body: response.body,
    };
    log?.saw(head.status, deadline.clock() - sentAt);
    return { ok: true, head };
  } catch (err) {
    return { ok: false, ...classifyError(err, 'http') };
  }
}

/** Reads a whole body under a byte cap and a total-time deadline (a slowloris body cannot stretch it). */
export async function readBody(head: ResponseHead, limits: Limits, deadline: Deadline, maxBytes = limits.maxBodyBytes): Promise<Outcome<{ text: string; bytes: number }>> {
  const declared = Number(header(head.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    dropBody(head.body);
    return { ok: false, code: 'BODY_TOO_LARGE', detail: `the server declared a ${declared}-byte body; the limit is ${maxBytes}` };
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    // A wait that ends early rejects; the catch below drops the body, which ends the loop.
    await deadline.wait(limits.bodyMs, 'BODY_TIMEOUT', async () => {
      for await (const chunk of head.body) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        if (bytes > maxBytes) throw new BodyTooLarge(maxBytes);
        chunks.push(buf);
      }
    });
  } catch (err) {
    dropBody(head.body);
    if (err instanceof BodyTooLarge) return { ok: false, code: 'BODY_TOO_LARGE', detail: `the body exceeded ${maxBytes} bytes` };
    const failure = classifyError(err, 'body');
    return { ok: false, ...failure };
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8'), bytes };
}

/** Drains at most a little of an unwanted body so the connection can be reused, else drops it. */
export async function discardBody(head: ResponseHead, limits: Limits, deadline: Deadline): Promise<void> {
  const result = await readBody(head, { ...limits, bodyMs: Math.min(limits.bodyMs, 1000) }, deadline, 64 * 1024);
  if (!result.ok) dropBody(head.body);
}

class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body exceeded ${limit} bytes`);
  }
}

export type SseNext = Outcome<{ event: EventSourceMessage | null /* null: the stream ended */ }>;

/**
 * Pull-based reader over an SSE body: the probe asks for the next event with a deadline, so a
 * server that streams forever, or never sends anything, is cut off by time, bytes or event count.
 */
export class SseReader {
  readonly #queue: EventSourceMessage[] = [];
  readonly #iterator: AsyncIterator<unknown>;
  readonly #decoder = new TextDecoder();
  readonly #parser;
  #bytes = 0;
  #events = 0;
  #ended = false;
  #pending: Promise<IteratorResult<unknown>> | undefined;
  #lastEventId: string | undefined;
  #retryMs: number | undefined;

  constructor(readonly head: ResponseHead, readonly limits: Limits) {
    this.#iterator = (head.body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    this.#parser = createParser({
      onEvent: (event) => {
        // The SSE "last event ID buffer": kept until another id field replaces it (even with "").
        if (event.id !== undefined) this.#lastEventId = event.id;
        this.#queue.push(event);
      },
      onRetry: (ms) => {
        this.#retryMs = ms;
      },
    });
  }

  get eventsRead(): number {
    return this.#events;
  }

  get bytesRead(): number {
    return this.#bytes;
  }

  /** True once the server ended the body cleanly (not on a reset, a timeout or a cap). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The id of the last event parsed that carried one, for Last-Event-ID (SEP-1699 resumption). */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** The last `retry:` field the server sent, in ms. */
  get retryMs(): number | undefined {
    return this.#retryMs;
  }

  /**
   * Waits for the next event. `ms` bounds this one wait; `code` is what running out means here
   * (SSE_TIMEOUT for a response, SSE_ENDPOINT_MISSING's caller decides its own).
   */
  async next(deadline: Deadline, ms: number): Promise<SseNext> {
    try {
      return await deadline.wait(ms, 'SSE_TIMEOUT', async (scope) => {
        for (;;) {
          const event = this.#queue.shift();
          if (event !== undefined) {
            this.#events += 1;
            if (this.#events > this.limits.maxSseEvents) {
              return { ok: false, code: 'SSE_NO_RESPONSE', detail: `no response within ${this.limits.maxSseEvents} SSE events` } as const;
            }
            return { ok: true, event } as const;
          }
          if (this.#ended) return { ok: true, event: null } as const;
          // A timed-out read stays pending; the next call must await the same one, not start another.
          this.#pending ??= this.#iterator.next();
          const chunk = await this.#pending;
          // This wait timed out while the read was pending: leave the chunk for the next call
          // instead of consuming it from an abandoned loop.
          if (scope.aborted) return { ok: false, code: 'SSE_TIMEOUT', detail: 'abandoned' } as const;
          this.#pending = undefined;
          if (chunk.done) {
            this.#ended = true;
            this.#parser.feed(this.#decoder.decode());
            this.#parser.feed('\n\n');
            continue;
          }
          const buf = chunk.value as Buffer;
          this.#bytes += buf.length;
          if (this.#bytes > this.limits.maxBodyBytes) {
            return { ok: false, code: 'BODY_TOO_LARGE', detail: `the event stream exceeded ${this.limits.maxBodyBytes} bytes` } as const;
          }
          this.#parser.feed(this.#decoder.decode(buf, { stream: true }));
        }
      });
    } catch (err) {
      const failure: Failure = classifyError(err, 'body');
      return { ok: false, ...failure };
    }
  }

  /**
   * After our response arrived, give the server a moment to end the stream (servers close a
   * POST's stream once it has answered): an ended body leaves the connection reusable, where
   * destroying it would cost the next request a fresh TCP and TLS handshake.
   */
  async finish(deadline: Deadline, graceMs: number): Promise<void> {
    const until = deadline.clock() + graceMs;
    while (!this.#ended) {
      const next = await this.next(deadline, Math.max(0, until - deadline.clock()));
      if (!next.ok) break;
    }
    this.close();
  }

  close(): void {
    if (!this.#ended) dropBody(this.head.body);
  }
}
