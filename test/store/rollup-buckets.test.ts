// SQLite's rollup rows keep their latency buckets in one blob (migration 0013): the codec, and a
// file made by the schema before 0013 upgraded in place with its rollups read back unchanged.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { addPackedBuckets, packBuckets, unpackBuckets } from '../../src/store/sqlite/rollup-buckets.ts';
import { defaultMigrationsDir, migrate } from '../../src/store/sqlite/migrate.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { StoreError } from '../../src/store/store.ts';
import { tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);

const counts = (sparse: Record<number, number>): number[] => Array.from({ length: 16 }, (_, i) => sparse[i] ?? 0);

describe('rollup bucket blobs', () => {
  const cases: Array<[string, Record<number, number>, number[]]> = [
    ['no count: an empty blob', {}, []],
    ['one bucket: its index, then the count', { 5: 60 }, [5, 60]],
    ['zeros between counted buckets are one byte each', { 3: 1, 5: 200 }, [3, 1, 0, 0xc8, 0x01]],
    ['the first and the last bucket', { 0: 1, 15: 2 }, [0, 1, ...new Array<number>(14).fill(0), 2]],
    ['a count beyond 2^32', { 7: 2 ** 40 }, [7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  ];
  for (const [name, sparse, bytes] of cases) {
    test(name, () => {
      const packed = packBuckets(counts(sparse));
      assert.deepEqual([...packed], bytes);
      assert.deepEqual(unpackBuckets(packed), counts(sparse));
    });
  }

  test('a null blob is no count', () => assert.deepEqual(unpackBuckets(null), counts({})));

  test('two blobs add bucket by bucket', () => {
    assert.deepEqual(unpackBuckets(addPackedBuckets(packBuckets(counts({ 2: 3, 4: 1 })), packBuckets(counts({ 4: 5, 9: 1 })))), counts({ 2: 3, 4: 6, 9: 1 }));
    assert.deepEqual([...addPackedBuckets(Buffer.alloc(0), null)], []);
  });

  for (const [name, bytes] of [
    ['more than 16 counts', [15, 1, 1]],
    ['an index past the last bucket', [16, 1]],
    ['a count cut short', [0, 0x80]],
  ] as const) {
    test(`a damaged blob is refused: ${name}`, () => {
      assert.throws(() => unpackBuckets(Buffer.from(bytes)), (error: unknown) => error instanceof StoreError && error.code === 'SCHEMA_MISMATCH');
    });
  }

  test('a negative or fractional count is a bug, refused', () => {
    assert.throws(() => packBuckets(counts({ 1: -1 })), RangeError);
    assert.throws(() => packBuckets(counts({ 1: 0.5 })), RangeError);
  });
});

test('0013 upgrades a file in place: rollup rows keep every count, the 16 columns become one blob', async () => {
  const dir = join(tmp.dir, 'before-0013');
  mkdirSync(dir);
  for (const file of readdirSync(defaultMigrationsDir()).filter((f) => /^\d{4}_.*\.sql$/.test(f) && Number(f.slice(0, 4)) < 13)) cpSync(join(defaultMigrationsDir(), file), join(dir, file));
  const path = join(tmp.dir, 'old.db');
  const db = new Database(path);
  migrate(db, dir);
  const hour = Date.parse('2026-03-01T10:00:00.000Z');
  const day = Date.parse('2026-03-01T00:00:00.000Z');
  const insert = (table: string, start: number, endpointId: number, buckets: number[], minMs: number | null): void => {
    db.prepare(
      `INSERT INTO ${table} (start, endpoint_id, up, degraded, auth_required, down, latency_sum_ms, latency_min_ms, latency_max_ms, ${buckets.map((_, i) => `b${i}`).join(', ')})
       VALUES (?, ?, 50, 3, 0, 7, 12345, ?, 900, ${buckets.map(() => '?').join(', ')})`,
    ).run(start, endpointId, minMs, ...buckets);
  };
  const a = counts({ 4: 20, 5: 30, 6: 3 });
  const b = counts({ 0: 1, 15: 1_000_000 });
  insert('rollups_hourly', hour, 1, a, 40);
  insert('rollups_hourly', hour + 3_600_000, 1, counts({}), null);
  insert('rollups_daily', day, 1, b, 40);
  db.close();

  const store = openSqliteStore(path, { clock: () => day + 2 * 86_400_000 });
  const columns = (table: string): string[] => (store.database.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((r) => r.name);
  for (const table of ['rollups_hourly', 'rollups_daily']) {
    assert.deepEqual(columns(table), ['start', 'endpoint_id', 'up', 'degraded', 'auth_required', 'down', 'latency_sum_ms', 'latency_min_ms', 'latency_max_ms', 'buckets']);
  }
  const base = { endpointId: 1, up: 50, degraded: 3, authRequired: 0, down: 7, latencySumMs: 12345, latencyMaxMs: 900 };
  assert.deepEqual(await store.rollups('hour', 1, hour, hour + 2 * 3_600_000), [
    { ...base, start: hour, latencyMinMs: 40, buckets: a },
    { ...base, start: hour + 3_600_000, latencyMinMs: null, buckets: counts({}) },
  ]);
  assert.deepEqual(await store.rollups('day', 1, day, day + 86_400_000), [{ ...base, start: day, latencyMinMs: 40, buckets: b }]);
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});
