import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { incidentIdFor, type EndpointState, type HealthEvent } from '../../src/domain/health.ts';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/store.ts';
import { StoreError } from '../../src/store/store.ts';
import type { ResultRow } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, manualClock, result, state, tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const T0 = Date.parse('2026-03-01T22:30:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;

function open(options: SqliteStoreOptions = {}): { store: SqliteStore; path: string } {
  const path = join(tmp.dir, `store-${n++}`, 'nested', 'mcpwatch.db');
  return { store: openSqliteStore(path, options), path };
}
function code(expected: string): (error: unknown) => boolean {
  return (error) => error instanceof StoreError && error.code === expected;
}

describe('endpoints', () => {
  test('create, read back (secrets included), list, get by id and slug', async () => {
    const clock = manualClock(T0);
    const { store } = open({ clock: clock.now });
    const def = definition('alpha', {
      tags: ['prod', 'eu'],
      era: 'sse',
      public: true,
      paused: true,
      pausedReason: 'needs env MCP_TOKEN',
      allowPrivate: true,
      listTools: false,
      secrets: { headers: { 'X-Api-Key': 'k-123' }, bearerToken: 'tok-456' },
    });
    const created = await store.createEndpoint(def);
    assert.deepEqual(created, { ...def, id: created.id, createdAt: '2026-03-01T22:30:00.000Z', updatedAt: '2026-03-01T22:30:00.000Z', archivedAt: null });
    assert.deepEqual(await store.getEndpoint(created.id), created);
    assert.deepEqual(await store.getEndpointBySlug('alpha'), created);
    assert.equal(await store.getEndpoint(9999), undefined);
    assert.equal(await store.getEndpointBySlug('nope'), undefined);
    const second = await store.createEndpoint(definition('beta'));
    assert.deepEqual(
      (await store.listEndpoints()).map((e) => e.slug),
      ['alpha', 'beta'],
    );
    assert.ok(second.id > created.id);
    store.close();
  });

  test('a taken slug is SLUG_TAKEN; an invalid definition is INVALID_ENDPOINT', async () => {
    const { store } = open();
    await store.createEndpoint(definition('alpha'));
    await assert.rejects(async () => await store.createEndpoint(definition('alpha')), code('SLUG_TAKEN'));
    await assert.rejects(async () => await store.createEndpoint(definition('bad', { intervalS: 0 })), code('INVALID_ENDPOINT'));
    store.close();
  });

  test('update replaces the definition and moves updatedAt only', async () => {
    const clock = manualClock(T0);
    const { store } = open({ clock: clock.now });
    const created = await store.createEndpoint(definition('alpha'));
    await store.createEndpoint(definition('beta'));
    clock.advance(5 * MIN);
    const updated = await store.updateEndpoint(created.id, definition('alpha-2', { url: 'https://new.example.com/mcp', intervalS: 30 }));
    assert.equal(updated.id, created.id);
    assert.equal(updated.slug, 'alpha-2');
    assert.equal(updated.intervalS, 30);
    assert.equal(updated.createdAt, created.createdAt);
    assert.equal(updated.updatedAt, '2026-03-01T22:35:00.000Z');
    await assert.rejects(async () => await store.updateEndpoint(created.id, definition('beta')), code('SLUG_TAKEN'));
    await assert.rejects(async () => await store.updateEndpoint(9999, definition('gamma')), code('ENDPOINT_NOT_FOUND'));
    store.close();
  });

  test('delete removes the endpoint and everything that hangs off it', async () => {
    const { store } = open({ flushIntervalMs: 0 });
    const doomed = await store.createEndpoint(definition('doomed'));
    const kept = await store.createEndpoint(definition('kept'));
    for (const id of [doomed.id, kept.id]) {
      await store.writeTick({
        results: [result(id, T0, { status: 'down' })],
        states: [state(id, { health: 'down', openIncidentId: incidentIdFor(id, 1), incidentsOpened: 1 })],
        events: [{ endpointId: id, event: { kind: 'incident_opened', at: '2026-03-01T22:30:00.000Z', incidentId: incidentIdFor(id, 1), startedAt: '2026-03-01T22:29:00.000Z', code: 'HTTP_5XX', detail: 'HTTP 503' } }],
        certObservations: [{ endpointId: id, ts: T0, fingerprint256: 'AA', subject: 'CN=x', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', sans: ['x'] }],
        toolSnapshots: [{ endpointId: id, ts: T0, hash: 'h1', count: 1, names: ['echo'] }],
      });
    }
    assert.equal(await store.deleteEndpoint(doomed.id), true);
    assert.equal(await store.deleteEndpoint(doomed.id), false);
    assert.equal(await store.getEndpoint(doomed.id), undefined);
    assert.deepEqual(
      (await store.loadStates()).map((s) => s.endpointId),
      [kept.id],
    );
    assert.deepEqual(await store.incidents({ endpointId: doomed.id, limit: 10 }), []);
    assert.deepEqual(await store.events({ endpointId: doomed.id, limit: 10 }), []);
    assert.equal(await store.latestCertificate(doomed.id), undefined);
    assert.deepEqual(await store.toolSnapshots(doomed.id, 10), []);
    assert.deepEqual(await store.rollups('hour', doomed.id, T0 - 86_400_000, T0 + 86_400_000), []);
    assert.deepEqual(await store.rollups('day', doomed.id, T0 - 86_400_000, T0 + 86_400_000), []);
    // The other endpoint is untouched.
    assert.equal((await store.incidents({ endpointId: kept.id, limit: 10 })).length, 1);
    assert.equal((await store.rollups('hour', kept.id, T0, T0 + 1)).length, 1);
    // A new endpoint never inherits the deleted one's id (its raw rows age out with retention).
    assert.ok((await store.createEndpoint(definition('doomed'))).id > kept.id);
    assert.equal(store.integrityCheck(), 'ok');
    store.close();
  });
});

describe('syncConfigEndpoints', () => {
  test('adds, updates and archives config endpoints; leaves api and import ones alone', async () => {
    const clock = manualClock(T0);
    const { store } = open({ clock: clock.now });
    const apiOne = await store.createEndpoint(definition('api-one', { source: 'api' }));
    const imported = await store.createEndpoint(definition('imported', { source: 'import' }));

    const first = await store.syncConfigEndpoints([definition('a', { source: 'config' }), definition('b', { source: 'config' })]);
    assert.deepEqual(
      first.endpoints.map((e) => [e.slug, e.source]),
      [
        ['a', 'config'],
        ['b', 'config'],
      ],
    );
    assert.deepEqual(first.added, ['a', 'b']);

    clock.advance(MIN);
    const second = await store.syncConfigEndpoints([definition('a', { source: 'config', url: 'https://a2.example.com/mcp' }), definition('c', { source: 'config' })]);
    const [a, c] = second.endpoints;
    assert.equal(a?.id, first.endpoints[0]?.id, 'a is updated in place');
    assert.equal(a?.url, 'https://a2.example.com/mcp');
    assert.equal(a?.updatedAt, '2026-03-01T22:31:00.000Z');
    assert.equal(c?.slug, 'c');
    assert.deepEqual([second.added, second.updated, second.archived, second.restored], [['c'], ['a'], ['b'], []]);
    assert.equal((await store.getEndpointBySlug('b'))?.archivedAt, '2026-03-01T22:31:00.000Z', 'b is archived, not deleted');
    assert.deepEqual(await store.getEndpoint(apiOne.id), apiOne);
    assert.deepEqual(await store.getEndpoint(imported.id), imported);

    clock.advance(MIN);
    const third = await store.syncConfigEndpoints([definition('a', { source: 'config', url: 'https://a2.example.com/mcp' }), definition('c', { source: 'config' })]);
    assert.equal(third.endpoints[0]?.updatedAt, '2026-03-01T22:31:00.000Z', 'an unchanged entry is not rewritten');
    assert.deepEqual([third.added, third.updated, third.archived, third.restored], [[], [], [], []], 'an archived endpoint is not archived again');
    assert.equal((await store.getEndpointBySlug('b'))?.archivedAt, '2026-03-01T22:31:00.000Z');
    assert.deepEqual(
      (await store.listEndpoints()).map((e) => e.slug),
      ['api-one', 'imported', 'a', 'b', 'c'],
    );
    store.close();
  });

  test('an archived endpoint listed again is restored with its id and history', async () => {
    const clock = manualClock(T0);
    const { store } = open({ clock: clock.now, flushIntervalMs: 0 });
    const [b] = (await store.syncConfigEndpoints([definition('b', { source: 'config' })])).endpoints;
    assert.ok(b);
    await store.writeTick({ ...EMPTY_TICK, results: [result(b.id, T0)] });
    clock.advance(MIN);
    assert.deepEqual((await store.syncConfigEndpoints([])).archived, ['b']);
    assert.equal((await store.uptime(b.id, T0 - HOUR, T0 + HOUR)).rounds, 1, 'archiving keeps the history');

    clock.advance(MIN);
    const back = await store.syncConfigEndpoints([definition('b', { source: 'config', intervalS: 120 })]);
    assert.deepEqual(back.restored, ['b']);
    assert.equal(back.endpoints[0]?.id, b.id);
    assert.equal(back.endpoints[0]?.archivedAt, null);
    assert.equal(back.endpoints[0]?.intervalS, 120, 'the returning definition applies');
    assert.equal((await store.uptime(b.id, T0 - HOUR, T0 + HOUR)).rounds, 1);
    store.close();
  });

  test('a slug another owner holds is skipped and reported; the rest still applies', async () => {
    const { store } = open();
    const apiOne = await store.createEndpoint(definition('api-one', { source: 'api' }));
    await store.syncConfigEndpoints([definition('a', { source: 'config' })]);
    const report = await store.syncConfigEndpoints([definition('b', { source: 'config' }), definition('api-one', { source: 'config', url: 'https://other.example.com/mcp' })]);
    assert.deepEqual(report.endpoints.map((e) => e.slug), ['b']);
    assert.deepEqual(report.conflicts.map((c) => [c.slug, c.holder.source]), [['api-one', 'api']]);
    assert.deepEqual(await store.getEndpoint(apiOne.id), apiOne, 'the holder is untouched');
    assert.deepEqual(report.archived, ['a']);
    store.close();
  });

  test('a slug listed twice fails and changes nothing', async () => {
    const { store } = open();
    await store.syncConfigEndpoints([definition('a', { source: 'config' })]);
    const before = await store.listEndpoints();
    const version = await store.endpointsVersion();
    await assert.rejects(async () => await store.syncConfigEndpoints([definition('b', { source: 'config' }), definition('b', { source: 'config' })]), code('DUPLICATE_SLUG'));
    assert.deepEqual(await store.listEndpoints(), before);
    assert.equal(await store.endpointsVersion(), version);
    store.close();
  });
});

describe('endpointsVersion and pruneArchivedEndpoints', () => {
  test('every endpoint change moves the version, from this connection or another', async () => {
    const { store, path } = open();
    const v0 = await store.endpointsVersion();
    const e = await store.createEndpoint(definition('one'));
    const v1 = await store.endpointsVersion();
    assert.ok(v1 > v0);
    await store.updateEndpoint(e.id, definition('one', { intervalS: 120 }));
    const v2 = await store.endpointsVersion();
    assert.ok(v2 > v1);
    const other = openSqliteStore(path);
    await other.createEndpoint(definition('two'));
    other.close();
    const v3 = await store.endpointsVersion();
    assert.ok(v3 > v2, 'a second process adding an endpoint is seen');
    await store.deleteEndpoint(e.id);
    assert.ok(await store.endpointsVersion() > v3);
    store.close();
  });

  test('an archived endpoint goes with its history once archived before the cut-off; live ones stay', async () => {
    const clock = manualClock(T0);
    const { store } = open({ clock: clock.now, flushIntervalMs: 0 });
    const { endpoints } = await store.syncConfigEndpoints([definition('old', { source: 'config' }), definition('live', { source: 'config' })]);
    const [old, live] = endpoints;
    assert.ok(old && live);
    await store.writeTick({ ...EMPTY_TICK, results: [result(old.id, T0), result(live.id, T0)] });
    await store.syncConfigEndpoints([definition('live', { source: 'config' })]);
    assert.deepEqual(await store.pruneArchivedEndpoints(T0), [], 'archived at T0, not before it');
    assert.deepEqual((await store.pruneArchivedEndpoints(T0 + 1)).map((e) => e.slug), ['old']);
    assert.equal(await store.getEndpointBySlug('old'), undefined);
    assert.equal((await store.rollups('hour', old.id, T0 - HOUR, T0 + HOUR)).length, 0);
    assert.equal((await store.uptime(live.id, T0 - HOUR, T0 + HOUR)).rounds, 1);
    store.close();
  });
});

describe('writeTick: states, incidents, events', () => {
  const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

  test('incident opened under the id the domain gave it, stored in the state; updated; resolved with durationS', async () => {
    const { store } = open();
    const ep = await store.createEndpoint(definition('alpha'));
    const incidentId = incidentIdFor(ep.id, 1);
    const opened: HealthEvent = { kind: 'incident_opened', at: at(MIN), incidentId, startedAt: at(0), code: 'TCP_REFUSED', detail: 'connection refused' };
    const down = state(ep.id, { health: 'down', healthSince: at(0), consecutiveFailures: 2, lastStatus: 'down', lastCode: 'TCP_REFUSED', failingSince: at(0), openIncidentId: incidentId, incidentsOpened: 1 });
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0 + MIN, { status: 'down' })], states: [down], events: [{ endpointId: ep.id, event: opened }] });
    assert.equal((await store.loadStates())[0]?.openIncidentId, incidentId);
    assert.equal((await store.loadStates())[0]?.incidentsOpened, 1);
    assert.deepEqual(await store.incidents({ endpointId: ep.id, openOnly: true, limit: 10 }), [
      { id: incidentId, endpointId: ep.id, startedAt: at(0), resolvedAt: null, durationS: null, firstCode: 'TCP_REFUSED', firstDetail: 'connection refused', lastCode: 'TCP_REFUSED', lastDetail: 'connection refused' },
    ]);

    const id = incidentId ?? -1;
    await store.writeTick({
      ...EMPTY_TICK,
      states: [{ ...down, consecutiveFailures: 3, lastCode: 'HTTP_5XX' }],
      events: [{ endpointId: ep.id, event: { kind: 'incident_updated', at: at(2 * MIN), incidentId: id, code: 'HTTP_5XX', detail: 'HTTP 502' } }],
    });
    assert.equal((await store.incidents({ endpointId: ep.id, limit: 10 }))[0]?.lastCode, 'HTTP_5XX');
    assert.equal((await store.incidents({ endpointId: ep.id, limit: 10 }))[0]?.firstCode, 'TCP_REFUSED');

    await store.writeTick({
      ...EMPTY_TICK,
      states: [state(ep.id, { health: 'up', healthSince: at(90_000), consecutiveSuccesses: 1, lastStatus: 'up', incidentsOpened: 1 })],
      events: [{ endpointId: ep.id, event: { kind: 'incident_resolved', at: at(90_000), incidentId: id, lastCode: 'HTTP_5XX', lastDetail: 'HTTP 502' } }],
    });
    assert.equal((await store.loadStates())[0]?.openIncidentId, null);
    const [resolved] = await store.incidents({ endpointId: ep.id, limit: 10 });
    assert.equal(resolved?.resolvedAt, at(90_000));
    assert.equal(resolved?.durationS, 90);
    assert.deepEqual(await store.incidents({ openOnly: true, limit: 10 }), []);
    assert.equal((await store.incidents({ limit: 10 })).length, 1);

    // Events are stored newest first without a cursor, oldest first after one. incident_updated
    // only updates the incident row: one per failing round would repeat the raw results.
    assert.deepEqual(
      (await store.events({ endpointId: ep.id, limit: 10 })).map((e) => e.kind),
      ['incident_resolved', 'incident_opened'],
    );
    const tail = await store.events({ limit: 10, afterId: 0 });
    assert.deepEqual(
      tail.map((e) => e.kind),
      ['incident_opened', 'incident_resolved'],
    );
    assert.deepEqual(tail[0]?.data, opened);
    assert.deepEqual(
      (await store.events({ limit: 10, afterId: tail[0]?.id ?? 0 })).map((e) => e.kind),
      ['incident_resolved'],
    );
    store.close();
  });

  test('the same incident written twice (a retried write, a second writer) is one row', async () => {
    const { store } = open();
    const ep = await store.createEndpoint(definition('alpha'));
    const event: HealthEvent = { kind: 'incident_opened', at: at(0), incidentId: incidentIdFor(ep.id, 1), startedAt: at(0), code: 'DNS_NXDOMAIN', detail: 'no such host' };
    await store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: ep.id, event }] });
    await store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: ep.id, event }] });
    assert.deepEqual(
      (await store.incidents({ limit: 10 })).map((i) => i.id),
      [incidentIdFor(ep.id, 1)],
    );
    store.close();
  });

  test('incidents of every endpoint, newest first by start time (ids are per endpoint)', async () => {
    const { store } = open();
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    const opened = (endpointId: number, n: number, minute: number): { endpointId: number; event: HealthEvent } => ({
      endpointId,
      event: { kind: 'incident_opened', at: at(minute * MIN), incidentId: incidentIdFor(endpointId, n), startedAt: at(minute * MIN), code: 'HTTP_5XX', detail: 'HTTP 503' },
    });
    await store.writeTick({ ...EMPTY_TICK, events: [opened(b.id, 1, 1), opened(a.id, 1, 2), opened(b.id, 2, 3)] });
    assert.deepEqual(
      (await store.incidents({ limit: 10 })).map((i) => i.id),
      [incidentIdFor(b.id, 2), incidentIdFor(a.id, 1), incidentIdFor(b.id, 1)],
    );
    assert.deepEqual(
      (await store.incidents({ openOnly: true, limit: 2 })).map((i) => i.id),
      [incidentIdFor(b.id, 2), incidentIdFor(a.id, 1)],
    );
    store.close();
  });

  test('rows for an endpoint deleted while its probe ran are dropped, not fatal', async () => {
    const { store } = open({ flushIntervalMs: 0 });
    const gone = await store.createEndpoint(definition('gone'));
    const kept = await store.createEndpoint(definition('kept'));
    await store.deleteEndpoint(gone.id);
    await store.writeTick({
      results: [result(gone.id, T0), result(kept.id, T0)],
      states: [state(gone.id), state(kept.id)],
      events: [{ endpointId: gone.id, event: { kind: 'auth_required_entered', at: at(0) } }],
      certObservations: [],
      toolSnapshots: [],
    });
    assert.deepEqual(
      (await store.loadStates()).map((s) => s.endpointId),
      [kept.id],
    );
    assert.equal((await store.results(kept.id, { fromMs: T0, toMs: T0 + 1, limit: 10 })).length, 1);
    assert.equal((await store.results(gone.id, { fromMs: T0, toMs: T0 + 1, limit: 10 })).length, 0);
    store.close();
  });

  test('states round-trip field for field', async () => {
    const { store, path } = open();
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
    });
    await store.writeTick({ ...EMPTY_TICK, states: [full] });
    assert.deepEqual(await store.loadStates(), [full]);
    store.close();
    const reopened = openSqliteStore(path);
    assert.deepEqual(await reopened.loadStates(), [full]);
    reopened.close();
  });

  test('per-round counter changes wait for the flush; a health change is written at once', async () => {
    const clock = manualClock(T0);
    const { store, path } = open({ clock: clock.now, flushIntervalMs: 10 * MIN });
    const ep = await store.createEndpoint(definition('alpha'));
    const up = state(ep.id, { health: 'up', healthSince: at(0), consecutiveSuccesses: 1, lastStatus: 'up', lastCheckedAt: at(0) });
    await store.writeTick({ ...EMPTY_TICK, states: [up] });
    const later = { ...up, consecutiveSuccesses: 2, lastCheckedAt: at(MIN), lastDurationMs: 80 };
    await store.writeTick({ ...EMPTY_TICK, states: [later] });
    assert.deepEqual(await store.loadStates(), [later], 'reads see the newest state');
    assert.deepEqual(await persistedStates(path), [up], 'the file still has the previous one');

    const down = { ...later, health: 'down' as const, consecutiveFailures: 2, consecutiveSuccesses: 0, lastStatus: 'down' as const, lastCode: 'HTTP_5XX' as const };
    await store.writeTick({ ...EMPTY_TICK, states: [down] });
    assert.deepEqual(await persistedStates(path), [down]);

    const downLonger = { ...down, consecutiveFailures: 3 };
    await store.writeTick({ ...EMPTY_TICK, states: [downLonger] });
    assert.deepEqual(await persistedStates(path), [downLonger], 'a failure streak is written every round');

    const upAgain = { ...downLonger, health: 'up' as const, consecutiveFailures: 0, consecutiveSuccesses: 1, lastStatus: 'up' as const, lastCode: null };
    await store.writeTick({ ...EMPTY_TICK, states: [upAgain] });
    const quiet = { ...upAgain, consecutiveSuccesses: 2, lastCheckedAt: at(5 * MIN) };
    await store.writeTick({ ...EMPTY_TICK, states: [quiet] });
    assert.deepEqual(await persistedStates(path), [upAgain]);
    clock.advance(10 * MIN);
    await store.writeTick(EMPTY_TICK);
    assert.deepEqual(await persistedStates(path), [quiet], 'the next tick after the interval flushes');
    store.close();
  });

  test('certificate observations and tool snapshots are kept on change only', async () => {
    const { store } = open();
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
    store.close();
  });
});

