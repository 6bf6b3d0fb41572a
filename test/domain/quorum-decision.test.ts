import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentIdFor, initialState, type EndpointState, type Health, type HealthEvent } from '../../src/domain/health.ts';
import { decideEndpoint, decidePass, freshnessFor, INITIAL_MEMORY, type EndpointEvidence, type QuorumMemory, type RegionEvidence } from '../../src/domain/quorum-decision.ts';
import { regionHealth, type RegionHealth } from '../../src/domain/quorum.ts';

const NOW = Date.UTC(2026, 11, 2, 14, 0, 0);
const FRESH = 180_000;
const ID = 7;

function iso(agoMs: number): string {
  return new Date(NOW - agoMs).toISOString();
}

/** A region's state: `health` confirmed since `sinceAgo`, its last round `lastAgo` ago. */
function regionState(health: Health, options: { sinceAgo?: number; lastAgo?: number; failing?: boolean; code?: string; cert?: string } = {}): EndpointState {
  const failing = options.failing ?? health === 'down';
  const since = iso(options.sinceAgo ?? 60_000);
  return {
    ...initialState(ID),
    health,
    healthSince: health === 'unknown' ? null : since,
    consecutiveFailures: failing ? 3 : 0,
    consecutiveSuccesses: failing ? 0 : 3,
    lastStatus: failing ? 'down' : 'up',
    lastCode: failing ? ((options.code ?? 'TCP_REFUSED') as EndpointState['lastCode']) : null,
    lastDetail: failing ? 'refused' : null,
    lastCheckedAt: iso(options.lastAgo ?? 1_000),
    failingSince: failing ? since : null,
    firstFailureCode: failing ? ((options.code ?? 'TCP_REFUSED') as EndpointState['firstFailureCode']) : null,
    firstFailureDetail: failing ? 'refused' : null,
    certFingerprint: options.cert ?? null,
    certNotAfter: options.cert ? '2027-01-01T00:00:00.000Z' : null,
  };
}

function evidence(regions: Record<string, EndpointState>, overall: Partial<EndpointState> = {}, memory: QuorumMemory = INITIAL_MEMORY, ageMs = 1_000): EndpointEvidence {
  const list: RegionEvidence[] = Object.entries(regions).map(([region, state]) => ({ region, state, at: NOW - ageMs }));
  return { overall: { ...initialState(ID), ...overall }, memory, regions: list, freshnessMs: FRESH };
}

function reporting(...names: string[]): Map<string, RegionHealth> {
  return new Map(names.map((n) => [n, 'reporting' as const]));
}

const kinds = (events: readonly HealthEvent[]): string[] => events.map((e) => e.kind);

