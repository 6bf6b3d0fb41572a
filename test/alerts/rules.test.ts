import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { certThreshold, deriveFromEvent, deriveOnTick, diffToolNames, type AlertPolicy, type EventContext, type LiveFacts } from '../../src/alerts/rules.ts';
import { initialAlertState, type AlertEndpointState, type AlertEvent } from '../../src/alerts/types.ts';
import type { FailureCode, Status } from '../../src/domain/failure-codes.ts';
import { advance, DEFAULT_HEALTH_POLICY, initialState, type HealthEvent } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { probeResult } from '../fixtures/probe-result.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 4, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const POLICY: AlertPolicy = { reminderMs: 60 * MIN, certThresholdsDays: [30, 14, 7, 3, 1], flapWindowMs: 60 * MIN, flapLimit: 2 };
const NO_CERT: LiveFacts = { certFingerprint: null, certNotAfter: null };

const opened = (atMin: number, startedMin = atMin - 1): HealthEvent => ({ kind: 'incident_opened', at: iso(T0 + atMin * MIN), incidentId: 7, startedAt: iso(T0 + startedMin * MIN), code: 'HTTP_5XX', detail: 'HTTP 503' });
const resolved = (atMin: number): HealthEvent => ({ kind: 'incident_resolved', at: iso(T0 + atMin * MIN), incidentId: 7, lastCode: 'HTTP_5XX', lastDetail: 'HTTP 503' });
const authIn = (atMin: number): HealthEvent => ({ kind: 'auth_required_entered', at: iso(T0 + atMin * MIN) });
const authOut = (atMin: number): HealthEvent => ({ kind: 'auth_required_left', at: iso(T0 + atMin * MIN) });
const tools = (atMin: number): HealthEvent => ({ kind: 'tools_changed', at: iso(T0 + atMin * MIN), fromHash: 'a', toHash: 'b', count: 3 });

type Step = { event: HealthEvent; ctx?: Partial<EventContext> } | { tickMin: number; inMaintenance?: boolean; live?: LiveFacts };

/** Runs events and ticks in order; returns every alert as "kind[/suppressed][ late]" plus the final state. */
function play(steps: readonly Step[], policy: AlertPolicy = POLICY): { alerts: AlertEvent[]; seen: string[]; state: AlertEndpointState } {
  let state = initialAlertState(1);
  const alerts: AlertEvent[] = [];
  steps.forEach((step, i) => {
    const derived =
      'event' in step
        ? deriveFromEvent(state, { id: i + 1, endpointId: 1, event: step.event }, { inMaintenance: false, ...step.ctx }, policy)
        : deriveOnTick(state, step.live ?? NO_CERT, T0 + step.tickMin * MIN, { inMaintenance: step.inMaintenance ?? false }, policy);
    state = derived.state;
    alerts.push(...derived.alerts);
  });
  const seen = alerts.map((a) => `${a.kind}${a.suppressed !== null ? `/${a.suppressed}` : ''}${'late' in a && a.late ? ' late' : ''}`);
  return { alerts, seen, state };
}

