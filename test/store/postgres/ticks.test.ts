// The PostgreSQL tick writer, history reads and retention against a real server, beyond the
// contract suite (test/store/contract/): what only PostgreSQL has (partitions, locks, constraints).
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { DAY_MS, HOUR_MS } from '../../../src/store/rollup-math.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from '../../../src/store/postgres/locks.ts';
import { listPartitions } from '../../../src/store/postgres/partitions.ts';
import { migratePostgres } from '../../../src/store/postgres/migrate.ts';
import { type Pool, openPool } from '../../../src/store/postgres/pool.ts';
import { PgTicks } from '../../../src/store/postgres/ticks.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { manualClock, result, state } from '../helper.ts';
import { MINUTE, T0, type TickSubject, tick } from '../contract/tick-cases.ts';

// --- PostgreSQL harness -----------------------------------------------------------------------

async function pgSubject(t: TestContext, clockMs = T0, lockTimeoutMs?: number): Promise<(TickSubject & { pool: Pool; store: PgTicks }) | undefined> {
  const db = await testDatabase(t);
  if (!db) return undefined;
  const pool = openPool(db.url, { max: 4, ...(lockTimeoutMs === undefined ? {} : { statementTimeoutMs: lockTimeoutMs }) });
  t.after(() => pool.end());
  await migratePostgres(pool);
  const store = await PgTicks.open(pool, { clock: () => clockMs });
  return {
    pool,
    store,
    addEndpoint: async (slug) => {
      const { rows } = await pool.query<{ id: number }>(
        "INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at) VALUES ($1, $1, 'https://' || $1 || '.example.com/mcp', 60, 15000, 'api', now(), now()) RETURNING id",
        [slug],
      );
      return rows[0]!.id;
    },
    deleteEndpoint: async (id) => {
      await pool.query('DELETE FROM endpoints WHERE id = $1', [id]);
    },
  };
}

async function partitionCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'probe_results'::regclass");
  return rows[0]!.n;
}

test('postgres: partitions are created ahead, and rows far in the past or future still land', async (t) => {
  const subject = await pgSubject(t, T0 + 5 * HOUR_MS);
  if (!subject) return;
  const { pool, store } = subject;
  assert.deepEqual(
    (await listPartitions(pool)).map((p) => [p.name, p.from, p.to]),
    [0, 1, 2].map((i) => [`probe_results_${new Date(T0 + i * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`, T0 + i * DAY_MS, T0 + (i + 1) * DAY_MS]),
  );
  const id = await subject.addEndpoint('far');
  const past = Date.UTC(1999, 11, 31, 23, 59);
  const future = Date.UTC(2100, 0, 1, 12);
  await store.writeTick(tick({ results: [result(id, past), result(id, T0), result(id, future)] }));
  assert.equal(await partitionCount(pool), 5);
  assert.deepEqual((await store.results(id, { fromMs: 0, toMs: future + 1, limit: 10 })).map((r) => r.ts), [future, T0, past]);
  // A second writer (another node) finds the partitions made and makes none twice.
  const other = await PgTicks.open(pool, { clock: () => future });
  await other.writeTick(tick({ results: [result(id, future + MINUTE)] }));
  assert.equal(await partitionCount(pool), 7, 'future day, plus its two days ahead');
});

test('postgres: pruneResults drops whole expired partitions and nothing else, whatever the limit', async (t) => {
  const clock = manualClock(T0);
  const subject = await pgSubject(t);
  if (!subject) return;
  const { pool } = subject;
  const store = await PgTicks.open(pool, { clock: clock.now });
  const id = await subject.addEndpoint('old');
  // Four days, one round every 30 min: 48 rows a day.
  const rows = Array.from({ length: 4 * 48 }, (_, i) => result(id, T0 - 3 * DAY_MS + i * 30 * MINUTE));
  await store.writeTick(tick({ results: rows }));
  assert.equal(await partitionCount(pool), 6, '3 past days, today, 2 ahead');

  const before = T0 - DAY_MS + 6 * HOUR_MS; // 2 whole days expired, 12 rows of the third too
  assert.equal(await store.pruneResults(before, 5), 96, 'the two days whole, above the limit; no row of the third');
  assert.equal(await partitionCount(pool), 4);
  assert.equal(await store.pruneResults(before, 100), 0, 'the straddling day waits until it has expired whole');
  const left = await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 1000 });
  assert.equal(left.length, 4 * 48 - 96);
  assert.equal(Math.min(...left.map((r) => r.ts)), T0 - DAY_MS, 'the oldest row left starts the straddling day');
  assert.equal(await store.pruneResults(T0, 100), 48, 'once the cut passes its end, that day goes');
  assert.equal(await partitionCount(pool), 3);
  assert.ok((await store.rollups('hour', id, 0, T0 + DAY_MS)).length > 0, 'rollups are kept by pruneResults');
  assert.equal(await store.pruneRollups(T0, 1_000_000), 3 * 24 + 3, 'hourly and daily rows of the past days');
});

