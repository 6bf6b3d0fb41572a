// What retention does with archived endpoints: their rows age out like everything else, and the
// endpoint row itself goes once it has been archived longer than the longest window.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_RETENTION } from '../../src/config/schema.ts';
import { pruneOnce } from '../../src/service/retention.ts';
import type { SealStep } from '../../src/service/sealing.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { definition, EMPTY_TICK, manualClock, result, tempDir } from '../store/helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

test('an endpoint archived longer than the longest retention window is deleted; a recent archive and live ones stay', async () => {
  const clock = manualClock(T0);
  const store = openSqliteStore(join(tmp.dir, 'retention.db'), { clock: clock.now });
  try {
    await store.syncConfigEndpoints([definition('old', { source: 'config' }), definition('recent', { source: 'config' }), definition('live', { source: 'config' })]);
    await store.syncConfigEndpoints([definition('recent', { source: 'config' }), definition('live', { source: 'config' })]);
    clock.advance(300 * DAY);
    await store.syncConfigEndpoints([definition('live', { source: 'config' })]);
    const options = { rawDays: 14, rollupDays: 400, cron: '* * * * *', batch: 100 };
    assert.deepEqual((await pruneOnce(store, options, clock.now())).archivedEndpoints, [], 'old is 300 days archived, under 400');
    clock.advance(101 * DAY);
    assert.deepEqual((await pruneOnce(store, options, clock.now())).archivedEndpoints, ['old']);
    assert.deepEqual((await store.listEndpoints()).map((e) => [e.slug, e.archivedAt !== null]), [
      ['recent', true],
      ['live', false],
    ]);
  } finally {
    store.close();
  }
});

test('with a seal step, pruneOnce seals past hours before pruning, yielding between steps, and reads stay whole', async () => {
  const HOUR = 3_600_000;
  const clock = manualClock(T0 + 5 * HOUR);
  const store = openSqliteStore(join(tmp.dir, 'retention-seal.db'), { clock: clock.now, flushIntervalMs: 0 });
  try {
    const ids = [(await store.createEndpoint(definition('a'))).id, (await store.createEndpoint(definition('b'))).id];
    for (let m = 0; m < 4 * 60; m++) await store.writeTick({ ...EMPTY_TICK, results: ids.map((id) => result(id, T0 + m * 60_000 + id)) });
    const before = await Promise.all(ids.map((id) => store.results(id, { fromMs: 0, toMs: T0 + DAY, limit: 1000 })));
    let steps = 0;
    // Other work waiting on the event loop runs between steps: an immediate that keeps requeueing itself.
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seal = (budgetMs: number): ReturnType<SealStep> => {
      steps++;
      return Promise.resolve(store.sealStep(Math.min(budgetMs, 0)));
    };
    const pruned = await pruneOnce(store, { rawDays: 14, rollupDays: 400, hourlyRollupDays: 91, seal, cron: '* * * * *', batch: 100 }, clock.now());
    ticking = false;
    assert.equal(pruned.sealed, 4 * 60 * 2 - 1, 'every row but the newest');
    assert.equal(pruned.results, 0, 'nothing is older than 14 days');
    assert.ok(steps > 2 && turns > 0, `${steps} steps, the event loop turned ${turns} times meanwhile`);
    assert.deepEqual(await Promise.all(ids.map((id) => store.results(id, { fromMs: 0, toMs: T0 + DAY, limit: 1000 }))), before);
  } finally {
    store.close();
  }
});

test('with the default retention the hourly rows kept cover what the pages draw hourly; 90-day bars and uptime whole days come from daily rows', async () => {
  const HOUR = 3_600_000;
  const now = T0 + 95 * DAY + 10 * HOUR + 15 * 60_000;
  const clock = manualClock(now);
  const store = openSqliteStore(join(tmp.dir, 'retention-windows.db'), { clock: clock.now, flushIntervalMs: 0 });
  try {
    const ep = await store.createEndpoint(definition('a'));
    // One round every hour at :30 for 95 days; every seventh one is down.
    const rows = Array.from({ length: 95 * 24 + 10 }, (_, i) => result(ep.id, T0 + i * HOUR + 30 * 60_000, { status: i % 7 === 0 ? 'down' : 'up' }));
    for (let i = 0; i < rows.length; i += 500) await store.writeTick({ ...EMPTY_TICK, results: rows.slice(i, i + 500) });
    const counted = (fromMs: number): { rounds: number; down: number } => {
      const inside = rows.filter((r) => r.ts >= fromMs && r.ts < now);
      return { rounds: inside.length, down: inside.filter((r) => r.status === 'down').length };
    };
    const { rawDays, rollupDays, hourlyRollupDays } = DEFAULT_RETENTION;
    await pruneOnce(store, { rawDays, rollupDays, hourlyRollupDays, cron: '* * * * *', batch: 100_000 }, now);
    assert.ok((await store.rollups('hour', ep.id, 0, now)).length < 40 * 24, 'hourly rows older than the retention went');

    // The 24 h, 7 d and 30 d uptime windows (the grade's too): exact to the round.
    for (const days of [1, 7, 30]) {
      const u = await store.uptime(ep.id, now - days * DAY, now);
      assert.deepEqual({ rounds: u.rounds, down: u.down }, counted(now - days * DAY), `${days} d`);
    }
    // The 7 d chart: every past hour has its row (the current one has no round yet).
    const hourStart = Math.floor(now / HOUR) * HOUR;
    assert.equal((await store.rollups('hour', ep.id, hourStart - 168 * HOUR, hourStart)).length, 168);
    // 90 days: the bars are 90 daily rows; the uptime counts from the first whole UTC day in the window.
    const today = Math.floor(now / DAY) * DAY;
    assert.equal((await store.rollups('day', ep.id, today - 89 * DAY, today + DAY)).length, 90);
    const u90 = await store.uptime(ep.id, now - 90 * DAY, now);
    assert.deepEqual({ rounds: u90.rounds, down: u90.down }, counted(today - 89 * DAY));
  } finally {
    store.close();
  }
});
