import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyLimit } from '../../src/http/concurrency-limit.ts';

test('admits up to the limit, queues up to the line, refuses beyond it at once', async () => {
  const limit = new ConcurrencyLimit(2, 1);
  const signal = new AbortController().signal;
  const a = await limit.acquire(signal);
  const b = await limit.acquire(signal);
  assert.ok(a.ok && b.ok);
  const waiting = limit.acquire(signal);
  assert.deepEqual(await limit.acquire(signal), { ok: false, reason: 'line_full' });
  assert.equal(limit.active, 2);
  assert.equal(limit.waiting, 1);
  a.release();
  a.release(); // a second release of the same admission frees nothing more
  const c = await waiting;
  assert.ok(c.ok);
  assert.equal(limit.active, 2);
  b.release();
  c.release();
  assert.equal(limit.active, 0);
});

test('a waiter whose signal aborts leaves the line and is never admitted', async () => {
  const limit = new ConcurrencyLimit(1, 4);
  const held = await limit.acquire(new AbortController().signal);
  assert.ok(held.ok);
  const gone = new AbortController();
  const leaving = limit.acquire(gone.signal);
  const staying = limit.acquire(new AbortController().signal);
  gone.abort();
  assert.deepEqual(await leaving, { ok: false, reason: 'aborted' });
  assert.equal(limit.waiting, 1);
  held.release();
  const next = await staying;
  assert.ok(next.ok);
  assert.equal(limit.active, 1);
  assert.deepEqual(await limit.acquire(AbortSignal.abort()), { ok: false, reason: 'aborted' });
});