/** What a crash right now would leave behind: the states another connection reads from the file. */
async function persistedStates(path: string): Promise<EndpointState[]> {
  const other = openSqliteStore(path, { flushIntervalMs: Number.MAX_SAFE_INTEGER });
  try {
    return await other.loadStates();
  } finally {
    other.close();
  }
}

describe('results', () => {
  test('raw rows round-trip (detail dropped when up, timings in whole ms)', async () => {
    const { store } = open();
    const ep = await store.createEndpoint(definition('alpha'));
    const rows: ResultRow[] = [
      result(ep.id, T0, { detail: 'ignored when up', durationMs: 120.6, dnsMs: 1.4, connectMs: null, tlsMs: null, era: null, lagMs: -2.5 }),
      result(ep.id, T0 + MIN, { status: 'degraded', code: 'JSONRPC_ERROR', detail: 'tools/list: -32603', retried: true, era: 'modern' }),
      result(ep.id, T0 + 2 * MIN, { status: 'auth_required', code: 'AUTH_REQUIRED', detail: '401 with WWW-Authenticate', stalled: true, era: 'sse' }),
      result(ep.id, T0 + 3 * MIN, { status: 'down', code: 'TLS_UNTRUSTED', detail: 'self-signed', retried: true, stalled: true }),
    ];
    await store.writeTick({ ...EMPTY_TICK, results: rows });
    const expected = [
      { ...rows[0]!, detail: null, durationMs: 121, dnsMs: 1, lagMs: -2 },
      rows[1]!,
      rows[2]!,
      rows[3]!,
    ].reverse();
    assert.deepEqual(await store.results(ep.id, { fromMs: T0, toMs: T0 + 4 * MIN, limit: 10 }), expected);
    store.close();
  });

  test('pages newest first by time, within [fromMs, toMs), other endpoints ignored', async () => {
    const { store } = open({ maxResultDelayMs: 5 * MIN });
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    // 50 rounds a minute apart, written five per tick, interleaved with another endpoint.
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
    store.close();
  });

  test('a round written late (within maxResultDelayMs) is still found in order', async () => {
    const { store } = open({ maxResultDelayMs: 2 * MIN });
    const ep = await store.createEndpoint(definition('slow'));
    const other = await store.createEndpoint(definition('fast'));
    for (let k = 0; k < 30; k++) {
      const rows = [result(other.id, T0 + k * MIN)];
      // The slow endpoint's round started 90 s before it is written, after rounds that started later.
      if (k >= 2) rows.push(result(ep.id, T0 + k * MIN - 90_000, { lagMs: k }));
      await store.writeTick({ ...EMPTY_TICK, results: rows });
    }
    const all = await store.results(ep.id, { fromMs: T0, toMs: T0 + 30 * MIN, limit: 100 });
    assert.deepEqual(
      all.map((r) => r.lagMs),
      Array.from({ length: 28 }, (_, i) => 29 - i),
    );
    const window = await store.results(ep.id, { fromMs: T0 + 10 * MIN, toMs: T0 + 12 * MIN, limit: 100 });
    assert.deepEqual(
      window.map((r) => r.ts - T0),
      [11 * MIN + 30_000, 10 * MIN + 30_000],
    );
    assert.deepEqual(
      (await store.results(ep.id, { fromMs: T0, toMs: T0 + 30 * MIN, limit: 3 })).map((r) => r.lagMs),
      [29, 28, 27],
    );
    store.close();
  });
});

