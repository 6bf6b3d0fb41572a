// Tick writer, history and retention cases any backend must pass, each a function of the store
// (plus a way to make and delete endpoints); ticks.contract.test.ts runs them on every backend.
import assert from 'node:assert/strict';
import { type HealthEvent, incidentIdFor } from '../../../src/domain/health.ts';
import { normalizeResult } from '../../../src/store/result-codec.ts';
import { DAY_MS, HOUR_MS } from '../../../src/store/rollup-math.ts';
import type { HistoryReader, ResultRow, Retention, TickBatch, TickWriter } from '../../../src/store/store.ts';
import { EMPTY_TICK, result, seededRandom, state } from '../helper.ts';
import { assertRollupsMatchRows } from './recompute.ts';

export type TickStore = TickWriter & HistoryReader & Retention;

/** What a case needs besides the store: endpoints to write for (PgEndpoints is another module). */
export interface TickSubject {
  readonly store: TickStore;
  readonly addEndpoint: (slug: string) => Promise<number>;
  readonly deleteEndpoint: (id: number) => Promise<void>;
}

export const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
export const MINUTE = 60_000;

export function tick(overrides: Partial<TickBatch>): TickBatch {
  return { ...EMPTY_TICK, ...overrides };
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
    // In time order, as the scheduler produces them (see TickWriter.writeTick).
    const rows = [...mixedRows(a, T0 - 90 * MINUTE, 3000, 1), ...mixedRows(b, T0 - 90 * MINUTE, 3000, 2)].sort((x, y) => x.ts - y.ts);
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

  async 'a rejected tick changes nothing and the same batch can be retried'({ store, addEndpoint }) {
    const id = await addEndpoint('retry');
    const bad = tick({ results: [result(id, T0)], states: [state(id, { health: 'sideways' as 'up' })] });
    await assert.rejects(store.writeTick(bad), /check constraint/i);
    assert.deepEqual(await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 }), []);
    assert.deepEqual(await store.rollups('hour', id, 0, T0 + DAY_MS), []);
    assert.deepEqual(await store.loadStates(), []);
    const good = tick({ results: [result(id, T0)], states: [state(id, { health: 'up' })] });
    await store.writeTick(good);
    await store.writeTick(good);
    assert.equal((await store.rollups('hour', id, 0, T0 + DAY_MS))[0]?.up, 1);
    assert.equal((await store.results(id, { fromMs: 0, toMs: T0 + DAY_MS, limit: 10 })).length, 1);
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
