// The rollup tables must always equal a recomputation from the raw rows, whatever the tick
// boundaries, flush timing, hour/day boundaries, or a crash between flushes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STATUSES, type Status } from '../../src/domain/failure-codes.ts';
import { BUCKET_COUNT, bucketIndex, LATENCY_BUCKETS_MS, quantileFromBuckets } from '../../src/domain/latency.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import type { ResultRow, Rollup, UptimeSummary } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, manualClock, result, seededRandom, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T21:47:13.000Z'); // mid-hour, late in the UTC day
const SPAN = 2 * DAY + 5 * HOUR;

/** Rollups recomputed in plain JS from raw rows: the specification the store must meet. */
function recompute(rows: readonly ResultRow[], endpointId: number, size: number): Rollup[] {
  const byStart = new Map<number, Rollup & { buckets: number[] }>();
  for (const row of rows) {
    if (row.endpointId !== endpointId) continue;
    const start = Math.floor(row.ts / size) * size;
    let r = byStart.get(start);
    if (!r) {
      r = { endpointId, start, up: 0, degraded: 0, authRequired: 0, down: 0, latencySumMs: 0, latencyMinMs: null, latencyMaxMs: null, buckets: new Array<number>(BUCKET_COUNT).fill(0) };
      byStart.set(start, r);
    }
    const counted = { ...r, [countField(row.status)]: r[countField(row.status)] + 1 };
    if ((row.status === 'up' || row.status === 'degraded') && !row.stalled) {
      const ms = Math.round(row.durationMs);
      counted.latencySumMs += ms;
      counted.latencyMinMs = counted.latencyMinMs === null ? ms : Math.min(counted.latencyMinMs, ms);
      counted.latencyMaxMs = counted.latencyMaxMs === null ? ms : Math.max(counted.latencyMaxMs, ms);
      counted.buckets = [...counted.buckets];
      counted.buckets[bucketIndex(ms)]!++;
    }
    byStart.set(start, counted);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

function countField(status: Status): 'up' | 'degraded' | 'authRequired' | 'down' {
  return status === 'auth_required' ? 'authRequired' : status;
}

/** Uptime recomputed from raw rows over the hours the store promises to cover. */
function recomputeUptime(rows: readonly ResultRow[], endpointId: number, fromMs: number, toMs: number): UptimeSummary {
  const lo = Math.floor(fromMs / HOUR) * HOUR;
  const hi = Math.ceil(toMs / HOUR) * HOUR;
  const inWindow = rows.filter((r) => r.endpointId === endpointId && r.ts >= lo && r.ts < hi);
  const [total] = recompute(
    inWindow.map((r) => ({ ...r, ts: 0 })),
    endpointId,
    DAY,
  );
  if (!total) return { rounds: 0, up: 0, degraded: 0, authRequired: 0, down: 0, p50Ms: null, p95Ms: null };
  const max = total.latencyMaxMs ?? 0;
  return {
    rounds: total.up + total.degraded + total.authRequired + total.down,
    up: total.up,
    degraded: total.degraded,
    authRequired: total.authRequired,
    down: total.down,
    p50Ms: quantileFromBuckets(total.buckets, 0.5, max),
    p95Ms: quantileFromBuckets(total.buckets, 0.95, max),
  };
}

/** Three endpoints, about two days of rounds with random statuses, latencies and stalls. */
function generate(endpointIds: readonly number[], seed: number): ResultRow[] {
  const random = seededRandom(seed);
  const rows: ResultRow[] = [];
  const upperBounds = LATENCY_BUCKETS_MS.slice(0, -1) as readonly number[];
  for (const id of endpointIds) {
    const intervalMs = (3 + id) * 60_000;
    for (let ts = T0 + Math.floor(random() * intervalMs); ts < T0 + SPAN; ts += intervalMs + Math.floor(random() * 5000) - 2500) {
      const roll = random();
      const status: Status = roll < 0.7 ? 'up' : roll < 0.8 ? 'degraded' : roll < 0.88 ? 'auth_required' : 'down';
      // Mostly inside a bucket, sometimes exactly on a bound, sometimes past the last bound.
      const pick = random();
      const durationMs = pick < 0.1 ? upperBounds[Math.floor(random() * upperBounds.length)]! : pick < 0.12 ? 20_000 + random() * 40_000 : random() * 3000;
      rows.push(result(id, ts, { status, code: status === 'up' ? null : 'HTTP_5XX', durationMs, stalled: random() < 0.1, retried: random() < 0.05, era: status === 'up' ? 'modern' : null }));
    }
  }
  return rows;
}

/** Writes the rows in ticks of `tickMs` (each tick's rows shuffled), moving the clock along. */
async function writeInTicks(store: SqliteStore, rows: readonly ResultRow[], clock: { set: (ms: number) => void }, tickMs: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  for (let start = T0; start < T0 + SPAN; start += tickMs) {
    const tick = rows.filter((r) => r.ts >= start && r.ts < start + tickMs).sort(() => random() - 0.5);
    clock.set(start + tickMs);
    await store.writeTick({ ...EMPTY_TICK, results: tick });
  }
}

async function assertRollupsMatch(store: SqliteStore, rows: readonly ResultRow[], endpointIds: readonly number[], label: string): Promise<void> {
  for (const id of endpointIds) {
    assert.deepEqual(await store.rollups('hour', id, T0 - DAY, T0 + SPAN + DAY), recompute(rows, id, HOUR), `${label}: hourly, endpoint ${id}`);
    assert.deepEqual(await store.rollups('day', id, T0 - DAY, T0 + SPAN + DAY), recompute(rows, id, DAY), `${label}: daily, endpoint ${id}`);
  }
}

async function setup(flushIntervalMs: number): Promise<{ store: SqliteStore; path: string; ids: number[]; rows: ResultRow[]; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock(T0);
  const path = join(tmp.dir, `rollups-${n++}`, 'mcpwatch.db');
  const store = openSqliteStore(path, { clock: clock.now, flushIntervalMs });
  const ids: number[] = [];
  for (const slug of ['a', 'b', 'c']) ids.push((await store.createEndpoint(definition(slug))).id);
  return { store, path, ids, rows: generate(ids, 42 + n), clock };
}

describe('rollups equal a recomputation from raw rows', () => {
  const cases = [
    { name: 'written in every tick', flushIntervalMs: 0, tickMs: 17 * 60_000 },
    { name: 'flushed every 45 min, ticks of 7 min', flushIntervalMs: 45 * 60_000, tickMs: 7 * 60_000 },
    { name: 'never flushed before close, ticks of 1 h 3 min', flushIntervalMs: Number.MAX_SAFE_INTEGER, tickMs: 63 * 60_000 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { store, path, ids, rows } = await setupAndWrite(c.flushIntervalMs, c.tickMs);
      assert.ok(rows.length > 1500, `${rows.length} rows`);
      await assertRollupsMatch(store, rows, ids, 'live');
      // The raw rows themselves are what was written.
      for (const id of ids) {
        const expected = rows
          .filter((r) => r.endpointId === id)
          .map((r) => ({ ...r, durationMs: Math.round(r.durationMs), detail: r.status === 'up' ? null : r.detail }))
          .sort((a, b) => b.ts - a.ts);
        assert.deepEqual(await store.results(id, { fromMs: T0, toMs: T0 + SPAN, limit: 100_000 }), expected);
      }
      store.close();
      const reopened = openSqliteStore(path);
      await assertRollupsMatch(reopened, rows, ids, 'after close and reopen');
      reopened.close();
    });
  }

  async function setupAndWrite(flushIntervalMs: number, tickMs: number): ReturnType<typeof setup> {
    const s = await setup(flushIntervalMs);
    await writeInTicks(s.store, s.rows, s.clock, tickMs, 7);
    return s;
  }

  test('uptime over windows of every shape equals the raw rows of the hours it covers', async () => {
    const { store, ids, rows, clock } = await setup(45 * 60_000);
    await writeInTicks(store, rows, clock, 11 * 60_000, 3);
    const random = seededRandom(99);
    const windows: [number, number][] = [
      [T0, T0 + SPAN],
      [T0 - DAY, T0 + 3 * DAY],
      [Date.parse('2026-03-02T00:00:00.000Z'), Date.parse('2026-03-03T00:00:00.000Z')],
      [Date.parse('2026-03-02T05:00:00.000Z'), Date.parse('2026-03-02T06:00:00.000Z')],
      [T0 + 5 * DAY, T0 + 6 * DAY],
    ];
    for (let i = 0; i < 40; i++) {
      const from = T0 - HOUR + Math.floor(random() * (SPAN + HOUR));
      windows.push([from, from + Math.floor(random() * (SPAN / 2))]);
    }
    for (const id of ids) {
      for (const [from, to] of windows) {
        assert.deepEqual(await store.uptime(id, from, to), recomputeUptime(rows, id, from, to), `endpoint ${id}, [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
      }
    }
    const whole = await store.uptime(ids[0]!, T0, T0 + SPAN);
    assert.ok(whole.rounds > 500 && whole.p50Ms !== null && whole.p95Ms !== null && whole.p95Ms >= whole.p50Ms);
    store.close();
  });

  test('stalled rounds count as rounds but not as latency', async () => {
    const { store, ids } = await setup(0);
    const id = ids[0]!;
    await store.writeTick({ ...EMPTY_TICK, results: [result(id, T0, { durationMs: 40 }), result(id, T0 + 1000, { durationMs: 9000, stalled: true })] });
    const [hour] = await store.rollups('hour', id, T0, T0 + 1);
    assert.equal(hour?.up, 2);
    assert.equal(hour?.latencySumMs, 40);
    assert.equal(hour?.latencyMaxMs, 40);
    assert.equal(hour?.buckets.reduce((a, b) => a + b, 0), 1);
    store.close();
  });
});

describe('crash between flushes', () => {
  test('a copy of the files taken mid-run (unflushed rounds pending) recovers exact rollups', async () => {
    const { store, path, ids, rows, clock } = await setup(50 * 60_000);
    await writeInTicks(store, rows, clock, 13 * 60_000, 5);
    // The files as a crash would leave them: the database and its WAL, no clean close.
    const crashDir = join(tmp.dir, `crash-${n++}`);
    mkdirSync(crashDir);
    const crashPath = join(crashDir, 'mcpwatch.db');
    copyFileSync(path, crashPath);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${crashPath}-wal`);

    const raw = new Database(crashPath, { readonly: true });
    const watermark = raw.prepare<[], { value: number }>("SELECT value FROM store_meta WHERE key = 'rollups_through_rowid'").get()?.value ?? 0;
    const total = raw.prepare<[], { c: number }>('SELECT count(*) AS c FROM probe_results').get()?.c ?? 0;
    raw.close();
    assert.ok(watermark > 0 && watermark < total, `some rounds flushed (${watermark}) and some pending (${total - watermark})`);

    const recovered = openSqliteStore(crashPath, { flushIntervalMs: 0 });
    await assertRollupsMatch(recovered, rows, ids, 'recovered');
    recovered.close();
    const again = openSqliteStore(crashPath);
    await assertRollupsMatch(again, rows, ids, 'recovered, flushed and reopened');
    again.close();
    store.close();
  });

  test('a second connection that flushes in between does not make rounds count twice', async () => {
    const { store, path, ids, rows, clock } = await setup(Number.MAX_SAFE_INTEGER);
    const half = T0 + DAY;
    await writeInTicks(
      store,
      rows.filter((r) => r.ts < half),
      clock,
      13 * 60_000,
      5,
    );
    // Another process opens the file, folds the unflushed rounds, and flushes them on close.
    openSqliteStore(path).close();
    await writeInTicks(
      store,
      rows.filter((r) => r.ts >= half),
      clock,
      13 * 60_000,
      6,
    );
    store.close();
    const reopened = openSqliteStore(path);
    await assertRollupsMatch(reopened, rows, ids, 'after two writers flushed');
    reopened.close();
  });
});

describe('status codes are stable', () => {
  test('every status is stored and read back', async () => {
    const { store, ids } = await setup(0);
    const id = ids[0]!;
    await store.writeTick({ ...EMPTY_TICK, results: STATUSES.map((status, i) => result(id, T0 + i * 1000, { status })) });
    assert.deepEqual(
      (await store.results(id, { fromMs: T0, toMs: T0 + 10_000, limit: 10 })).map((r) => r.status),
      [...STATUSES].reverse(),
    );
    store.close();
  });
});
