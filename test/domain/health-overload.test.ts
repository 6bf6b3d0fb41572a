// The overload rule of advance(): a failure timed while mcpwatch itself was overloaded is neither a
// failure nor a success. Kept apart from health.test.ts, whose table covers the other rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCode, Status } from '../../src/domain/failure-codes.ts';
import { advance, DEFAULT_HEALTH_POLICY, initialState, isDiscounted, type EndpointState, type HealthPolicy } from '../../src/domain/health.ts';
import { LOAD_SENSITIVE_CODES } from '../../src/domain/overload.ts';
import { probeResult } from '../fixtures/probe-result.ts';

/** `up`, a code (down with it), or a code with `!` (down with it, timed while mcpwatch was overloaded). */
type Step = string;

function resultOf(step: Step, minute: number): ReturnType<typeof probeResult> {
  const overloaded = step.endsWith('!');
  const name = overloaded ? step.slice(0, -1) : step;
  const status: Status = name === 'up' ? 'up' : name === 'JSONRPC_ERROR' ? 'degraded' : 'down';
  return probeResult({
    startedAt: new Date(Date.UTC(2026, 11, 2, 12, minute)).toISOString(),
    status,
    code: status === 'up' ? null : (name as FailureCode),
    detail: name,
    ...(overloaded ? { overload: { loopDelayMs: 1500 } } : {}),
  });
}

function run(steps: readonly Step[], policy: HealthPolicy = DEFAULT_HEALTH_POLICY): { health: string[]; kinds: string[]; state: EndpointState } {
  let state = initialState(1);
  const health: string[] = [];
  const kinds: string[] = [];
  steps.forEach((step, i) => {
    const next = advance(state, resultOf(step, i), policy);
    state = next.state;
    for (const e of next.events) kinds.push(e.kind);
    health.push(state.health);
  });
  return { health, kinds, state };
}

describe('advance(): failures timed while mcpwatch was overloaded', () => {
  const rows: Array<[string, Step[], string[], string[]]> = [
    ['overload timeouts never open an incident', ['up', 'PROBE_TIMEOUT!', 'DNS_TIMEOUT!', 'TCP_TIMEOUT!'], ['up', 'up', 'up', 'up'], []],
    ['the same timeouts without overload do', ['up', 'PROBE_TIMEOUT', 'DNS_TIMEOUT'], ['up', 'up', 'down'], ['incident_opened']],
    ['a discounted failure does not break a real failure streak', ['up', 'TCP_TIMEOUT', 'PROBE_TIMEOUT!', 'TCP_TIMEOUT'], ['up', 'up', 'up', 'down'], ['incident_opened']],
    ['nor does it count as a success that resolves an incident', ['TCP_REFUSED', 'TCP_REFUSED', 'PROBE_TIMEOUT!', 'TCP_REFUSED'], ['unknown', 'down', 'down', 'down'], ['incident_opened', 'incident_updated']],
    ['a definite answer counts even when overloaded', ['up', 'TCP_REFUSED!', 'HTTP_5XX!'], ['up', 'up', 'down'], ['incident_opened']],
    ['a success while overloaded is still a success', ['TCP_REFUSED', 'TCP_REFUSED', 'up!'], ['unknown', 'down', 'up'], ['incident_opened', 'incident_resolved']],
    ['from unknown, discounted failures leave it unknown', ['BODY_TIMEOUT!', 'CONN_RESET!'], ['unknown', 'unknown'], []],
  ];
  for (const [name, steps, health, kinds] of rows) {
    test(name, () => {
      const got = run(steps);
      assert.deepEqual(got.health, health);
      assert.deepEqual(got.kinds, kinds);
    });
  }

  test('the state is left exactly as it was: streaks, last status and the era hint', () => {
    const before = run(['up', 'TCP_TIMEOUT']).state;
    const after = advance(before, resultOf('PROBE_TIMEOUT!', 5), DEFAULT_HEALTH_POLICY);
    assert.equal(after.state, before);
    assert.deepEqual(after.events, []);
  });

  test('degraded counts only as the policy says, overloaded or not', () => {
    const strict = { ...DEFAULT_HEALTH_POLICY, degradedIsOutage: true };
    assert.equal(isDiscounted(resultOf('JSONRPC_ERROR!', 0), strict), false, 'JSONRPC_ERROR is an answer, not a timeout');
    const degradedTimeout = { ...resultOf('BODY_TIMEOUT!', 0), status: 'degraded' as const };
    assert.equal(isDiscounted(degradedTimeout, strict), true);
    assert.equal(isDiscounted(degradedTimeout, DEFAULT_HEALTH_POLICY), false, 'not a failure under the default policy: nothing to discount');
  });

  test('every load-sensitive code is discounted; no other code is', () => {
    for (const code of LOAD_SENSITIVE_CODES) assert.equal(isDiscounted(resultOf(`${code}!`, 0), DEFAULT_HEALTH_POLICY), true, code);
    for (const code of ['TCP_REFUSED', 'DNS_NXDOMAIN', 'TLS_CERT_EXPIRED', 'AUTH_FAILED', 'HTTP_5XX'] as const) {
      assert.equal(isDiscounted(resultOf(`${code}!`, 0), DEFAULT_HEALTH_POLICY), false, code);
    }
  });
});
