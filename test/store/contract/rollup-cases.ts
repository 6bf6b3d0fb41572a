// Rollups and uptime on every backend: always equal to a recomputation from the raw rows read
// back, whatever the tick boundaries, the flush timing (SQLite folds in memory, PostgreSQL writes
// every tick), hour and day boundaries, a crash between flushes, a restart, or another process
// opening the database meanwhile. Lifted from the SQLite-only rollups, batch-reads and
// discounted-rounds tests.
import assert from 'node:assert/strict';
import { STATUSES, type Status } from '../../../src/domain/failure-codes.ts';
import { LATENCY_BUCKETS_MS } from '../../../src/domain/latency.ts';
import { normalizeResult } from '../../../src/store/result-codec.ts';
import { DAY_MS as DAY, HOUR_MS as HOUR } from '../../../src/store/rollup-math.ts';
import { EMPTY_UPTIME, type ResultRow, type Storage, type Store } from '../../../src/store/store.ts';
import { seedEndpoint } from '../../http/page-seed.ts';
import { definition, EMPTY_TICK, manualClock, result, seededRandom } from '../helper.ts';
import type { BackendHandle } from './backends.ts';
import { assertRollupsMatchRows, assertUptimeMatchesRows } from './recompute.ts';

export const T0 = Date.parse('2026-03-01T21:47:13.000Z'); // mid-hour, late in the UTC day
export const SPAN = 2 * DAY + 5 * HOUR;
const WIDE: [number, number] = [T0 - DAY, T0 + SPAN + DAY];

/** Three endpoints' worth of rounds over SPAN: random statuses, latencies (some on bucket bounds), stalls. */
export function generate(endpointIds: readonly number[], seed: number): ResultRow[] {
  const random = seededRandom(seed);
  const rows: ResultRow[] = [];
  const upperBounds = LATENCY_BUCKETS_MS.slice(0, -1) as readonly number[];
  for (const [i, id] of endpointIds.entries()) {
    const intervalMs = (4 + i) * 60_000;
    for (let ts = T0 + Math.floor(random() * intervalMs); ts < T0 + SPAN; ts += intervalMs + Math.floor(random() * 5000) - 2500) {
      const roll = random();
      const status: Status = roll < 0.7 ? 'up' : roll < 0.8 ? 'degraded' : roll < 0.88 ? 'auth_required' : 'down';
      const pick = random();
      const durationMs = pick < 0.1 ? upperBounds[Math.floor(random() * upperBounds.length)]! : pick < 0.12 ? 20_000 + random() * 40_000 : random() * 3000;
      rows.push(
        result(id, ts, {
          status,
          code: status === 'up' ? null : 'HTTP_5XX',
          durationMs,
          stalled: random() < 0.1,
          retried: random() < 0.05,
          ...(status === 'down' && random() < 0.2 ? { discounted: true } : {}),
          era: status === 'up' ? 'modern' : null,
        }),
      );
    }
  }
  return rows;
}

interface Run {
  readonly storage: Storage;
  readonly store: Store;
  readonly ids: number[];
  readonly rows: ResultRow[];
  readonly clock: ReturnType<typeof manualClock>;
}

async function setup(handle: BackendHandle, flushIntervalMs: number, seed: number): Promise<Run & { reopen: () => Promise<Store> }> {
  const clock = manualClock(T0);
  const options = { clock: clock.now, flushIntervalMs };
  const storage = await handle.open(options);
  const { store } = storage;
  const ids: number[] = [];
  for (const slug of ['a', 'b', 'c']) ids.push((await store.createEndpoint(definition(slug))).id);
  return { storage, store, ids, rows: generate(ids, seed), clock, reopen: async () => (await handle.open(options)).store };
}

/** Writes the rows with ts in [from, to) in ticks of `tickMs` (each tick's rows shuffled), moving the clock along. */
export async function writeInTicks(store: Pick<Store, 'writeTick'>, rows: readonly ResultRow[], clock: { set: (ms: number) => void }, tickMs: number, seed: number, from = T0, to = T0 + SPAN): Promise<void> {
  const random = seededRandom(seed);
  for (let start = from; start < to; start += tickMs) {
    const end = Math.min(start + tickMs, to);
    const tick = rows.filter((r) => r.ts >= start && r.ts < end).sort(() => random() - 0.5);
    clock.set(end);
    await store.writeTick({ ...EMPTY_TICK, results: tick });
  }
}

export async function assertAllMatch(store: Store, ids: readonly number[], label: string): Promise<void> {
  for (const id of ids) await assertRollupsMatchRows(store, id, WIDE[0], WIDE[1], label);
}

/** The raw rows read back are the rows written (normalized), newest first. */
async function assertRowsAsWritten(store: Store, rows: readonly ResultRow[], ids: readonly number[]): Promise<void> {
  for (const id of ids) {
    const expected = rows
      .filter((r) => r.endpointId === id)
      .map(normalizeResult)
      .sort((a, b) => b.ts - a.ts);
    assert.deepEqual(await store.results(id, { fromMs: T0, toMs: T0 + SPAN, limit: 100_000 }), expected, `raw rows of endpoint ${id}`);
  }
}

