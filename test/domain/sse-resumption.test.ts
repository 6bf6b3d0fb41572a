import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RETRY_MS, MAX_RECONNECTS, planReconnect, type ReconnectPlan, type StreamEnd } from '../../src/domain/sse-resumption.ts';

const END: StreamEnd = { lastEventId: 'evt-1', retryMs: 500, reconnects: 0, leftMs: 10_000, request: 'request 1' };

describe('planReconnect', () => {
  const cases: readonly { name: string; end: Partial<StreamEnd>; expected: ReconnectPlan }[] = [
    { name: 'priming id and retry → reconnect after retry', end: {}, expected: { kind: 'reconnect', lastEventId: 'evt-1', delayMs: 500 } },
    { name: 'retry: 0 → reconnect at once', end: { retryMs: 0 }, expected: { kind: 'reconnect', lastEventId: 'evt-1', delayMs: 0 } },
    { name: 'no retry field → the default wait', end: { retryMs: undefined }, expected: { kind: 'reconnect', lastEventId: 'evt-1', delayMs: DEFAULT_RETRY_MS } },
    {
      name: 'no event id → nothing to resume',
      end: { lastEventId: undefined },
      expected: { kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail: 'the event stream ended without a response to request 1 (and without an event id to resume from)' } },
    },
    {
      name: 'an empty id (the SSE way to clear it) → nothing to resume',
      end: { lastEventId: '', reconnects: 1 },
      expected: { kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail: 'the resumed event stream ended without a response to request 1 and without an event id to resume from' } },
    },
    {
      name: 'an id with a control character cannot go back in a header',
      end: { lastEventId: 'a\u0001b' },
      expected: { kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail: 'the event stream ended without a response to request 1, and its event id cannot be sent back as Last-Event-ID' } },
    },
    {
      name: 'an id beyond 1024 characters is refused',
      end: { lastEventId: 'x'.repeat(1025) },
      expected: { kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail: 'the event stream ended without a response to request 1, and its event id cannot be sent back as Last-Event-ID' } },
    },
    { name: `reconnect number ${MAX_RECONNECTS} is still allowed`, end: { reconnects: MAX_RECONNECTS - 1 }, expected: { kind: 'reconnect', lastEventId: 'evt-1', delayMs: 500 } },
    {
      name: `after ${MAX_RECONNECTS} reconnects → give up`,
      end: { reconnects: MAX_RECONNECTS, lastEventId: 'evt-9' },
      expected: {
        kind: 'give-up',
        failure: { code: 'SSE_NO_RESPONSE', detail: `the server closed the event stream ${MAX_RECONNECTS + 1} times without answering request 1 (last event id "evt-9"); gave up after ${MAX_RECONNECTS} reconnects` },
      },
    },
    {
      name: 'a retry that does not fit in the time left → give up now, not sleep into a timeout',
      end: { retryMs: 5000, leftMs: 4999.6 },
      expected: { kind: 'give-up', failure: { code: 'SSE_NO_RESPONSE', detail: 'the server closed the event stream before answering request 1 and asked to reconnect after 5000 ms, more than the 4999 ms left' } },
    },
    { name: 'a retry just inside the time left → reconnect', end: { retryMs: 4999, leftMs: 5000 }, expected: { kind: 'reconnect', lastEventId: 'evt-1', delayMs: 4999 } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(planReconnect({ ...END, ...c.end }), c.expected);
    });
  }
});
