// SQLite's crash recovery from the files themselves: the rollup tables plus the raw rows above
// the watermark equal a recomputation from the raw rows. The backend-neutral rollup checks (flush
// timing, restarts, crashes, second writers, uptime) are in contract/rollup-cases.ts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Status } from '../../src/domain/failure-codes.ts';
import { BUCKET_COUNT, bucketIndex, LATENCY_BUCKETS_MS } from '../../src/domain/latency.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import type { ResultRow, Rollup } from '../../src/store/store.ts';
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

describe('crash between flushes', () => {
  // SQLite-only: the rowid watermark in the files a crash leaves (the contract's crash case covers the rest).
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
});
