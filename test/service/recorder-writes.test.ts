// The Recorder's write policy: one tick write in flight at a time. A flush asked for while a write
// runs joins it, and the rounds recorded meanwhile go as the next batch once it is done; a failed
// write keeps its batch for the next flush. Over a real SQLite store whose writeTick the test
// holds at a gate (a slow database), never a fake one.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { Recorder } from '../../src/service/recorder.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import type { Store, TickBatch } from '../../src/store/store.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { definition, tempDir } from '../store/helper.ts';

const tmp = tempDir('mcpwatch-recorder-');
after(() => tmp.cleanup());
let n = 0;

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

interface Gated {
  readonly store: Store;
  readonly real: SqliteStore;
  /** Batches as writeTick received them, in order. */
  readonly batches: TickBatch[];
  /** Most writes seen running at once. */
  maxInFlight: number;
  /** Holds every write until release() (or fail()) is called. */
  hold(): void;
  release(): void;
  fail(error: Error): void;
}

/** A real store whose writeTick can be held at a gate or made to fail once. */
function gatedStore(real: SqliteStore): Gated {
  let inFlight = 0;
  let gate: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | null = null;
  const gated: Gated = {
    real,
    batches: [],
    maxInFlight: 0,
    store: new Proxy(real, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (property === 'writeTick') {
          return async (batch: TickBatch): Promise<void> => {
            gated.batches.push(batch);
            inFlight++;
            gated.maxInFlight = Math.max(gated.maxInFlight, inFlight);
            try {
              if (gate) await gate.promise;
              await object.writeTick(batch);
            } finally {
              inFlight--;
            }
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
      },
    }),
    hold() {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      gate = { promise, resolve, reject };
    },
    release() {
      const g = gate;
      gate = null;
      g?.resolve();
    },
    fail(error) {
      const g = gate;
      gate = null;
      g?.reject(error);
    },
  };
  return gated;
}

/** A clock the test moves: the Recorder's backoff is read from it. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = T0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function setup(clock = manualClock()): Promise<{ gated: Gated; recorder: Recorder; endpoint: Endpoint; round: (minute: number) => void }> {
  const real = openSqliteStore(join(tmp.dir, `recorder-${n++}`, 'mcpwatch.db'), { flushIntervalMs: 0 });
  const endpoint = await real.createEndpoint(definition('api'));
  const gated = gatedStore(real);
  const recorder = await Recorder.open(gated.store, DEFAULT_HEALTH_POLICY, { clock: clock.now });
  const round = (minute: number): void => {
    const startedAt = T0 + minute * 60_000;
    recorder.record(endpoint, { result: probeResult({ startedAt: new Date(startedAt).toISOString() }), retried: false, firstAttempt: null }, { plannedAt: startedAt, startedAt, stalled: false });
  };
  return { gated, recorder, endpoint, round };
}

async function storedRounds(store: SqliteStore, endpointId: number): Promise<number> {
  return (await store.results(endpointId, { fromMs: 0, toMs: T0 + 86_400_000, limit: 1000 })).length;
}

describe('Recorder writes', () => {
  test('a flush during a write joins it; the rounds recorded meanwhile go next, never concurrently', async () => {
    const { gated, recorder, endpoint, round } = await setup();
    gated.hold();
    round(0);
    const first = recorder.flush();
    round(1);
    round(2);
    const second = recorder.flush();
    const third = recorder.flush();
    assert.equal(second, first, 'the second flush joins the write in flight');
    assert.equal(third, first);
    assert.equal(gated.batches.length, 1, 'nothing else started while the first write is held');
    assert.equal(recorder.pending, 3);
    gated.release();
    assert.equal(await first, 3, 'the promise settles once the queued rounds are written too');
    assert.deepEqual(
      gated.batches.map((b) => b.results.length),
      [1, 2],
    );
    assert.equal(gated.maxInFlight, 1);
    assert.equal(recorder.pending, 0);
    assert.equal(await storedRounds(gated.real, endpoint.id), 3);
    gated.real.close();
  });

  test('a flush with nothing new after a write is done starts no write', async () => {
    const { gated, recorder, round } = await setup();
    round(0);
    assert.equal(await recorder.flush(), 1);
    assert.equal(await recorder.flush(), 0);
    assert.equal(gated.batches.length, 1);
    gated.real.close();
  });

  test('a failed write keeps its batch: the next flush writes it first, then what came after', async () => {
    const clock = manualClock();
    const { gated, recorder, endpoint, round } = await setup(clock);
    gated.hold();
    round(0);
    const failing = recorder.flush();
    gated.fail(new Error('disk full'));
    await assert.rejects(failing, /disk full/);
    assert.equal(recorder.pending, 1, 'the failed round waits in memory');
    round(1);
    assert.equal(await recorder.flush(), 0, 'within the backoff nothing is attempted');
    assert.equal(gated.batches.length, 1);
    clock.advance(500);
    assert.equal(await recorder.flush(), 2);
    // The retry is the same batch, then the new round in a batch of its own.
    assert.equal(gated.batches[1], gated.batches[0]);
    assert.deepEqual(
      gated.batches.map((b) => b.results.length),
      [1, 1, 1],
    );
    assert.equal(recorder.pending, 0);
    assert.equal(await storedRounds(gated.real, endpoint.id), 2);
    gated.real.close();
  });
});
