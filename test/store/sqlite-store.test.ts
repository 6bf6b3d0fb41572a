// What only the SQLite store does: write-behind of state counters, rowid-range pruning, and the
// operations on its file. Everything the contract promises runs on every backend in contract/.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { incidentIdFor, type EndpointState } from '../../src/domain/health.ts';
import { openSqliteStore, WAL_AUTOCHECKPOINT_PAGES, type SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/store.ts';
import { writeAlternating } from './contract/retention-cases.ts';
import { definition, EMPTY_TICK, manualClock, result, state, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const T0 = Date.parse('2026-03-01T22:30:00.000Z');
const MIN = 60_000;

function open(options: SqliteStoreOptions = {}): { store: SqliteStore; path: string } {
  const path = join(tmp.dir, `store-${n++}`, 'nested', 'mcpwatch.db');
  return { store: openSqliteStore(path, options), path };
}

describe('writeTick: deferred state writes', () => {
  const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

  // SQLite-only: the write-behind of volatile state changes (PostgreSQL writes every state in its tick).
  test('per-round counter changes wait for the flush; a health change is written at once', async () => {
    const clock = manualClock(T0);
    const { store, path } = open({ clock: clock.now, flushIntervalMs: 10 * MIN });
    const ep = await store.createEndpoint(definition('alpha'));
    const up = state(ep.id, { health: 'up', healthSince: at(0), consecutiveSuccesses: 1, lastStatus: 'up', lastCheckedAt: at(0) });
    await store.writeTick({ ...EMPTY_TICK, states: [up] });
    const later = { ...up, consecutiveSuccesses: 2, lastCheckedAt: at(MIN), lastDurationMs: 80 };
    await store.writeTick({ ...EMPTY_TICK, states: [later] });
    assert.deepEqual(await store.loadStates(), [later], 'reads see the newest state');
    assert.deepEqual(await persistedStates(path), [up], 'the file still has the previous one');

    const down = { ...later, health: 'down' as const, consecutiveFailures: 2, consecutiveSuccesses: 0, lastStatus: 'down' as const, lastCode: 'HTTP_5XX' as const };
    await store.writeTick({ ...EMPTY_TICK, states: [down] });
    assert.deepEqual(await persistedStates(path), [down]);

    const downLonger = { ...down, consecutiveFailures: 3 };
    await store.writeTick({ ...EMPTY_TICK, states: [downLonger] });
    assert.deepEqual(await persistedStates(path), [down], 'the failure streak of an endpoint already down waits');

    const upAgain = { ...downLonger, health: 'up' as const, consecutiveFailures: 0, consecutiveSuccesses: 1, lastStatus: 'up' as const, lastCode: null };
    await store.writeTick({ ...EMPTY_TICK, states: [upAgain] });
    const quiet = { ...upAgain, consecutiveSuccesses: 2, lastCheckedAt: at(5 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [quiet] });
    assert.deepEqual(await persistedStates(path), [upAgain]);
    clock.advance(10 * MIN);
    await store.writeTick(EMPTY_TICK);
    assert.deepEqual(await persistedStates(path), [quiet], 'the next tick after the interval flushes');
    store.close();
  });

  test('what can open or close an incident is written at once; what the rounds say waits', async () => {
    const clock = manualClock(T0);
    const { store, path } = open({ clock: clock.now, flushIntervalMs: 10 * MIN });
    const ep = await store.createEndpoint(definition('alpha'));
    const up = state(ep.id, { health: 'up', healthSince: at(0), consecutiveSuccesses: 5, lastStatus: 'up', lastDetail: 'modern, 3 tools', lastCheckedAt: at(0) });
    await store.writeTick({ ...EMPTY_TICK, states: [up] });
    // tools/list failed once: status and code change, the health does not.
    const degraded = { ...up, consecutiveSuccesses: 6, lastStatus: 'degraded' as const, lastCode: 'JSONRPC_ERROR' as const, lastDetail: 'tools/list failed', lastCheckedAt: at(MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [degraded] });
    assert.deepEqual(await persistedStates(path), [up], 'a degraded round of an endpoint that stays up waits');
    const failing = { ...degraded, consecutiveFailures: 1, consecutiveSuccesses: 0, lastStatus: 'down' as const, lastCode: 'HTTP_5XX' as const, failingSince: at(2 * MIN), firstFailureCode: 'HTTP_5XX' as const, lastCheckedAt: at(2 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [failing] });
    assert.deepEqual(await persistedStates(path), [failing], 'the first failure of an endpoint still up is written (it opens the incident)');
    const down = { ...failing, health: 'down' as const, healthSince: at(2 * MIN), consecutiveFailures: 2, lastCheckedAt: at(3 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [down] });
    const stillDown = { ...down, consecutiveFailures: 3, lastCheckedAt: at(4 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [stillDown] });
    assert.deepEqual(await persistedStates(path), [down]);
    const recovering = { ...stillDown, consecutiveFailures: 0, consecutiveSuccesses: 1, lastStatus: 'up' as const, lastCode: null, lastCheckedAt: at(5 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [recovering] });
    assert.deepEqual(await persistedStates(path), [recovering], 'a success of an endpoint still down is written (it closes the incident)');
    store.close();
  });

  test('after a crash the newest raw row of each endpoint gives back its round fields', async () => {
    const clock = manualClock(T0);
    const { store, path } = open({ clock: clock.now, flushIntervalMs: 10 * MIN });
    const [a, b, c] = [await store.createEndpoint(definition('a')), await store.createEndpoint(definition('b')), await store.createEndpoint(definition('c'))];
    const up = (id: number): EndpointState => state(id, { health: 'up', consecutiveSuccesses: 1, lastStatus: 'up', lastDetail: 'modern, 3 tools', lastDurationMs: 100.4, lastCheckedAt: at(0) });
    await store.writeTick({ ...EMPTY_TICK, states: [up(a.id), up(b.id), up(c.id)], results: [result(a.id, T0), result(b.id, T0), result(c.id, T0)] });
    await store.flush();
    // a: a degraded round, then an up one; b: a degraded round last; c: a failure discounted (the loop stalled), which left the state as it was.
    const degradedRow = (id: number, ts: number) => result(id, ts, { status: 'degraded', code: 'JSONRPC_ERROR', detail: 'tools/list failed', durationMs: 250 });
    await store.writeTick({
      ...EMPTY_TICK,
      results: [degradedRow(a.id, T0 + MIN), degradedRow(b.id, T0 + MIN), result(c.id, T0 + MIN, { status: 'down', stalled: true, discounted: true })],
      states: [
        { ...up(a.id), consecutiveSuccesses: 2, lastStatus: 'degraded', lastCode: 'JSONRPC_ERROR', lastDetail: 'tools/list failed', lastDurationMs: 250, lastCheckedAt: at(MIN) },
        { ...up(b.id), consecutiveSuccesses: 2, lastStatus: 'degraded', lastCode: 'JSONRPC_ERROR', lastDetail: 'tools/list failed', lastDurationMs: 250, lastCheckedAt: at(MIN) },
      ],
    });
    await store.writeTick({ ...EMPTY_TICK, results: [result(a.id, T0 + 2 * MIN, { durationMs: 90 })], states: [{ ...up(a.id), consecutiveSuccesses: 3, lastDurationMs: 90, lastCheckedAt: at(2 * MIN) }] });
    const [ra, rb, rc] = await persistedStates(path);
    assert.deepEqual(
      { ...ra },
      { ...up(a.id), lastCheckedAt: at(2 * MIN), lastDurationMs: 90 },
      'an up round last: up, no code, the up detail written before, the duration in whole ms; the counter one flush old',
    );
    assert.deepEqual({ ...rb }, { ...up(b.id), lastStatus: 'degraded', lastCode: 'JSONRPC_ERROR', lastDetail: 'tools/list failed', lastDurationMs: 250, lastCheckedAt: at(MIN) });
    assert.deepEqual({ ...rc }, { ...up(c.id), lastCheckedAt: at(MIN) }, 'a discounted round moves only the check time, as before');
    store.close();
  });
});

/** What a crash right now would leave behind: the states another connection reads from the file. */
async function persistedStates(path: string): Promise<EndpointState[]> {
  const other = openSqliteStore(path, { flushIntervalMs: Number.MAX_SAFE_INTEGER });
  try {
    return await other.loadStates();
  } finally {
    other.close();
  }
}

describe('retention', () => {
  // SQLite-only: exact batch sizes (a rowid range) of whole hours; PostgreSQL drops whole partitions beyond the limit.
  test('pruneResults deletes exactly `limit` rows a call, oldest first, from hours that ended', async () => {
    const { store } = open({ flushIntervalMs: 0, maxResultDelayMs: 0 });
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    await writeAlternating(store, a.id, b.id);
    assert.equal(await store.pruneResults(T0 + 321_000, 100), 0, 'the hour of 22:35 has not ended: nothing of it goes');
    const batches: number[] = [];
    for (;;) {
      const deleted = await store.pruneResults(T0 + 30 * MIN, 100);
      batches.push(deleted);
      if (deleted === 0) break;
    }
    assert.deepEqual(batches, [100, 100, 100, 100, 99, 0], 'the 22:00 hour ended by 23:00: all its rounds but the newest row');
    store.close();
  });

  // SQLite-only: the rowid watermark of rows folded into rollups, and rowids never restarting.
  test('pruneResults never deletes the newest row, nor rows not yet folded into rollups', async () => {
    const { store } = open({ flushIntervalMs: 60 * MIN, maxResultDelayMs: 0, clock: () => T0 });
    const ep = await store.createEndpoint(definition('a'));
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0), result(ep.id, T0 + 1000), result(ep.id, T0 + 2000)] });
    assert.equal(await store.pruneResults(T0 + 3_600_000, 100), 0, 'not yet flushed');
    await store.flush();
    assert.equal(await store.pruneResults(T0 + 3_600_000, 100), 2, 'all but the newest');
    assert.deepEqual(
      (await store.results(ep.id, { fromMs: 0, toMs: T0 + 3_600_000, limit: 10 })).map((r) => r.ts),
      [T0 + 2000],
    );
    store.close();
  });
});

