// Retention on every backend: pruning takes what is older than the cut-off and keeps every newer
// row, raw rows and rollups apart. How finely raw rows go is the backend's (RAW_PRUNE_GRANULE_MS:
// SQLite exactly, in batches tested in sqlite-store.test.ts; PostgreSQL whole UTC days).
import assert from 'node:assert/strict';
import { RAW_PRUNE_GRANULE_MS, type ResultRow, type Store } from '../../../src/store/store.ts';
import { definition, EMPTY_TICK, result } from '../helper.ts';
import type { BackendHandle } from './backends.ts';

export const T0 = Date.parse('2026-03-01T22:30:00.000Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** 500 rounds a second apart from T0, alternating between the two endpoints, in ticks of 50. */
export async function writeAlternating(store: Pick<Store, 'writeTick'>, a: number, b: number): Promise<void> {
  for (let tick = 0; tick < 10; tick++) {
    const rows: ResultRow[] = [];
    for (let i = 0; i < 50; i++) rows.push(result(i % 2 === 0 ? a : b, T0 + (tick * 50 + i) * 1000));
    await store.writeTick({ ...EMPTY_TICK, results: rows });
  }
}

export const RETENTION_CASES: Readonly<Record<string, (handle: BackendHandle) => Promise<void>>> = {
  async 'pruneResults takes only rows older than the cut-off, a call at a time, and leaves rollups whole'(handle) {
    const { store } = await handle.open({ clock: () => T0 + 10 * HOUR, flushIntervalMs: 0 });
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    await writeAlternating(store, a.id, b.id);
    await store.writeTick({ ...EMPTY_TICK, results: [result(a.id, T0 + DAY), result(b.id, T0 + DAY + 1)] });
    const all = async (id: number): Promise<ResultRow[]> => store.results(id, { fromMs: 0, toMs: T0 + 2 * DAY, limit: 10_000 });
    const count = async (): Promise<number> => (await all(a.id)).length + (await all(b.id)).length;
    assert.equal(await count(), 502);
    const granule = RAW_PRUNE_GRANULE_MS[handle.backend];
    const prune = async (cutoff: number): Promise<number> => {
      let deleted = 0;
      for (let calls = 0; ; calls++) {
        assert.ok(calls < 20, 'pruning ends');
        const n = await store.pruneResults(cutoff, 100);
        if (n === 0) return deleted;
        deleted += n;
      }
    };
    // What must go: everything older than the cut-off, rounded down to the backend's granule.
    const mustGo = (cutoff: number): number => (granule === 0 ? cutoff : Math.floor(cutoff / granule) * granule);
    for (const [cutoff, expected] of [
      [T0 + 321_000, granule === 0 ? 321 : 0], // rounds 0..320 are older; on day granules the day has not ended
      [T0 + DAY, granule === 0 ? 179 : 500], // the whole first day is older
    ] as const) {
      const before = await count();
      assert.equal(await prune(cutoff), expected, `pruning before ${new Date(cutoff).toISOString()}`);
      assert.equal(await count(), before - expected);
      for (const id of [a.id, b.id]) {
        const left = await all(id);
        assert.ok(left.every((r) => r.ts >= mustGo(cutoff)), 'nothing older than the granule is left');
        assert.ok(left.some((r) => r.ts === (id === a.id ? T0 + DAY : T0 + DAY + 1)), 'newer rows are kept');
      }
      assert.equal(await store.pruneResults(cutoff, 100), 0);
    }
    assert.equal(await count(), 2);
    assert.equal((await store.uptime(a.id, T0, T0 + HOUR)).rounds, 250, 'rollups are not raw rows');
  },

  async 'pruneRollups takes hours and days that ended before the cut-off, and gaps that ended, up to the limit per call'(handle) {
    const { store } = await handle.open({ flushIntervalMs: 0 });
    const ep = await store.createEndpoint(definition('a'));
    const day0 = Date.parse('2026-03-01T00:00:00.000Z');
    const rows = [0, 1, 2].flatMap((d) => [0, 5, 23].map((h) => result(ep.id, day0 + d * DAY + h * HOUR + 60_000)));
    await store.writeTick({ ...EMPTY_TICK, results: rows });
    assert.equal((await store.rollups('hour', ep.id, day0, day0 + 3 * DAY)).length, 9);
    assert.equal((await store.rollups('day', ep.id, day0, day0 + 3 * DAY)).length, 3);
    // Cut-off at 06:00 on day 1: day 0's hours, day 1's 00:00 and 05:00, and day 0 itself go.
    const cutoff = day0 + DAY + 6 * HOUR;
    assert.equal(await store.pruneRollups(cutoff, 2), 2);
    assert.equal(await store.pruneRollups(cutoff, 100), 4);
    assert.equal(await store.pruneRollups(cutoff, 100), 0);
    assert.deepEqual(
      (await store.rollups('hour', ep.id, day0, day0 + 3 * DAY)).map((r) => (r.start - day0) / HOUR),
      [23 + 24, 48, 48 + 5, 48 + 23],
    );
    assert.deepEqual(
      (await store.rollups('day', ep.id, day0, day0 + 3 * DAY)).map((r) => (r.start - day0) / DAY),
      [1, 2],
    );
    assert.equal((await store.results(ep.id, { fromMs: day0, toMs: day0 + 3 * DAY, limit: 100 })).length, 9, 'raw rows are not rollups');
    await store.writeTick({ ...EMPTY_TICK, gaps: [{ endpointId: ep.id, fromMs: day0, toMs: day0 + HOUR }, { endpointId: ep.id, fromMs: cutoff - HOUR, toMs: cutoff + HOUR }] });
    assert.equal(await store.pruneRollups(cutoff, 100), 1, 'the gap that ended before the cut-off');
    assert.deepEqual(await store.gaps(ep.id, 0, day0 + 3 * DAY, 10), [{ endpointId: ep.id, fromMs: cutoff - HOUR, toMs: cutoff + HOUR }]);
  },

  async 'pruneRollups with an hourly cut-off of its own keeps daily rows longer than hourly ones, and uptime whole days exact'(handle) {
    const { store } = await handle.open({ flushIntervalMs: 0 });
    const ep = await store.createEndpoint(definition('a'));
    const day0 = Date.parse('2026-03-01T00:00:00.000Z');
    const rows = [0, 1, 2].flatMap((d) => [0, 5, 23].map((h) => result(ep.id, day0 + d * DAY + h * HOUR + 60_000)));
    await store.writeTick({ ...EMPTY_TICK, results: rows });
    // Daily rows before day 1 go, hourly rows before day 2 06:00.
    assert.equal(await store.pruneRollups(day0 + DAY, 100, day0 + 2 * DAY + 6 * HOUR), 1 + 8);
    assert.deepEqual(
      (await store.rollups('hour', ep.id, day0, day0 + 3 * DAY)).map((r) => (r.start - day0) / HOUR),
      [48 + 23],
    );
    assert.deepEqual(
      (await store.rollups('day', ep.id, day0, day0 + 3 * DAY)).map((r) => (r.start - day0) / DAY),
      [1, 2],
    );
    assert.equal((await store.uptime(ep.id, day0 + DAY, day0 + 3 * DAY)).rounds, 6, 'whole days come from the daily rows');
    assert.equal(await store.pruneRollups(day0 + DAY, 100, day0 + 2 * DAY + 6 * HOUR), 0);
  },
};
