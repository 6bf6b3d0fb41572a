// The tables of several regions (0005_regions.sql) through the real PostgreSQL store: a region's
// writer keeps to its region's rows, deletes cascade, and a database that ran one region so far
// continues as region 'default'.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { incidentIdFor } from '../../../src/domain/health.ts';
import { defaultPostgresMigrationsDir, migratePostgres } from '../../../src/store/postgres/migrate.ts';
import { openPostgresStorage } from '../../../src/store/postgres/open.ts';
import { openPool } from '../../../src/store/postgres/pool.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { EMPTY_TICK, definition, result, state } from '../helper.ts';

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

test('a region’s writer stores its rounds with the region and its states apart; incidents and events are the arbiter’s', { timeout: 60_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const storage = await openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 10_000 });
  t.after(() => storage.close());
  const { store } = storage;
  const ep = await store.createEndpoint(definition('regional'));
  const eu = storage.regions!.ticks('eu');
  const opened = { kind: 'incident_opened' as const, at: new Date(T0).toISOString(), incidentId: incidentIdFor(ep.id, 1), startedAt: new Date(T0).toISOString(), code: 'TCP_REFUSED' as const, detail: 'refused' };
  await eu.writeTick({
    ...EMPTY_TICK,
    results: [result(ep.id, T0, { status: 'down', code: 'TCP_REFUSED', detail: 'refused' })],
    states: [state(ep.id, { health: 'down', consecutiveFailures: 2, openIncidentId: opened.incidentId, incidentsOpened: 1 })],
    events: [{ endpointId: ep.id, event: opened }],
  });
  await storage.regions!.ticks('us').writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0)], states: [state(ep.id, { health: 'up' })] });

  const window = { fromMs: T0, toMs: T0 + 1, limit: 10 };
  assert.equal((await store.results(ep.id, window)).length, 2, 'both regions’ rounds of the same instant are kept');
  assert.deepEqual((await store.results(ep.id, { ...window, region: 'eu' })).map((r) => r.status), ['down']);
  assert.deepEqual((await store.results(ep.id, { ...window, region: 'us' })).map((r) => r.status), ['up']);
  assert.deepEqual((await eu.loadStates()).map((s) => [s.health, s.consecutiveFailures]), [['down', 2]]);
  assert.deepEqual(await store.loadStates(), [], 'the overall state is the arbiter’s to write');
  assert.deepEqual(await store.incidents({ limit: 10 }), []);
  assert.deepEqual(await store.events({ limit: 10 }), []);

  const snapshot = await storage.regions!.quorum.snapshot();
  const words = snapshot.regionStates.get(ep.id) ?? [];
  assert.deepEqual(words.map((w) => [w.region, w.state.health]), [['eu', 'down'], ['us', 'up']]);
  for (const w of words) assert.ok(Math.abs(snapshot.now - w.at) < 60_000, 'written at the database’s now');
  // The pages' narrower read: the same words, only what a page or the quorum needs.
  const read = await storage.regions!.reader.words();
  assert.deepEqual(
    read.words.map((w) => [w.endpointId, w.region, w.state.health, w.state.consecutiveFailures, w.at]).sort(),
    words.map((w) => [ep.id, w.region, w.state.health, w.state.consecutiveFailures, w.at]).sort(),
  );
  assert.deepEqual(Object.keys(read.words[0]!.state).sort(), ['consecutiveFailures', 'health', 'healthSince', 'lastCheckedAt', 'lastDurationMs', 'lastStatus']);

  // Deleting the endpoint takes its regions' rows with it.
  await storage.regions!.quorum.write({ states: [], events: [], incidentRegions: [], memory: [{ endpointId: ep.id, status: 'partial_outage', partial: true, votes: [] }] });
  assert.equal((await storage.regions!.quorum.verdicts()).get(ep.id)?.status, 'partial_outage');
  assert.equal(await store.deleteEndpoint(ep.id), true);
  assert.deepEqual(await eu.loadStates(), []);
  assert.equal((await storage.regions!.quorum.verdicts()).size, 0);
});

test('a database that ran one region continues as region default, not yet fresh', { timeout: 60_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-migrations-'));
  const pool = openPool(db.url, { max: 2, statementTimeoutMs: 10_000 });
  t.after(async () => {
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const all = defaultPostgresMigrationsDir();
  for (const file of readdirSync(all).filter((f) => /^000[1-4]_/.test(f))) copyFileSync(join(all, file), join(dir, file));
  await migratePostgres(pool, dir);
  const { rows } = await pool.query<{ id: number }>(
    "INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at) VALUES ('old', 'old', 'https://old.example.com/mcp', 60, 15000, 'api', now(), now()) RETURNING id",
  );
  const id = rows[0]!.id;
  await pool.query("INSERT INTO endpoint_state (endpoint_id, health, consecutive_failures, consecutive_successes, incidents_opened) VALUES ($1, 'up', 0, 7, 3)", [id]);
  await migratePostgres(pool);
  const seeded = await pool.query<{ region: string; health: string; consecutive_successes: number; incidents_opened: number; last_failed: boolean; stale: boolean }>(
    "SELECT region, health, consecutive_successes, incidents_opened, last_failed, updated_at < now() - interval '1 day' AS stale FROM region_endpoint_state WHERE endpoint_id = $1",
    [id],
  );
  assert.deepEqual(seeded.rows, [{ region: 'default', health: 'up', consecutive_successes: 7, incidents_opened: 3, last_failed: false, stale: true }]);
});