describe('alert rules: incidents', () => {
  const cases: ReadonlyArray<{ name: string; steps: Step[]; policy?: Partial<AlertPolicy>; seen: string[] }> = [
    { name: 'an opening is announced', steps: [{ event: opened(1) }], seen: ['incident_opened'] },
    { name: 'opening and resolution', steps: [{ event: opened(1) }, { event: resolved(31) }], seen: ['incident_opened', 'incident_resolved'] },
    {
      name: 'flaps do not spam: two outages an hour are announced, the rest recorded as suppressed',
      steps: [opened(1), resolved(5), opened(10), resolved(15), opened(20), resolved(25), opened(30), resolved(35)].map((event) => ({ event })),
      seen: [
        'incident_opened',
        'incident_resolved',
        'incident_opened',
        'incident_resolved',
        'incident_opened/flapping',
        'incident_resolved/no_change',
        'incident_opened/flapping',
        'incident_resolved/no_change',
      ],
    },
    {
      name: 'a higher flap limit announces more openings before holding back',
      steps: [opened(1), resolved(5), opened(10), resolved(15), opened(20), resolved(25), opened(30), resolved(35)].map((event) => ({ event })),
      policy: { flapLimit: 3 },
      seen: ['incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened/flapping', 'incident_resolved/no_change'],
    },
    {
      name: 'a shorter flap window forgets openings sooner',
      steps: [opened(1), resolved(5), opened(10), resolved(15), opened(20), resolved(25), opened(30), resolved(35)].map((event) => ({ event })),
      policy: { flapWindowMs: 9 * MIN },
      seen: ['incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved'],
    },
    {
      name: 'flapping that ends down is announced once it has calmed down, not before',
      steps: [{ event: opened(1) }, { event: resolved(5) }, { event: opened(10) }, { event: resolved(15) }, { event: opened(20) }, { tickMin: 30 }, { tickMin: 69 }, { tickMin: 71 }, { tickMin: 72 }],
      seen: ['incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened/flapping', 'incident_opened late'],
    },
    {
      name: 'an opening inside maintenance is held, and announced when the window ends',
      steps: [{ event: opened(1), ctx: { inMaintenance: true } }, { tickMin: 10, inMaintenance: true }, { tickMin: 61 }, { tickMin: 62 }],
      seen: ['incident_opened/maintenance', 'incident_opened late'],
    },
    {
      name: 'an outage wholly inside maintenance is never announced',
      steps: [{ event: opened(1), ctx: { inMaintenance: true } }, { event: resolved(20), ctx: { inMaintenance: true } }, { tickMin: 61 }],
      seen: ['incident_opened/maintenance', 'incident_resolved/maintenance'],
    },
    {
      name: 'a resolution inside maintenance of an announced outage is announced when the window ends',
      steps: [{ event: opened(1) }, { event: resolved(20), ctx: { inMaintenance: true } }, { tickMin: 30, inMaintenance: true }, { tickMin: 61 }, { tickMin: 62 }],
      seen: ['incident_opened', 'incident_resolved/maintenance', 'incident_resolved late'],
    },
    {
      name: 'resolving an outage nobody was told of is recorded, not sent',
      steps: [{ event: resolved(5) }],
      seen: ['incident_resolved/no_change'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(play(c.steps, { ...POLICY, ...c.policy }).seen, c.seen));
  }

  test('the resolution carries the duration from the stored incident start', () => {
    const { alerts } = play([{ event: opened(1, 0) }, { event: resolved(90), ctx: { incident: { id: 7, startedAt: iso(T0) } } }]);
    const last = alerts.at(-1);
    assert.equal(last?.kind, 'incident_resolved');
    assert.deepEqual(last.kind === 'incident_resolved' && [last.durationS, last.startedAt, last.incidentId], [90 * 60, iso(T0), 7]);
  });

  test('a late resolution measures the outage up to when it ended, not when the window did', () => {
    const { alerts } = play([{ event: opened(1, 0) }, { event: resolved(20), ctx: { inMaintenance: true } }, { tickMin: 200 }]);
    const last = alerts.at(-1);
    assert.ok(last?.kind === 'incident_resolved' && last.late);
    assert.equal(last.durationS, 20 * 60);
  });
});

describe('alert rules: reminders', () => {
  const cases: ReadonlyArray<{ name: string; steps: Step[]; policy?: Partial<AlertPolicy>; seen: string[] }> = [
    {
      name: 'every 60 minutes while open, counted from the announcement',
      steps: [{ event: opened(0) }, { tickMin: 59 }, { tickMin: 60 }, { tickMin: 61 }, { tickMin: 119 }, { tickMin: 120 }, { event: resolved(130) }, { tickMin: 180 }],
      seen: ['incident_opened', 'incident_reminder', 'incident_reminder', 'incident_resolved'],
    },
    { name: 'reminderMinutes 0 turns them off', steps: [{ event: opened(0) }, { tickMin: 600 }], policy: { reminderMs: 0 }, seen: ['incident_opened'] },
    {
      name: 'none inside maintenance; they resume after it',
      steps: [{ event: opened(0) }, { tickMin: 70, inMaintenance: true }, { tickMin: 100, inMaintenance: true }, { tickMin: 101 }],
      seen: ['incident_opened', 'incident_reminder'],
    },
    {
      name: 'a long stop (restart hours later) gives one reminder, not one per missed hour',
      steps: [{ event: opened(0) }, { tickMin: 300 }, { tickMin: 301 }],
      seen: ['incident_opened', 'incident_reminder'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(play(c.steps, { ...POLICY, ...c.policy }).seen, c.seen));
  }

  test('reminder keys are distinct and stable', () => {
    const { alerts } = play([{ event: opened(0, 0) }, { tickMin: 60 }, { tickMin: 120 }]);
    assert.deepEqual(
      alerts.map((a) => a.key),
      ['event:1', `reminder:1:${iso(T0)}:1`, `reminder:1:${iso(T0)}:2`],
    );
  });
});

describe('alert rules: authorization and changes', () => {
  const cases: ReadonlyArray<{ name: string; steps: Step[]; seen: string[] }> = [
    { name: 'entering and leaving auth_required', steps: [{ event: authIn(1) }, { event: authOut(9) }], seen: ['auth_required_entered', 'auth_required_left'] },
    {
      name: 'auth flapping is limited, and the outcome announced after it calms',
      steps: [authIn(1), authOut(2), authIn(3), authOut(4), authIn(5), authOut(6), authIn(7)].map((event): Step => ({ event })).concat([{ tickMin: 30 }, { tickMin: 70 }]),
      seen: [
        'auth_required_entered',
        'auth_required_left',
        'auth_required_entered',
        'auth_required_left',
        'auth_required_entered/flapping',
        'auth_required_left/no_change',
        'auth_required_entered/flapping',
        'auth_required_entered late',
      ],
    },
    {
      name: 'tool changes: two an hour, the rest suppressed; the window slides',
      steps: [{ event: tools(1) }, { event: tools(2) }, { event: tools(3) }, { event: tools(62) }],
      seen: ['tools_changed', 'tools_changed', 'tools_changed/flapping', 'tools_changed'],
    },
    {
      name: 'changes inside maintenance are recorded, not sent, and not replayed after it',
      steps: [{ event: tools(1), ctx: { inMaintenance: true } }, { tickMin: 100 }],
      seen: ['tools_changed/maintenance'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(play(c.steps).seen, c.seen));
  }

  test('tool names added and removed come from the context', () => {
    const { alerts } = play([{ event: tools(1), ctx: { tools: diffToolNames(['a', 'b', 'c'], ['c', 'd', 'a']) } }, { event: tools(2) }]);
    assert.deepEqual(
      alerts.map((a) => a.kind === 'tools_changed' && [a.added, a.removed, a.namesKnown]),
      [
        [['d'], ['b'], true],
        [[], [], false],
      ],
    );
  });

  test('protocol and certificate changes carry their facts', () => {
    const { alerts } = play([
      { event: { kind: 'protocol_changed', at: iso(T0), fromEra: 'sse', toEra: 'modern', fromVersion: '2024-11-05', toVersion: '2026-07-28' } },
      { event: { kind: 'cert_changed', at: iso(T0), from: 'AA', to: 'BB', notAfter: iso(T0 + 90 * DAY) } },
    ]);
    assert.deepEqual(
      alerts.map(({ key: _k, at: _a, ...rest }) => rest),
      [
        { endpointId: 1, suppressed: null, kind: 'protocol_changed', fromEra: 'sse', toEra: 'modern', fromVersion: '2024-11-05', toVersion: '2026-07-28' },
        { endpointId: 1, suppressed: null, kind: 'cert_changed', from: 'AA', to: 'BB', notAfter: iso(T0 + 90 * DAY) },
      ],
    );
  });
});

describe('alert rules: certificate thresholds', () => {
  const cert = (fingerprint: string, expiresInDays: number): LiveFacts => ({ certFingerprint: fingerprint, certNotAfter: iso(T0 + expiresInDays * DAY) });
  /** Ticks at each "days before expiry" point; returns the thresholds announced. */
  const fired = (daysBefore: readonly number[], fingerprint = 'F1', policy = POLICY, start: AlertEndpointState = initialAlertState(1)): { thresholds: number[]; state: AlertEndpointState } => {
    let state = start;
    const thresholds: number[] = [];
    for (const d of daysBefore) {
      const now = T0 + (45 - d) * DAY;
      const out = deriveOnTick(state, cert(fingerprint, 45), now, { inMaintenance: false }, policy);
      state = out.state;
      for (const a of out.alerts) if (a.kind === 'cert_expiring') thresholds.push(a.thresholdDays);
    }
    return { thresholds, state };
  };

  const cases: ReadonlyArray<{ name: string; days: number[]; thresholds: number[] }> = [
    { name: 'each threshold once, on the way down', days: [40, 31, 30, 29.5, 29, 14.2, 14, 13, 7, 6, 3, 2, 1, 0.5, 0, -1], thresholds: [30, 14, 7, 3, 1] },
    { name: 'first seen 5 days before expiry: one warning, the tightest crossed', days: [5, 4, 3.5], thresholds: [7] },
    { name: 'already expired when first seen: the last threshold once', days: [-2, -3], thresholds: [1] },
    { name: 'a far-off certificate: nothing', days: [90, 60, 31], thresholds: [] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(fired(c.days).thresholds, c.thresholds));
  }

  test('thresholds survive a restart (the state round-trips through JSON)', () => {
    const first = fired([30, 14]);
    const restored = JSON.parse(JSON.stringify(first.state)) as AlertEndpointState;
    assert.deepEqual(fired([14, 13, 7], 'F1', POLICY, restored).thresholds, [7]);
  });

  test('a renewed certificate (new fingerprint) starts afresh', () => {
    const first = fired([30, 14, 7]);
    const renewed = deriveOnTick(first.state, cert('F2', 10), T0, { inMaintenance: false }, POLICY);
    assert.deepEqual(
      renewed.alerts.map((a) => a.kind === 'cert_expiring' && [a.thresholdDays, a.fingerprint, a.key]),
      [[14, 'F2', 'cert:1:F2:14']],
    );
  });

  test('a threshold added to the config later does not fire behind a tighter one already sent', () => {
    const first = fired([6]);
    assert.deepEqual(fired([5], 'F1', { ...POLICY, certThresholdsDays: [60, 30, 14, 7, 3, 1] }, first.state).thresholds, []);
  });

  test('nothing inside maintenance; the warning comes after it', () => {
    const inside = deriveOnTick(initialAlertState(1), cert('F1', 10), T0, { inMaintenance: true }, POLICY);
    assert.deepEqual(inside.alerts, []);
    const after = deriveOnTick(inside.state, cert('F1', 10), T0 + MIN, { inMaintenance: false }, POLICY);
    assert.deepEqual(
      after.alerts.map((a) => a.kind),
      ['cert_expiring'],
    );
  });

  test('certThreshold without a certificate keeps what it had', () => {
    const previous = { fingerprint: 'F1', fired: [30] };
    assert.deepEqual(certThreshold(previous, NO_CERT, T0, [30]), { state: previous, fire: null });
  });
});

describe('alert rules from probe rounds (health thresholds first, then alert rules)', () => {
  function probe(status: Status, minute: number): ProbeResult {
    const code: FailureCode | null = status === 'up' ? null : 'TCP_REFUSED';
    return probeResult({
      url: 'https://x.test/mcp',
      startedAt: iso(T0 + minute * MIN),
      status,
      code,
      detail: status,
      durationMs: 10,
    });
  }
  function alertsFor(statuses: string): string[] {
    let health = initialState(1);
    let alert = initialAlertState(1);
    const seen: string[] = [];
    let id = 0;
    [...statuses].forEach((ch, minute) => {
      const step = advance(health, probe(ch === 'u' ? 'up' : 'down', minute), DEFAULT_HEALTH_POLICY);
      health = step.state;
      for (const event of step.events) {
        if (event.kind === 'incident_opened') health = { ...health, openIncidentId: 100 + id };
        const out = deriveFromEvent(alert, { id: ++id, endpointId: 1, event }, { inMaintenance: false }, POLICY);
        alert = out.state;
        seen.push(...out.alerts.map((a) => `${a.kind}${a.suppressed !== null ? `/${a.suppressed}` : ''}`));
      }
    });
    return seen;
  }
  const cases: ReadonlyArray<{ name: string; rounds: string; seen: string[] }> = [
    { name: 'single failed rounds between good ones: nothing at all', rounds: 'ududududududu', seen: [] },
    { name: 'one real outage: opened and resolved once', rounds: 'uudddddddu', seen: ['incident_opened', 'incident_resolved'] },
    {
      name: 'sustained flapping: two outages announced, then held',
      rounds: 'uddudduddudduddu',
      seen: ['incident_opened', 'incident_resolved', 'incident_opened', 'incident_resolved', 'incident_opened/flapping', 'incident_resolved/no_change', 'incident_opened/flapping', 'incident_resolved/no_change', 'incident_opened/flapping', 'incident_resolved/no_change'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(alertsFor(c.rounds), c.seen));
  }
});