describe('retention', () => {
  test('pruneResults deletes only rows older than the cutoff, at most `limit` at a time', async () => {
    const { store } = open({ flushIntervalMs: 0, maxResultDelayMs: 0 });
    const a = await store.createEndpoint(definition('a'));
    const b = await store.createEndpoint(definition('b'));
    for (let tick = 0; tick < 10; tick++) {
      const rows: ResultRow[] = [];
      for (let i = 0; i < 50; i++) rows.push(result(i % 2 === 0 ? a.id : b.id, T0 + (tick * 50 + i) * 1000));
      await store.writeTick({ ...EMPTY_TICK, results: rows });
    }
    const count = async (): Promise<number> => (await store.results(a.id, { fromMs: 0, toMs: T0 + 10 * 3_600_000, limit: 10_000 })).length + (await store.results(b.id, { fromMs: 0, toMs: T0 + 10 * 3_600_000, limit: 10_000 })).length;
    assert.equal(await count(), 500);
    const cutoff = T0 + 321_000; // rows 0..320 are older
    const batches: number[] = [];
    for (;;) {
      const deleted = await store.pruneResults(cutoff, 100);
      batches.push(deleted);
      if (deleted === 0) break;
    }
    assert.deepEqual(batches, [100, 100, 100, 21, 0]);
    assert.equal(await count(), 179);
    const oldestLeft = Math.min(...(await Promise.all([a.id, b.id].map(async (id) => (await store.results(id, { fromMs: 0, toMs: T0 + 3_600_000, limit: 10_000 })).at(-1)!.ts))));
    assert.equal(oldestLeft, cutoff);
    // Rollups are not raw rows: pruning raw rows leaves them whole.
    assert.equal((await store.uptime(a.id, T0, T0 + 3_600_000)).rounds, 250);
    store.close();
  });

  test('pruneResults never deletes the newest row, nor rows not yet folded into rollups', async () => {
    const { store } = open({ flushIntervalMs: 60 * MIN, maxResultDelayMs: 0, clock: () => T0 });
    const ep = await store.createEndpoint(definition('a'));
    await store.writeTick({ ...EMPTY_TICK, results: [result(ep.id, T0), result(ep.id, T0 + 1000), result(ep.id, T0 + 2000)] });
    assert.equal(await store.pruneResults(T0 + 3_600_000, 100), 0, 'not yet flushed');
    await store.flush();
    assert.equal(await store.pruneResults(T0 + 3_600_000, 100), 2, 'all but the newest');
    assert.deepEqual(
      (await store.results(ep.id, { fromMs: 0, toMs: T0 + 3_600_000, limit: 10 })).map((r) => r.ts),
      [T0 + 2000],
    );
    store.close();
  });

  test('pruneRollups deletes hours and days that ended before the cutoff', async () => {
    const { store } = open({ flushIntervalMs: 0 });
    const ep = await store.createEndpoint(definition('a'));
    const day0 = Date.parse('2026-03-01T00:00:00.000Z');
    const rows = [0, 1, 2].flatMap((d) => [0, 5, 23].map((h) => result(ep.id, day0 + d * 86_400_000 + h * 3_600_000 + 60_000)));
    await store.writeTick({ ...EMPTY_TICK, results: rows });
    assert.equal((await store.rollups('hour', ep.id, day0, day0 + 3 * 86_400_000)).length, 9);
    assert.equal((await store.rollups('day', ep.id, day0, day0 + 3 * 86_400_000)).length, 3);
    // Cutoff in the middle of day 1 at 06:00: hours of day 0 and day 1's 00:00 and 05:00 go, and day 0.
    const cutoff = day0 + 86_400_000 + 6 * 3_600_000;
    assert.equal(await store.pruneRollups(cutoff, 2), 2);
    assert.equal(await store.pruneRollups(cutoff, 100), 4);
    assert.equal(await store.pruneRollups(cutoff, 100), 0);
    assert.deepEqual(
      (await store.rollups('hour', ep.id, day0, day0 + 3 * 86_400_000)).map((r) => (r.start - day0) / 3_600_000),
      [23 + 24, 48, 48 + 5, 48 + 23],
    );
    assert.deepEqual(
      (await store.rollups('day', ep.id, day0, day0 + 3 * 86_400_000)).map((r) => (r.start - day0) / 86_400_000),
      [1, 2],
    );
    store.close();
  });
});

