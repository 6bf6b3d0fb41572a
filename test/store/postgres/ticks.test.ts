// The PostgreSQL tick writer, history reads and retention against a real server. The cases in
// TICK_CASES take any TickWriter & HistoryReader & Retention plus a way to make and delete
// endpoints, so the contract suite can run them on every backend; the partition cases below them
// are PostgreSQL's own.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type HealthEvent, incidentIdFor } from '../../../src/domain/health.ts';
import { type Agg, BUCKET_SIZE_MS, DAY_MS, HOUR_MS, RollupBuffer, alignDown, emptyAgg, addAgg, summaryOf, uptimeParts } from '../../../src/store/rollup-math.ts';
import { normalizeResult } from '../../../src/store/result-codec.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from '../../../src/store/postgres/locks.ts';
import { listPartitions } from '../../../src/store/postgres/partitions.ts';
import { migratePostgres } from '../../../src/store/postgres/migrate.ts';
import { type Pool, openPool } from '../../../src/store/postgres/pool.ts';
import { PgTicks } from '../../../src/store/postgres/ticks.ts';
import type { HistoryReader, ResultRow, Retention, TickBatch, TickWriter } from '../../../src/store/store.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { EMPTY_TICK, manualClock, result, seededRandom, state } from '../helper.ts';

type TickStore = TickWriter & HistoryReader & Retention;

/** What a case needs besides the store: endpoints to write for (PgEndpoints is another module). */
export interface TickSubject {
  readonly store: TickStore;
  readonly addEndpoint: (slug: string) => Promise<number>;
  readonly deleteEndpoint: (id: number) => Promise<void>;
}

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
const MINUTE = 60_000;

function tick(overrides: Partial<TickBatch>): TickBatch {
  return { ...EMPTY_TICK, ...overrides };
}

/** Rollups as the rows read back imply them (rollup-math applied to results()). */
async function recomputed(store: TickStore, endpointId: number, fromMs: number, toMs: number): Promise<RollupBuffer> {
  const rows = await store.results(endpointId, { fromMs, toMs, limit: 1_000_000 });
  const buffer = new RollupBuffer();
  for (const row of rows) buffer.add(row);
  return buffer;
}

async function assertRollupsMatchRows(store: TickStore, endpointId: number, fromMs: number, toMs: number): Promise<void> {
  const expected = await recomputed(store, endpointId, fromMs, toMs);
  for (const granularity of ['hour', 'day'] as const) {
    const want = [...(expected.forEndpoint(granularity, endpointId) ?? new Map<number, Agg>())]
      .sort(([a], [b]) => a - b)
      .map(([start, agg]) => ({ endpointId, start, ...agg }));
    assert.deepEqual(await store.rollups(granularity, endpointId, fromMs, toMs), want, `${granularity} rollups of endpoint ${endpointId}`);
  }
  const total = emptyAgg();
  for (const [granularity, from, to] of uptimeParts(fromMs, toMs)) {
    for (const [start, agg] of expected.forEndpoint(granularity, endpointId) ?? []) {
      if (start >= alignDown(from, BUCKET_SIZE_MS[granularity]) && start < to) addAgg(total, agg);
    }
  }
  assert.deepEqual(await store.uptime(endpointId, fromMs, toMs), summaryOf(total), `uptime of endpoint ${endpointId}`);
}

/** Mixed rounds: every status, some stalled, some discounted, latencies across the buckets. */
function mixedRows(endpointId: number, from: number, count: number, seed: number): ResultRow[] {
  const random = seededRandom(seed);
  const statuses = ['up', 'up', 'up', 'degraded', 'auth_required', 'down'] as const;
  return Array.from({ length: count }, (_, i) => {
    const status = statuses[Math.floor(random() * statuses.length)]!;
    return result(endpointId, from + i * MINUTE, {
      status,
      durationMs: Math.round(random() * 3000 * 10) / 10,
      stalled: random() < 0.1,
      ...(status === 'down' && random() < 0.3 ? { discounted: true } : {}),
      retried: random() < 0.1,
    });
  });
}

