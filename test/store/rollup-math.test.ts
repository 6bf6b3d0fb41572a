// The rollup arithmetic every backend shares: what a round adds, how buckets merge, how a window
// splits into whole days and ragged hours, and the summary a set of buckets gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUCKET_COUNT, bucketIndex } from '../../src/domain/latency.ts';
import { type Agg, DAY_MS, HOUR_MS, RollupBuffer, addAgg, addRound, alignDown, alignUp, emptyAgg, summaryOf, uptimeParts } from '../../src/store/rollup-math.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { result } from './helper.ts';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');

/** Bucket counts with `counts` at the given indexes, zero elsewhere. */
function buckets(counts: Record<number, number>): number[] {
  return Array.from({ length: BUCKET_COUNT }, (_, i) => counts[i] ?? 0);
}

function aggOf(rows: readonly ResultRow[]): Agg {
  const agg = emptyAgg();
  for (const row of rows) addRound(agg, row);
  return agg;
}

describe('addRound', () => {
  const cases: ReadonlyArray<{ name: string; row: Partial<ResultRow>; expect: Partial<Agg> }> = [
    { name: 'up counts as up, with its latency', row: { status: 'up', durationMs: 80 }, expect: { up: 1, latencySumMs: 80, latencyMinMs: 80, latencyMaxMs: 80, buckets: buckets({ [bucketIndex(80)]: 1 }) } },
    { name: 'degraded counts as degraded, with its latency', row: { status: 'degraded', durationMs: 400 }, expect: { degraded: 1, latencySumMs: 400, latencyMinMs: 400, latencyMaxMs: 400, buckets: buckets({ [bucketIndex(400)]: 1 }) } },
    { name: 'auth_required counts, without latency', row: { status: 'auth_required', durationMs: 30 }, expect: { authRequired: 1 } },
    { name: 'down counts, without latency', row: { status: 'down', durationMs: 15_000 }, expect: { down: 1 } },
    { name: 'a discounted round is skipped entirely', row: { status: 'down', discounted: true }, expect: {} },
    { name: 'a discounted success is skipped too', row: { status: 'up', durationMs: 50, discounted: true }, expect: {} },
    { name: 'a stalled round counts, but its latency does not', row: { status: 'up', durationMs: 9_000, stalled: true }, expect: { up: 1 } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(aggOf([result(1, T0, c.row)]), { ...emptyAgg(), ...c.expect });
    });
  }

  test('min, max and sum over several rounds', () => {
    const agg = aggOf([result(1, T0, { durationMs: 120 }), result(1, T0, { durationMs: 40 }), result(1, T0, { status: 'degraded', durationMs: 700 }), result(1, T0, { status: 'down' })]);
    assert.deepEqual([agg.up, agg.degraded, agg.down], [2, 1, 1]);
    assert.deepEqual([agg.latencySumMs, agg.latencyMinMs, agg.latencyMaxMs], [860, 40, 700]);
    assert.equal(
      agg.buckets.reduce((a, b) => a + b, 0),
      3,
    );
  });
});

describe('addAgg', () => {
  test('adds counts and buckets; min and max take the wider range', () => {
    const into = aggOf([result(1, T0, { durationMs: 100 }), result(1, T0, { status: 'down' })]);
    const from = aggOf([result(1, T0, { durationMs: 20 }), result(1, T0, { durationMs: 3_000 }), result(1, T0, { status: 'auth_required' })]);
    addAgg(into, from);
    assert.deepEqual(into, {
      up: 3,
      degraded: 0,
      authRequired: 1,
      down: 1,
      latencySumMs: 3_120,
      latencyMinMs: 20,
      latencyMaxMs: 3_000,
      buckets: buckets({ [bucketIndex(20)]: 1, [bucketIndex(100)]: 1, [bucketIndex(3_000)]: 1 }),
    });
  });

  test('an empty side leaves min and max as they were (null is no value, not zero)', () => {
    const into = emptyAgg();
    addAgg(into, emptyAgg());
    assert.deepEqual(into, emptyAgg());
    const some = aggOf([result(1, T0, { durationMs: 60 })]);
    addAgg(into, some);
    assert.deepEqual([into.latencyMinMs, into.latencyMaxMs], [60, 60]);
    addAgg(some, emptyAgg());
    assert.deepEqual([some.latencyMinMs, some.latencyMaxMs], [60, 60]);
  });
});

describe('alignDown / alignUp', () => {
  const cases: ReadonlyArray<[string, number, number, number, number]> = [
    ['inside an hour', T0 + 90 * 60_000, HOUR_MS, T0 + HOUR_MS, T0 + 2 * HOUR_MS],
    ['on an hour boundary, both stay', T0 + 3 * HOUR_MS, HOUR_MS, T0 + 3 * HOUR_MS, T0 + 3 * HOUR_MS],
    ['inside a day', T0 + DAY_MS + 1, DAY_MS, T0 + DAY_MS, T0 + 2 * DAY_MS],
    ['one ms before midnight', T0 + DAY_MS - 1, DAY_MS, T0, T0 + DAY_MS],
    ['the epoch', 0, DAY_MS, 0, 0],
  ];
  for (const [name, ms, size, down, up] of cases) {
    test(name, () => {
      assert.equal(alignDown(ms, size), down);
      assert.equal(alignUp(ms, size), up);
    });
  }
});

