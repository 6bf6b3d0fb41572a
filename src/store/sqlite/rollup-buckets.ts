// SQLite's rollup rows keep their 16 latency-bucket counts in one `buckets` BLOB (migration 0013)
// instead of 16 integer columns: from the first bucket with a count to the last, one unsigned
// varint each (the zeros between them one byte each); no count at all is an empty blob.
//
// Why: SQLite spends one record-header byte per column even on a 0, so 16 columns cost 16 bytes
// before any count; a round's latency lands in 4–5 neighbouring buckets over an hour or a day.
// Measured on the benchmark fleet: payload per hourly row 44 → ~31 B, daily 45 → ~33 B.
// PostgreSQL keeps b0..b15: the Store interface hides the layout, migrate-data reads the blob
// back into columns (bucketColumnSql).
import type Database from 'better-sqlite3';
import { SCHEMA_BUCKET_COUNT } from '../rollup-columns.ts';
import { StoreError } from '../store.ts';

const EMPTY = Buffer.alloc(0);

/** Packs counts (SCHEMA_BUCKET_COUNT non-negative integers) into the blob. */
export function packBuckets(counts: readonly number[]): Buffer {
  let first = -1;
  let last = -1;
  for (let i = 0; i < SCHEMA_BUCKET_COUNT; i++) {
    const count = counts[i] ?? 0;
    // A bug, not input: counts come from the rollup maths.
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`a latency bucket count must be a non-negative integer, not ${count}`);
    if (count > 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return EMPTY;
  const bytes: number[] = [first];
  for (let i = first; i <= last; i++) {
    let v = counts[i] ?? 0;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
  }
  return Buffer.from(bytes);
}

/** The SCHEMA_BUCKET_COUNT counts a blob holds; a damaged blob is a StoreError, never a wrong count. */
export function unpackBuckets(blob: Uint8Array | null): number[] {
  const counts = new Array<number>(SCHEMA_BUCKET_COUNT).fill(0);
  if (blob === null || blob.length === 0) return counts;
  let i = blob[0]!;
  let pos = 1;
  while (pos < blob.length) {
    if (i >= SCHEMA_BUCKET_COUNT) throw new StoreError('SCHEMA_MISMATCH', `a rollup's latency buckets hold more than ${SCHEMA_BUCKET_COUNT} counts`);
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= blob.length) throw new StoreError('SCHEMA_MISMATCH', "a rollup's latency buckets end inside a count");
      const byte = blob[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new StoreError('SCHEMA_MISMATCH', "a rollup's latency bucket count is too long");
    }
    counts[i++] = value;
  }
  return counts;
}

/** Bucket counts of two blobs added. */
export function addPackedBuckets(a: Uint8Array | null, b: Uint8Array | null): Buffer {
  const x = unpackBuckets(a);
  const y = unpackBuckets(b);
  return packBuckets(x.map((count, i) => count + y[i]!));
}

/** The SQL that reads bucket `index` out of the blob column, as a column of its own (migrate-data). */
export function bucketColumnSql(index: number): string {
  return `mcpwatch_bucket(buckets, ${Math.floor(index)}) AS b${Math.floor(index)}`;
}

/**
 * The SQL functions the rollup statements and migration 0013 use, on one connection: packing 16
 * counts, adding two blobs (an upsert's merge), summing blobs (per-endpoint totals), one count.
 */
export function registerBucketFunctions(db: Database.Database): void {
  const deterministic = { deterministic: true, directOnly: true } as const;
  db.function('mcpwatch_pack_buckets', { ...deterministic, varargs: true }, (...counts: unknown[]) => packBuckets(counts.map(Number)));
  db.function('mcpwatch_add_buckets', deterministic, (a: unknown, b: unknown) => addPackedBuckets(a as Buffer | null, b as Buffer | null));
  db.function('mcpwatch_bucket', deterministic, (blob: unknown, index: unknown) => unpackBuckets(blob as Buffer | null)[Number(index)] ?? 0);
  db.aggregate('mcpwatch_sum_buckets', {
    ...deterministic,
    start: () => new Array<number>(SCHEMA_BUCKET_COUNT).fill(0),
    step: (total: number[], blob: unknown) => {
      const counts = unpackBuckets(blob as Buffer | null);
      for (let i = 0; i < SCHEMA_BUCKET_COUNT; i++) total[i] = total[i]! + counts[i]!;
    },
    result: (total: number[]) => packBuckets(total),
  });
}