test('postgres: an endpoint delete waits for the tick in flight, then takes the endpoint\'s rows with it', async (t) => {
  const subject = await pgSubject(t);
  if (!subject) return;
  const { pool, store } = subject;
  const id = await subject.addEndpoint('busy');
  await store.writeTick(tick({ results: [result(id, T0)], states: [state(id)] }));
  // What a tick holds from its liveness check to COMMIT (ticks.ts), on a connection of its own.
  const inFlight = await pool.connect();
  const deleter = await pool.connect();
  try {
    await inFlight.query('BEGIN');
    await inFlight.query('SELECT pg_advisory_xact_lock_shared($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.tickWrite]);
    await deleter.query("SET lock_timeout = '300ms'");
    await assert.rejects(deleter.query('DELETE FROM endpoints WHERE id = $1', [id]), (error: Error & { code?: string }) => error.code === '55P03', 'the delete trigger takes the same lock');
    await inFlight.query('COMMIT');
    await deleter.query('DELETE FROM endpoints WHERE id = $1', [id]);
  } finally {
    // Released before the fixture drops the database (its hooks run first).
    inFlight.release();
    deleter.release();
  }
  const left = await pool.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM probe_results WHERE endpoint_id = $1) + (SELECT count(*) FROM rollups_hourly WHERE endpoint_id = $1) + (SELECT count(*) FROM rollups_daily WHERE endpoint_id = $1) + (SELECT count(*) FROM endpoint_state WHERE endpoint_id = $1) AS n',
    [id],
  );
  assert.equal(left.rows[0]?.n, 0);
});

test('postgres: a tick with events waits for the events lock, so event ids become visible in order', async (t) => {
  // The pool's lock_timeout is its statement timeout: a tick stuck behind the lock fails fast.
  const subject = await pgSubject(t, T0, 1000);
  if (!subject) return;
  const { pool, store } = subject;
  const id = await subject.addEndpoint('events');
  const event = (minute: number) => ({ endpointId: id, event: { kind: 'auth_required_entered', at: new Date(T0 + minute * MINUTE).toISOString() } as const });
  const withEvent = tick({ results: [result(id, T0 + MINUTE, { status: 'auth_required' })], events: [event(1)] });
  const other = await pool.connect();
  try {
    // Another writer between its events INSERT and its COMMIT.
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.events]);
    await store.writeTick(tick({ results: [result(id, T0)] }));
    // lock_timeout and statement_timeout are equal here: either may fire first.
    await assert.rejects(store.writeTick(withEvent), (error: Error & { code?: string }) => error.code === '55P03' || error.code === '57014');
    assert.equal((await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 })).length, 1, 'the rejected tick wrote none of its rows');
    assert.deepEqual(await store.rollups('hour', id, T0, T0 + HOUR_MS).then((rows) => rows.map((r) => [r.up, r.authRequired])), [[1, 0]]);
    await other.query('COMMIT');
  } finally {
    other.release();
  }
  await store.writeTick(withEvent);
  await store.writeTick(tick({ events: [event(2)] }));
  const events = await store.events({ limit: 10, afterId: 0 });
  assert.deepEqual(events.map((e) => e.at), [event(1).event.at, event(2).event.at]);
  assert.ok(events[0]!.id < events[1]!.id);
  assert.deepEqual(await store.rollups('hour', id, T0, T0 + HOUR_MS).then((rows) => rows.map((r) => [r.up, r.authRequired])), [[1, 1]]);
});