// SQLite-only: operations on the database file (StorageMaintenance), which PostgreSQL leaves to its tools.
describe('operations', () => {
  test('backup writes a file that opens with the same rows', async () => {
    const { store } = open({ flushIntervalMs: 60 * MIN, clock: () => T0 });
    const ep = await store.createEndpoint(definition('alpha', { secrets: { headers: {}, bearerToken: 'secret' } }));
    await store.writeTick({
      ...EMPTY_TICK,
      results: Array.from({ length: 100 }, (_, i) => result(ep.id, T0 + i * MIN, { status: i % 10 === 0 ? 'down' : 'up', durationMs: 50 + i })),
      states: [state(ep.id, { health: 'up' })],
      events: [{ endpointId: ep.id, event: { kind: 'incident_opened', at: '2026-03-01T22:30:00.000Z', incidentId: incidentIdFor(ep.id, 1), startedAt: '2026-03-01T22:29:00.000Z', code: 'HTTP_5XX', detail: 'HTTP 503' } }],
    });
    const backupPath = join(tmp.dir, `backup-${n++}`, 'deeper', 'copy.db');
    await store.backup(backupPath);
    const copy = openSqliteStore(backupPath);
    const window = { fromMs: T0, toMs: T0 + 200 * MIN, limit: 1000 };
    assert.deepEqual(await copy.listEndpoints(), await store.listEndpoints());
    assert.deepEqual(await copy.loadStates(), await store.loadStates());
    assert.deepEqual(await copy.results(ep.id, window), await store.results(ep.id, window));
    assert.equal((await copy.results(ep.id, window)).length, 100);
    assert.deepEqual(await copy.rollups('hour', ep.id, T0, T0 + 200 * MIN), await store.rollups('hour', ep.id, T0, T0 + 200 * MIN));
    assert.deepEqual(await copy.incidents({ limit: 10 }), await store.incidents({ limit: 10 }));
    assert.deepEqual(await copy.events({ limit: 10 }), await store.events({ limit: 10 }));
    assert.equal(copy.integrityCheck(), 'ok');
    copy.close();
    store.close();
  });

  test('integrityCheck is ok; checkpoint empties the WAL; databaseSizeBytes counts pages and WAL', async () => {
    const { store } = open();
    const ep = await store.createEndpoint(definition('alpha'));
    await store.writeTick({ ...EMPTY_TICK, results: Array.from({ length: 1000 }, (_, i) => result(ep.id, T0 + i * 1000)) });
    assert.equal(store.integrityCheck(), 'ok');
    const before = store.databaseSizeBytes();
    store.checkpoint();
    const after = store.databaseSizeBytes();
    assert.ok(before > after, `${before} > ${after}`);
    assert.ok(after >= 4096 * 5);
    store.close();
  });

  test('the WAL is checkpointed every WAL_AUTOCHECKPOINT_PAGES pages, not every 1,000, and cut back after', async () => {
    const { store, path } = open({ flushIntervalMs: 0 });
    assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), WAL_AUTOCHECKPOINT_PAGES);
    assert.ok(WAL_AUTOCHECKPOINT_PAGES > 1000);
    const ep = await store.createEndpoint(definition('alpha'));
    // ~2,500 pages of rows in ticks: more than twice what SQLite's default lets the WAL hold.
    for (let t = 0; t < 60; t++) await store.writeTick({ ...EMPTY_TICK, results: Array.from({ length: 4000 }, (_, i) => result(ep.id, T0 + t * 4_000_000 + i * 1000, { status: 'down' })) });
    assert.ok(statSync(`${path}-wal`).size > 2000 * 4096, 'no checkpoint reset the WAL after 1,000 pages');
    store.checkpoint();
    assert.equal(statSync(`${path}-wal`).size, 0);
    store.close();
  });

  test('isWritable: false on a read-only database file', async (t) => {
    const { store, path } = open();
    store.close();
    const undo = makeReadOnly(path);
    if (!undo) {
      t.skip('running as root without chattr: file permissions do not stop root');
      return;
    }
    try {
      const readOnly = openSqliteStore(path);
      assert.equal(await readOnly.isWritable(), false);
      readOnly.close();
    } finally {
      undo();
    }
  });
});

/**
 * chmod 0444 does not stop root, so as root the immutable attribute stands in (needs
 * CAP_LINUX_IMMUTABLE and a filesystem that supports it). Returns how to undo it, or null.
 */
function makeReadOnly(path: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o444);
    return () => chmodSync(path, 0o644);
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  } catch {
    return null;
  }
}
