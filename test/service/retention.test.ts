// What retention does with archived endpoints: their rows age out like everything else, and the
// endpoint row itself goes once it has been archived longer than the longest window.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pruneOnce } from '../../src/service/retention.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { definition, manualClock, tempDir } from '../store/helper.ts';

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
