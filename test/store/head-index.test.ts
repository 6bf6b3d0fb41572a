// SQLite's in-memory head index (store/sqlite/head-index.ts): one endpoint's head rows found by
// rowid instead of a scan of every endpoint's. Its answers must equal the scan's in every state the
// head goes through: appended, partly sealed, pruned, unsealed for migrate-data, an endpoint
// deleted, and the index switched off past its size and back on once sealing shrinks the head.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HeadIndex } from '../../src/store/sqlite/head-index.ts';
import { normalizeResult } from '../../src/store/result-codec.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, manualClock, result, seededRandom, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T21:00:00.000Z');
const NOW = T0 + 4 * HOUR;

function path(): string {
  return join(tmp.dir, `head-index-${n++}`, 'mcpwatch.db');
}

/** Three hours of rounds a minute apart (jittered, some late), for each endpoint. */
function rounds(ids: readonly number[], seed: number): ResultRow[] {
  const random = seededRandom(seed);
  const rows: ResultRow[] = [];
  for (let m = 0; m < 180; m++) {
    for (const id of ids) {
      const up = random() < 0.9;
      rows.push(result(id, T0 + m * MIN + Math.floor(random() * 50_000), { status: up ? 'up' : 'down', code: up ? null : 'PROBE_TIMEOUT', durationMs: 30 + random() * 500 }));
    }
  }
  return rows;
}

async function write(store: SqliteStore, rows: readonly ResultRow[]): Promise<void> {
  // Ticks of 30 rounds in arrival order: rowid order roughly follows time, as the recorder's does.
  for (let i = 0; i < rows.length; i += 30) await store.writeTick({ ...EMPTY_TICK, results: rows.slice(i, i + 30) });
}

async function reads(store: SqliteStore, id: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [from, to, limit] of [
    [0, NOW, 100_000],
    [T0 + 30 * MIN, T0 + 150 * MIN, 1000],
    [T0 + 59 * MIN, T0 + 61 * MIN, 10],
    [0, NOW, 7],
    [T0 + 170 * MIN, NOW, 1],
  ] as const) {
    out.push(await store.results(id, { fromMs: from, toMs: to, limit }));
    out.push(await store.results(id, { fromMs: from, toMs: to, limit, beforeTs: T0 + 100 * MIN }));
  }
  return out;
}

function sealAll(store: SqliteStore): void {
  while (store.sealStep(Number.POSITIVE_INFINITY).more);
}

/** The same rounds written to a store with the index and to one without (max 0 entries). */
async function pair(): Promise<{ indexed: SqliteStore; scanned: SqliteStore; ids: number[]; rows: ResultRow[] }> {
  const clock = manualClock(NOW);
  const indexed = openSqliteStore(path(), { clock: clock.now, flushIntervalMs: 0 });
  const scanned = openSqliteStore(path(), { clock: clock.now, flushIntervalMs: 0, headIndexMaxEntries: 0 });
  const ids: number[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    ids.push((await indexed.createEndpoint(definition(name))).id);
    await scanned.createEndpoint(definition(name));
  }
  const rows = rounds(ids, 7);
  await write(indexed, rows);
  await write(scanned, rows);
  return { indexed, scanned, ids, rows };
}

async function assertSame(indexed: SqliteStore, scanned: SqliteStore, ids: readonly number[], label: string): Promise<void> {
  for (const id of ids) assert.deepEqual(await reads(indexed, id), await reads(scanned, id), `${label}: endpoint ${id}`);
}