describe('decideEndpoint: verdict to overall health and events', () => {
  const cases: ReadonlyArray<{
    name: string;
    regions: Record<string, EndpointState>;
    overall?: Partial<EndpointState>;
    memory?: QuorumMemory;
    health?: Map<string, RegionHealth>;
    status: string;
    overallHealth: Health;
    events: string[];
  }> = [
    { name: 'one region up: up, no event', regions: { eu: regionState('up') }, status: 'up', overallHealth: 'up', events: [] },
    { name: 'one region down: down, an incident (a majority of one)', regions: { eu: regionState('down') }, status: 'down', overallHealth: 'down', events: ['incident_opened'] },
    { name: 'one region without a verdict yet: unknown, nothing', regions: { eu: regionState('unknown') }, status: 'unknown', overallHealth: 'unknown', events: [] },
    {
      name: 'one of two regions down: partial outage, no incident',
      regions: { eu: regionState('down'), us: regionState('up') },
      status: 'partial_outage',
      overallHealth: 'up',
      events: ['partial_outage_started'],
    },
    {
      name: 'both regions down: one incident',
      regions: { eu: regionState('down'), us: regionState('down') },
      status: 'down',
      overallHealth: 'down',
      events: ['incident_opened'],
    },
    {
      name: 'a partial outage that becomes an outage: ended, then opened',
      regions: { eu: regionState('down'), us: regionState('down') },
      memory: { status: 'partial_outage', partial: true },
      overall: { health: 'up', healthSince: iso(600_000) },
      status: 'down',
      overallHealth: 'down',
      events: ['incident_opened', 'partial_outage_ended'],
    },
    {
      name: 'an outage one region recovers from: resolved, then a partial outage',
      regions: { eu: regionState('down'), us: regionState('up', { sinceAgo: 2_000 }) },
      memory: { status: 'down', partial: false },
      overall: { health: 'down', openIncidentId: incidentIdFor(ID, 1), incidentsOpened: 1, lastCheckedAt: iso(1_000) },
      status: 'partial_outage',
      overallHealth: 'up',
      events: ['incident_resolved', 'partial_outage_started'],
    },
    {
      name: 'an isolated region is left out: the other sees it up',
      regions: { eu: regionState('down'), us: regionState('up') },
      health: new Map<string, RegionHealth>([
        ['eu', 'isolated'],
        ['us', 'reporting'],
      ]),
      status: 'up',
      overallHealth: 'up',
      events: [],
    },
    {
      name: 'every region isolated: unknown, the open incident stays as it is',
      regions: { eu: regionState('down'), us: regionState('down') },
      overall: { health: 'down', openIncidentId: incidentIdFor(ID, 1), incidentsOpened: 1, lastCheckedAt: iso(1_000) },
      memory: { status: 'down', partial: false },
      health: new Map<string, RegionHealth>([
        ['eu', 'isolated'],
        ['us', 'isolated'],
      ]),
      status: 'unknown',
      overallHealth: 'down',
      events: [],
    },
    {
      name: 'a stale region does not count: the fresh one decides alone',
      regions: { eu: regionState('down'), us: regionState('up') },
      status: 'down',
      overallHealth: 'down',
      events: ['incident_opened'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const ev = evidence(c.regions, c.overall, c.memory);
      // The stale case: us wrote long ago.
      const regions = c.name.startsWith('a stale') ? ev.regions.map((r) => (r.region === 'us' ? { ...r, at: NOW - FRESH - 1 } : r)) : ev.regions;
      const d = decideEndpoint({ ...ev, regions }, c.health ?? reporting(...Object.keys(c.regions)), null, NOW);
      assert.equal(d.verdict.status, c.status);
      assert.equal(d.state.health, c.overallHealth);
      assert.deepEqual(kinds(d.events), c.events);
    });
  }
});

describe('decideEndpoint: the incident', () => {
  test('opens with the domain id, the earliest region’s start and code, and every region’s word', () => {
    const eu = regionState('down', { sinceAgo: 90_000, code: 'TCP_REFUSED' });
    const us = regionState('down', { sinceAgo: 30_000, code: 'HTTP_5XX' });
    const d = decideEndpoint(evidence({ eu, us }, { incidentsOpened: 4 }), reporting('eu', 'us'), null, NOW);
    const opened = d.events[0];
    assert.ok(opened?.kind === 'incident_opened');
    assert.equal(opened.incidentId, incidentIdFor(ID, 5));
    assert.equal(opened.startedAt, iso(90_000));
    assert.equal(opened.code, 'TCP_REFUSED');
    assert.equal(d.state.openIncidentId, incidentIdFor(ID, 5));
    assert.equal(d.state.incidentsOpened, 5);
    assert.deepEqual(Object.keys(d.incident?.regions ?? {}), ['eu', 'us']);
    assert.deepEqual(d.incident?.regions.us, { health: 'down', at: us.lastCheckedAt, since: iso(30_000), code: 'HTTP_5XX', counted: true });
  });

  test('while open, a new failed round updates it; the same words are not written again', () => {
    const eu = regionState('down');
    const open = { health: 'down' as const, openIncidentId: incidentIdFor(ID, 1), incidentsOpened: 1, lastCheckedAt: iso(5_000) };
    const first = decideEndpoint(evidence({ eu }, open, { status: 'down', partial: false }), reporting('eu'), null, NOW);
    assert.deepEqual(kinds(first.events), ['incident_updated']);
    assert.ok(first.incident !== null, 'the record is written when none was');
    const again = decideEndpoint(evidence({ eu }, { ...open, lastCheckedAt: eu.lastCheckedAt }, { status: 'down', partial: false }), reporting('eu'), first.incident.regions, NOW);
    assert.deepEqual(kinds(again.events), []);
    assert.equal(again.incident, null);
  });
});

