// SQLite-only: raw rows sealed into compressed blocks (store/sqlite/sealed-results.ts). Reads are
// the same before and after sealing (the contract suite also runs every case with eager sealing,
// contract/backends.ts); here: sealing in steps, late rounds, a crash mid-seal, retention and
// deletion by whole blocks, and unpacking for migrate-data.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeResult } from '../../src/store/result-codec.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, manualClock, result, seededRandom, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const HOUR = 3_600_000;
const MIN = 60_000;
/** 21:00 UTC: three whole hours of rounds, then "now" an hour later. */
const T0 = Date.parse('2026-03-01T21:00:00.000Z');
const NOW = T0 + 4 * HOUR;

function path(): string {
  return join(tmp.dir, `sealed-${n++}`, 'mcpwatch.db');
}

/** Rounds a minute apart with jitter over three hours, a mix of statuses, some nulls and details. */
function rounds(endpointIds: readonly number[], seed: number, hours = 3): ResultRow[] {
  const random = seededRandom(seed);
  const rows: ResultRow[] = [];
  for (const id of endpointIds) {
    for (let m = 0; m < hours * 60; m++) {
      const roll = random();
      const status = roll < 0.85 ? 'up' : roll < 0.9 ? 'degraded' : roll < 0.95 ? 'auth_required' : 'down';
      rows.push(
        result(id, T0 + m * MIN + Math.floor(random() * 40), {
          status,
          code: status === 'up' ? null : status === 'down' ? 'PROBE_TIMEOUT' : 'JSONRPC_ERROR',
          detail: status === 'up' ? null : `detail ${Math.floor(random() * 3)} <b>&"'`,
          durationMs: 40 + random() * 900,
          dnsMs: random() < 0.1 ? null : 1 + random() * 8,
          tlsMs: status === 'down' ? null : 5 + random() * 50,
          era: status === 'down' ? null : 'streamable',
          retried: status === 'down',
          stalled: random() < 0.01,
          ...(random() < 0.01 ? { discounted: true } : {}),
          lagMs: random() * 40,
        }),
      );
    }
  }
  return rows;
}

async function write(store: SqliteStore, rows: readonly ResultRow[]): Promise<void> {
  // Ticks of a minute, in time order, as the recorder writes them.
  const byMinute = new Map<number, ResultRow[]>();
  for (const row of rows) {
    const minute = Math.floor(row.ts / MIN);
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), row]);
  }
  for (const minute of [...byMinute.keys()].sort((a, b) => a - b)) await store.writeTick({ ...EMPTY_TICK, results: byMinute.get(minute)! });
}

function expected(rows: readonly ResultRow[], id: number): ResultRow[] {
  return rows
    .filter((r) => r.endpointId === id)
    .map(normalizeResult)
    .sort((a, b) => b.ts - a.ts);
}

const ALL = { fromMs: 0, toMs: NOW + HOUR, limit: 100_000 };

function sealAll(store: SqliteStore, budgetMs = Number.POSITIVE_INFINITY): number {
  let sealed = 0;
  for (;;) {
    const progress = store.sealStep(budgetMs);
    sealed += progress.sealed;
    if (!progress.more) return sealed;
  }
}

/** Every read of raw rows the API makes, over windows and pages that cut through blocks. */
async function reads(store: SqliteStore, id: number): Promise<unknown[]> {
  const out: unknown[] = [await store.results(id, ALL)];
  for (const [from, to, limit] of [
    [T0, T0 + HOUR, 1000],
    [T0 + 30 * MIN, T0 + 150 * MIN, 1000],
    [T0 + 59 * MIN, T0 + 61 * MIN, 10],
    [0, NOW, 7],
    [0, NOW, 61],
    [T0 + 90 * MIN, NOW, 1],
  ] as const) {
    out.push(await store.results(id, { fromMs: from, toMs: to, limit }));
    out.push(await store.results(id, { fromMs: from, toMs: to, limit, beforeTs: T0 + 100 * MIN }));
  }
  out.push(await store.results(id, { ...ALL, region: 'default' }), await store.results(id, { ...ALL, region: 'eu' }));
  out.push(await store.uptime(id, T0, NOW), await store.rollups('hour', id, T0, NOW));
  return out;
}

