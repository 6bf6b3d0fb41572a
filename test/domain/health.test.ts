import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCode, Status } from '../../src/domain/failure-codes.ts';
import { advance, DEFAULT_HEALTH_POLICY, initialState, type EndpointState, type HealthEvent, type HealthPolicy } from '../../src/domain/health.ts';
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

/** Runs a sequence of statuses; an opened incident gets id 100+n as the store would assign. */
function run(statuses: readonly Status[], policy: HealthPolicy = DEFAULT_HEALTH_POLICY): { state: EndpointState; kinds: string[]; health: string[] } {
  let state = initialState(1);
  const kinds: string[] = [];
  const health: string[] = [];
  let nextId = 100;
  statuses.forEach((status, i) => {
    const step = advance(state, result(status, i), policy);
    state = step.state;
    for (const e of step.events) {
      kinds.push(e.kind);
      if (e.kind === 'incident_opened') state = { ...state, openIncidentId: nextId++ };
    }
    health.push(state.health);
  });
  return { state, kinds, health };
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