describe('decideEndpoint: facts follow the newest observation, once', () => {
  test('a certificate change seen by two regions is one event', () => {
    const overall = { health: 'up' as const, certFingerprint: 'old', lastCheckedAt: iso(10_000) };
    const eu = regionState('up', { cert: 'new', lastAgo: 2_000 });
    const us = regionState('up', { cert: 'new', lastAgo: 1_000 });
    const d = decideEndpoint(evidence({ eu, us }, overall, { status: 'up', partial: false }), reporting('eu', 'us'), null, NOW);
    assert.deepEqual(kinds(d.events), ['cert_changed']);
    assert.equal(d.state.certFingerprint, 'new');
    const next = decideEndpoint(evidence({ eu, us }, d.state, d.memory), reporting('eu', 'us'), null, NOW);
    assert.deepEqual(kinds(next.events), []);
  });

  test('no newer round than the overall state: the state is returned as it was', () => {
    const eu = regionState('up', { lastAgo: 5_000 });
    const overall = { ...eu, health: 'up' as const };
    const d = decideEndpoint(evidence({ eu }, overall, { status: 'up', partial: false }), reporting('eu'), null, NOW);
    assert.deepEqual(d.state, overall);
    assert.deepEqual(d.events, []);
  });
});

describe('decidePass: regions judged across endpoints', () => {
  test('a region that sees every endpoint fail while the other sees them up is isolated, and nothing pages', () => {
    const endpoints = new Map<number, EndpointEvidence>();
    for (const id of [1, 2, 3, 4]) {
      const ev = evidence({ cut: { ...regionState('down'), endpointId: id }, ok: { ...regionState('up'), endpointId: id } }, { endpointId: id });
      endpoints.set(id, ev);
    }
    const pass = decidePass(endpoints, new Map(), { isolationMinEndpoints: 3 }, NOW);
    assert.equal(pass.regions.get('cut')?.health, 'isolated');
    assert.equal(pass.regions.get('ok')?.health, 'reporting');
    for (const d of pass.endpoints.values()) {
      assert.equal(d.verdict.status, 'up');
      assert.deepEqual(kinds(d.events), []);
    }
  });

  test('per-endpoint freshness: a slow endpoint’s old round still counts, a fast one’s does not', () => {
    const slow = { ...evidence({ eu: regionState('up') }, {}, INITIAL_MEMORY, 100_000), freshnessMs: freshnessFor({ intervalMs: 300_000, timeoutMs: 10_000 }) };
    const fast = { ...evidence({ eu: { ...regionState('up'), endpointId: 8 } }, { endpointId: 8 }, INITIAL_MEMORY, 100_000), freshnessMs: freshnessFor({ intervalMs: 10_000, timeoutMs: 5_000 }) };
    const pass = decidePass(
      new Map([
        [ID, slow],
        [8, fast],
      ]),
      new Map(),
      {},
      NOW,
    );
    assert.equal(pass.endpoints.get(ID)?.verdict.status, 'up');
    assert.equal(pass.endpoints.get(8)?.verdict.status, 'unknown');
    assert.equal(regionHealth([{ region: 'eu', latest: new Map([[1, { failed: false, at: NOW - 100_000, freshnessMs: 200_000 }]]) }], { freshnessMs: 1_000 }, NOW).get('eu')?.fresh, 1);
  });
});
