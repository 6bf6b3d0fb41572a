// History on every backend: raw rows, paging, incidents and events, what deleting and archiving
// an endpoint does to its history, observations, states across a restart, and the migrations
// from an empty database. Lifted from the SQLite-only sqlite-store tests.
import assert from 'node:assert/strict';
import { incidentIdFor, type HealthEvent } from '../../../src/domain/health.ts';
import type { ResultRow, Store } from '../../../src/store/store.ts';
import { definition, EMPTY_TICK, manualClock, result, state } from '../helper.ts';
import type { BackendHandle } from './backends.ts';

const T0 = Date.parse('2026-03-01T22:30:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

function opened(endpointId: number, n: number, startMinute: number): { endpointId: number; event: HealthEvent } {
  return {
    endpointId,
    event: { kind: 'incident_opened', at: at(startMinute * MIN), incidentId: incidentIdFor(endpointId, n), startedAt: at(startMinute * MIN), code: 'HTTP_5XX', detail: 'HTTP 503' },
  };
}

async function openStore(handle: BackendHandle, flushIntervalMs?: number): Promise<{ store: Store; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock(T0);
  const { store } = await handle.open({ clock: clock.now, ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }) });
  return { store, clock };
}

export const HISTORY_CASES: Readonly<Record<string, (handle: BackendHandle) => Promise<void>>> = {
  async 'an empty database is migrated on open, every part works, and opening it again keeps everything'(handle) {
    const clock = manualClock(T0);
    const first = await handle.open({ clock: clock.now });
    assert.deepEqual(await first.store.listEndpoints(), []);
    assert.deepEqual(await first.store.loadStates(), []);
    assert.deepEqual(await first.store.listTokens(), []);
    assert.deepEqual(await first.store.incidents({ limit: 10 }), []);
    assert.equal(await first.outbox.cursor(), null);
    assert.deepEqual(await first.alertSettings.channels(), []);
    assert.equal(await first.store.isWritable(), true);
    assert.ok((await first.sizeBytes()) > 0);
    const endpoint = await first.store.createEndpoint(definition('kept'));
    await first.store.writeTick({ ...EMPTY_TICK, results: [result(endpoint.id, T0)], states: [state(endpoint.id, { health: 'up' })] });
    await first.store.createToken('ci', 'a'.repeat(64), true);
    await first.outbox.commit({ entries: [], states: [], cursor: 7 });
    const instance = await first.outbox.instanceId();
    await first.close();
    await first.close();

    const again = await handle.open({ clock: clock.now });
    assert.deepEqual(await again.store.listEndpoints(), [endpoint]);
    assert.deepEqual((await again.store.loadStates()).map((s) => [s.endpointId, s.health]), [[endpoint.id, 'up']]);
    assert.equal((await again.store.results(endpoint.id, { fromMs: T0, toMs: T0 + 1, limit: 10 })).length, 1);
    assert.equal((await again.store.uptime(endpoint.id, T0, T0 + HOUR)).rounds, 1);
    assert.deepEqual((await again.store.listTokens()).map((t) => t.name), ['ci']);
    assert.equal(await again.outbox.cursor(), 7);
    assert.equal(await again.outbox.instanceId(), instance);
  },

  async 'isWritable: true while open, false once closed'(handle) {
    const storage = await handle.open();
    assert.equal(await storage.store.isWritable(), true);
    assert.equal(await storage.store.isWritable(), true, 'the probe leaves nothing behind');
    await storage.close();
    assert.equal(await storage.store.isWritable(), false);
  },

  async 'raw rows round-trip: detail dropped when up, timings in whole ms'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('alpha'));
    const rows: ResultRow[] = [
      result(ep.id, T0, { detail: 'ignored when up', durationMs: 120.6, dnsMs: 1.4, connectMs: null, tlsMs: null, era: null, lagMs: -2.5 }),
      result(ep.id, T0 + MIN, { status: 'degraded', code: 'JSONRPC_ERROR', detail: 'tools/list: -32603', retried: true, era: 'modern' }),
      result(ep.id, T0 + 2 * MIN, { status: 'auth_required', code: 'AUTH_REQUIRED', detail: '401 with WWW-Authenticate', stalled: true, era: 'sse' }),
      result(ep.id, T0 + 3 * MIN, { status: 'down', code: 'TLS_UNTRUSTED', detail: 'self-signed', retried: true, stalled: true }),
    ];
    await store.writeTick({ ...EMPTY_TICK, results: rows });
    const expected = [{ ...rows[0]!, detail: null, durationMs: 121, dnsMs: 1, lagMs: -2 }, rows[1]!, rows[2]!, rows[3]!].reverse();
    assert.deepEqual(await store.results(ep.id, { fromMs: T0, toMs: T0 + 4 * MIN, limit: 10 }), expected);
  },

  async 'results page newest first by beforeTs within [fromMs, toMs), other endpoints ignored'(handle) {
    const { store } = await openStore(handle);
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    for (let tick = 0; tick < 10; tick++) {
      const rows: ResultRow[] = [];
      for (let i = 0; i < 5; i++) {
        const k = tick * 5 + i;
        rows.push(result(a.id, T0 + k * MIN, { lagMs: k }), result(b.id, T0 + k * MIN + 1, { lagMs: 1000 + k }));
      }
      await store.writeTick({ ...EMPTY_TICK, results: rows });
    }
    const lags = (rows: ResultRow[]): number[] => rows.map((r) => r.lagMs);
    const range = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);
    const window = { fromMs: T0, toMs: T0 + 50 * MIN, limit: 20 };
    const page1 = await store.results(a.id, window);
    assert.deepEqual(lags(page1), range(49, 30));
    const page2 = await store.results(a.id, { ...window, beforeTs: page1.at(-1)!.ts });
    assert.deepEqual(lags(page2), range(29, 10));
    const page3 = await store.results(a.id, { ...window, beforeTs: page2.at(-1)!.ts });
    assert.deepEqual(lags(page3), range(9, 0));
    assert.deepEqual(await store.results(a.id, { ...window, beforeTs: page3.at(-1)!.ts }), []);
    assert.deepEqual(lags(await store.results(a.id, { fromMs: T0 + 10 * MIN, toMs: T0 + 13 * MIN, limit: 100 })), [12, 11, 10]);
    assert.deepEqual(lags(await store.results(b.id, { fromMs: T0 + 10 * MIN, toMs: T0 + 12 * MIN, limit: 100 })), [1011, 1010]);
    assert.deepEqual(await store.results(a.id, { fromMs: T0 - 60 * MIN, toMs: T0, limit: 100 }), []);
    assert.deepEqual(await store.results(a.id, { fromMs: T0 + 60 * MIN, toMs: T0 + 70 * MIN, limit: 100 }), []);
  },

  async 'results filter by region: every round written without one is the default region’s'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('regional'));
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0), result(ep.id, T0 + MIN)] });
    const window = { fromMs: T0, toMs: T0 + 2 * MIN, limit: 10 };
    assert.equal((await store.results(ep.id, window)).length, 2);
    assert.deepEqual(await store.results(ep.id, { ...window, region: 'default' }), await store.results(ep.id, window));
    assert.deepEqual(await store.results(ep.id, { ...window, region: 'elsewhere' }), []);
  },

  async 'a round written 90 s late, after rounds that started later, is still found in order'(handle) {
    const { store } = await openStore(handle);
    const slow = await store.createEndpoint(definition('slow'));
    const fast = await store.createEndpoint(definition('fast'));
    for (let k = 0; k < 30; k++) {
      const rows = [result(fast.id, T0 + k * MIN)];
      if (k >= 2) rows.push(result(slow.id, T0 + k * MIN - 90_000, { lagMs: k }));
      await store.writeTick({ ...EMPTY_TICK, results: rows });
    }
    const all = await store.results(slow.id, { fromMs: T0, toMs: T0 + 30 * MIN, limit: 100 });
    assert.deepEqual(
      all.map((r) => r.lagMs),
      Array.from({ length: 28 }, (_, i) => 29 - i),
    );
    const window = await store.results(slow.id, { fromMs: T0 + 10 * MIN, toMs: T0 + 12 * MIN, limit: 100 });
    assert.deepEqual(
      window.map((r) => r.ts - T0),
      [11 * MIN + 30_000, 10 * MIN + 30_000],
    );
    assert.deepEqual(
      (await store.results(slow.id, { fromMs: T0, toMs: T0 + 30 * MIN, limit: 3 })).map((r) => r.lagMs),
      [29, 28, 27],
    );
  },

  async 'an incident opens under the id the domain gave it, updates, resolves with durationS; events page both ways'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('alpha'));
    const incidentId = incidentIdFor(ep.id, 1);
    const open: HealthEvent = { kind: 'incident_opened', at: at(MIN), incidentId, startedAt: at(0), code: 'TCP_REFUSED', detail: 'connection refused' };
    const down = state(ep.id, { health: 'down', healthSince: at(0), consecutiveFailures: 2, lastStatus: 'down', lastCode: 'TCP_REFUSED', failingSince: at(0), openIncidentId: incidentId, incidentsOpened: 1 });
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0 + MIN, { status: 'down' })], states: [down], events: [{ endpointId: ep.id, event: open }] });
    assert.equal((await store.loadStates())[0]?.openIncidentId, incidentId);
    assert.equal((await store.loadStates())[0]?.incidentsOpened, 1);
    assert.deepEqual(await store.incidents({ endpointId: ep.id, openOnly: true, limit: 10 }), [
      { id: incidentId, endpointId: ep.id, startedAt: at(0), resolvedAt: null, durationS: null, firstCode: 'TCP_REFUSED', firstDetail: 'connection refused', lastCode: 'TCP_REFUSED', lastDetail: 'connection refused' },
    ]);

    await store.writeTick({
      ...EMPTY_TICK,
      states: [{ ...down, consecutiveFailures: 3, lastCode: 'HTTP_5XX' }],
      events: [{ endpointId: ep.id, event: { kind: 'incident_updated', at: at(2 * MIN), incidentId, code: 'HTTP_5XX', detail: 'HTTP 502' } }],
    });
    const [updated] = await store.incidents({ endpointId: ep.id, limit: 10 });
    assert.deepEqual([updated?.firstCode, updated?.lastCode, updated?.lastDetail], ['TCP_REFUSED', 'HTTP_5XX', 'HTTP 502']);

    await store.writeTick({
      ...EMPTY_TICK,
      states: [state(ep.id, { health: 'up', healthSince: at(90_000), consecutiveSuccesses: 1, lastStatus: 'up', incidentsOpened: 1 })],
      events: [{ endpointId: ep.id, event: { kind: 'incident_resolved', at: at(90_000), incidentId, lastCode: 'HTTP_5XX', lastDetail: 'HTTP 502' } }],
    });
    assert.equal((await store.loadStates())[0]?.openIncidentId, null);
    const [resolved] = await store.incidents({ endpointId: ep.id, limit: 10 });
    assert.equal(resolved?.resolvedAt, at(90_000));
    assert.equal(resolved?.durationS, 90);
    assert.deepEqual(await store.incidents({ openOnly: true, limit: 10 }), []);
    assert.equal((await store.incidents({ limit: 10 })).length, 1);

    // Newest first without a cursor, oldest first after one; incident_updated is not an event row.
    assert.deepEqual(
      (await store.events({ endpointId: ep.id, limit: 10 })).map((e) => e.kind),
      ['incident_resolved', 'incident_opened'],
    );
    const tail = await store.events({ limit: 10, afterId: 0 });
    assert.deepEqual(
      tail.map((e) => e.kind),
      ['incident_opened', 'incident_resolved'],
    );
    assert.deepEqual(tail[0]?.data, open);
    assert.deepEqual(
      (await store.events({ limit: 10, afterId: tail[0].id })).map((e) => e.kind),
      ['incident_resolved'],
    );
    assert.deepEqual(await store.events({ endpointId: ep.id, limit: 1, afterId: tail[0].id }), [tail[1]]);
    assert.deepEqual(await store.events({ endpointId: ep.id + 1, limit: 10, afterId: 0 }), []);
  },

  async 'the same incident written by two different batches (a second writer) is one row'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('alpha'));
    await store.writeTick({ ...EMPTY_TICK, events: [opened(ep.id, 1, 0)] });
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0)], events: [opened(ep.id, 1, 0)] });
    assert.deepEqual(
      (await store.incidents({ limit: 10 })).map((i) => i.id),
      [incidentIdFor(ep.id, 1)],
    );
  },

  async 'incidents of every endpoint are newest first by start, then by id (ids are per endpoint)'(handle) {
    const { store } = await openStore(handle);
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    const c = await store.createEndpoint(definition('c'));
    // c's incident starts with a's: the tie goes to the higher id.
    await store.writeTick({ ...EMPTY_TICK, events: [opened(b.id, 1, 1), opened(a.id, 1, 2), opened(c.id, 1, 2), opened(b.id, 2, 3)] });
    const ids = (list: { id: number }[]): number[] => list.map((i) => i.id);
    assert.deepEqual(ids(await store.incidents({ limit: 10 })), [incidentIdFor(b.id, 2), incidentIdFor(c.id, 1), incidentIdFor(a.id, 1), incidentIdFor(b.id, 1)]);
    assert.deepEqual(ids(await store.incidents({ openOnly: true, limit: 2 })), [incidentIdFor(b.id, 2), incidentIdFor(c.id, 1)]);
    assert.deepEqual(ids(await store.incidents({ endpointId: b.id, limit: 10 })), [incidentIdFor(b.id, 2), incidentIdFor(b.id, 1)]);
    // One endpoint's list is ordered the same way, not by id (the sequence wraps, see incidentIdFor).
    await store.writeTick({ ...EMPTY_TICK, events: [opened(c.id, 2, 0)] });
    assert.deepEqual(ids(await store.incidents({ endpointId: c.id, limit: 10 })), [incidentIdFor(c.id, 1), incidentIdFor(c.id, 2)]);
    assert.deepEqual(ids(await store.incidents({ endpointId: c.id, openOnly: true, limit: 1 })), [incidentIdFor(c.id, 1)]);
  },

  async 'delete removes the endpoint and everything that hangs off it; the other endpoint keeps its own'(handle) {
    const { store } = await openStore(handle, 0);
    const doomed = await store.createEndpoint(definition('doomed'));
    const kept = await store.createEndpoint(definition('kept'));
    for (const id of [doomed.id, kept.id]) {
      await store.writeTick({
        results: [result(id, T0, { status: 'down' })],
        states: [state(id, { health: 'down', openIncidentId: incidentIdFor(id, 1), incidentsOpened: 1 })],
        events: [opened(id, 1, -1)],
        certObservations: [{ endpointId: id, ts: T0, fingerprint256: 'AA', subject: 'CN=x', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', sans: ['x'] }],
        toolSnapshots: [{ endpointId: id, ts: T0, hash: 'h1', count: 1, names: ['echo'] }],
        gaps: [{ endpointId: id, fromMs: T0 - HOUR, toMs: T0 - MIN }],
      });
    }
    assert.equal(await store.deleteEndpoint(doomed.id), true);
    assert.equal(await store.deleteEndpoint(doomed.id), false);
    assert.equal(await store.getEndpoint(doomed.id), undefined);
    assert.deepEqual((await store.loadStates()).map((s) => s.endpointId), [kept.id]);
    assert.deepEqual(await store.incidents({ endpointId: doomed.id, limit: 10 }), []);
    assert.deepEqual(await store.events({ endpointId: doomed.id, limit: 10 }), []);
    assert.equal(await store.latestCertificate(doomed.id), undefined);
    assert.deepEqual(await store.toolSnapshots(doomed.id, 10), []);
    assert.deepEqual(await store.results(doomed.id, { fromMs: 0, toMs: T0 + DAY, limit: 10 }), []);
    assert.deepEqual(await store.rollups('hour', doomed.id, T0 - DAY, T0 + DAY), []);
    assert.deepEqual(await store.rollups('day', doomed.id, T0 - DAY, T0 + DAY), []);
    assert.deepEqual([...(await store.uptimeAll(T0 - DAY, T0 + DAY)).keys()], [kept.id]);
    assert.equal((await store.incidents({ endpointId: kept.id, limit: 10 })).length, 1);
    assert.equal((await store.rollups('hour', kept.id, T0, T0 + 1)).length, 1);
    assert.equal((await store.latestCertificate(kept.id))?.fingerprint256, 'AA');
    assert.ok((await store.createEndpoint(definition('doomed'))).id > kept.id, 'a new endpoint never inherits the id');
  },

  async 'archiving keeps the history, restoring brings it back with the id, pruning takes it'(handle) {
    const { store, clock } = await openStore(handle, 0);
    const [b, gone] = (await store.syncConfigEndpoints([definition('b', { source: 'config' }), definition('gone', { source: 'config' })])).endpoints;
    assert.ok(b && gone);
    await store.writeTick({ ...EMPTY_TICK, results: [result(b.id, T0), result(gone.id, T0)], events: [opened(gone.id, 1, 0)] });
    clock.advance(MIN);
    assert.deepEqual((await store.syncConfigEndpoints([])).archived, ['b', 'gone']);
    assert.equal((await store.uptime(b.id, T0 - HOUR, T0 + HOUR)).rounds, 1, 'archiving keeps the history');

    clock.advance(MIN);
    const back = await store.syncConfigEndpoints([definition('b', { source: 'config', intervalS: 120 })]);
    assert.deepEqual(back.restored, ['b']);
    assert.equal(back.endpoints[0]?.id, b.id);
    assert.equal((await store.uptime(b.id, T0 - HOUR, T0 + HOUR)).rounds, 1);
    assert.equal((await store.results(b.id, { fromMs: T0, toMs: T0 + 1, limit: 10 })).length, 1);

    assert.deepEqual((await store.pruneArchivedEndpoints(T0 + 2 * MIN)).map((e) => e.slug), ['gone']);
    assert.equal((await store.rollups('hour', gone.id, T0 - HOUR, T0 + HOUR)).length, 0);
    assert.deepEqual(await store.incidents({ endpointId: gone.id, limit: 10 }), []);
    assert.deepEqual(await store.results(gone.id, { fromMs: T0, toMs: T0 + 1, limit: 10 }), []);
    assert.equal((await store.uptime(b.id, T0 - HOUR, T0 + HOUR)).rounds, 1, 'the restored one keeps its history');
  },

  async 'certificate observations and tool snapshots are kept on change only, newest first'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('alpha'));
    const cert = { endpointId: ep.id, ts: T0, fingerprint256: 'AA', subject: 'CN=a', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', sans: ['a.example.com'] };
    const tools = { endpointId: ep.id, ts: T0, hash: 'h1', count: 2, names: ['echo', 'add'] };
    await store.writeTick({ ...EMPTY_TICK, certObservations: [cert], toolSnapshots: [tools] });
    await store.writeTick({ ...EMPTY_TICK, certObservations: [{ ...cert, ts: T0 + MIN }], toolSnapshots: [{ ...tools, ts: T0 + MIN }] });
    assert.deepEqual(await store.latestCertificate(ep.id), cert);
    assert.deepEqual(await store.toolSnapshots(ep.id, 10), [tools]);
    const renewed = { ...cert, ts: T0 + 2 * MIN, fingerprint256: 'BB', notAfter: '2027-06-01T00:00:00.000Z' };
    const changed = { ...tools, ts: T0 + 2 * MIN, hash: 'h2', count: 3, names: ['echo', 'add', 'sleep'] };
    await store.writeTick({ ...EMPTY_TICK, certObservations: [renewed], toolSnapshots: [changed] });
    assert.deepEqual(await store.latestCertificate(ep.id), renewed);
    assert.deepEqual(await store.toolSnapshots(ep.id, 10), [changed, tools]);
    assert.deepEqual(await store.toolSnapshots(ep.id, 1), [changed]);
  },

  async 'states round-trip field for field, and survive a restart'(handle) {
    const { store } = await openStore(handle);
    const ep = await store.createEndpoint(definition('alpha'));
    const full = state(ep.id, {
      health: 'up',
      healthSince: at(0),
      consecutiveFailures: 0,
      consecutiveSuccesses: 12,
      lastStatus: 'degraded',
      lastCode: 'JSONRPC_ERROR',
      lastDetail: 'tools/list failed',
      lastCheckedAt: at(MIN),
      lastDurationMs: 123.456,
      era: 'modern',
      protocolVersion: '2026-07-28',
      serverName: 'everything',
      serverVersion: '1.2.3',
      certFingerprint: 'AB:CD',
      certNotAfter: '2027-01-01T00:00:00.000Z',
      toolsHash: 'abc',
      toolsCount: 7,
      openIncidentId: null,
      failingSince: null,
      firstFailureCode: null,
      firstFailureDetail: null,
      incidentsOpened: 3,
    });
    await store.writeTick({ ...EMPTY_TICK, states: [full] });
    assert.deepEqual(await store.loadStates(), [full]);
    assert.deepEqual(await (await handle.open()).store.loadStates(), [full]);
  },
};