describe('the head index', () => {
  test('lists rowids per endpoint newest first within a range, forgets below the floor, and switches off past its size', () => {
    const index = new HeadIndex({ maxEntries: 6 });
    index.rebuild(0, () => []);
    assert.equal(index.available, true);
    for (const [endpoint, rowid] of [[1, 10], [2, 11], [1, 12], [1, 14], [2, 15]] as const) index.add(endpoint, rowid);
    assert.deepEqual(index.between(1, 0, 100), [14, 12, 10]);
    assert.deepEqual(index.between(1, 11, 14), [12], 'lo inclusive, hi exclusive');
    assert.deepEqual(index.between(3, 0, 100), []);
    index.raiseFloor(12);
    assert.deepEqual(index.between(1, 0, 100), [14, 12], 'rowids below the floor are gone');
    assert.equal(index.entries, 4, 'the trimmed entries are no longer counted (endpoint 2 untouched keeps 2)');
    index.forget(2);
    assert.equal(index.entries, 2);
    for (const rowid of [16, 17, 18, 19]) index.add(1, rowid);
    assert.equal(index.available, true, '6 entries: at the limit');
    index.add(1, 20);
    assert.equal(index.available, false, 'one past the limit: off');
    assert.deepEqual(index.between(1, 0, 100), []);
    index.rebuild(7, () => {
      throw new Error('a head past the limit is not read');
    });
    assert.equal(index.available, false);
  });

  test('a store answers every read the same with the index as with the scan, through sealing, pruning, deletion and unsealing', async () => {
    const { indexed, scanned, ids, rows } = await pair();
    try {
      assert.equal(indexed.rawReadsIndexed(), true);
      assert.equal(scanned.rawReadsIndexed(), false);
      const newest = (await indexed.results(ids[0]!, { fromMs: 0, toMs: NOW, limit: 3 })).map((r) => r.ts);
      const want = rows
        .filter((r) => r.endpointId === ids[0])
        .map(normalizeResult)
        .sort((a, b) => b.ts - a.ts)
        .slice(0, 3)
        .map((r) => r.ts);
      assert.deepEqual(newest, want, 'the newest rows of one endpoint, read through the index');
      await assertSame(indexed, scanned, ids, 'appended');

      indexed.sealStep(0);
      scanned.sealStep(0);
      await assertSame(indexed, scanned, ids, 'a seal pass under way');
      sealAll(indexed);
      sealAll(scanned);
      assert.ok(indexed.sealedStats().rows > 0, 'hours were sealed');
      await assertSame(indexed, scanned, ids, 'sealed');

      // More rounds after sealing, then a prune of the first hour.
      const late = rounds(ids, 8).map((r) => ({ ...r, ts: r.ts + 3 * HOUR }));
      await write(indexed, late);
      await write(scanned, late);
      await indexed.pruneResults(T0 + HOUR, 100_000);
      await scanned.pruneResults(T0 + HOUR, 100_000);
      await assertSame(indexed, scanned, ids, 'more rounds, then pruned');

      await indexed.deleteEndpoint(ids[1]!);
      await scanned.deleteEndpoint(ids[1]!);
      assert.deepEqual(await indexed.results(ids[1]!, { fromMs: 0, toMs: NOW * 2, limit: 10 }), []);
      await assertSame(indexed, scanned, [ids[0]!, ids[2]!, ids[3]!], 'an endpoint deleted');

      indexed.unsealAll();
      scanned.unsealAll();
      assert.equal(indexed.rawReadsIndexed(), true, 'rebuilt after unsealing');
      await assertSame(indexed, scanned, [ids[0]!, ids[2]!, ids[3]!], 'unsealed into the head');
    } finally {
      indexed.close();
      scanned.close();
    }
  });

  test('an index past its size switches off (reads scan, still right) and comes back once sealing shrinks the head', async () => {
    const clock = manualClock(NOW);
    const file = path();
    const store = openSqliteStore(file, { clock: clock.now, flushIntervalMs: 0, headIndexMaxEntries: 500 });
    const reference = openSqliteStore(path(), { clock: clock.now, flushIntervalMs: 0, headIndexMaxEntries: 0 });
    try {
      const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id, (await store.createEndpoint(definition('c'))).id];
      for (const name of ['a', 'b', 'c']) await reference.createEndpoint(definition(name));
      const rows = rounds(ids, 9);
      await write(store, rows);
      await write(reference, rows);
      assert.equal(store.rawReadsIndexed(), false, `${rows.length} head rows > 500: off`);
      await assertSame(store, reference, ids, 'off, scanning');
      // Sealing leaves the head's newest hours (10 min of late rows grace): 3 endpoints × ≤ 1 h fits in 500.
      sealAll(store);
      sealAll(reference);
      assert.equal(store.rawReadsIndexed(), true, 'back on once the head fits');
      await assertSame(store, reference, ids, 'on again');
    } finally {
      store.close();
      reference.close();
    }
  });

  test('is rebuilt from the head when the file is opened again', async () => {
    const clock = manualClock(NOW);
    const file = path();
    const first = openSqliteStore(file, { clock: clock.now, flushIntervalMs: 0 });
    const id = (await first.createEndpoint(definition('a'))).id;
    await write(first, rounds([id], 10));
    const before = await reads(first, id);
    first.close();
    const again = openSqliteStore(file, { clock: clock.now, flushIntervalMs: 0 });
    try {
      assert.equal(again.rawReadsIndexed(), true);
      assert.deepEqual(await reads(again, id), before);
    } finally {
      again.close();
    }
  });
});
