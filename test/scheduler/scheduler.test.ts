import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setImmediate as flushIo } from 'node:timers/promises';
import { Scheduler, type Job, type SchedulerOptions } from '../../src/scheduler/scheduler.ts';
import { nextDue, phaseMs } from '../../src/domain/phase.ts';

const T0 = 1_700_000_040_000; // a multiple of 60 s
const MINUTE = 60_000;

/** Lets settled runs reach the scheduler (their completion is a promise callback). */
async function settle(): Promise<void> {
  await flushIo();
}

/**
 * A scheduler on a hand-moved clock whose runs finish only when the test says so, recording
 * what ran, when, and the most that ever ran at once (globally and per host).
 */
class Harness {
  now = T0;
  readonly started: Job[] = [];
  readonly lags: number[] = [];
  readonly errors: unknown[] = [];
  readonly #finishers = new Map<number, () => void>();
  readonly #runningByHost = new Map<string, number>();
  readonly maxByHost = new Map<string, number>();
  running = 0;
  maxRunning = 0;
  readonly scheduler: Scheduler;

  constructor(options: Partial<Pick<SchedulerOptions, 'concurrency' | 'perHostConcurrency' | 'run' | 'owns'>> = {}) {
    this.scheduler = new Scheduler({
      ...(options.owns ? { owns: options.owns } : {}),
      clock: () => this.now,
      concurrency: options.concurrency ?? 100,
      perHostConcurrency: options.perHostConcurrency ?? 100,
      run: options.run ?? ((job) => this.#run(job)),
      onLag: (lagMs) => this.lags.push(lagMs),
      onError: (err) => this.errors.push(err),
    });
  }

  #run(job: Job): Promise<void> {
    assert.ok(!this.#finishers.has(job.endpointId), `endpoint ${job.endpointId} started while already running`);
    this.started.push(job);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const onHost = (this.#runningByHost.get(job.host) ?? 0) + 1;
    this.#runningByHost.set(job.host, onHost);
    this.maxByHost.set(job.host, Math.max(this.maxByHost.get(job.host) ?? 0, onHost));
    return new Promise<void>((resolve) => {
      this.#finishers.set(job.endpointId, () => {
        this.#finishers.delete(job.endpointId);
        this.running--;
        this.#runningByHost.set(job.host, this.#runningByHost.get(job.host)! - 1);
        resolve();
      });
    });
  }

  /** Finishes the endpoint's run and lets the scheduler see it. */
  async finish(id: number): Promise<void> {
    const finish = this.#finishers.get(id);
    assert.ok(finish, `endpoint ${id} is not running`);
    finish();
    await settle();
  }

