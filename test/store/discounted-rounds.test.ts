// A discounted round (a failure timed while mcpwatch was overloaded) is kept for the record and
// counted neither as down nor as up. SQLite-only here: rollups REFOLDED from raw rows past the
// watermark skip it too (contract/rollup-cases.ts covers the rest on every backend).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { definition, EMPTY_TICK, result, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
const T0 = Date.parse('2026-12-02T12:10:00.000Z');

test('discounted rounds are stored with their flag and left out of uptime and rollups', async () => {
  const path = join(tmp.dir, 'mcpwatch.db');
  const store = openSqliteStore(path, { flushIntervalMs: 0 });
  const id = (await store.createEndpoint(definition('busy'))).id;
  const timeout = { status: 'down', code: 'PROBE_TIMEOUT', detail: 'probe timed out', stalled: true } as const;
  await store.writeTick({
    ...EMPTY_TICK,
    results: [result(id, T0), result(id, T0 + 60_000, { ...timeout, discounted: true }), result(id, T0 + 120_000, { status: 'down' }), result(id, T0 + 180_000)],
  });
  const expectCounts = async (s: typeof store): Promise<void> => {
    const uptime = await s.uptime(id, T0, T0 + 3_600_000);
    assert.deepEqual([uptime.rounds, uptime.up, uptime.down], [3, 2, 1]);
    const [hour] = await s.rollups('hour', id, T0, T0 + 1);
    assert.deepEqual([hour?.up, hour?.down], [2, 1]);
    const rows = await s.results(id, { fromMs: T0, toMs: T0 + 3_600_000, limit: 10 });
    assert.deepEqual(
      rows.map((r) => r.discounted === true).sort(),
      [false, false, false, true],
    );
  };
  await expectCounts(store);
  store.close();
  // The rollups are rebuilt from raw rows the store has not folded yet: drop them and reopen.
  const db = new Database(path);
  db.exec("DELETE FROM rollups_hourly; DELETE FROM rollups_daily; UPDATE store_meta SET value = '0' WHERE key = 'rollups_through_rowid'");
  db.close();
  const reopened = openSqliteStore(path, { flushIntervalMs: 0 });
  await expectCounts(reopened);
  reopened.close();
});
