// SQLite-only: crash recovery from the files themselves, where the rowid watermark says which raw
// rows the rollup tables already hold. The backend-neutral rollup checks (flush timing, restarts,
// a crash and reopen, second writers, uptime) are in contract/rollup-cases.ts.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { assertAllMatch, generate, T0, writeInTicks } from './contract/rollup-cases.ts';
import { definition, manualClock, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);

test('a copy of the files taken mid-run (unflushed rounds pending) recovers exact rollups', async () => {
  const clock = manualClock(T0);
  const path = join(tmp.dir, 'running', 'mcpwatch.db');
  const store = openSqliteStore(path, { clock: clock.now, flushIntervalMs: 50 * 60_000 });
  const ids: number[] = [];
  for (const slug of ['a', 'b', 'c']) ids.push((await store.createEndpoint(definition(slug))).id);
  await writeInTicks(store, generate(ids, 42), clock, 13 * 60_000, 5);
  // The files as a crash would leave them: the database and its WAL, no clean close.
  const crashDir = join(tmp.dir, 'crash');
  mkdirSync(crashDir);
  const crashPath = join(crashDir, 'mcpwatch.db');
  copyFileSync(path, crashPath);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${crashPath}-wal`);

  const raw = new Database(crashPath, { readonly: true });
  const watermark = raw.prepare<[], { value: number }>("SELECT value FROM store_meta WHERE key = 'rollups_through_rowid'").get()?.value ?? 0;
  const total = raw.prepare<[], { c: number }>('SELECT count(*) AS c FROM probe_results').get()?.c ?? 0;
  raw.close();
  assert.ok(watermark > 0 && watermark < total, `some rounds flushed (${watermark}) and some pending (${total - watermark})`);

  const recovered = openSqliteStore(crashPath, { flushIntervalMs: 0 });
  await assertAllMatch(recovered, ids, 'recovered');
  recovered.close();
  const again = openSqliteStore(crashPath);
  await assertAllMatch(again, ids, 'recovered, flushed and reopened');
  again.close();
  store.close();
});
