// What retention does with archived endpoints: their rows age out like everything else, and the
// endpoint row itself goes once it has been archived longer than the longest window.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
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
