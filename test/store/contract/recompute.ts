// The rollups and uptime a store reports must equal what its own raw rows imply: rollup-math
// applied to what results() reads back. A store that double-counts a retried or refolded round,
// or loses one in a crash, fails here whatever its write-behind policy.
import assert from 'node:assert/strict';
import { type Agg, BUCKET_SIZE_MS, HOUR_MS, RollupBuffer, addAgg, addRound, alignDown, emptyAgg, summaryOf, uptimeParts } from '../../../src/store/rollup-math.ts';
import type { HistoryReader } from '../../../src/store/store.ts';

/** Rollups as the rows read back imply them. */
async function recomputed(store: HistoryReader, endpointId: number, fromMs: number, toMs: number): Promise<RollupBuffer> {
  const rows = await store.results(endpointId, { fromMs, toMs, limit: 1_000_000 });
  const buffer = new RollupBuffer();
  for (const row of rows) buffer.add(row);
  return buffer;
}

/** Hourly and daily rollups of [fromMs, toMs) and uptime over it, against the raw rows. */
export async function assertRollupsMatchRows(store: HistoryReader, endpointId: number, fromMs: number, toMs: number, label = ''): Promise<void> {
  const expected = await recomputed(store, endpointId, fromMs, toMs);
  for (const granularity of ['hour', 'day'] as const) {
    const want = [...(expected.forEndpoint(granularity, endpointId) ?? new Map<number, Agg>())]
      .sort(([a], [b]) => a - b)
      .map(([start, agg]) => ({ endpointId, start, ...agg }));
    assert.deepEqual(await store.rollups(granularity, endpointId, fromMs, toMs), want, `${label} ${granularity} rollups of endpoint ${endpointId}`);
  }
  const total = emptyAgg();
  for (const [granularity, from, to] of uptimeParts(fromMs, toMs)) {
    for (const [start, agg] of expected.forEndpoint(granularity, endpointId) ?? []) {
      if (start >= alignDown(from, BUCKET_SIZE_MS[granularity]) && start < to) addAgg(total, agg);
    }
  }
  assert.deepEqual(await store.uptime(endpointId, fromMs, toMs), summaryOf(total), `${label} uptime of endpoint ${endpointId}`);
}

/** uptime() over any window counts the whole hours it touches: the raw rows of those hours. */
export async function assertUptimeMatchesRows(store: HistoryReader, endpointId: number, fromMs: number, toMs: number, label = ''): Promise<void> {
  const rows = await store.results(endpointId, { fromMs: alignDown(fromMs, HOUR_MS), toMs: Math.ceil(toMs / HOUR_MS) * HOUR_MS, limit: 1_000_000 });
  const total = emptyAgg();
  for (const row of rows) addRound(total, row);
  assert.deepEqual(await store.uptime(endpointId, fromMs, toMs), summaryOf(total), `${label} uptime of endpoint ${endpointId}`);
}
