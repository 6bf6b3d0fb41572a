// The probe's time budget and its bounded waits (src/probe/deadline.ts), on an injected clock
// where the budget matters and with short real timers where a wait must fire.
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline, WaitTimeout, type WaitScope } from '../../src/probe/deadline.ts';

const never = (): Promise<never> => new Promise<never>(() => undefined);

async function rejection(promise: Promise<unknown>): Promise<WaitTimeout> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WaitTimeout, String(err));
    return err;
  }
  assert.fail('the wait resolved');
}

describe('Deadline.wait', () => {
  test('a wait that outlives its own limit rejects with its phase code, and its signal aborts', async () => {
    const deadline = new Deadline(() => performance.now(), 10_000);
    let scope: WaitScope | undefined;
    const err = await rejection(deadline.wait(20, 'TLS_TIMEOUT', (s) => ((scope = s), never())));
    assert.equal(err.code, 'TLS_TIMEOUT');
    assert.equal(scope?.aborted, true);
    // Asked for only after the end: already aborted, with the same reason.
    assert.equal(scope?.signal.aborted, true);
    assert.equal(scope?.signal.reason, err);
    deadline.dispose();
  });

  test('a signal handed out before the end aborts at the end', async () => {
    const deadline = new Deadline(() => performance.now(), 10_000);
    let signal: AbortSignal | undefined;
    const waiting = deadline.wait(20, 'HTTP_TTFB_TIMEOUT', (s) => {
      signal = s.signal;
      return never();
    });
    assert.equal(signal?.aborted, false);
    const err = await rejection(waiting);
    assert.equal(signal?.aborted, true);
    assert.equal(signal?.reason, err);
    deadline.dispose();
  });

  test('when the budget is shorter than the phase limit, the wait says PROBE_TIMEOUT', async () => {
    let now = 0;
    const deadline = new Deadline(() => now, 30);
    now = 10;
    const err = await rejection(deadline.wait(5000, 'TCP_TIMEOUT', never));
    assert.equal(err.code, 'PROBE_TIMEOUT');
    deadline.dispose();
  });

  test('the end of the budget ends every wait in progress, and a wait begun after it at once', async () => {
    const deadline = new Deadline(() => performance.now(), 30);
    const scopes: WaitScope[] = [];
    // Phase limits longer than the budget still end with it (each wait takes the smaller).
    const waits = [1, 2].map(() => rejection(deadline.wait(60_000, 'BODY_TIMEOUT', (s) => (scopes.push(s), never()))));
    for (const err of await Promise.all(waits)) assert.equal(err.code, 'PROBE_TIMEOUT');
    assert.deepEqual(scopes.map((s) => s.aborted), [true, true]);
    const late = await rejection(deadline.wait(1000, 'DNS_TIMEOUT', never));
    assert.equal(late.code, 'PROBE_TIMEOUT');
    deadline.dispose();
  });

  test('a cancelled parent ends the wait in progress as a cancelled PROBE_TIMEOUT', async () => {
    const parent = new AbortController();
    const deadline = new Deadline(() => performance.now(), 60_000, parent.signal);
    let scope: WaitScope | undefined;
    const waiting = rejection(deadline.wait(60_000, 'SSE_TIMEOUT', (s) => ((scope = s), never())));
    parent.abort();
    const err = await waiting;
    assert.equal(err.code, 'PROBE_TIMEOUT');
    assert.equal(err.cancelled, true);
    assert.equal(scope?.aborted, true);
    deadline.dispose();
  });

  test('a wait that settles in time leaves no listener or wait behind', async () => {
    const parent = new AbortController();
    const deadline = new Deadline(() => performance.now(), 60_000, parent.signal);
    let scope: WaitScope | undefined;
    assert.equal(await deadline.wait(60_000, 'TCP_TIMEOUT', (s) => ((scope = s), Promise.resolve('done'))), 'done');
    // The probe's own signal is not listened to per wait, and the finished wait is not ended later.
    assert.equal(getEventListeners(deadline.signal, 'abort').length, 0);
    parent.abort();
    assert.equal(scope?.aborted, false);
    deadline.dispose();
  });

  test('the probe\'s own signal aborts at the end of the budget, whether asked for before or after', async () => {
    const early = new Deadline(() => performance.now(), 20);
    const before = early.signal;
    const late = new Deadline(() => performance.now(), 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(before.aborted, true);
    assert.equal((before.reason as WaitTimeout).code, 'PROBE_TIMEOUT');
    assert.equal(late.signal.aborted, true);
    assert.equal((late.signal.reason as WaitTimeout).code, 'PROBE_TIMEOUT');
    early.dispose();
    late.dispose();
  });

  test('dispose unhooks the deadline from its parent', () => {
    const parent = new AbortController();
    const deadline = new Deadline(() => performance.now(), 60_000, parent.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    deadline.dispose();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  });
});