describe('operations', () => {
  test('backup writes a file that opens with the same rows', async () => {
    const { store } = open({ flushIntervalMs: 60 * MIN, clock: () => T0 });
    const ep = await store.createEndpoint(definition('alpha', { secrets: { headers: {}, bearerToken: 'secret' } }));
    await store.writeTick({
      ...EMPTY_TICK,
      results: Array.from({ length: 100 }, (_, i) => result(ep.id, T0 + i * MIN, { status: i % 10 === 0 ? 'down' : 'up', durationMs: 50 + i })),
      states: [state(ep.id, { health: 'up' })],
      events: [{ endpointId: ep.id, event: { kind: 'incident_opened', at: '2026-03-01T22:30:00.000Z', incidentId: incidentIdFor(ep.id, 1), startedAt: '2026-03-01T22:29:00.000Z', code: 'HTTP_5XX', detail: 'HTTP 503' } }],
    });
    const backupPath = join(tmp.dir, `backup-${n++}`, 'deeper', 'copy.db');
    await store.backup(backupPath);
    const copy = openSqliteStore(backupPath);
    const window = { fromMs: T0, toMs: T0 + 200 * MIN, limit: 1000 };
    assert.deepEqual(await copy.listEndpoints(), await store.listEndpoints());
    assert.deepEqual(await copy.loadStates(), await store.loadStates());
    assert.deepEqual(await copy.results(ep.id, window), await store.results(ep.id, window));
    assert.equal((await copy.results(ep.id, window)).length, 100);
    assert.deepEqual(await copy.rollups('hour', ep.id, T0, T0 + 200 * MIN), await store.rollups('hour', ep.id, T0, T0 + 200 * MIN));
    assert.deepEqual(await copy.incidents({ limit: 10 }), await store.incidents({ limit: 10 }));
    assert.deepEqual(await copy.events({ limit: 10 }), await store.events({ limit: 10 }));
    assert.equal(copy.integrityCheck(), 'ok');
    copy.close();
    store.close();
  });

  test('integrityCheck is ok; checkpoint empties the WAL; databaseSizeBytes counts pages and WAL', async () => {
    const { store } = open();
    const ep = await store.createEndpoint(definition('alpha'));
    await store.writeTick({ ...EMPTY_TICK, results: Array.from({ length: 1000 }, (_, i) => result(ep.id, T0 + i * 1000)) });
    assert.equal(store.integrityCheck(), 'ok');
    const before = store.databaseSizeBytes();
    store.checkpoint();
    const after = store.databaseSizeBytes();
    assert.ok(before > after, `${before} > ${after}`);
    assert.ok(after >= 4096 * 5);
    store.close();
  });

  test('isWritable: true while open, false after close', async () => {
    const { store } = open();
    assert.equal(await store.isWritable(), true);
    assert.equal(await store.isWritable(), true, 'the probe leaves nothing behind');
    store.close();
    assert.equal(await store.isWritable(), false);
    store.close();
  });

  test('isWritable: false on a read-only database file', async (t) => {
    const { store, path } = open();
    store.close();
    const undo = makeReadOnly(path);
    if (!undo) {
      t.skip('running as root without chattr: file permissions do not stop root');
      return;
    }
    try {
      const readOnly = openSqliteStore(path);
      assert.equal(await readOnly.isWritable(), false);
      readOnly.close();
    } finally {
      undo();
    }
  });
});

/**
 * chmod 0444 does not stop root, so as root the immutable attribute stands in (needs
 * CAP_LINUX_IMMUTABLE and a filesystem that supports it). Returns how to undo it, or null.
 */
function makeReadOnly(path: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o444);
    return () => chmodSync(path, 0o644);
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  } catch {
    return null;
  }
}