describe('uptimeParts', () => {
  const at = (iso: string): number => Date.parse(iso);
  const cases: ReadonlyArray<{ name: string; from: string; to: string; parts: Array<['hour' | 'day', string, string]> }> = [
    {
      name: 'ragged hours on both sides of whole days',
      from: '2026-03-01T21:30:00.000Z',
      to: '2026-03-04T02:15:00.000Z',
      parts: [
        ['hour', '2026-03-01T21:30:00.000Z', '2026-03-02T00:00:00.000Z'],
        ['day', '2026-03-02T00:00:00.000Z', '2026-03-04T00:00:00.000Z'],
        ['hour', '2026-03-04T00:00:00.000Z', '2026-03-04T02:15:00.000Z'],
      ],
    },
    {
      name: 'whole days only: no ragged ends',
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-05T00:00:00.000Z',
      parts: [['day', '2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z']],
    },
    {
      name: 'a ragged start, ending at midnight',
      from: '2026-03-01T12:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      parts: [
        ['hour', '2026-03-01T12:00:00.000Z', '2026-03-02T00:00:00.000Z'],
        ['day', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ],
    },
    {
      name: 'inside one day: hours only',
      from: '2026-03-01T05:00:00.000Z',
      to: '2026-03-01T09:30:00.000Z',
      parts: [['hour', '2026-03-01T05:00:00.000Z', '2026-03-01T09:30:00.000Z']],
    },
    {
      name: 'across one midnight without a whole day: hours only',
      from: '2026-03-01T20:00:00.000Z',
      to: '2026-03-02T04:00:00.000Z',
      parts: [['hour', '2026-03-01T20:00:00.000Z', '2026-03-02T04:00:00.000Z']],
    },
    { name: 'an empty window has no parts', from: '2026-03-01T05:00:00.000Z', to: '2026-03-01T05:00:00.000Z', parts: [] },
    { name: 'a reversed window has no parts', from: '2026-03-02T05:00:00.000Z', to: '2026-03-01T05:00:00.000Z', parts: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(
        uptimeParts(at(c.from), at(c.to)),
        c.parts.map(([granularity, from, to]) => [granularity, at(from), at(to)]),
      );
    });
  }
});

describe('summaryOf', () => {
  test('nothing counted: zero rounds, no percentiles', () => {
    assert.deepEqual(summaryOf(emptyAgg()), { rounds: 0, up: 0, degraded: 0, authRequired: 0, down: 0, p50Ms: null, p95Ms: null });
  });

  test('counts every status as a round; percentiles come from the buckets', () => {
    // Ten successful rounds in the 50–100 ms bucket: p50 and p95 interpolate inside it.
    const agg: Agg = { ...emptyAgg(), up: 9, degraded: 1, authRequired: 2, down: 3, latencySumMs: 800, latencyMinMs: 60, latencyMaxMs: 100, buckets: buckets({ [bucketIndex(75)]: 10 }) };
    assert.deepEqual(summaryOf(agg), { rounds: 15, up: 9, degraded: 1, authRequired: 2, down: 3, p50Ms: 75, p95Ms: 97.5 });
  });

  test('percentiles across buckets, capped by the largest latency seen', () => {
    // 18 rounds at <= 10 ms and 2 in the 1000–1500 ms bucket, the slowest 1200 ms.
    const agg: Agg = { ...emptyAgg(), up: 20, latencyMinMs: 4, latencyMaxMs: 1_200, buckets: buckets({ [bucketIndex(5)]: 18, [bucketIndex(1_200)]: 2 }) };
    const summary = summaryOf(agg);
    assert.equal(summary.p50Ms, (10 * 10) / 18);
    assert.equal(summary.p95Ms, 1_200, 'interpolation inside 1000–1500 stops at the max seen');
  });

  test('a window of only failures has rounds but no latency', () => {
    assert.deepEqual(summaryOf(aggOf([result(1, T0, { status: 'down' }), result(1, T0, { status: 'auth_required' })])), {
      rounds: 2,
      up: 0,
      degraded: 0,
      authRequired: 1,
      down: 1,
      p50Ms: null,
      p95Ms: null,
    });
  });
});

describe('RollupBuffer', () => {
  test('sorted() is in (start, endpoint) order, the rollup tables\u2019 key order', () => {
    const buffer = new RollupBuffer();
    const rows = [result(3, T0 + 2 * HOUR_MS), result(1, T0 + 2 * HOUR_MS + 5), result(2, T0), result(3, T0 + 10), result(1, T0 + DAY_MS), result(2, T0 + HOUR_MS)];
    for (const row of rows) buffer.add(row);
    assert.deepEqual(
      buffer.sorted('hour').map((e) => [e.start - T0, e.endpointId]),
      [
        [0, 2],
        [0, 3],
        [HOUR_MS, 2],
        [2 * HOUR_MS, 1],
        [2 * HOUR_MS, 3],
        [DAY_MS, 1],
      ],
    );
    assert.deepEqual(
      buffer.sorted('day').map((e) => [e.start - T0, e.endpointId, e.agg.up]),
      [
        [0, 1, 1],
        [0, 2, 2],
        [0, 3, 2],
        [DAY_MS, 1, 1],
      ],
    );
  });

  test('merge adds another buffer bucket by bucket', () => {
    const a = new RollupBuffer();
    const b = new RollupBuffer();
    a.add(result(1, T0, { durationMs: 30 }));
    b.add(result(1, T0 + 60_000, { durationMs: 90 }));
    b.add(result(2, T0, { status: 'down' }));
    a.merge(b);
    assert.deepEqual(a.forEndpoint('hour', 1)?.get(T0), aggOf([result(1, T0, { durationMs: 30 }), result(1, T0, { durationMs: 90 })]));
    assert.equal(a.forEndpoint('day', 2)?.get(T0)?.down, 1);
    a.deleteEndpoint(1);
    a.deleteEndpoint(2);
    assert.equal(a.isEmpty, true);
  });
});
