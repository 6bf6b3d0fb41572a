// Issue 11 item 6: a failure streak must not survive mcpwatch's own downtime. The recorder over a
// real SQLite file, restarted (closed and reopened) and crashed (the connection dropped without
// a flush) between rounds, as `serve` would be.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Status } from '../../src/domain/failure-codes.ts';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { Recorder } from '../../src/service/recorder.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { definition, tempDir } from '../store/helper.ts';

const at = (clock: string): number => Date.parse(`2026-11-25T${clock}.000Z`);

async function record(recorder: Recorder, store: SqliteStore, slug: string, status: Status, clock: string): Promise<void> {
  const endpoint = (await store.getEndpointBySlug(slug))!;
  const startedAt = at(clock);
  const result = probeResult({ startedAt: new Date(startedAt).toISOString(), status, code: status === 'up' ? null : 'TCP_REFUSED', detail: status === 'up' ? '' : `refused at ${clock}` });
  recorder.record(endpoint, { result, retried: status !== 'up', firstAttempt: null }, { plannedAt: startedAt, startedAt, stalled: false });
  await recorder.flush();
}

interface Service {
  store: SqliteStore;
  recorder: Recorder;
  id: number;
  restart(): Promise<void>;
  record(status: Status, clock: string): Promise<void>;
}

/** A store file with one endpoint (60 s interval, 10 s timeout) and a recorder; restart() closes and reopens both. */
async function service(dir: string): Promise<Service> {
  const path = join(dir, 'mcpwatch.db');
  const s = { store: openSqliteStore(path) } as Service;
  s.id = (await s.store.createEndpoint(definition('api', { intervalS: 60, timeoutMs: 10_000 }))).id;
  s.recorder = await Recorder.open(s.store, DEFAULT_HEALTH_POLICY);
  s.restart = async () => {
    s.store.close();
    s.store = openSqliteStore(path);
    s.recorder = await Recorder.open(s.store, DEFAULT_HEALTH_POLICY);
  };
  s.record = (status, clock) => record(s.recorder, s.store, 'api', status, clock);
  return s;
}

describe('monitoring gaps across restarts (issue 11 item 6)', () => {
  test('a failure, a restart 10:07:15–10:13:43, a failure: the incident starts after the gap, which is stored', async () => {
    const { dir, cleanup } = tempDir();
    const s = await service(dir);
    try {
      await s.record('up', '10:06:15');
      await s.record('down', '10:07:15');
      await s.restart();
      await s.record('down', '10:13:43');
      assert.deepEqual(await s.store.incidents({ endpointId: s.id, limit: 10 }), [], 'one failure on each side of a gap is no outage');
      await s.record('down', '10:14:43');
      const incidents = await s.store.incidents({ endpointId: s.id, limit: 10 });
      assert.equal(incidents.length, 1);
      assert.equal(incidents[0]!.startedAt, new Date(at('10:13:43')).toISOString(), 'never before the first failure observed after the gap');
      assert.deepEqual(await s.store.gaps(s.id, at('00:00:00'), at('23:59:59'), 10), [{ endpointId: s.id, fromMs: at('10:07:15'), toMs: at('10:13:43') }]);
    } finally {
      s.store.close();
      cleanup();
    }
  });

  test('a quick restart (one slot late) is no gap: the streak goes on and the incident starts at its first failure', async () => {
    const { dir, cleanup } = tempDir();
    const s = await service(dir);
    try {
      await s.record('down', '10:07:15');
      await s.restart();
      await s.record('down', '10:08:30');
      assert.equal((await s.store.incidents({ endpointId: s.id, limit: 10 }))[0]?.startedAt, new Date(at('10:07:15')).toISOString());
      assert.deepEqual(await s.store.gaps(s.id, 0, at('23:59:59'), 10), []);
    } finally {
      s.store.close();
      cleanup();
    }
  });

  test('after a crash the last check time comes from the stored rounds, not the last flushed state', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'mcpwatch.db');
    try {
      // Default flush interval (5 min): a good round's check time waits in memory.
      let store = openSqliteStore(path, { clock: () => at('10:10:00') });
      await store.createEndpoint(definition('api', { intervalS: 60, timeoutMs: 10_000 }));
      let recorder = await Recorder.open(store, DEFAULT_HEALTH_POLICY);
      for (const clock of ['10:00:00', '10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00']) await record(recorder, store, 'api', 'up', clock);
      // A crash: the connection goes without a flush (the raw rows are committed, the state is not).
      store.database.close();

      store = openSqliteStore(path);
      recorder = await Recorder.open(store, DEFAULT_HEALTH_POLICY);
      const id = (await store.getEndpointBySlug('api'))!.id;
      assert.equal(recorder.state(id).lastCheckedAt, new Date(at('10:05:00')).toISOString());
      await record(recorder, store, 'api', 'up', '10:06:10');
      assert.deepEqual(await store.gaps(id, 0, at('23:59:59'), 10), [], 'the restart took 70 s: no gap');
      store.close();
    } finally {
      cleanup();
    }
  });

  test('deleting an endpoint deletes its gaps; pruning removes old ones', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const store = openSqliteStore(join(dir, 'mcpwatch.db'), { flushIntervalMs: 0 });
      const a = await store.createEndpoint(definition('a'));
      const b = await store.createEndpoint(definition('b'));
      await store.writeTick({ results: [], states: [], events: [], certObservations: [], toolSnapshots: [], gaps: [
        { endpointId: a.id, fromMs: at('01:00:00'), toMs: at('02:00:00') },
        { endpointId: a.id, fromMs: at('05:00:00'), toMs: at('06:00:00') },
        { endpointId: b.id, fromMs: at('05:00:00'), toMs: at('05:30:00') },
      ] });
      assert.deepEqual([...(await store.gapsAll(at('04:00:00'), at('07:00:00'))).keys()].sort(), [a.id, b.id]);
      assert.deepEqual((await store.gaps(a.id, 0, at('23:00:00'), 10)).map((g) => g.toMs), [at('06:00:00'), at('02:00:00')], 'newest first');
      assert.deepEqual((await store.gaps(a.id, at('01:30:00'), at('01:45:00'), 10)).map((g) => g.toMs), [at('02:00:00')], 'overlapping the window counts');
      await store.pruneRollups(at('03:00:00'), 100);
      assert.deepEqual((await store.gaps(a.id, 0, at('23:00:00'), 10)).map((g) => g.toMs), [at('06:00:00')]);
      await store.deleteEndpoint(b.id);
      assert.equal((await store.gapsAll(0, at('23:00:00'))).has(b.id), false);
      store.close();
    } finally {
      cleanup();
    }
  });
});
