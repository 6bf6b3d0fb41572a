// SseReader and readBody against a real node:http server on 127.0.0.1, port 0. Each row scripts
// what the server writes and when; the reader under test sees real chunks through undici.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Failure } from '../../src/domain/failure-codes.ts';
import { Deadline } from '../../src/probe/deadline.ts';
import { readBody, sendRequest, SseReader, type Limits, type ResponseHead, type SseNext } from '../../src/probe/http.ts';

interface Step {
  /** Wait this long after the previous step. */
  readonly delayMs?: number;
  /**
   * Then wait until the reader under test has answered this many next() calls: for writes that
   * must reach it as separate chunks whatever the machine's load (25 ms apart, a loaded runner
   * fired both timers at once and the reader saw one chunk).
   */
  readonly afterCalls?: number;
  readonly write?: string | Buffer;
  readonly end?: true;
  /** Drop the connection without finishing the response. */
  readonly destroy?: true;
}

interface Script {
  readonly headers: OutgoingHttpHeaders;
  readonly steps: readonly Step[];
  /** The test's next() calls answered so far (for `afterCalls`). */
  readonly calls?: CallCount;
}

class CallCount {
  #count = 0;
  #waiters: { readonly n: number; readonly resolve: () => void }[] = [];

  answered(): void {
    this.#count++;
    this.#waiters = this.#waiters.filter((w) => (w.n <= this.#count ? (w.resolve(), false) : true));
  }

  reached(n: number): Promise<void> {
    return n <= this.#count ? Promise.resolve() : new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
}

const LIMITS: Limits = { ttfbMs: 2000, bodyMs: 2000, sseEventMs: 2000, maxBodyBytes: 1024 * 1024, maxSseEvents: 200 };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };
const GAP = 25; // ms between writes, so they leave as separate chunks

const scripts = new Map<string, Script>();
let server: Server;
let origin: string;

