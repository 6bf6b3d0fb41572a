// Fixed latency buckets shared by the rollup tables and the percentile maths: counts per bucket
// add up across hours and days, so p50/p95 over any window come from sums, never raw rows.

/** Upper bounds in ms; the last bucket is everything above the previous bound. */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 20_000, Number.POSITIVE_INFINITY] as const;
export const BUCKET_COUNT = LATENCY_BUCKETS_MS.length;

export function bucketIndex(ms: number): number {
  for (let i = 0; i < BUCKET_COUNT; i++) if (ms <= LATENCY_BUCKETS_MS[i]!) return i;
  return BUCKET_COUNT - 1;
}

/**
 * The q-quantile from bucket counts, interpolated linearly inside the bucket (Prometheus'
 * histogram_quantile does the same). `max` caps the open last bucket.
 */
export function quantileFromBuckets(counts: readonly number[], q: number, max: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      const upper = Number.isFinite(LATENCY_BUCKETS_MS[i]!) ? LATENCY_BUCKETS_MS[i]! : Math.max(lower, max);
      return Math.min(max, lower + ((upper - lower) * (rank - seen)) / c);
    }
    seen += c;
  }
  return max;
}