export const TICK_CASES: Record<string, (subject: TickSubject) => Promise<void>> = {
  async 'ticks read back newest first, page by beforeTs, and imply exactly their rollups'({ store, addEndpoint }) {
    const a = await addEndpoint('alpha');
    const b = await addEndpoint('beta');
    // 50 h of rounds from 22:30 on day one: ragged hours and a whole day for uptime's parts.
    const rows = [...mixedRows(a, T0 - 90 * MINUTE, 3000, 1), ...mixedRows(b, T0 - 90 * MINUTE, 3000, 2)];
    for (let i = 0; i < rows.length; i += 700) await store.writeTick(tick({ results: rows.slice(i, i + 700) }));

    const newest = await store.results(a, { fromMs: T0, toMs: T0 + 10 * HOUR_MS, limit: 5 });
    assert.deepEqual(
      newest.map((r) => r.ts),
      [0, 1, 2, 3, 4].map((i) => T0 + 10 * HOUR_MS - (i + 1) * MINUTE),
    );
    assert.ok(newest.every((r) => r.endpointId === a));
    const next = await store.results(a, { fromMs: T0, toMs: T0 + 10 * HOUR_MS, limit: 3, beforeTs: newest[4]!.ts });
    assert.deepEqual(
      next.map((r) => r.ts),
      [5, 6, 7].map((i) => T0 + 10 * HOUR_MS - (i + 1) * MINUTE),
    );
    const one = rows.find((r) => r.endpointId === b && r.ts === T0 + 7 * MINUTE)!;
    assert.deepEqual(await store.results(b, { fromMs: one.ts, toMs: one.ts + 1, limit: 10 }), [normalizeResult(one)]);

    const from = T0 - 2 * HOUR_MS - 17 * MINUTE;
    const to = T0 + 49 * HOUR_MS + 5 * MINUTE;
    await assertRollupsMatchRows(store, a, from, to);
    await assertRollupsMatchRows(store, b, from, to);
    const all = await store.uptimeAll(from, to);
    assert.deepEqual(all.get(a), await store.uptime(a, from, to));
    assert.deepEqual(all.get(b), await store.uptime(b, from, to));
    assert.ok((all.get(a)?.rounds ?? 0) > 2500);
    const hourly = await store.rollupsAll('hour', from, to);
    assert.deepEqual(hourly.get(a), await store.rollups('hour', a, from, to));
    assert.deepEqual(hourly.get(b), await store.rollups('hour', b, from, to));
  },

  async 'an incident keeps its domain id through open, update and resolve; a retried batch counts once'({ store, addEndpoint }) {
    const id = await addEndpoint('gamma');
    const incidentId = incidentIdFor(id, 1);
    const at = (minute: number): string => new Date(T0 + minute * MINUTE).toISOString();
    const opened: HealthEvent = { kind: 'incident_opened', at: at(3), incidentId, startedAt: at(1), code: 'HTTP_5XX', detail: 'HTTP 503' };
    const openBatch = tick({
      results: [result(id, T0 + 3 * MINUTE, { status: 'down' })],
      states: [state(id, { health: 'down', openIncidentId: incidentId, incidentsOpened: 1, consecutiveFailures: 3 })],
      events: [{ endpointId: id, event: opened }],
    });
    await store.writeTick(openBatch);
    // The caller saw the connection break after COMMIT and writes the same batch again.
    await store.writeTick(openBatch);
    await store.writeTick(
      tick({
        results: [result(id, T0 + 4 * MINUTE, { status: 'down' })],
        events: [{ endpointId: id, event: { kind: 'incident_updated', at: at(4), incidentId, code: 'PROBE_TIMEOUT', detail: 'no answer' } }],
      }),
    );
    const [open] = await store.incidents({ endpointId: id, openOnly: true, limit: 10 });
    assert.deepEqual(open, {
      id: incidentId,
      endpointId: id,
      startedAt: at(1),
      resolvedAt: null,
      durationS: null,
      firstCode: 'HTTP_5XX',
      firstDetail: 'HTTP 503',
      lastCode: 'PROBE_TIMEOUT',
      lastDetail: 'no answer',
    });
    assert.equal((await store.loadStates()).find((s) => s.endpointId === id)?.openIncidentId, incidentId);

    const resolved: HealthEvent = { kind: 'incident_resolved', at: at(9), incidentId, lastCode: null, lastDetail: null };
    await store.writeTick(tick({ results: [result(id, T0 + 9 * MINUTE)], states: [state(id, { health: 'up', incidentsOpened: 1 })], events: [{ endpointId: id, event: resolved }] }));
    const [closed] = await store.incidents({ endpointId: id, limit: 10 });
    assert.equal(closed?.resolvedAt, at(9));
    assert.equal(closed?.durationS, 8 * 60);
    assert.equal(closed?.lastCode, 'PROBE_TIMEOUT', 'a resolve without a code keeps the last one');
    assert.deepEqual(await store.incidents({ openOnly: true, limit: 10 }), []);

    const events = await store.events({ endpointId: id, limit: 10, afterId: 0 });
    assert.deepEqual(
      events.map((e) => [e.kind, e.at, e.data]),
      [
        ['incident_opened', at(3), opened],
        ['incident_resolved', at(9), resolved],
      ],
      'once each, no incident_updated',
    );
    assert.deepEqual(await store.events({ limit: 10, afterId: events[0]!.id }), [events[1]]);
    assert.deepEqual(await store.events({ limit: 1 }), [events[1]], 'without a cursor: newest first');

    const hour = await store.rollups('hour', id, T0, T0 + HOUR_MS);
    assert.deepEqual([hour[0]?.down, hour[0]?.up], [2, 1], 'the retried batch added its round once');
    assert.equal((await store.results(id, { fromMs: T0, toMs: T0 + HOUR_MS, limit: 10 })).length, 3);
  },

  async 'rows of an endpoint deleted meanwhile are dropped, the rest of the tick is written'({ store, addEndpoint, deleteEndpoint }) {
    const kept = await addEndpoint('kept');
    const gone = await addEndpoint('gone');
    await store.writeTick(tick({ results: [result(gone, T0)], states: [state(gone)] }));
    await deleteEndpoint(gone);
    assert.deepEqual(await store.results(gone, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 }), [], 'its history went with it');
    assert.deepEqual(await store.rollups('hour', gone, 0, T0 + DAY_MS), []);
    assert.deepEqual([...(await store.rollupsAll('day', 0, T0 + DAY_MS)).keys()], []);
    await store.writeTick(
      tick({
        results: [result(gone, T0 + MINUTE), result(kept, T0 + MINUTE)],
        states: [state(gone), state(kept, { health: 'up' })],
        events: [{ endpointId: gone, event: { kind: 'auth_required_entered', at: new Date(T0).toISOString() } }],
        gaps: [{ endpointId: gone, fromMs: T0 - HOUR_MS, toMs: T0 }],
      }),
    );
    assert.equal((await store.results(kept, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 })).length, 1);
    assert.deepEqual((await store.loadStates()).map((s) => s.endpointId), [kept]);
    assert.deepEqual(await store.events({ limit: 10 }), []);
    assert.deepEqual([...(await store.uptimeAll(T0, T0 + DAY_MS)).keys()], [kept]);
  },

  async 'certificates and tool lists are stored when they change; gaps and states read back'({ store, addEndpoint }) {
    const id = await addEndpoint('delta');
    const cert = (ts: number, fingerprint256: string) => ({ endpointId: id, ts, fingerprint256, subject: 'CN=x', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', sans: ['x.example'] });
    const tools = (ts: number, hash: string) => ({ endpointId: id, ts, hash, count: 2, names: ['a', 'b'] });
    await store.writeTick(tick({ certObservations: [cert(T0, 'f1'), cert(T0 + 1, 'f1')], toolSnapshots: [tools(T0, 'h1')] }));
    await store.writeTick(tick({ certObservations: [cert(T0 + 2, 'f1')], toolSnapshots: [tools(T0 + 2, 'h1'), tools(T0 + 3, 'h2')] }));
    assert.deepEqual(await store.latestCertificate(id), cert(T0, 'f1'), 'an unchanged fingerprint is not stored again');
    assert.deepEqual((await store.toolSnapshots(id, 10)).map((t) => [t.ts, t.hash]), [
      [T0 + 3, 'h2'],
      [T0, 'h1'],
    ]);
    await store.writeTick(tick({ gaps: [{ endpointId: id, fromMs: T0, toMs: T0 + HOUR_MS }, { endpointId: id, fromMs: T0 + 2 * HOUR_MS, toMs: T0 + 3 * HOUR_MS }, { endpointId: id, fromMs: T0, toMs: T0 }] }));
    assert.deepEqual(await store.gaps(id, T0 + 30 * MINUTE, T0 + DAY_MS, 10), [
      { endpointId: id, fromMs: T0 + 2 * HOUR_MS, toMs: T0 + 3 * HOUR_MS },
      { endpointId: id, fromMs: T0, toMs: T0 + HOUR_MS },
    ]);
    assert.deepEqual((await store.gapsAll(T0 + 150 * MINUTE, T0 + DAY_MS)).get(id), [{ endpointId: id, fromMs: T0 + 2 * HOUR_MS, toMs: T0 + 3 * HOUR_MS }]);
    const full = state(id, { health: 'up', healthSince: '2026-03-01T00:00:00.000Z', lastDurationMs: 12.5, toolsHash: 'h2', toolsCount: 2, incidentsOpened: 4, lastCheckedAt: '2026-03-01T00:01:00.000Z' });
    await store.writeTick(tick({ states: [full] }));
    assert.deepEqual(await store.loadStates(), [full]);
    assert.equal(await store.pruneRollups(T0 + 2 * HOUR_MS, 100), 1, 'the gap that ended by then');
  },
};

// --- PostgreSQL harness -----------------------------------------------------------------------

async function pgSubject(t: TestContext, clockMs = T0): Promise<(TickSubject & { pool: Pool; store: PgTicks }) | undefined> {
  const db = await testDatabase(t);
  if (!db) return undefined;
  const pool = openPool(db.url, { max: 4 });
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

for (const [name, run] of Object.entries(TICK_CASES)) {
  test(`postgres: ${name}`, async (t) => {
    const subject = await pgSubject(t);
    if (subject) await run(subject);
  });
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

test('postgres: pruneResults drops whole expired partitions, trims the straddling one, keeps newer rows', async (t) => {
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

  const before = T0 - DAY_MS + 6 * HOUR_MS; // drops 2 whole days, 12 rows of the third
  assert.equal(await store.pruneResults(before, 5), 96 + 5, 'the two days, then at most `limit` rows');
  assert.equal(await partitionCount(pool), 4);
  assert.equal(await store.pruneResults(before, 100), 7);
  assert.equal(await store.pruneResults(before, 100), 0);
  const left = await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 1000 });
  assert.equal(left.length, 4 * 48 - 96 - 12);
  assert.equal(Math.min(...left.map((r) => r.ts)), before);
  assert.ok((await store.rollups('hour', id, 0, T0 + DAY_MS)).length > 0, 'rollups are kept by pruneResults');
  assert.equal(await store.pruneRollups(T0, 1_000_000), 3 * 24 + 3, 'hourly and daily rows of the past days');
});

test('postgres: a rejected tick changes nothing and the same batch can be retried', async (t) => {
  const subject = await pgSubject(t);
  if (!subject) return;
  const { store } = subject;
  const id = await subject.addEndpoint('retry');
  const bad = tick({ results: [result(id, T0)], states: [state(id, { health: 'sideways' as 'up' })] });
  await assert.rejects(store.writeTick(bad), /check constraint/);
  assert.deepEqual(await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 }), []);
  assert.deepEqual(await store.rollups('hour', id, 0, T0 + DAY_MS), []);
  const good = tick({ results: [result(id, T0)], states: [state(id, { health: 'up' })] });
  await store.writeTick(good);
  assert.equal((await store.rollups('hour', id, 0, T0 + DAY_MS))[0]?.up, 1);
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
