// The PostgreSQL AlertOutbox on a real server, beyond the contract suite (test/store/contract/):
// what only a database shared by several nodes has to get right: two nodes committing the same alerts,
// two nodes asking for due entries at once, a lease that runs out, a commit that fails whole.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { PgAlertOutbox } from '../../../src/store/postgres/outbox.ts';
import { entry, state, T0 } from '../contract/outbox-cases.ts';
import { deleteEndpoint, insertEndpoint, manualClock, migratedDatabase } from './migrated.ts';

const LEASE_MS = 60_000;

async function subject(t: TestContext) {
  const db = await migratedDatabase(t);
  if (!db) return undefined;
  const { clock, setNow } = manualClock(T0);
  return {
    db,
    clock,
    setNow,
    outbox: new PgAlertOutbox(db.pool, { clock, claimLeaseMs: LEASE_MS }),
    addEndpoint: (slug: string) => insertEndpoint(db.pool, slug),
    deleteEndpoint: (id: number) => deleteEndpoint(db.pool, id),
  };
}

describe('PostgreSQL outbox: several nodes on one database', () => {
  test('two nodes committing the same derived entries at once insert each exactly once', async (t) => {
    const s = await subject(t);
    if (!s) return;
    const other = new PgAlertOutbox(s.db.another(), { clock: s.clock });
    const endpoint = await s.addEndpoint('weather');
    const rounds = 20;
    const perRound = 25;
    let inserted = 0;
    for (let round = 0; round < rounds; round++) {
      const entries = Array.from({ length: perRound }, (_, i) => entry(`r${round}-e${i}`, { endpointId: endpoint, channel: i % 2 === 0 ? 'hook' : 'mail' }));
      const batch = { entries, states: [state(endpoint, round)], cursor: round };
      const results = await Promise.all([s.outbox.commit(batch), other.commit(batch)]);
      inserted += results[0].inserted + results[1].inserted;
    }
    assert.equal(inserted, rounds * perRound, 'each entry counted as new by exactly one node');
    const { rows } = await s.db.pool.query<{ n: number; keys: number }>('SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys FROM alert_outbox');
    assert.deepEqual(rows[0], { n: rounds * perRound, keys: rounds * perRound });
    assert.deepEqual(await s.outbox.loadStates(), [state(endpoint, rounds - 1)]);
    assert.equal(await other.cursor(), rounds - 1);
  });

  test('two nodes asking for due entries at once get disjoint entries, all of them between the two', async (t) => {
    const s = await subject(t);
    if (!s) return;
    const other = new PgAlertOutbox(s.db.another(), { clock: s.clock, claimLeaseMs: LEASE_MS });
    const total = 200;
    await s.outbox.commit({ entries: Array.from({ length: total }, (_, i) => entry(`k${i}`)), states: [] });
    const seen: number[][] = [[], []];
    // Small bites so the two keep overlapping in time until everything is taken.
    for (;;) {
      const [a, b] = await Promise.all([s.outbox.due(T0, 7), other.due(T0, 7)]);
      if (a.length === 0 && b.length === 0) break;
      seen[0]!.push(...a.map((e) => e.id));
      seen[1]!.push(...b.map((e) => e.id));
    }
    const all = [...seen[0]!, ...seen[1]!];
    assert.equal(new Set(all).size, all.length, 'no entry went to both nodes');
    assert.equal(all.length, total, 'every due entry went to one of them');
    assert.ok(seen[0]!.length > 0 && seen[1]!.length > 0, 'both nodes took a share');
  });

  test('a claimed entry is withheld until its lease runs out, then due again (its sender died)', async (t) => {
    const s = await subject(t);
    if (!s) return;
    await s.outbox.commit({ entries: [entry('a'), entry('b')], states: [] });
    const [a] = await s.outbox.due(T0, 1);
    assert.equal(a?.idempotencyKey, 'a');
    assert.equal(a.dueMs, T0, 'the entry shows the due time it was found with');
    assert.deepEqual((await s.outbox.due(T0 + 10, 10)).map((e) => e.idempotencyKey), ['b'], 'without skip, "a" is still withheld');
    assert.equal((await s.outbox.get(a.id))?.dueMs, T0 + LEASE_MS, 'the lease is visible as the next due time');
    assert.equal(await s.outbox.nextDueMs(), T0 + LEASE_MS);
    assert.deepEqual(await s.outbox.due(T0 + LEASE_MS - 1, 10), []);
    const again = await s.outbox.due(T0 + LEASE_MS, 10);
    assert.deepEqual(
      again.map((e) => [e.idempotencyKey, e.attempts]),
      [['a', 0]],
      'made again after the lease, not counted as an attempt',
    );
    // A result recorded after the lease still counts, whoever claimed the entry since.
    await s.outbox.markDelivered(a.id);
    assert.equal((await s.outbox.get(a.id))?.status, 'delivered');
  });

  test('a commit that fails leaves entries, states and the cursor as they were', async (t) => {
    const s = await subject(t);
    if (!s) return;
    const endpoint = await s.addEndpoint('weather');
    await s.outbox.commit({ entries: [entry('before')], states: [state(endpoint, 1)], cursor: 10 });
    // The entries go in first; the state after them is refused (an id that is no bigint).
    const broken = { ...state(endpoint, 2), endpointId: 1.5 };
    await assert.rejects(s.outbox.commit({ entries: [entry('good')], states: [broken], cursor: 20 }), /bigint/);
    assert.deepEqual((await s.outbox.entries({ limit: 10 })).map((e) => e.idempotencyKey), ['before']);
    assert.deepEqual(await s.outbox.loadStates(), [state(endpoint, 1)]);
    assert.equal(await s.outbox.cursor(), 10);
    assert.deepEqual(await s.outbox.commit({ entries: [entry('good')], states: [], cursor: 20 }), { inserted: 1 }, 'the pool is usable after the rollback');
  });

  test('NUL and lone surrogates become U+FFFD instead of failing the write', async (t) => {
    const s = await subject(t);
    if (!s) return;
    const endpoint = await s.addEndpoint('weather');
    const detail = 'x\u0000y\udc00z';
    const hostile = { ...state(endpoint, 0), incident: { startedAt: new Date(T0).toISOString(), code: 'HTTP_5XX' as const, detail, incidentId: 7 } };
    await s.outbox.commit({ entries: [entry('k', { message: { detail } })], states: [hostile] });
    assert.equal((await s.outbox.entries({ limit: 1 }))[0]?.message.detail, 'x\ufffdy\ufffdz');
    assert.equal((await s.outbox.loadStates())[0]?.incident?.detail, 'x\ufffdy\ufffdz');
  });
});