before(async () => {
  server = createServer((req, res) => {
    const script = scripts.get(req.url ?? '');
    if (script === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, script.headers);
    res.flushHeaders();
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    void (async () => {
      for (const step of script.steps) {
        if (step.delayMs !== undefined) await delay(step.delayMs, undefined, { signal: closed.signal });
        if (step.afterCalls !== undefined) await script.calls?.reached(step.afterCalls);
        if (closed.signal.aborted) return;
        if (step.write !== undefined) res.write(step.write);
        if (step.end) res.end();
        if (step.destroy) res.socket?.destroy();
      }
    })().catch(() => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Opens one scripted response and hands its head to `use`; everything is torn down after. */
async function withResponse<T>(path: string, script: Script, deadlineMs: number, use: (head: ResponseHead, deadline: Deadline) => Promise<T>): Promise<T> {
  scripts.set(path, script);
  const pool = new Pool(origin);
  const deadline = new Deadline(() => performance.now(), deadlineMs);
  try {
    const sent = await sendRequest(pool, { method: 'GET', path, headers: {} }, LIMITS, deadline);
    assert.ok(sent.ok, `request failed: ${sent.ok ? '' : sent.detail}`);
    return await use(sent.head, deadline);
  } finally {
    deadline.dispose();
    await pool.destroy();
    scripts.delete(path);
  }
}

type Seen = { readonly event?: string; readonly id?: string; readonly data: string } | 'end' | Failure;

function seen(next: SseNext): Seen {
  if (!next.ok) return { code: next.code, detail: next.detail };
  if (next.event === null) return 'end';
  const { event, id, data } = next.event;
  return { ...(event !== undefined ? { event } : {}), ...(id !== undefined ? { id } : {}), data };
}

interface SseCase {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly limits?: Partial<Limits>;
  readonly deadlineMs?: number;
  /** One next() per entry; `ms` is that call's wait (default 2000). */
  readonly calls: readonly { readonly ms?: number; readonly expected: Seen }[];
  readonly eventsRead: number;
  readonly todo?: string;
}

const INIT_RESULT = '{"result":{"protocolVersion":"2025-11-25","capabilities":{}},"jsonrpc":"2.0","id":1}';
const PARTY = Buffer.from('data: 🎉 ok\n\n');
const PARTY_SPLIT = PARTY.indexOf(Buffer.from('🎉')) + 2; // inside the emoji's four bytes

const SSE_CASES: readonly SseCase[] = [
  {
    name: 'events split across chunks with CRLF line endings',
    steps: [
      { write: 'event: endpoint\r\nda' },
      { delayMs: GAP, write: 'ta: /message?sessionId=98bb43bb\r\n\r\nevent: mes' },
      { delayMs: GAP, write: 'sage\r\ndata: {"result":{},"jsonrpc":"2.0","id":2}\r' },
      { delayMs: GAP, write: '\n\r\n', end: true },
    ],
    calls: [
      { expected: { event: 'endpoint', data: '/message?sessionId=98bb43bb' } },
      { expected: { event: 'message', data: '{"result":{},"jsonrpc":"2.0","id":2}' } },
      { expected: 'end' },
    ],
    eventsRead: 2,
  },
  {
    name: 'bare CR line endings',
    steps: [{ write: 'data: a\r\rdata: b\r\r', end: true }],
    calls: [{ expected: { data: 'a' } }, { expected: { data: 'b' } }, { expected: 'end' }],
    eventsRead: 2,
  },
  {
    name: 'a UTF-8 character split across chunks',
    steps: [{ write: PARTY.subarray(0, PARTY_SPLIT) }, { delayMs: GAP, write: PARTY.subarray(PARTY_SPLIT), end: true }],
    calls: [{ expected: { data: '🎉 ok' } }, { expected: 'end' }],
    eventsRead: 1,
  },
  {
    name: 'a multi-line data field is joined with \\n',
    steps: [{ write: 'event: message\ndata: {"result":\ndata: {}}\n\n', end: true }],
    calls: [{ expected: { event: 'message', data: '{"result":\n{}}' } }, { expected: 'end' }],
    eventsRead: 1,
  },
  {
    name: 'comment lines are not events',
    steps: [{ write: ': keep-alive\n\n' }, { delayMs: GAP, write: ':ping\ndata: x\n\n', end: true }],
    calls: [{ expected: { data: 'x' } }, { expected: 'end' }],
    eventsRead: 1,
  },
  {
    name: "server-everything's priming event (id, empty data) comes before the response",
    steps: [
      { write: 'id: fb54fee1-e00b-49bb-aa2c-aae7c877f349\ndata: \n\n' },
      { delayMs: GAP, write: `event: message\nid: 631c6bfa-71df-4e8b-9545-9cca31fe8d2e\ndata: ${INIT_RESULT}\n\n`, end: true },
    ],
    calls: [
      { expected: { id: 'fb54fee1-e00b-49bb-aa2c-aae7c877f349', data: '' } },
      { expected: { event: 'message', id: '631c6bfa-71df-4e8b-9545-9cca31fe8d2e', data: INIT_RESULT } },
      { expected: 'end' },
    ],
    eventsRead: 2,
  },
  {
    name: 'the maxSseEvents cap',
    limits: { maxSseEvents: 2 },
    steps: [{ write: 'data: 1\n\ndata: 2\n\ndata: 3\n\n', end: true }],
    calls: [{ expected: { data: '1' } }, { expected: { data: '2' } }, { expected: { code: 'SSE_NO_RESPONSE', detail: 'no response within 2 SSE events' } }],
    eventsRead: 3,
  },
  {
    name: 'the byte cap over the whole stream: events before it are delivered',
    limits: { maxBodyBytes: 64 },
    steps: [{ write: 'data: first\n\n' }, { afterCalls: 1, write: `data: ${'x'.repeat(80)}\n\n` }],
    calls: [{ expected: { data: 'first' } }, { expected: { code: 'BODY_TOO_LARGE', detail: 'the event stream exceeded 64 bytes' } }],
    eventsRead: 1,
  },
  {
    name: 'one chunk over the byte cap delivers nothing',
    limits: { maxBodyBytes: 64 },
    steps: [{ write: `data: small\n\ndata: ${'x'.repeat(80)}\n\n` }],
    calls: [{ expected: { code: 'BODY_TOO_LARGE', detail: 'the event stream exceeded 64 bytes' } }],
    eventsRead: 0,
  },
  {
    name: 'a stream that ends gives null, and keeps giving null',
    steps: [{ write: 'data: only\n\n' }, { delayMs: GAP, end: true }],
    calls: [{ expected: { data: 'only' } }, { expected: 'end' }, { expected: 'end' }],
    eventsRead: 1,
  },
  {
    name: 'an empty stream ends at once',
    steps: [{ end: true }],
    calls: [{ expected: 'end' }],
    eventsRead: 0,
  },
  {
    name: 'a last event without its blank line is still delivered at the end',
    steps: [{ write: 'event: message\ndata: tail', end: true }],
    calls: [{ expected: { event: 'message', data: 'tail' } }, { expected: 'end' }],
    eventsRead: 1,
  },
  {
    name: 'nothing sent within the wait → SSE_TIMEOUT',
    steps: [{ delayMs: 5000, end: true }],
    calls: [{ ms: 50, expected: { code: 'SSE_TIMEOUT', detail: 'the body did not finish within 50 ms' } }],
    eventsRead: 0,
  },
  {
    name: 'the overall deadline cuts a longer wait → PROBE_TIMEOUT',
    deadlineMs: 500,
    steps: [{ delayMs: 5000, end: true }],
    calls: [{ ms: 5000, expected: { code: 'PROBE_TIMEOUT', detail: 'the probe ran out of its overall time budget during body' } }],
    eventsRead: 0,
  },
  // Regression: the loop of a timed-out next() kept running in the background, so when the
  // pending chunk arrived both loops fed it to the parser (events lost, counts doubled).
  {
    name: 'a complete event arriving after a timed-out wait is read and counted once',
    steps: [{ delayMs: 150, write: 'data: one\n\n' }, { delayMs: 100, write: 'data: two\n\n', end: true }],
    calls: [
      { ms: 50, expected: { code: 'SSE_TIMEOUT', detail: 'the body did not finish within 50 ms' } },
      { expected: { data: 'one' } },
      { expected: { data: 'two' } },
      { expected: 'end' },
    ],
    eventsRead: 2,
  },
  {
    name: 'an event split across chunks after a timed-out wait is not lost',
    steps: [{ delayMs: 150, write: 'data: hel' }, { delayMs: 100, write: 'lo\n\n' }, { delayMs: 100, write: 'data: two\n\n', end: true }],
    calls: [
      { ms: 50, expected: { code: 'SSE_TIMEOUT', detail: 'the body did not finish within 50 ms' } },
      { expected: { data: 'hello' } },
      { expected: { data: 'two' } },
      { expected: 'end' },
    ],
    eventsRead: 2,
  },
];

describe('SseReader', () => {
  SSE_CASES.forEach((c, i) => {
    test(c.name, c.todo !== undefined ? { todo: c.todo } : {}, async () => {
      const calls = new CallCount();
      await withResponse(`/sse/${i}`, { headers: SSE_HEADERS, steps: c.steps, calls }, c.deadlineMs ?? 10_000, async (head, deadline) => {
        assert.equal(head.contentType, 'text/event-stream');
        const reader = new SseReader(head, { ...LIMITS, ...c.limits });
        const got: Seen[] = [];
        for (const call of c.calls) {
          got.push(seen(await reader.next(deadline, call.ms ?? 2000)));
          calls.answered();
        }
        reader.close();
        assert.deepEqual(got, c.calls.map((call) => call.expected));
        assert.equal(reader.eventsRead, c.eventsRead);
      });
    });
  });
});

type BodyExpected = { ok: true; text: string; bytes: number } | ({ ok: false } & Failure);

interface BodyCase {
  readonly name: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly steps: readonly Step[];
  readonly limits?: Partial<Limits>;
  readonly maxBytes?: number;
  readonly deadlineMs?: number;
  readonly expected: BodyExpected;
}

// v2-modern-only.txt #1
const UNSUPPORTED =
  '{"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version: 2025-11-25","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}},"id":1}';
const UTF8 = Buffer.from('{"instructions":"Everything Server – Server Instructions 🎉"}');
const UTF8_SPLIT = UTF8.indexOf(Buffer.from('–')) + 1;

const BODY_CASES: readonly BodyCase[] = [
  {
    name: 'a JSON body in chunks',
    steps: [{ write: UNSUPPORTED.slice(0, 40) }, { delayMs: GAP, write: UNSUPPORTED.slice(40), end: true }],
    expected: { ok: true, text: UNSUPPORTED, bytes: UNSUPPORTED.length },
  },
  {
    name: 'an empty body',
    steps: [{ end: true }],
    expected: { ok: true, text: '', bytes: 0 },
  },
  {
    name: 'a UTF-8 character split across chunks decodes whole; bytes count bytes',
    steps: [{ write: UTF8.subarray(0, UTF8_SPLIT) }, { delayMs: GAP, write: UTF8.subarray(UTF8_SPLIT), end: true }],
    expected: { ok: true, text: UTF8.toString('utf8'), bytes: UTF8.length },
  },
  {
    name: 'exactly at the cap, declared via content-length',
    headers: { ...JSON_HEADERS, 'content-length': '64' },
    limits: { maxBodyBytes: 64 },
    steps: [{ write: 'a'.repeat(64), end: true }],
    expected: { ok: true, text: 'a'.repeat(64), bytes: 64 },
  },
  {
    name: 'exactly at the cap, chunked',
    limits: { maxBodyBytes: 64 },
    steps: [{ write: 'a'.repeat(32) }, { delayMs: GAP, write: 'b'.repeat(32), end: true }],
    expected: { ok: true, text: `${'a'.repeat(32)}${'b'.repeat(32)}`, bytes: 64 },
  },
  {
    name: 'larger than the cap, declared via content-length → BODY_TOO_LARGE before reading',
    headers: { ...JSON_HEADERS, 'content-length': '100' },
    limits: { maxBodyBytes: 64 },
    steps: [{ write: 'a'.repeat(100), end: true }],
    expected: { ok: false, code: 'BODY_TOO_LARGE', detail: 'the server declared a 100-byte body; the limit is 64' },
  },
  {
    name: 'larger than the cap, undeclared (chunked) → BODY_TOO_LARGE',
    limits: { maxBodyBytes: 64 },
    steps: [{ write: 'a'.repeat(40) }, { delayMs: GAP, write: 'b'.repeat(40) }, { delayMs: 5000, end: true }],
    expected: { ok: false, code: 'BODY_TOO_LARGE', detail: 'the body exceeded 64 bytes' },
  },
  {
    name: 'the maxBytes argument overrides limits.maxBodyBytes',
    maxBytes: 16,
    steps: [{ write: UNSUPPORTED, end: true }],
    expected: { ok: false, code: 'BODY_TOO_LARGE', detail: 'the body exceeded 16 bytes' },
  },
  {
    name: 'a slow body hits bodyMs → BODY_TIMEOUT',
    limits: { bodyMs: 100 },
    steps: [{ write: '{"jsonrpc":"2.0",' }, { delayMs: 5000, write: '"id":1}', end: true }],
    expected: { ok: false, code: 'BODY_TIMEOUT', detail: 'the body did not finish within 100 ms' },
  },
  {
    name: 'a trickling body cannot stretch bodyMs',
    limits: { bodyMs: 150 },
    steps: Array.from({ length: 40 }, (): Step => ({ delayMs: 20, write: 'x' })),
    expected: { ok: false, code: 'BODY_TIMEOUT', detail: 'the body did not finish within 150 ms' },
  },
  {
    name: 'the overall deadline shorter than bodyMs → PROBE_TIMEOUT',
    deadlineMs: 500,
    limits: { bodyMs: 5000 },
    steps: [{ write: '{' }, { delayMs: 5000, end: true }],
    expected: { ok: false, code: 'PROBE_TIMEOUT', detail: 'the probe ran out of its overall time budget during body' },
  },
];

describe('readBody', () => {
  BODY_CASES.forEach((c, i) => {
    test(c.name, async () => {
      const script = { headers: c.headers ?? JSON_HEADERS, steps: c.steps };
      await withResponse(`/body/${i}`, script, c.deadlineMs ?? 10_000, async (head, deadline) => {
        const limits = { ...LIMITS, ...c.limits };
        const started = performance.now();
        const result = c.maxBytes !== undefined ? await readBody(head, limits, deadline, c.maxBytes) : await readBody(head, limits, deadline);
        assert.deepEqual(result, c.expected);
        // A failed read returns promptly and leaves the body destroyed, never half-read.
        if (!result.ok) {
          // Well inside the 10 s deadline a waiting read would run into, and far above a loaded runner's delay.
          assert.ok(performance.now() - started < 7000, 'readBody must not wait for the slow server');
          assert.equal(head.body.destroyed, true);
        }
      });
    });
  });
});
