// Rollup arithmetic, pure and shared by every backend: what one round adds to an hourly and a daily
// bucket, how buckets merge, how an uptime window splits into whole days and ragged hours, and the
// summary a set of buckets gives. The contract suite checks each backend's rollups against these
// applied to its raw rows.
import { BUCKET_COUNT, bucketIndex, quantileFromBuckets } from '../domain/latency.ts';
import type { ResultRow, UptimeSummary } from './store.ts';

export type Granularity = 'hour' | 'day';
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day'];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const BUCKET_SIZE_MS: Record<Granularity, number> = { hour: HOUR_MS, day: DAY_MS };


export interface Agg {
  up: number;
  degraded: number;
  authRequired: number;
  down: number;
  latencySumMs: number;
  latencyMinMs: number | null;
  latencyMaxMs: number | null;
  buckets: number[];
}

export function emptyAgg(): Agg {
  return { up: 0, degraded: 0, authRequired: 0, down: 0, latencySumMs: 0, latencyMinMs: null, latencyMaxMs: null, buckets: new Array<number>(BUCKET_COUNT).fill(0) };
}

export function addRound(agg: Agg, row: ResultRow): void {
  // mcpwatch measured itself, not the server: the round is neither up nor down.
  if (row.discounted === true) return;
  if (row.status === 'up') agg.up++;
  else if (row.status === 'degraded') agg.degraded++;
  else if (row.status === 'auth_required') agg.authRequired++;
  else agg.down++;
  // A stalled round counts as a round, but its timing measured the event loop, not the server.
  if ((row.status === 'up' || row.status === 'degraded') && !row.stalled) {
    const ms = row.durationMs;
    agg.latencySumMs += ms;
    agg.latencyMinMs = agg.latencyMinMs === null ? ms : Math.min(agg.latencyMinMs, ms);
    agg.latencyMaxMs = agg.latencyMaxMs === null ? ms : Math.max(agg.latencyMaxMs, ms);
    agg.buckets[bucketIndex(ms)]!++;
  }
}

export function addAgg(into: Agg, from: Agg): void {
  into.up += from.up;
  into.degraded += from.degraded;
  into.authRequired += from.authRequired;
  into.down += from.down;
  into.latencySumMs += from.latencySumMs;
  into.latencyMinMs = minNullable(into.latencyMinMs, from.latencyMinMs);
  into.latencyMaxMs = maxNullable(into.latencyMaxMs, from.latencyMaxMs);
  for (let i = 0; i < BUCKET_COUNT; i++) into.buckets[i]! += from.buckets[i] ?? 0;
}

export function minNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

export function maxNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

export function alignDown(ms: number, size: number): number {
  return Math.floor(ms / size) * size;
}

export function alignUp(ms: number, size: number): number {
  return Math.ceil(ms / size) * size;
}

/** Rollup increments not yet written, per granularity → endpoint → bucket start. */
export class RollupBuffer {
  readonly byGranularity: Record<Granularity, Map<number, Map<number, Agg>>> = { hour: new Map(), day: new Map() };

  add(row: ResultRow): void {
    for (const granularity of ['hour', 'day'] as const) {
      const start = alignDown(row.ts, BUCKET_SIZE_MS[granularity]);
      const perEndpoint = getOrInsert(this.byGranularity[granularity], row.endpointId, () => new Map<number, Agg>());
      addRound(getOrInsert(perEndpoint, start, emptyAgg), row);
    }
  }

  merge(other: RollupBuffer): void {
    for (const granularity of ['hour', 'day'] as const) {
      for (const [endpointId, starts] of other.byGranularity[granularity]) {
        const perEndpoint = getOrInsert(this.byGranularity[granularity], endpointId, () => new Map<number, Agg>());
        for (const [start, agg] of starts) addAgg(getOrInsert(perEndpoint, start, emptyAgg), agg);
      }
    }
  }

  forEndpoint(granularity: Granularity, endpointId: number): ReadonlyMap<number, Agg> | undefined {
    return this.byGranularity[granularity].get(endpointId);
  }

  /** Entries sorted by (start, endpoint), the rollup tables' key order. */
  sorted(granularity: Granularity): { start: number; endpointId: number; agg: Agg }[] {
    const out: { start: number; endpointId: number; agg: Agg }[] = [];
    for (const [endpointId, starts] of this.byGranularity[granularity]) for (const [start, agg] of starts) out.push({ start, endpointId, agg });
    return out.sort((a, b) => a.start - b.start || a.endpointId - b.endpointId);
  }

  deleteEndpoint(endpointId: number): void {
    this.byGranularity.hour.delete(endpointId);
    this.byGranularity.day.delete(endpointId);
  }

  get isEmpty(): boolean {
    return this.byGranularity.hour.size === 0 && this.byGranularity.day.size === 0;
  }
}

export function getOrInsert<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * How uptime() splits [fromMs, toMs): daily rows for the whole UTC days inside it, hourly rows for
 * the ragged ends.
 */
export function uptimeParts(fromMs: number, toMs: number): Array<[Granularity, number, number]> {
  const firstDay = alignUp(fromMs, DAY_MS);
  const endDay = alignDown(toMs, DAY_MS);
  const parts: Array<[Granularity, number, number]> =
    endDay > firstDay
      ? [
          ['hour', fromMs, firstDay],
          ['day', firstDay, endDay],
          ['hour', endDay, toMs],
        ]
      : [['hour', fromMs, toMs]];
  return parts.filter(([, from, to]) => to > from);
}

export function summaryOf(total: Agg): UptimeSummary {
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

