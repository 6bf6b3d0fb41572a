import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as flushIo } from 'node:timers/promises';
import { ConcurrencyGovernor } from '../../src/scheduler/governor.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';

/** Feeds one sample per 50 ms for `ms` with the given delay; returns the limit after. */
function feed(g: ConcurrencyGovernor, clock: { now: number }, delayMs: number, ms: number): number {
  for (let t = 0; t < ms; t += 50) {
    clock.now += 50;
    g.observe(delayMs, clock.now);
  }
  return g.limit;
}

describe('ConcurrencyGovernor: AIMD on event-loop delay', () => {
  // [case, samples as (delay ms, duration ms)[], expected limit after each, overloaded after the last]
  const rows: Array<[string, Array<[number, number]>, number[], boolean]> = [
    ['a prompt loop keeps the configured limit', [[5, 3000]], [1000], false],
    ['one late second halves it', [[150, 1000]], [500], true],
    ['late seconds keep halving, down to the floor (max/8)', [[150, 10_000]], [125], true],
    ['a prompt loop grows it back by a tenth a second', [[150, 2000], [5, 1000], [5, 1000]], [250, 275, 303], true],
    ['a delay between half the target and the target holds it', [[150, 1000], [80, 3000]], [500, 500], true],
    ['it returns to max and is no longer overloaded', [[150, 1000], [5, 60_000]], [500, 1000], false],
  ];
  for (const [name, steps, limits, overloaded] of rows) {
    test(name, () => {
      const clock = { now: 0 };
      const g = new ConcurrencyGovernor({ max: 1000 });
      g.observe(0, clock.now);
      const seen = steps.map(([delay, ms]) => feed(g, clock, delay, ms));
      assert.deepEqual(seen, limits);
      assert.equal(g.state.overloaded, overloaded);
    });
  }

  test('a stall longer than a step cuts the limit at once', () => {
    const g = new ConcurrencyGovernor({ max: 64 });
    g.observe(0, 0);
    g.observe(2500, 2550);
    assert.deepEqual(g.state, { limit: 32, overloaded: true, lastDelayMs: 2500 });
  });

  // A loop late because it waited for a CPU (other processes, other threads) is not cured by
  // probing less: only as much of a delay counts as the loop worked during it.
  // [case, samples as (delay ms, worked ms per sample)[] over 3 s each, limit after each]
  const worked: Array<[string, Array<[number, number]>, number[]]> = [
    ['late 400 ms while working 20: kept off the CPU, the limit holds', [[400, 20]], [1000]],
    ['late 400 ms while working 350: its own work, the limit halves', [[400, 350]], [125]],
    ['late 150 ms, worked 60: between half the target and the target, the limit holds where it is', [[400, 350], [150, 60]], [125, 125]],
    ['starved after its own overload: it grows back as from a prompt loop', [[400, 350], [400, 10]], [125, 168]],
  ];
  for (const [name, steps, limits] of worked) {
    test(name, () => {
      const clock = { now: 0 };
      const g = new ConcurrencyGovernor({ max: 1000 });
      g.observe(0, clock.now);
      const seen = steps.map(([delay, work]) => {
        for (let t = 0; t < 3000; t += 50) {
          clock.now += 50;
          g.observe(delay, clock.now, work);
        }
        return g.limit;
      });
      assert.deepEqual(seen, limits);
    });
  }

  test('a 2.5 s stall the loop did not work through does not cut the limit, one it worked through does', () => {
    const starved = new ConcurrencyGovernor({ max: 64 });
    starved.observe(0, 0);
    starved.observe(2500, 2550, 30);
    assert.deepEqual(starved.state, { limit: 64, overloaded: false, lastDelayMs: 30 });
    const busy = new ConcurrencyGovernor({ max: 64 });
    busy.observe(0, 0);
    busy.observe(2500, 2550, 2480);
    assert.deepEqual(busy.state, { limit: 32, overloaded: true, lastDelayMs: 2480 });
  });

  test('the floor is at least 1 and never above max', () => {
    const clock = { now: 0 };
    for (const [options, floor] of [[{ max: 3 }, 1], [{ max: 3, min: 10 }, 3]] as const) {
      const g = new ConcurrencyGovernor(options);
      g.observe(0, clock.now);
      assert.equal(feed(g, clock, 500, 20_000), floor);
    }
  });
});

describe('Scheduler: concurrencyLimit', () => {
  test('dispatch follows the limit in force; a raised limit is used on the next pump', async () => {
    let limit = 2;
    let now = 1_700_000_100_000;
    const finishers: Array<() => void> = [];
    let maxRunning = 0;
    let running = 0;
    const scheduler = new Scheduler({
      clock: () => now,
      concurrency: 10,
      perHostConcurrency: 10,
      concurrencyLimit: () => limit,
      run: () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        return new Promise<void>((resolve) => finishers.push(() => (running--, resolve())));
      },
    });
    for (let id = 1; id <= 8; id++) scheduler.upsert({ id, host: `h${id}`, intervalMs: 60_000, paused: false });
    now += 60_000; // every endpoint's first slot has come
    scheduler.tick();
    assert.deepEqual([scheduler.inFlight, scheduler.queued], [2, 6]);
    limit = 5;
    finishers.shift()!();
    await flushIo();
    assert.deepEqual([scheduler.inFlight, scheduler.queued], [5, 2]);
    limit = 0; // nonsense from a hook still lets one run at a time
    while (finishers.length > 0) {
      finishers.shift()!();
      await flushIo();
    }
    assert.equal(maxRunning, 5);
    assert.equal(scheduler.queued, 0);
  });
});
