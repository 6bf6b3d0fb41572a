// The PostgreSQL AlertSettingsStore on a real server, beyond the contract suite
// (test/store/contract/): two nodes on one database replacing one channel at once.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { PgAlertSettings } from '../../../src/store/postgres/alert-settings.ts';
import { manualClock, migratedDatabase } from './migrated.ts';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

async function subject(t: TestContext) {
  const db = await migratedDatabase(t);
  if (!db) return undefined;
  const { clock, setNow } = manualClock(T0);
  return { db, setNow, settings: new PgAlertSettings(db.pool, { clock }) };
}

describe('PostgreSQL alert settings: several nodes on one database', () => {
  test('two nodes writing one channel at once leave one whole spec and the first createdAt', async (t) => {
    const s = await subject(t);
    if (!s) return;
    const other = new PgAlertSettings(s.db.another(), { clock: () => T0 + 1000 });
    const specs = Array.from({ length: 10 }, (_, i) => ({ name: 'hook', type: 'webhook', url: `https://hooks.example.com/${i}`, secret: `s${i}` }));
    await Promise.all(specs.map((spec, i) => (i % 2 === 0 ? s.settings : other).putChannel('hook', 'webhook', spec)));
    const [stored, ...rest] = await s.settings.channels();
    assert.equal(rest.length, 0);
    assert.ok(specs.some((spec) => isDeepStrictEqual(spec, stored?.spec)), `a spec as written, not a mix: ${JSON.stringify(stored?.spec)}`);
    assert.ok(stored?.createdAt === new Date(T0).toISOString() || stored?.createdAt === new Date(T0 + 1000).toISOString());
  });
});
