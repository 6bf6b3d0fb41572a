// uptimeAll() and rollupsAll() are the per-endpoint uptime() and rollups() for every endpoint at
// once (the dashboard and the status overview use them): they must agree exactly, flushed rows and
// unflushed increments alike, over aligned, ragged, empty and out-of-range windows.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { EMPTY_UPTIME } from '../../src/store/store.ts';
import { DAY, HOUR, seedEndpoint } from '../http/page-seed.ts';
import { EMPTY_TICK, manualClock, result, seededRandom, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);

const NOW = Date.UTC(2026, 10, 25, 12, 30);

describe('batch reads', () => {
  test('uptimeAll and rollupsAll equal uptime and rollups for every endpoint', async () => {
    const clock = manualClock(NOW);
    const store = openSqliteStore(join(tmp.dir, 'batch.db'), { clock: clock.now, flushIntervalMs: 60 * 60_000 });
    try {
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
      store.checkpoint();
      // Rounds after the flush stay in the in-memory buffer, some in hours that are also on disk.
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
        }
      }
      // Something was actually compared: the seeded endpoints have rounds in the 90-day window.
      assert.ok((await store.uptimeAll(NOW - 90 * DAY, NOW)).size >= 5);
    } finally {
      store.close();
    }
  });
});
