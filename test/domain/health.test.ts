import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCode, Status } from '../../src/domain/failure-codes.ts';
import { advance, DEFAULT_HEALTH_POLICY, INCIDENT_SEQUENCE_SPAN, incidentIdFor, initialState, maxSilenceMs, type Cadence, type EndpointState, type HealthEvent, type HealthPolicy, type MonitoringGap } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { probeResult } from '../fixtures/probe-result.ts';

function result(status: Status, at: number, extra: Partial<ProbeResult> = {}): ProbeResult {
  const code: FailureCode | null = status === 'up' ? null : status === 'auth_required' ? 'AUTH_REQUIRED' : status === 'degraded' ? 'JSONRPC_ERROR' : 'TCP_REFUSED';
  return probeResult({
    url: 'https://x.test/mcp',
    startedAt: new Date(Date.UTC(2026, 10, 25, 12, at)).toISOString(),
    status,
    code,
    detail: `${status} at ${at}`,
    durationMs: 10,
    era: status === 'up' ? 'streamable' : null,
    protocolVersion: status === 'up' ? '2025-11-25' : null,
    ...extra,
  });
}

/** Runs a sequence of statuses; returns the state, event kinds, health after each round and the events. */
function run(statuses: readonly Status[], policy: HealthPolicy = DEFAULT_HEALTH_POLICY, endpointId = 1): { state: EndpointState; kinds: string[]; health: string[]; events: HealthEvent[] } {
  let state = initialState(endpointId);
  const kinds: string[] = [];
  const health: string[] = [];
  const events: HealthEvent[] = [];
  statuses.forEach((status, i) => {
    const step = advance(state, result(status, i), policy);
    state = step.state;
    for (const e of step.events) kinds.push(e.kind);
    events.push(...step.events);
    health.push(state.health);
  });
  return { state, kinds, health, events };
}

/** The ids of the incidents the events opened, in order. */
function openedIds(events: readonly HealthEvent[]): number[] {
  return events.flatMap((e) => (e.kind === 'incident_opened' ? [e.incidentId] : []));
}

