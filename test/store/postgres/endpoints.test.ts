// PgEndpoints on a real PostgreSQL, beyond the contract suite (test/store/contract/): what only
// PostgreSQL has, foreign-key cascades, the deletion hook and the sync's table lock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PgEndpoints } from '../../../src/store/postgres/endpoints.ts';
import { definition, manualClock } from '../helper.ts';
import { T0 } from '../contract/endpoint-cases.ts';
import { migratedDatabase } from './harness.ts';

describe('PgEndpoints: PostgreSQL only', () => {
  test('a sync inserts its new entries in one statement, in file order; one refused entry names itself and writes nothing', async (t) => {
    const m = await migratedDatabase(t);
    if (!m) return;
    const store = new PgEndpoints(m.pool);
    const file = Array.from({ length: 300 }, (_, i) => definition(`e${String(299 - i).padStart(3, '0')}`, { source: 'config' }));
    const report = await store.syncConfigEndpoints(file);
    assert.deepEqual(report.added, file.map((d) => d.slug));
    assert.deepEqual(report.endpoints.map((e) => e.slug), file.map((d) => d.slug));
    const ids = report.endpoints.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids follow the file order');
    const version = await store.endpointsVersion();
    // interval_s must be positive: the database refuses it, and says which entry.
    const bad = [...file, definition('fine', { source: 'config' }), definition('broken', { source: 'config', intervalS: 0 })];
    await assert.rejects(store.syncConfigEndpoints(bad), (error: Error & { code?: string }) => error.code === 'INVALID_ENDPOINT' && /broken/.test(error.message));
    assert.equal(await store.getEndpointBySlug('fine'), undefined, 'the whole sync rolled back');
    assert.equal(await store.endpointsVersion(), version);
  });

  test('deleting and pruning cascade to endpoint_state and tell the onDeleted hook after the commit', async (t) => {
    const m = await migratedDatabase(t);
    if (!m) return;
    const clock = manualClock(T0);
    const heard: number[][] = [];
    const store = new PgEndpoints(m.pool, { clock: clock.now, onDeleted: (ids) => heard.push([...ids]) });
    const doomed = await store.createEndpoint(definition('doomed'));
    const kept = await store.createEndpoint(definition('kept'));
    const [archived] = (await store.syncConfigEndpoints([definition('archived', { source: 'config' })])).endpoints;
    assert.ok(archived);
    for (const id of [doomed.id, kept.id, archived.id]) {
      await m.pool.query("INSERT INTO endpoint_state (endpoint_id, health, consecutive_failures, consecutive_successes) VALUES ($1, 'down', 1, 0)", [id]);
    }
    assert.equal(await store.deleteEndpoint(doomed.id), true);
    assert.equal(await store.deleteEndpoint(doomed.id), false);
    await store.syncConfigEndpoints([]);
    assert.deepEqual((await store.pruneArchivedEndpoints(T0 + 1)).map((e) => e.id), [archived.id]);
    const states = await m.pool.query<{ endpoint_id: number }>('SELECT endpoint_id FROM endpoint_state ORDER BY endpoint_id');
    assert.deepEqual(states.rows.map((r) => r.endpoint_id), [kept.id]);
    assert.deepEqual(heard, [[doomed.id], [archived.id]], 'once per deletion that happened, never for a miss');
  });

  test("a sync waits for another node's sync instead of failing on its new slugs; tick writes do not wait", async (t) => {
    const m = await migratedDatabase(t);
    if (!m) return;
    // Hold the lock the sync takes, as a slow sync on another node would, then release it after
    // inserting one of the slugs: the waiting sync must see that row, not collide with it.
    const probed = await new PgEndpoints(m.pool).createEndpoint(definition('probed'));
    const holder = await m.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE endpoints IN SHARE ROW EXCLUSIVE MODE');
      // A tick write meanwhile (its foreign-key check reads endpoints) must not wait for the sync.
      await m.openPool({ statementTimeoutMs: 5000 }).query("INSERT INTO endpoint_state (endpoint_id, health, consecutive_failures, consecutive_successes) VALUES ($1, 'up', 0, 1)", [probed.id]);
      await holder.query(
        "INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at) VALUES ('a', 'A', 'https://a.example.com/mcp', 60, 15000, 'config', now(), now())",
      );
      const store = new PgEndpoints(m.openPool(), { clock: manualClock(T0).now });
      const pending = store.syncConfigEndpoints([definition('a', { source: 'config' }), definition('b', { source: 'config' })]);
      const early = await Promise.race([pending.then(() => 'finished'), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))]);
      assert.equal(early, 'waiting', 'the sync waits for the lock');
      await holder.query('COMMIT');
      const report = await pending;
      assert.deepEqual(report.added, ['b']);
      assert.deepEqual(report.updated, ['a'], 'the row the other node committed is found and brought in line');
    assert.deepEqual(report.archived, [], 'probed belongs to the API, not to the file');
    } finally {
      holder.release();
    }
  });
});