describe('sealing raw rows into blocks', () => {
  test('moves whole past hours, in small steps, and every read answers as before', async () => {
    const clock = manualClock(NOW);
    const store = openSqliteStore(path(), { clock: clock.now, flushIntervalMs: 0 });
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id, (await store.createEndpoint(definition('c'))).id];
    const rows = rounds(ids, 3);
    await write(store, rows);
    const before = await Promise.all(ids.map((id) => reads(store, id)));
    for (const id of ids) assert.deepEqual(await store.results(id, ALL), expected(rows, id));

    let steps = 0;
    let sealed = 0;
    for (;;) {
      const progress = store.sealStep(0);
      steps++;
      sealed += progress.sealed;
      // Between any two steps (rows in blocks and still in the head, half deleted…), reads are unchanged.
      assert.deepEqual(await Promise.all(ids.map((id) => reads(store, id))), before, `after step ${steps}`);
      if (!progress.more) break;
    }
    assert.ok(steps > ids.length, `one endpoint a step at budget 0 (${steps} steps)`);
    // Every row but the newest (never sealed, so rowids never restart).
    assert.equal(sealed, rows.length - 1);
    assert.deepEqual(store.sealedStats(), { blocks: 3 * ids.length, rows: rows.length - 1 });
    assert.deepEqual(await Promise.all(ids.map((id) => reads(store, id))), before);
    assert.equal(sealAll(store), 0, 'nothing left to seal');
    store.close();
  });

  test('a head holding many hours (a database from before sealing) is worked through an hour a pass, oldest first', async () => {
    const store = openSqliteStore(path(), { clock: () => NOW, flushIntervalMs: 0 });
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id];
    const rows = rounds(ids, 10);
    await write(store, rows);
    const plannedBefore = (): number | undefined => store.database.prepare<[], { value: number }>("SELECT value FROM store_meta WHERE key = 'seal_before'").get()?.value;
    const passes: number[] = [];
    for (;;) {
      const progress = store.sealStep(0);
      const before = plannedBefore();
      if (before !== undefined && passes.at(-1) !== before) passes.push(before);
      if (!progress.more) break;
    }
    assert.deepEqual(passes, [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR], 'one plan an hour');
    assert.equal(store.sealedStats().rows, rows.length - 1);
    for (const id of ids) assert.deepEqual(await store.results(id, ALL), expected(rows, id));
    store.close();
  });

  test('leaves the current hour, hours that ended less than maxResultDelayMs ago, and rows not yet folded into rollups', async () => {
    const clock = manualClock(T0 + 3 * HOUR + 5 * MIN);
    const store = openSqliteStore(path(), { clock: clock.now, flushIntervalMs: 60 * MIN, maxResultDelayMs: 10 * MIN });
    const id = (await store.createEndpoint(definition('a'))).id;
    const rows = rounds([id], 4);
    await write(store, rows);
    assert.equal(sealAll(store), 0, 'nothing folded into the rollups yet');
    await store.flush();
    assert.equal(sealAll(store), 120, 'hours 21 and 22; 23:00 ended only 5 min ago');
    clock.set(T0 + 3 * HOUR + 10 * MIN);
    assert.equal(sealAll(store), 59, 'hour 23 once 10 min past, all but the newest row');
    assert.deepEqual(await store.results(id, ALL), expected(rows, id));
    store.close();
  });

  test('a round that arrives after its hour was sealed joins the block; ties keep insertion order', async () => {
    const store = openSqliteStore(path(), { clock: () => NOW, flushIntervalMs: 0 });
    const id = (await store.createEndpoint(definition('a'))).id;
    const rows = rounds([id], 5);
    await write(store, rows);
    sealAll(store);
    const late = [result(id, T0 + 30 * MIN, { durationMs: 7, lagMs: 1 }), result(id, T0 + 30 * MIN, { durationMs: 8, lagMs: 2 })];
    await store.writeTick({ ...EMPTY_TICK, results: [late[0]!] });
    await store.writeTick({ ...EMPTY_TICK, results: [late[1]!] });
    await store.writeTick({ ...EMPTY_TICK, results: [result(id, NOW)] });
    const all = [...rows, ...late, result(id, NOW)];
    const want = all
      .map(normalizeResult)
      .map((row, i) => ({ row, i }))
      .sort((a, b) => b.row.ts - a.row.ts || b.i - a.i)
      .map(({ row }) => row);
    assert.deepEqual(await store.results(id, ALL), want, 'late rows in the head, newer than sealed rows of the same instant');
    assert.equal(sealAll(store), 3, 'the two late rows, and the row that was the newest before NOW');
    assert.deepEqual(await store.results(id, ALL), want, 'merged into the block, in the same order');
    store.close();
  });

  test('rows of an endpoint deleted before its seal are dropped; deleting an endpoint deletes its blocks', async () => {
    const store = openSqliteStore(path(), { clock: () => NOW, flushIntervalMs: 0 });
    const a = (await store.createEndpoint(definition('a'))).id;
    const b = (await store.createEndpoint(definition('b'))).id;
    const c = (await store.createEndpoint(definition('c'))).id;
    const rows = rounds([a, b, c], 6);
    await write(store, rows);
    await store.deleteEndpoint(a);
    sealAll(store);
    assert.equal(store.sealedStats().blocks, 6, 'b and c only');
    await store.deleteEndpoint(b);
    assert.equal(store.sealedStats().blocks, 3);
    assert.deepEqual(await store.results(c, ALL), expected(rows, c));
    store.close();
  });

  test('retention drops whole blocks of hours that ended, counts their rows, and keeps the rest readable', async () => {
    const store = openSqliteStore(path(), { clock: () => NOW, flushIntervalMs: 0 });
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id];
    const rows = rounds(ids, 7);
    await write(store, rows);
    sealAll(store);
    assert.equal(await store.pruneResults(T0 + HOUR + 30 * MIN, 1_000_000), 120, 'the 21:00 hour of both; 22:00 has not ended by 22:30');
    assert.equal(await store.pruneResults(T0 + HOUR + 30 * MIN, 1_000_000), 0);
    assert.equal(await store.pruneResults(T0 + 2 * HOUR, 61), 120, 'whole blocks: at least the limit, never part of a block');
    assert.deepEqual(store.sealedStats(), { blocks: 2, rows: 119 });
    for (const id of ids) assert.deepEqual(await store.results(id, ALL), expected(rows, id).filter((r) => r.ts >= T0 + 2 * HOUR));
    assert.equal((await store.uptime(ids[0]!, T0, NOW)).rounds, 180 - rows.filter((r) => r.endpointId === ids[0] && r.discounted === true).length, 'rollups are not raw rows');
    store.close();
  });

  test('rows pruned between packing their blocks and writing them stay pruned', async () => {
    const store = openSqliteStore(path(), { clock: () => NOW, flushIntervalMs: 0 });
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id, (await store.createEndpoint(definition('c'))).id];
    const rows = rounds(ids, 3);
    await write(store, rows);
    // Budget 0: the first step collects the oldest hour's rows, the second packs one endpoint's block.
    assert.equal(store.sealStep(0).more, true);
    assert.equal(store.sealStep(0).more, true);
    assert.deepEqual(store.sealedStats(), { blocks: 0, rows: 0 }, 'packed, not written yet');
    assert.equal(await store.pruneResults(T0 + HOUR, 1_000_000), 3 * 60, 'the oldest hour, from the head');
    sealAll(store, 0);
    assert.deepEqual(store.sealedStats(), { blocks: 0, rows: 0 }, 'the pass found its rows gone (and a pass that moved nothing ends the run)');
    sealAll(store, 0);
    assert.equal(store.sealedStats().rows, rows.length - 1 - 3 * 60);
    for (const id of ids) assert.deepEqual(await store.results(id, ALL), expected(rows, id).filter((r) => r.ts >= T0 + HOUR));
    store.close();
  });

  test('a crash mid-seal (the process killed) loses no row and no rollup', async () => {
    const file = path();
    const store = openSqliteStore(file, { clock: () => NOW, flushIntervalMs: 5 * MIN });
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await store.createEndpoint(definition(`e${i}`))).id);
    const rows = rounds(ids, 8);
    await write(store, rows);
    await store.flush();
    const before = await Promise.all(ids.map(async (id) => [await store.results(id, ALL), await store.uptime(id, T0, NOW)]));
    store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'seal-child.ts'), file, String(NOW)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for await (const line of createInterface({ input: child.stdout })) {
      assert.notEqual(line, 'done', 'killed before the seal finished');
      if (line.startsWith('step 10 ')) break;
    }
    child.kill('SIGKILL');
    await exited;

    const raw = new Database(file, { readonly: true });
    const blocks = raw.prepare<[], { endpoints: number }>('SELECT count(DISTINCT endpoint_id) AS endpoints FROM result_blocks').get()?.endpoints ?? 0;
    raw.close();
    assert.ok(blocks > 0 && blocks < ids.length, `some endpoints sealed (${blocks} of ${ids.length}), some not`);
    const reopened = openSqliteStore(file, { clock: () => NOW });
    assert.deepEqual(await Promise.all(ids.map(async (id) => [await reopened.results(id, ALL), await reopened.uptime(id, T0, NOW)])), before);
    sealAll(reopened);
    assert.deepEqual(await Promise.all(ids.map(async (id) => [await reopened.results(id, ALL), await reopened.uptime(id, T0, NOW)])), before, 'and after the seal completes');
    assert.equal(reopened.integrityCheck(), 'ok');
    reopened.close();
  });

  test('unsealAll puts every row back into the head in time order (migrate-data copies probe_results)', async () => {
    const file = path();
    const store = openSqliteStore(file, { clock: () => NOW, flushIntervalMs: 0 });
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id];
    const rows = rounds(ids, 9);
    await write(store, rows);
    sealAll(store);
    const before = await Promise.all(ids.map((id) => reads(store, id)));
    assert.equal(store.unsealAll(), rows.length - 1);
    assert.deepEqual(store.sealedStats(), { blocks: 0, rows: 0 });
    assert.deepEqual(await Promise.all(ids.map((id) => reads(store, id))), before);
    const raw = new Database(file, { readonly: true });
    const ts = raw.prepare<[], { ts: number }>('SELECT ts FROM probe_results ORDER BY id').all().map((r) => r.ts);
    raw.close();
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'rowid order is time order');
    await store.writeTick({ ...EMPTY_TICK, results: [result(ids[0]!, NOW)] });
    assert.equal((await store.results(ids[0]!, { fromMs: NOW, toMs: NOW + 1, limit: 10 })).length, 1, 'new rows still append after them');
    store.close();
  });
});