  runningIds(): number[] {
    return [...this.#finishers.keys()].sort((a, b) => a - b);
  }

  tickAt(t: number): void {
    this.now = t;
    this.scheduler.tick();
  }

  add(id: number, host = `host-${id}`, intervalMs = MINUTE, paused = false): number {
    this.scheduler.upsert({ id, host, intervalMs, paused });
    return nextDue(id, intervalMs, this.now);
  }
}

describe('Scheduler: when an endpoint runs', () => {
  test('at its phase slot, not before, with zero lag on time', () => {
    const h = new Harness();
    const due = h.add(1);
    assert.equal(due, T0 + phaseMs(1, MINUTE));
    assert.equal(h.scheduler.nextDueAt(1), due);
    h.tickAt(due - 1);
    assert.equal(h.started.length, 0);
    h.tickAt(due);
    assert.deepEqual(h.started, [{ endpointId: 1, host: 'host-1', intervalMs: MINUTE, plannedAt: due }]);
    assert.deepEqual(h.lags, [0]);
    assert.equal(h.scheduler.nextDueAt(1), due + MINUTE);
  });

  test('a slot another node owns is neither run nor counted as dispatched, and the next one is asked again', async () => {
    const asked: number[] = [];
    const theirs = new Set<number>();
    const h = new Harness({ owns: (_id, slotAt) => (asked.push(slotAt), !theirs.has(slotAt)) });
    const due = h.add(1);
    theirs.add(due + MINUTE);
    h.tickAt(due);
    await h.finish(1);
    h.tickAt(due + MINUTE);
    h.tickAt(due + 2 * MINUTE);
    assert.deepEqual(asked, [due, due + MINUTE, due + 2 * MINUTE]);
    assert.deepEqual(h.started.map((job) => job.plannedAt), [due, due + 2 * MINUTE]);
    assert.equal(h.scheduler.stats.dispatched, 2);
    assert.equal(h.scheduler.stats.notOwned, 1);
    assert.equal(h.scheduler.stats.skippedOverlap, 0);
  });

  test('a late tick runs the slot once with its lag, and the next slot stays on phase', async () => {
    const h = new Harness();
    const due = h.add(1);
    h.tickAt(due + 3_000);
    assert.equal(h.started.length, 1);
    assert.deepEqual(h.lags, [3_000]);
    assert.equal(h.scheduler.nextDueAt(1), due + MINUTE);
    await h.finish(1);
    h.tickAt(due + MINUTE);
    assert.equal(h.started.length, 2);
    assert.equal(h.started[1]!.plannedAt, due + MINUTE);
  });

  test('a slot whose next slot has passed too is missed, not run late (no catch-up after a stall)', () => {
    const h = new Harness();
    const due = h.add(1);
    h.tickAt(due + MINUTE + 500);
    assert.equal(h.started.length, 0);
    assert.equal(h.scheduler.stats.missed, 1);
    assert.equal(h.scheduler.nextDueAt(1), due + 2 * MINUTE);
    h.tickAt(due + 2 * MINUTE);
    assert.equal(h.started.length, 1);
  });

  test('a slow endpoint is never run twice at once: its next slot is skipped, not queued', async () => {
    const h = new Harness();
    const due = h.add(7);
    h.tickAt(due);
    h.tickAt(due + MINUTE);
    h.tickAt(due + 2 * MINUTE);
    assert.equal(h.started.length, 1);
    assert.equal(h.scheduler.inFlight, 1);
    assert.equal(h.scheduler.queued, 0);
    assert.equal(h.scheduler.stats.skippedOverlap, 2);
    assert.equal(h.scheduler.nextDueAt(7), due + 3 * MINUTE);
    await h.finish(7);
    // Finishing does not trigger a make-up run; the next one is the next slot.
    h.tickAt(due + 3 * MINUTE - 1);
    assert.equal(h.started.length, 1);
    h.tickAt(due + 3 * MINUTE);
    assert.equal(h.started.length, 2);
    assert.equal(h.started[1]!.plannedAt, due + 3 * MINUTE);
    assert.equal(h.maxRunning, 1);
  });

  test('a job still waiting for a slot also counts as running: its next slot is skipped', async () => {
    const h = new Harness({ concurrency: 1 });
    const dueA = h.add(1);
    const dueB = h.add(2);
    const [first, second] = dueA < dueB ? [1, 2] : [2, 1];
    h.tickAt(Math.max(dueA, dueB));
    assert.deepEqual(h.runningIds(), [first]);
    assert.equal(h.scheduler.queued, 1);
    h.tickAt(Math.max(dueA, dueB) + MINUTE);
    assert.equal(h.scheduler.queued, 1);
    assert.equal(h.scheduler.stats.skippedOverlap, 2);
    await h.finish(first);
    assert.deepEqual(h.runningIds(), [second]);
    assert.equal(h.started.length, 2);
  });

  test('a rejected run is counted and reported, and the endpoint runs again next slot', async () => {
    const now = { t: T0 };
    const errors: unknown[] = [];
    let calls = 0;
    const scheduler = new Scheduler({
      clock: () => now.t,
      concurrency: 2,
      perHostConcurrency: 1,
      run: () => {
        calls++;
        if (calls === 1) throw new Error('sync bug');
        return Promise.reject(new Error('async bug'));
      },
      onError: (err) => errors.push(err),
    });
    scheduler.upsert({ id: 3, host: 'h', intervalMs: MINUTE, paused: false });
    const due = scheduler.nextDueAt(3)!;
    now.t = due;
    scheduler.tick();
    await settle();
    now.t = due + MINUTE;
    scheduler.tick();
    await settle();
    assert.equal(calls, 2);
    assert.equal(scheduler.inFlight, 0);
    assert.equal(scheduler.stats.runErrors, 2);
    assert.deepEqual(errors.map((e) => (e as Error).message), ['sync bug', 'async bug']);
  });
});

describe('Scheduler: concurrency caps and the queue', () => {
  test('never more than the global cap; queued jobs start FIFO by plannedAt as slots free, lag measured', async () => {
    const h = new Harness({ concurrency: 5 });
    const dues = new Map<number, number>();
    for (let id = 1; id <= 20; id++) dues.set(id, h.add(id));
    // Every slot falls in (T0, T0 + 1 min]: one tick at the end makes all 20 due at once.
    const tickAt = T0 + MINUTE;
    h.tickAt(tickAt);
    assert.equal(h.scheduler.inFlight, 5);
    assert.equal(h.scheduler.queued, 15);
    const byPlanned = [...dues.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([id]) => id);
    assert.deepEqual(h.started.map((j) => j.endpointId), byPlanned.slice(0, 5));

    h.now = tickAt + 2_500;
    const firstDone = h.runningIds()[0]!;
    await h.finish(firstDone);
    assert.equal(h.scheduler.inFlight, 5);
    assert.equal(h.scheduler.queued, 14);
    const sixth = h.started[5]!;
    assert.equal(sixth.endpointId, byPlanned[5]);
    assert.equal(h.lags[5], tickAt + 2_500 - dues.get(sixth.endpointId)!);
    assert.equal(h.scheduler.stats.lastLagMs, h.lags[5]);

    while (h.runningIds().length > 0) await h.finish(h.runningIds()[0]!);
    assert.deepEqual(h.started.map((j) => j.endpointId), byPlanned);
    assert.equal(h.maxRunning, 5);
    assert.equal(h.scheduler.queued, 0);
    assert.equal(h.scheduler.inFlight, 0);
    assert.equal(h.scheduler.stats.dispatched, 20);
    assert.equal(h.scheduler.stats.recentLagsMs.length, 20);
  });

  test('never more than the per-host cap, and a host at its cap does not hold up other hosts', async () => {
    const h = new Harness({ concurrency: 10, perHostConcurrency: 3 });
    for (let id = 1; id <= 12; id++) h.add(id, 'busy.example');
    for (let id = 13; id <= 16; id++) h.add(id, 'quiet.example');
    h.tickAt(T0 + MINUTE);
    assert.equal(h.scheduler.inFlight, 6);
    assert.equal(h.scheduler.queued, 10);
    assert.equal(h.maxByHost.get('busy.example'), 3);
    assert.equal(h.maxByHost.get('quiet.example'), 3);

    // Finish runs in a scrambled order until everything has run exactly once.
    let turn = 0;
    while (h.runningIds().length > 0) {
      const ids = h.runningIds();
      await h.finish(ids[turn++ % ids.length]!);
    }
    assert.equal(h.started.length, 16);
    assert.equal(new Set(h.started.map((j) => j.endpointId)).size, 16);
    assert.equal(h.maxByHost.get('busy.example'), 3);
    assert.equal(h.maxByHost.get('quiet.example'), 3);
    assert.ok(h.maxRunning <= 6);
  });

  test('both caps under load: 200 endpoints on 7 hosts over 10 minutes with random run times', async () => {
    const h = new Harness({ concurrency: 8, perHostConcurrency: 2 });
    for (let id = 1; id <= 200; id++) h.add(id, `h${id % 7}`, 30_000);
    let seed = 1;
    const rand = (): number => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    for (let t = T0 + 1_000; t <= T0 + 10 * MINUTE; t += 1_000) {
      h.tickAt(t);
      for (const id of h.runningIds()) if (rand() < 0.3) await h.finish(id);
    }
    assert.ok(h.maxRunning <= 8, `max running ${h.maxRunning}`);
    assert.equal(h.maxRunning, 8);
    for (const [host, max] of h.maxByHost) assert.ok(max <= 2, `${host}: ${max}`);
    const s = h.scheduler.stats;
    assert.equal(s.dispatched, h.started.length);
    assert.ok(s.skippedOverlap > 0);
  });
});

describe('Scheduler: endpoint changes', () => {
  test('a paused endpoint never runs; unpausing schedules its next slot after now', () => {
    const h = new Harness();
    h.add(1, 'h', MINUTE, true);
    assert.equal(h.scheduler.nextDueAt(1), null);
    for (let t = T0; t <= T0 + 3 * MINUTE; t += 1_000) h.tickAt(t);
    assert.equal(h.started.length, 0);
    const due = h.add(1, 'h', MINUTE, false);
    assert.equal(h.scheduler.nextDueAt(1), due);
    assert.ok(due > h.now);
    h.tickAt(due);
    assert.equal(h.started.length, 1);
  });

  test('pausing drops a waiting job and the following slots', () => {
    const h = new Harness({ concurrency: 1 });
    h.add(1);
    h.add(2);
    h.tickAt(T0 + MINUTE);
    const waiting = h.runningIds()[0] === 1 ? 2 : 1;
    h.add(waiting, `host-${waiting}`, MINUTE, true);
    assert.equal(h.scheduler.queued, 0);
    for (let t = T0 + MINUTE; t <= T0 + 4 * MINUTE; t += 1_000) h.tickAt(t);
    assert.ok(h.started.every((j) => j.endpointId !== waiting));
  });

  test('a removed endpoint never runs, whether scheduled or waiting in the queue', async () => {
    const h = new Harness({ concurrency: 1 });
    h.add(1);
    h.add(2);
    h.add(3);
    assert.equal(h.scheduler.remove(3), true);
    assert.equal(h.scheduler.remove(3), false);
    h.tickAt(T0 + MINUTE);
    const [running] = h.runningIds();
    const waiting = running === 1 ? 2 : 1;
    h.scheduler.remove(waiting);
    assert.equal(h.scheduler.queued, 0);
    await h.finish(running!);
    for (let t = T0 + MINUTE; t <= T0 + 4 * MINUTE; t += 1_000) {
      h.tickAt(t);
      for (const id of h.runningIds()) await h.finish(id);
    }
    assert.ok(h.started.every((j) => j.endpointId === running));
    assert.equal(h.scheduler.stats.endpoints, 1);
  });

  test('removed and re-added while running: still never doubled', async () => {
    const h = new Harness();
    const due = h.add(1);
    h.tickAt(due);
    h.scheduler.remove(1);
    const again = h.add(1);
    h.tickAt(again);
    assert.equal(h.started.length, 1);
    assert.equal(h.scheduler.stats.skippedOverlap, 1);
    await h.finish(1);
    h.tickAt(again + MINUTE);
    assert.equal(h.started.length, 2);
  });

  test('an interval change reschedules from now; an unchanged upsert moves nothing', () => {
    const h = new Harness();
    const due = h.add(5);
    h.now = T0 + 10_000;
    h.scheduler.upsert({ id: 5, host: 'host-5', intervalMs: MINUTE, paused: false });
    assert.equal(h.scheduler.nextDueAt(5), due);

    const changedAt = T0 + 10_000;
    const newDue = h.add(5, 'host-5', 30_000);
    assert.equal(newDue, nextDue(5, 30_000, changedAt));
    assert.equal(h.scheduler.nextDueAt(5), newDue);
    for (let t = changedAt; t < newDue; t += 500) h.tickAt(t);
    assert.equal(h.started.length, 0);
    h.tickAt(newDue);
    assert.deepEqual(h.started.map((j) => [j.plannedAt, j.intervalMs]), [[newDue, 30_000]]);
    assert.equal(h.scheduler.nextDueAt(5), newDue + 30_000);
  });

  test('firstRunNow: a new endpoint runs at the next tick, then on its phase; an existing one is not moved', async () => {
    const h = new Harness();
    h.now = T0 + 1_234;
    h.scheduler.upsert({ id: 7, host: 'host-7', intervalMs: MINUTE, paused: false }, { firstRunNow: true });
    assert.equal(h.scheduler.nextDueAt(7), T0 + 1_234);
    h.tickAt(T0 + 2_000);
    assert.deepEqual(h.started.map((j) => [j.endpointId, j.plannedAt]), [[7, T0 + 1_234]]);
    assert.equal(h.scheduler.nextDueAt(7), nextDue(7, MINUTE, T0 + 2_000), 'then its phase slot');
    await h.finish(7);
    const due = h.scheduler.nextDueAt(7);
    h.scheduler.upsert({ id: 7, host: 'host-7', intervalMs: MINUTE, paused: false }, { firstRunNow: true });
    assert.equal(h.scheduler.nextDueAt(7), due, 'only a new endpoint runs at once');
    h.scheduler.upsert({ id: 8, host: 'host-8', intervalMs: MINUTE, paused: true }, { firstRunNow: true });
    assert.equal(h.scheduler.nextDueAt(8), null, 'a paused one does not run');
  });

  test('a host change applies to the next job', async () => {
    const h = new Harness();
    const due = h.add(1, 'old.example');
    h.scheduler.upsert({ id: 1, host: 'new.example', intervalMs: MINUTE, paused: false });
    assert.equal(h.scheduler.nextDueAt(1), due);
    h.tickAt(due);
    assert.equal(h.started[0]!.host, 'new.example');
    await h.finish(1);
  });

  test('bad input is rejected', () => {
    const clock = (): number => T0;
    const run = (): Promise<void> => Promise.resolve();
    assert.throws(() => new Scheduler({ clock, run, concurrency: 0, perHostConcurrency: 1 }), RangeError);
    assert.throws(() => new Scheduler({ clock, run, concurrency: 1, perHostConcurrency: 1.5 }), RangeError);
    const s = new Scheduler({ clock, run, concurrency: 1, perHostConcurrency: 1 });
    assert.throws(() => s.upsert({ id: 1, host: 'h', intervalMs: 0, paused: false }), RangeError);
    assert.throws(() => s.upsert({ id: 0.5, host: 'h', intervalMs: MINUTE, paused: false }), RangeError);
  });
});

describe('Scheduler: 10,000 endpoints', () => {
  const N = 10_000;
  const mean = N / 60;

  function fleet(at: number, concurrency = N): { scheduler: Scheduler; clock: { now: number }; runs: Map<number, number> } {
    const clock = { now: at };
    const runs = new Map<number, number>();
    const scheduler = new Scheduler({
      clock: () => clock.now,
      concurrency,
      perHostConcurrency: N,
      run: (job) => {
        runs.set(job.endpointId, (runs.get(job.endpointId) ?? 0) + 1);
        return Promise.resolve();
      },
    });
    for (let id = 1; id <= N; id++) scheduler.upsert({ id, host: `h${id % 500}`, intervalMs: MINUTE, paused: false });
    return { scheduler, clock, runs };
  }

  test('a (re)start does not burst: every tick of the first minute stays ≤ 1.5 × mean, each runs once', async (t) => {
    for (const start of [T0, T0 + 37_500]) {
      const { scheduler, clock, runs } = fleet(start);
      const perTick: number[] = [];
      for (let s = 0; s <= 60; s++) {
        clock.now = start + s * 1_000;
        const before = scheduler.stats.dispatched;
        scheduler.tick();
        perTick.push(scheduler.stats.dispatched - before);
        await settle();
      }
      t.diagnostic(`start ${start - T0} ms: first tick ${perTick[0]}, max tick ${Math.max(...perTick)} (mean ${mean.toFixed(1)}, ratio ${(Math.max(...perTick) / mean).toFixed(3)})`);
      assert.ok(perTick[0]! <= 1.5 * mean);
      assert.ok(Math.max(...perTick) <= 1.5 * mean);
      assert.equal(runs.size, N);
      assert.ok([...runs.values()].every((n) => n === 1));
      assert.equal(scheduler.stats.skippedOverlap, 0);
    }
  });

  test('tick cost (printed, not asserted)', async (t) => {
    const { scheduler, clock } = fleet(T0);
    const costs: number[] = [];
    for (let s = 1; s <= 300; s++) {
      clock.now = T0 + s * 1_000;
      const started = performance.now();
      scheduler.tick();
      costs.push(performance.now() - started);
      await settle();
    }
    // An idle tick (nothing due) is what most 10k-endpoint deployments with long intervals pay.
    clock.now += 1;
    const idleStart = performance.now();
    for (let i = 0; i < 1_000; i++) scheduler.tick();
    const idle = (performance.now() - idleStart) / 1_000; // ms per idle tick
    const steady = costs.slice(60).sort((a, b) => a - b);
    const median = steady[Math.floor(steady.length / 2)]!;
    const p99 = steady[Math.floor(steady.length * 0.99)]!;
    const line = `tick cost, 10,000 endpoints (≈${mean.toFixed(0)} dispatched per tick): median ${median.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${Math.max(...costs).toFixed(3)} ms; idle tick (nothing due) ${(idle * 1e6).toFixed(0)} ns`;
    t.diagnostic(line);
    console.log(line);
    assert.equal(scheduler.stats.dispatched, 5 * N);
  });
});

describe('Scheduler: stop, start and drain', () => {
  test('stop() prevents new dispatch: no tick runs anything and waiting jobs never start', async () => {
    const h = new Harness({ concurrency: 1 });
    h.add(1);
    h.add(2);
    h.tickAt(T0 + MINUTE);
    assert.equal(h.scheduler.queued, 1);
    h.scheduler.stop();
    assert.equal(h.scheduler.queued, 0);
    await h.finish(h.runningIds()[0]!);
    for (let t = T0 + MINUTE; t <= T0 + 3 * MINUTE; t += 1_000) h.tickAt(t);
    assert.equal(h.started.length, 1);
    assert.equal(h.scheduler.inFlight, 0);
  });

  test('drain() waits for the runs in flight, then returns the counts', async () => {
    const h = new Harness({ concurrency: 3 });
    for (let id = 1; id <= 5; id++) h.add(id);
    h.tickAt(T0 + MINUTE);
    assert.equal(h.scheduler.inFlight, 3);
    let settled = false;
    const drained = h.scheduler.drain(10_000).then((r) => {
      settled = true;
      return r;
    });
    assert.equal(h.scheduler.queued, 0);
    const [a, b, c] = h.runningIds();
    await h.finish(a!);
    await h.finish(b!);
    assert.equal(settled, false);
    await h.finish(c!);
    assert.deepEqual(await drained, { finished: 3, abandoned: 0 });
    assert.equal(h.started.length, 3);
  });

  test('drain() with nothing in flight returns at once', async () => {
    const h = new Harness();
    assert.deepEqual(await h.scheduler.drain(60_000), { finished: 0, abandoned: 0 });
  });

  test('drain() timeout returns the abandoned count', async () => {
    const h = new Harness();
    for (let id = 1; id <= 3; id++) h.add(id);
    h.tickAt(T0 + MINUTE);
    const drained = h.scheduler.drain(30);
    await h.finish(h.runningIds()[0]!);
    assert.deepEqual(await drained, { finished: 1, abandoned: 2 });
    // The abandoned runs still end cleanly later.
    for (const id of h.runningIds()) await h.finish(id);
    assert.equal(h.scheduler.inFlight, 0);
  });

  test('start() ticks every second on node-cron', async (t) => {
    const h = new Harness();
    const due = h.add(1);
    h.now = due;
    h.scheduler.start();
    t.after(() => h.scheduler.stop());
    for (let waited = 0; h.started.length === 0 && waited < 3_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.started.length, 1);
    h.scheduler.stop();
    await h.finish(1);
    h.now = due + MINUTE;
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(h.started.length, 1);
  });
});
