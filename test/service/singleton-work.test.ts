// SingletonWork: the work of the lease holder starts once per leadership and stops before the
// next start, however acquire and lose interleave (a lease that flaps).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SingletonWork } from '../../src/service/singleton-work.ts';

test('acquire and lose are serialised: one copy of the work at most, stopped before it restarts', async () => {
  const events: string[] = [];
  let running = 0;
  let copies = 0;
  const work = new SingletonWork(async () => {
    const n = ++copies;
    events.push(`start ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow start (alerts open the engine)
    running++;
    assert.ok(running <= 1, 'two copies running');
    return [{ stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      events.push(`stop ${n}`);
    } }];
  }, pino({ level: 'silent' }), () => 1000);

  // Flapping: lost while still starting, regained, acquired twice.
  const steps = [work.acquire(), work.lose('connection-lost'), work.acquire(), work.acquire()];
  await Promise.all(steps);
  assert.equal(work.leading, true);
  assert.equal(work.since, 1000);
  await work.lose('released');
  assert.equal(work.leading, false);
  assert.equal(work.since, null);
  assert.deepEqual(events, ['start 1', 'stop 1', 'start 2', 'stop 2']);
  assert.equal(running, 0);
});

test('a failing start leaves the node not leading, and the next acquire tries again', async () => {
  let fail = true;
  const work = new SingletonWork(() => (fail ? Promise.reject(new Error('database away')) : Promise.resolve([])), pino({ level: 'silent' }));
  await assert.rejects(work.acquire(), /database away/);
  assert.equal(work.leading, false);
  fail = false;
  await work.acquire();
  assert.equal(work.leading, true);
});