describe('health state machine', () => {
  const cases: ReadonlyArray<{ name: string; statuses: Status[]; policy?: Partial<HealthPolicy>; health: string[]; kinds: string[] }> = [
    { name: 'first good round: up, no incident', statuses: ['up'], health: ['up'], kinds: [] },
    { name: 'one failure is not an outage (downAfter 2)', statuses: ['up', 'down', 'up'], health: ['up', 'up', 'up'], kinds: [] },
    { name: 'two failures open an incident; one good round closes it', statuses: ['up', 'down', 'down', 'up'], health: ['up', 'up', 'down', 'up'], kinds: ['incident_opened', 'incident_resolved'] },
    { name: 'a long outage updates the incident, opens it once', statuses: ['up', 'down', 'down', 'down', 'down', 'up'], health: ['up', 'up', 'down', 'down', 'down', 'up'], kinds: ['incident_opened', 'incident_updated', 'incident_updated', 'incident_resolved'] },
    { name: 'flapping every other round never opens an incident', statuses: ['up', 'down', 'up', 'down', 'up', 'down', 'up'], health: ['up', 'up', 'up', 'up', 'up', 'up', 'up'], kinds: [] },
    { name: 'down from the start: unknown, then down', statuses: ['down', 'down'], health: ['unknown', 'down'], kinds: ['incident_opened'] },
    { name: 'upAfter 2: one good round in an outage does not resolve it', statuses: ['down', 'down', 'up', 'down', 'up', 'up'], policy: { upAfter: 2 }, health: ['unknown', 'down', 'down', 'down', 'down', 'up'], kinds: ['incident_opened', 'incident_updated', 'incident_resolved'] },
    { name: 'auth_required is not an outage by default', statuses: ['up', 'auth_required', 'auth_required', 'up'], health: ['up', 'up', 'up', 'up'], kinds: ['auth_required_entered', 'auth_required_left'] },
    { name: 'auth_required as an outage when configured', statuses: ['up', 'auth_required', 'auth_required'], policy: { authRequiredIsOutage: true }, health: ['up', 'up', 'down'], kinds: ['auth_required_entered', 'incident_opened'] },
    { name: 'degraded is not an outage by default', statuses: ['up', 'degraded', 'degraded', 'degraded'], health: ['up', 'up', 'up', 'up'], kinds: [] },
    { name: 'degraded as an outage when configured', statuses: ['up', 'degraded', 'degraded', 'up'], policy: { degradedIsOutage: true }, health: ['up', 'up', 'down', 'up'], kinds: ['incident_opened', 'incident_resolved'] },
    { name: 'downAfter 1: the first failure opens at once', statuses: ['up', 'down'], policy: { downAfter: 1 }, health: ['up', 'down'], kinds: ['incident_opened'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = run(c.statuses, { ...DEFAULT_HEALTH_POLICY, ...c.policy });
      assert.deepEqual(out.health, c.health);
      assert.deepEqual(out.kinds, c.kinds);
    });
  }

  test('the incident starts at the first failing round and carries its code', () => {
    let state = initialState(7);
    state = advance(state, result('up', 0), DEFAULT_HEALTH_POLICY).state;
    state = advance(state, result('down', 1, { code: 'DNS_TIMEOUT', detail: 'first' }), DEFAULT_HEALTH_POLICY).state;
    const step = advance(state, result('down', 2, { code: 'HTTP_5XX', detail: 'second' }), DEFAULT_HEALTH_POLICY);
    const opened = step.events.find((e): e is Extract<HealthEvent, { kind: 'incident_opened' }> => e.kind === 'incident_opened');
    assert.ok(opened);
    assert.equal(opened.startedAt, result('down', 1).startedAt);
    assert.equal(opened.code, 'DNS_TIMEOUT');
    assert.equal(opened.detail, 'first');
    assert.equal(step.state.healthSince, result('down', 1).startedAt);
    assert.equal(opened.incidentId, incidentIdFor(7, 1));
    assert.equal(step.state.openIncidentId, opened.incidentId);
    assert.equal(step.state.incidentsOpened, 1);
  });

  test('the incident id travels: updates and the resolution name the id the opening gave', () => {
    const out = run(['down', 'down', 'down', 'up'], DEFAULT_HEALTH_POLICY, 3);
    const id = incidentIdFor(3, 1);
    assert.deepEqual(
      out.events.map((e) => ('incidentId' in e ? [e.kind, e.incidentId] : [e.kind])),
      [
        ['incident_opened', id],
        ['incident_updated', id],
        ['incident_resolved', id],
      ],
    );
    assert.equal(out.state.openIncidentId, null);
    assert.equal(out.state.incidentsOpened, 1, 'the count survives the resolution');
  });

  test('two incidents of one endpoint get distinct ids, numbered in order', () => {
    const out = run(['down', 'down', 'up', 'down', 'down', 'up', 'down', 'down'], DEFAULT_HEALTH_POLICY, 5);
    assert.deepEqual(openedIds(out.events), [incidentIdFor(5, 1), incidentIdFor(5, 2), incidentIdFor(5, 3)]);
    assert.equal(new Set(openedIds(out.events)).size, 3);
    assert.equal(out.state.incidentsOpened, 3);
    assert.equal(out.state.openIncidentId, incidentIdFor(5, 3));
  });

  test('ids of different endpoints never collide, nor with ids the database assigned before', () => {
    const seen = new Map<number, string>();
    for (const endpointId of [1, 2, 3, 1000, 65_535, 2 ** 31]) {
      for (const n of [1, 2, 3, 1000, INCIDENT_SEQUENCE_SPAN - 1]) {
        const id = incidentIdFor(endpointId, n);
        assert.ok(Number.isSafeInteger(id), `${id} is a safe integer`);
        assert.ok(id >= INCIDENT_SEQUENCE_SPAN, 'above every id the database assigned itself');
        const owner = `${endpointId}#${n}`;
        assert.equal(seen.get(id), undefined, `${owner} collides with ${seen.get(id)}`);
        seen.set(id, owner);
      }
    }
    // And through the state machine: the same outage on two endpoints, two different ids.
    const a = openedIds(run(['down', 'down'], DEFAULT_HEALTH_POLICY, 1).events);
    const b = openedIds(run(['down', 'down'], DEFAULT_HEALTH_POLICY, 2).events);
    assert.equal(a.length, 1);
    assert.notEqual(a[0], b[0]);
  });

  test('certificate, protocol and tool changes are events; first sightings are not', () => {
    const cert = (fp: string) => ({ subject: 's', issuer: 'i', sans: [], notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', earliestNotAfter: '2027-01-01T00:00:00.000Z', daysLeft: 100, fingerprint256: fp, serialNumber: '1', protocol: 'TLSv1.3', cipher: 'x', chainValid: true, chainError: null, hostnameValid: true, observedAt: '2026-01-01T00:00:00.000Z', resumed: false });
    const tools = (hash: string) => ({ count: 1, hash, names: ['a'], pages: 1, truncated: false });
    let state = initialState(1);
    let step = advance(state, result('up', 0, { certificate: cert('AA'), tools: tools('h1') }), DEFAULT_HEALTH_POLICY);
    assert.deepEqual(step.events, []);
    state = step.state;
    step = advance(state, result('up', 1, { certificate: cert('BB'), tools: tools('h2'), era: 'modern', protocolVersion: '2026-07-28' }), DEFAULT_HEALTH_POLICY);
    assert.deepEqual(step.events.map((e) => e.kind).sort(), ['cert_changed', 'protocol_changed', 'tools_changed']);
    state = step.state;
    assert.equal(state.era, 'modern');
    // A failed round that saw no certificate keeps the last known facts.
    step = advance(state, result('down', 2), DEFAULT_HEALTH_POLICY);
    assert.equal(step.state.certFingerprint, 'BB');
    assert.equal(step.state.era, 'modern');
    assert.equal(step.state.toolsHash, 'h2');
  });
});

describe('monitoring gaps (issue 11 item 6): silence longer than the cadence allows breaks a streak', () => {
  const CADENCE: Cadence = { intervalMs: 60_000, timeoutMs: 10_000 };
  const at = (clock: string): string => `2026-11-25T${clock}.000Z`;
  const round = (status: Status, clock: string): ProbeResult => result(status, 0, { startedAt: at(clock) });

  /** Runs (status, HH:MM:SS) rounds; returns health after each, event kinds, gaps and opened incidents' starts. */
  function runTimed(rounds: ReadonlyArray<readonly [Status, string]>, policy: HealthPolicy = DEFAULT_HEALTH_POLICY, cadence: Cadence | null = CADENCE) {
    let state = initialState(1);
    const kinds: string[] = [];
    const health: string[] = [];
    const gaps: MonitoringGap[] = [];
    const started: string[] = [];
    for (const [status, clock] of rounds) {
      const step = advance(state, round(status, clock), policy, cadence ?? undefined);
      state = step.state;
      if (step.gap) gaps.push(step.gap);
      for (const e of step.events) {
        kinds.push(e.kind);
        if (e.kind === 'incident_opened') started.push(e.startedAt);
      }
      health.push(state.health);
    }
    return { state, kinds, health, gaps, started };
  }

  test('the allowance is one interval, plus a round that ran to its retry’s timeout, plus 5 s', () => {
    assert.equal(maxSilenceMs(CADENCE), 85_000);
    assert.equal(maxSilenceMs({ intervalMs: 30_000, timeoutMs: 5_000 }), 45_000);
  });

  test('the measured case: a failure, mcpwatch down 10:07:15–10:13:43, a failure: no incident until a second failure after the gap', () => {
    const out = runTimed([
      ['up', '10:06:15'],
      ['down', '10:07:15'],
      ['down', '10:13:43'],
      ['down', '10:14:43'],
    ]);
    assert.deepEqual(out.gaps, [{ from: at('10:07:15'), to: at('10:13:43') }]);
    assert.deepEqual(out.health, ['up', 'up', 'up', 'down']);
    assert.deepEqual(out.started, [at('10:13:43')], 'the incident starts at the first failure observed after the gap');
    assert.equal(out.state.healthSince, at('10:13:43'));
  });

  const cases: ReadonlyArray<{ name: string; rounds: ReadonlyArray<readonly [Status, string]>; policy?: Partial<HealthPolicy>; cadence?: Cadence; health: string[]; kinds: string[]; gaps: number }> = [
    {
      name: 'a late round within the allowance (80 s) is no gap: two failures open an incident',
      rounds: [['up', '10:00:00'], ['down', '10:01:00'], ['down', '10:02:20']],
      health: ['up', 'up', 'down'],
      kinds: ['incident_opened'],
      gaps: 0,
    },
    {
      name: 'a skipped slot after a round that hit its timeout twice (30 s timeout, 120 s silence) is no gap',
      rounds: [['up', '10:00:00'], ['down', '10:01:00'], ['down', '10:03:00']],
      cadence: { intervalMs: 60_000, timeoutMs: 30_000 },
      health: ['up', 'up', 'down'],
      kinds: ['incident_opened'],
      gaps: 0,
    },
    {
      name: 'the first round ever is no gap',
      rounds: [['down', '10:00:00'], ['down', '10:01:00']],
      health: ['unknown', 'down'],
      kinds: ['incident_opened'],
      gaps: 0,
    },
    {
      name: 'an open incident stays open across a gap and closes on the first good round after it',
      rounds: [['down', '10:00:00'], ['down', '10:01:00'], ['down', '10:30:00'], ['up', '10:31:00']],
      health: ['unknown', 'down', 'down', 'up'],
      kinds: ['incident_opened', 'incident_updated', 'incident_resolved'],
      gaps: 1,
    },
    {
      name: 'upAfter 2: a good round before a gap and one after it do not resolve an outage',
      rounds: [['down', '10:00:00'], ['down', '10:01:00'], ['up', '10:02:00'], ['up', '10:30:00'], ['up', '10:31:00']],
      policy: { upAfter: 2 },
      health: ['unknown', 'down', 'down', 'down', 'up'],
      kinds: ['incident_opened', 'incident_resolved'],
      gaps: 1,
    },
    {
      name: 'a restart between two good rounds is recorded and changes nothing else',
      rounds: [['up', '10:00:00'], ['up', '11:00:00'], ['up', '11:01:00']],
      health: ['up', 'up', 'up'],
      kinds: [],
      gaps: 1,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = runTimed(c.rounds, { ...DEFAULT_HEALTH_POLICY, ...c.policy }, c.cadence ?? CADENCE);
      assert.deepEqual(out.health, c.health);
      assert.deepEqual(out.kinds, c.kinds);
      assert.equal(out.gaps.length, c.gaps);
    });
  }

  test('without a cadence nothing is a gap (callers that do not know the schedule)', () => {
    const out = runTimed([['down', '10:07:15'], ['down', '10:13:43']], DEFAULT_HEALTH_POLICY, null);
    assert.deepEqual(out.gaps, []);
    assert.deepEqual(out.started, [at('10:07:15')]);
  });
});
