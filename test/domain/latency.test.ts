import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketIndex, BUCKET_COUNT, LATENCY_BUCKETS_MS, quantileFromBuckets } from '../../src/domain/latency.ts';

test('bucketIndex puts a value in the first bucket whose bound holds it', () => {
  const rows: Array<[number, number]> = [[0, 0], [10, 0], [10.01, 1], [100, 3], [101, 4], [20_000, 14], [20_001, 15], [1e9, 15]];
  for (const [ms, index] of rows) assert.equal(bucketIndex(ms), index, `${ms} ms`);
  assert.equal(LATENCY_BUCKETS_MS.length, BUCKET_COUNT);
});

test('quantiles from buckets are close to the exact quantiles of the samples', () => {
  const samples = Array.from({ length: 10_000 }, (_, i) => 20 + ((i * 7919) % 400)); // 20…419 ms, uniform
  const counts = new Array<number>(BUCKET_COUNT).fill(0);
  for (const s of samples) counts[bucketIndex(s)]! += 1;
  const sorted = [...samples].sort((a, b) => a - b);
  for (const q of [0.5, 0.95]) {
    const exact = sorted[Math.floor(q * sorted.length)]!;
    const estimate = quantileFromBuckets(counts, q, Math.max(...samples))!;
    // Linear interpolation inside fixed buckets: within the width of the bucket holding it.
    assert.ok(Math.abs(estimate - exact) <= 60, `q=${q}: exact ${exact}, estimate ${estimate}`);
  }
  assert.equal(quantileFromBuckets(new Array<number>(BUCKET_COUNT).fill(0), 0.5, 0), null);
});

test('the open last bucket is capped by the observed maximum', () => {
  const counts = new Array<number>(BUCKET_COUNT).fill(0);
  counts[BUCKET_COUNT - 1] = 10;
  assert.equal(quantileFromBuckets(counts, 0.95, 25_000), 20_000 + 5000 * 0.95);
});