function flushCase(flushIntervalMs: number, tickMs: number, seed: number): (handle: BackendHandle) => Promise<void> {
  return async (handle) => {
    const run = await setup(handle, flushIntervalMs, seed);
    await writeInTicks(run.store, run.rows, run.clock, tickMs, 7);
    assert.ok(run.rows.length > 1000, `${run.rows.length} rows`);
    await assertRowsAsWritten(run.store, run.rows, run.ids);
    await assertAllMatch(run.store, run.ids, 'live');
    const restarted = await run.reopen();
    await assertAllMatch(restarted, run.ids, 'after a restart');
  };
}

export const ROLLUP_CASES: Readonly<Record<string, (handle: BackendHandle) => Promise<void>>> = {
  'rollups equal the raw rows: written in every tick, ticks of 17 min, then a restart': flushCase(0, 17 * 60_000, 1),
  'rollups equal the raw rows: flushed every 45 min, ticks of 7 min, then a restart': flushCase(45 * 60_000, 7 * 60_000, 2),
  'rollups equal the raw rows: never flushed before the restart, ticks of 1 h 3 min': flushCase(Number.MAX_SAFE_INTEGER, 63 * 60_000, 3),

  async 'a crash between flushes loses no round and counts none twice; writing goes on after it'(handle) {
    const run = await setup(handle, 50 * 60_000, 4);
    const half = T0 + DAY + 7 * 60_000;
    await writeInTicks(run.store, run.rows, run.clock, 13 * 60_000, 5, T0, half);
    await handle.crash(run.storage);
    const before = run.rows.filter((r) => r.ts < half);
    const recovered = await run.reopen();
    await assertRowsAsWritten(recovered, before, run.ids);
    await assertAllMatch(recovered, run.ids, 'recovered');
    await writeInTicks(recovered, run.rows, run.clock, 13 * 60_000, 6, half, T0 + SPAN);
    await assertAllMatch(recovered, run.ids, 'written on after the crash');
    await assertAllMatch(await run.reopen(), run.ids, 'and after a restart');
  },

  async 'another process opening and closing the database meanwhile does not count rounds twice'(handle) {
    const run = await setup(handle, Number.MAX_SAFE_INTEGER, 5);
    const half = T0 + DAY;
    await writeInTicks(run.store, run.rows, run.clock, 13 * 60_000, 5, T0, half);
    // It folds what it finds on open and flushes it on close.
    await (await handle.open()).close();
    await writeInTicks(run.store, run.rows, run.clock, 13 * 60_000, 6, half, T0 + SPAN);
    await assertAllMatch(run.store, run.ids, 'live');
    await assertAllMatch(await run.reopen(), run.ids, 'after two writers flushed');
  },

  async 'uptime over windows of every shape equals the raw rows; uptimeAll equals uptime'(handle) {
    const run = await setup(handle, 45 * 60_000, 6);
    await writeInTicks(run.store, run.rows, run.clock, 11 * 60_000, 3);
    const random = seededRandom(99);
    const windows: [number, number][] = [
      [T0, T0 + SPAN],
      [T0 - DAY, T0 + 3 * DAY],
      [Date.parse('2026-03-02T00:00:00.000Z'), Date.parse('2026-03-03T00:00:00.000Z')],
      [Date.parse('2026-03-02T05:00:00.000Z'), Date.parse('2026-03-02T06:00:00.000Z')],
      [T0 + 5 * DAY, T0 + 6 * DAY],
    ];
    for (let i = 0; i < 25; i++) {
      const from = T0 - HOUR + Math.floor(random() * (SPAN + HOUR));
      windows.push([from, from + 1 + Math.floor(random() * (SPAN / 2))]);
    }
    for (const [from, to] of windows) {
      const all = await run.store.uptimeAll(from, to);
      for (const id of run.ids) {
        await assertUptimeMatchesRows(run.store, id, from, to, `[${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
        assert.deepEqual(all.get(id) ?? EMPTY_UPTIME, await run.store.uptime(id, from, to));
      }
    }
    await assertAllMatch(run.store, run.ids, 'whole span');
    const whole = await run.store.uptime(run.ids[0]!, T0, T0 + SPAN);
    assert.ok(whole.rounds > 400 && whole.p50Ms !== null && whole.p95Ms !== null && whole.p95Ms >= whole.p50Ms);
  },

  async 'stalled rounds count as rounds but not as latency'(handle) {
    const { store } = await handle.open({ flushIntervalMs: 0 });
    const id = (await store.createEndpoint(definition('a'))).id;
    await store.writeTick({ ...EMPTY_TICK, results: [result(id, T0, { durationMs: 40 }), result(id, T0 + 1000, { durationMs: 9000, stalled: true })] });
    const [hour] = await store.rollups('hour', id, T0, T0 + 1);
    assert.equal(hour?.up, 2);
    assert.equal(hour?.latencySumMs, 40);
    assert.equal(hour?.latencyMaxMs, 40);
    assert.equal(hour?.buckets.reduce((a, b) => a + b, 0), 1);
  },

  async 'discounted rounds are stored with their flag and left out of uptime and rollups, after a restart too'(handle) {
    const { store } = await handle.open({ flushIntervalMs: 0 });
    const id = (await store.createEndpoint(definition('busy'))).id;
    const timeout = { status: 'down', code: 'PROBE_TIMEOUT', detail: 'probe timed out', stalled: true } as const;
    await store.writeTick({
      ...EMPTY_TICK,
      results: [result(id, T0), result(id, T0 + 60_000, { ...timeout, discounted: true }), result(id, T0 + 120_000, { status: 'down' }), result(id, T0 + 180_000)],
    });
    const expectCounts = async (s: Store): Promise<void> => {
      const uptime = await s.uptime(id, T0, T0 + HOUR);
      assert.deepEqual([uptime.rounds, uptime.up, uptime.down], [3, 2, 1]);
      const [hour] = await s.rollups('hour', id, T0, T0 + 1);
      assert.deepEqual([hour?.up, hour?.down], [2, 1]);
      const rows = await s.results(id, { fromMs: T0, toMs: T0 + HOUR, limit: 10 });
      assert.deepEqual(
        rows.map((r) => r.discounted === true),
        [false, false, true, false],
      );
    };
    await expectCounts(store);
    await expectCounts((await handle.open()).store);
  },

  async 'every status is stored and read back'(handle) {
    const { store } = await handle.open();
    const id = (await store.createEndpoint(definition('a'))).id;
    await store.writeTick({ ...EMPTY_TICK, results: STATUSES.map((status, i) => result(id, T0 + i * 1000, { status })) });
    assert.deepEqual(
      (await store.results(id, { fromMs: T0, toMs: T0 + 10_000, limit: 10 })).map((r) => r.status),
      [...STATUSES].reverse(),
    );
  },

  async 'uptimeAll and rollupsAll equal uptime and rollups for every endpoint, flushed and not'(handle) {
    const NOW = Date.UTC(2026, 10, 25, 12, 30);
    const clock = manualClock(NOW);
    const { store } = await handle.open({ clock: clock.now, flushIntervalMs: 60 * 60_000 });
    const random = seededRandom(7);
    const statuses = ['up', 'up', 'up', 'degraded', 'auth_required', 'down'] as const;
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { endpoint } = await seedEndpoint(store, NOW, {
        slug: `ep-${i}`,
        days: [90, 30, 3, 1, 0, 91][i]!,
        row: () => {
          const status = statuses[Math.floor(random() * statuses.length)]!;
          return { status, code: status === 'up' ? null : 'HTTP_5XX', stalled: random() < 0.05, durationMs: Math.round(20 + random() * 4_000) };
        },
      });
      ids.push(endpoint.id);
    }
    await store.flush();
    // Rounds after the flush stay in a write-behind buffer (SQLite), some in hours already stored.
    const late = ids.flatMap((id, i) => (i === 4 ? [] : [result(id, NOW - 20 * 60_000, { status: 'down' }), result(id, NOW - 2 * HOUR - 5_000, { durationMs: 99 })]));
    await store.writeTick({ ...EMPTY_TICK, results: late });

    const windows: Array<[number, number]> = [
      [NOW - DAY, NOW],
      [NOW - 7 * DAY, NOW],
      [NOW - 30 * DAY, NOW],
      [NOW - 90 * DAY, NOW],
      [NOW - 95 * DAY - 17 * 60_000, NOW - 3 * HOUR - 1],
      [Date.UTC(2026, 10, 20), Date.UTC(2026, 10, 23)],
      [NOW - 3 * HOUR, NOW - 3 * HOUR],
      [0, NOW + DAY],
      [NOW + DAY, NOW + 2 * DAY],
    ];
    for (const [from, to] of windows) {
      const all = await store.uptimeAll(from, to);
      for (const id of ids) assert.deepEqual(all.get(id) ?? EMPTY_UPTIME, await store.uptime(id, from, to), `uptime ${id} [${from}, ${to})`);
      for (const granularity of ['hour', 'day'] as const) {
        const rollups = await store.rollupsAll(granularity, from, to);
        for (const id of ids) assert.deepEqual(rollups.get(id) ?? [], await store.rollups(granularity, id, from, to), `${granularity} rollups ${id} [${from}, ${to})`);
        for (const [id, rows] of rollups) assert.ok(rows.length > 0 && ids.includes(id));
        // A slice of the ids: exactly those endpoints' rows, flushed or not.
        const slice = { from: ids[1]!, to: ids[4]! };
        const sliced = await store.rollupsAll(granularity, from, to, slice);
        assert.deepEqual(sliced, new Map([...rollups].filter(([id]) => id >= slice.from && id < slice.to)), `${granularity} rollups of ids [${slice.from}, ${slice.to}) [${from}, ${to})`);
        assert.equal((await store.rollupsAll(granularity, from, to, { from: ids[2]!, to: ids[2]! })).size, 0, 'an empty slice');
      }
    }
    assert.ok((await store.uptimeAll(NOW - 90 * DAY, NOW)).size >= 5, 'something was compared');
    await assertRollupsMatchRows(store, ids[0]!, NOW - 90 * DAY, NOW, 'seeded');
  },
};
