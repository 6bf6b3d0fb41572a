// The Recorder while the database is away, over a real PostgreSQL reached through a TCP door the
// test closes (connection refused, as when the server restarts or the network breaks): writes are
// retried with backoff, rounds wait in memory up to the bound, the oldest beyond it are dropped and
// counted, and once the door opens again everything that waited is written once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { Recorder } from '../../src/service/recorder.ts';
import { openPostgresStorage } from '../../src/store/postgres/open.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { startSwitchablePort } from '../fixtures/switchable-port.ts';
import { definition } from '../store/helper.ts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

test('a lost database: backoff doubles, the oldest rounds beyond the bound are dropped and counted, the rest written once it returns', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const direct = new URL(db.url);
  const door = await startSwitchablePort(Number(direct.port || 5432));
  t.after(() => door.close());
  const viaDoor = new URL(db.url);
  viaDoor.port = String(door.port);
  const storage = await openPostgresStorage(viaDoor.toString(), { connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
  t.after(() => storage.close());
  const endpoint: Endpoint = await storage.store.createEndpoint(definition('api'));

  let now = T0;
  const recorder = new Recorder(storage.store, DEFAULT_HEALTH_POLICY, [], { clock: () => now, maxPendingRounds: 5, retryMs: 500, maxRetryMs: 2000 });
  let minute = 0;
  const round = (): void => {
    const startedAt = T0 + minute++ * 60_000;
    recorder.record(endpoint, { result: probeResult({ startedAt: new Date(startedAt).toISOString() }), retried: false, firstAttempt: null }, { plannedAt: startedAt, startedAt, stalled: false });
  };

  round();
  assert.equal(await recorder.flush(), 1, 'written while the door is open');

  await door.down();
  round();
  round();
  round();
  await assert.rejects(recorder.flush());
  assert.deepEqual(recorder.writeStats, { pending: 3, writeFailures: 1, dropped: 0, failing: true });

  // Within the backoff (500 ms after the first failure) nothing is attempted.
  now += 499;
  assert.equal(await recorder.flush(), 0);
  assert.equal(recorder.writeStats.writeFailures, 1);
  now += 1;
  await assert.rejects(recorder.flush());
  assert.equal(recorder.writeStats.writeFailures, 2);
  // Doubled: 1000 ms now.
  now += 999;
  assert.equal(await recorder.flush(), 0);
  now += 1;
  await assert.rejects(recorder.flush());
  // Capped at maxRetryMs (2000, not 2000 after 1000 doubling again to 4000).
  now += 2000;
  await assert.rejects(recorder.flush());
  now += 2000;
  await assert.rejects(recorder.flush());
  assert.equal(recorder.writeStats.writeFailures, 5);

  // Rounds 1..3 wait; 4 more make 7 > 5: the two oldest (minutes 1 and 2) go, counted.
  for (let i = 0; i < 4; i++) round();
  assert.deepEqual(recorder.writeStats, { pending: 5, writeFailures: 5, dropped: 2, failing: true });

  await door.up();
  now += 2000;
  assert.equal(await recorder.flush(), 5, 'everything that waited, in the write that succeeds');
  assert.deepEqual(recorder.writeStats, { pending: 0, writeFailures: 5, dropped: 2, failing: false });

  const stored = await storage.store.results(endpoint.id, { fromMs: 0, toMs: T0 + 86_400_000, limit: 100 });
  const minutes = stored.map((r) => (r.ts - T0) / 60_000).sort((a, b) => a - b);
  assert.deepEqual(minutes, [0, 3, 4, 5, 6, 7], 'the oldest waiting rounds were the ones dropped; none written twice');
  // The rollups agree with the raw rows: the dropped rounds were never counted anywhere.
  const uptime = await storage.store.uptime(endpoint.id, 0, T0 + 86_400_000);
  assert.equal(uptime.rounds, 6, JSON.stringify(uptime));
});
