// The rollup tables' columns, shared by every backend's SQL: b0..b15 for the latency buckets, the
// columns that add up when two rows of one bucket merge, and the row → Agg codec. (SQLite keeps
// the 16 counts in one blob since migration 0013, sqlite/rollup-buckets.ts; its count is checked here too.)
import { BUCKET_COUNT } from '../domain/latency.ts';
import type { Agg } from './rollup-math.ts';
import { StoreError } from './store.ts';

/** The rollup tables have b0..b15; a different LATENCY_BUCKETS_MS needs a migration first. */
export const SCHEMA_BUCKET_COUNT = 16;
export const BUCKET_COLUMNS = Array.from({ length: SCHEMA_BUCKET_COUNT }, (_, i) => `b${i}` as const);
/** Counts and sums that add up when two rollup rows of one bucket merge, in every layout. */
export const COUNT_COLUMNS = ['up', 'degraded', 'auth_required', 'down', 'latency_sum_ms'] as const;
/** Columns that add up when two rollup rows of one bucket merge (min and max do not). */
export const ADDITIVE_COLUMNS = [...COUNT_COLUMNS, ...BUCKET_COLUMNS] as const;

/** Refuses to run with a bucket list the schema has no columns for. */
export function checkBucketCount(): void {
  const bucketCount: number = BUCKET_COUNT;
  if (bucketCount !== SCHEMA_BUCKET_COUNT) {
    throw new StoreError('SCHEMA_MISMATCH', `LATENCY_BUCKETS_MS has ${bucketCount} buckets but the rollup tables have ${SCHEMA_BUCKET_COUNT} columns; add a migration first`);
  }
}

/** A rollup row's columns other than its latency buckets, whichever way those are stored. */
export interface RollupRowBase {
  start: number;
  endpoint_id: number;
  up: number;
  degraded: number;
  auth_required: number;
  down: number;
  latency_sum_ms: number;
  latency_min_ms: number | null;
  latency_max_ms: number | null;
}

/** A rollup row with the buckets as columns b0..b15 (PostgreSQL). */
export interface RollupDbRow extends RollupRowBase {
  [bucket: `b${number}`]: number;
}

/** A row's counts with its buckets, decoded by the caller from its backend's layout. */
export function aggOf(row: RollupRowBase, buckets: number[]): Agg {
  return {
    up: row.up,
    degraded: row.degraded,
    authRequired: row.auth_required,
    down: row.down,
    latencySumMs: row.latency_sum_ms,
    latencyMinMs: row.latency_min_ms,
    latencyMaxMs: row.latency_max_ms,
    buckets,
  };
}

export function aggFromDb(row: RollupDbRow): Agg {
  return aggOf(row, BUCKET_COLUMNS.map((column) => row[column] ?? 0));
}
