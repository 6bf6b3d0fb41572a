// Truth over time: one probe round is an observation; the confirmed health of an endpoint only
// changes after enough consecutive observations agree, and incidents open and close on those
// changes. Pure: state and a round in, new state and events out.
import type { FailureCode, Status } from './failure-codes.ts';
import { isOverloadTainted } from './overload.ts';
import type { Era, ProbeResult } from './probe-result.ts';

export interface HealthPolicy {
  /** Consecutive failed rounds before `down` (default 2). */
  readonly downAfter: number;
  /** Consecutive good rounds before `up` again (default 1). */
  readonly upAfter: number;
  /** Whether a 401 with no credentials counts as an outage (default false: reachable and protected). */
  readonly authRequiredIsOutage: boolean;
  /** Whether degraded (handshake fine, tools/list failed) counts as an outage (default false). */
  readonly degradedIsOutage: boolean;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = Object.freeze({ downAfter: 2, upAfter: 1, authRequiredIsOutage: false, degradedIsOutage: false });

export type Health = 'unknown' | 'up' | 'down';

/** How often an endpoint is probed and how long one round may take: what makes silence a gap. */
export interface Cadence {
  readonly intervalMs: number;
  /** The probe timeout; a round with its immediate retry takes up to twice this. */
  readonly timeoutMs: number;
}

/**
 * Scheduling slack on top of a round's own length: the tick is one second and a busy loop starts
 * probes late (schedule lag stays under a second or two below saturation). A kill soak found
 * confirmations across silences from 5 s to 388 s beyond the interval; anything past this is
 * mcpwatch not looking, not lag.
 */
export const GAP_SLACK_MS = 5_000;

/**
 * The longest silence between two rounds' starts that still counts as continuous observation:
 * the next slot (one interval) after a round that ran to its retry's timeout (a probe still
 * running at its next slot is not doubled, so it starts at the slot after), plus slack.
 */
export function maxSilenceMs(cadence: Cadence): number {
  return cadence.intervalMs + 2 * cadence.timeoutMs + GAP_SLACK_MS;
}

/** A span in which mcpwatch observed nothing of an endpoint: between two rounds' starts, ISO times. */
export interface MonitoringGap {
  /** The last round before the silence. */
  readonly from: string;
  /** The first round after it. */
  readonly to: string;
}

/** What is remembered per endpoint between rounds (persisted in endpoint_state). */
export interface EndpointState {
  readonly endpointId: number;
  readonly health: Health;
  readonly healthSince: string | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastStatus: Status | null;
  readonly lastCode: FailureCode | null;
  readonly lastDetail: string | null;
  readonly lastCheckedAt: string | null;
  readonly lastDurationMs: number | null;
  /** The era that answered last time: the next probe's hint. */
  readonly era: Era | null;
  readonly protocolVersion: string | null;
  readonly serverName: string | null;
  readonly serverVersion: string | null;
  readonly certFingerprint: string | null;
  readonly certNotAfter: string | null;
  readonly toolsHash: string | null;
  readonly toolsCount: number | null;
  readonly openIncidentId: number | null;
  /** How many incidents this endpoint has opened: the sequence incidentIdFor numbers them by. */
  readonly incidentsOpened: number;
  /** The first failing round of the current failure streak, for the incident's "started at". */
  readonly failingSince: string | null;
  readonly firstFailureCode: FailureCode | null;
  readonly firstFailureDetail: string | null;
}

export function initialState(endpointId: number): EndpointState {
  return {
    endpointId,
    health: 'unknown',
    healthSince: null,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    lastStatus: null,
    lastCode: null,
    lastDetail: null,
    lastCheckedAt: null,
    lastDurationMs: null,
    era: null,
    protocolVersion: null,
    serverName: null,
    serverVersion: null,
    certFingerprint: null,
    certNotAfter: null,
    toolsHash: null,
    toolsCount: null,
    openIncidentId: null,
    incidentsOpened: 0,
    failingSince: null,
    firstFailureCode: null,
    firstFailureDetail: null,
  };
}

/** Things worth recording (and, later, alerting on) that a round revealed. */
export type HealthEvent =
  | { readonly kind: 'incident_opened'; readonly at: string; readonly incidentId: number; readonly startedAt: string; readonly code: FailureCode; readonly detail: string }
  | { readonly kind: 'incident_resolved'; readonly at: string; readonly incidentId: number; readonly lastCode: FailureCode | null; readonly lastDetail: string | null }
  | { readonly kind: 'incident_updated'; readonly at: string; readonly incidentId: number; readonly code: FailureCode; readonly detail: string }
  | { readonly kind: 'cert_changed'; readonly at: string; readonly from: string | null; readonly to: string; readonly notAfter: string }
  | { readonly kind: 'protocol_changed'; readonly at: string; readonly fromEra: Era | null; readonly toEra: Era; readonly fromVersion: string | null; readonly toVersion: string }
  | { readonly kind: 'tools_changed'; readonly at: string; readonly fromHash: string | null; readonly toHash: string; readonly count: number }
  | { readonly kind: 'auth_required_entered'; readonly at: string }
  | { readonly kind: 'auth_required_left'; readonly at: string }
  // Several regions only (domain/quorum-decision.ts): some regions see the endpoint down, fewer than the quorum.
  | { readonly kind: 'partial_outage_started'; readonly at: string; readonly regions: readonly string[]; readonly counted: number; readonly needed: number }
  | { readonly kind: 'partial_outage_ended'; readonly at: string };

export function isFailure(status: Status, policy: HealthPolicy): boolean {
  if (status === 'down') return true;
  if (status === 'auth_required') return policy.authRequiredIsOutage;
  if (status === 'degraded') return policy.degradedIsOutage;
  return false;
}

/** The gap between the last round and this one, when the silence was longer than the cadence allows. */
export function gapBefore(state: EndpointState, at: string, cadence: Cadence): MonitoringGap | null {
  if (state.lastCheckedAt === null) return null;
  const silence = Date.parse(at) - Date.parse(state.lastCheckedAt);
  return silence > maxSilenceMs(cadence) ? { from: state.lastCheckedAt, to: at } : null;
}

/** Ids below this were assigned by the database before ids came from the domain (migration 0007). */
export const INCIDENT_SEQUENCE_SPAN = 2 ** 21;

/**
 * The id of an endpoint's n-th incident (n from 1). The domain numbers incidents itself, so a tick
 * write returns nothing and two writers of the same round (a retried write, a second node) produce
 * the same id, which the store's primary key turns into one row. Endpoint ids stay below 2^32 and
 * an endpoint opens fewer than 2^21 incidents, so the id stays a safe integer; ids assigned by the
 * database before this scheme are all below INCIDENT_SEQUENCE_SPAN and never collide with these.
 */
export function incidentIdFor(endpointId: number, n: number): number {
  return endpointId * INCIDENT_SEQUENCE_SPAN + (n % INCIDENT_SEQUENCE_SPAN);
}

/** A failure timed while mcpwatch itself was overloaded: no evidence about the server, neither failure nor success. */
export function isDiscounted(result: ProbeResult, policy: HealthPolicy): boolean {
  return isFailure(result.status, policy) && isOverloadTainted(result);
}

/**
 * Advances one endpoint by one confirmed round (the probe result after its immediate retry).
 * `incident_opened` carries the id incidentIdFor gives the endpoint's next incident, and the new
 * state holds it as openIncidentId.
 *
 * With a cadence, a silence longer than it allows since the last round (mcpwatch was down,
 * restarting or stalled) is returned as a gap, and both streaks start again: rounds on either
 * side of a gap are not consecutive observations, so a failure before it and one after it are
 * not an outage, and an incident never starts before the gap. An open incident stays open (the
 * server was down when last seen) until rounds after the gap close it.
 */
export function advance(
  state: EndpointState,
  result: ProbeResult,
  policy: HealthPolicy,
  cadence?: Cadence,
): { state: EndpointState; events: HealthEvent[]; gap: MonitoringGap | null } {
  if (isDiscounted(result, policy)) return { state, events: [], gap: null };
  const at = result.startedAt;
  const events: HealthEvent[] = [];
  const failed = isFailure(result.status, policy);
  const gap = cadence === undefined ? null : gapBefore(state, at, cadence);
  const streak = gap === null ? state : { ...state, consecutiveFailures: 0, consecutiveSuccesses: 0, failingSince: null, firstFailureCode: null, firstFailureDetail: null };
  let next: EndpointState = {
    ...state,
    consecutiveFailures: failed ? streak.consecutiveFailures + 1 : 0,
    consecutiveSuccesses: failed ? 0 : streak.consecutiveSuccesses + 1,
    lastStatus: result.status,
    lastCode: result.code,
    lastDetail: result.detail,
    lastCheckedAt: at,
    lastDurationMs: result.durationMs,
    failingSince: failed ? (streak.failingSince ?? at) : null,
    firstFailureCode: failed ? (streak.firstFailureCode ?? result.code) : null,
    firstFailureDetail: failed ? (streak.firstFailureDetail ?? result.detail) : null,
  };

  if (failed && next.health !== 'down' && next.consecutiveFailures >= policy.downAfter) {
    const incidentsOpened = state.incidentsOpened + 1;
    const incidentId = incidentIdFor(state.endpointId, incidentsOpened);
    next = { ...next, health: 'down', healthSince: next.failingSince, openIncidentId: incidentId, incidentsOpened };
    events.push({ kind: 'incident_opened', at, incidentId, startedAt: next.failingSince ?? at, code: next.firstFailureCode ?? 'PROBE_TIMEOUT', detail: next.firstFailureDetail ?? result.detail });
  } else if (failed && next.health === 'down' && state.openIncidentId !== null && result.code !== null) {
    events.push({ kind: 'incident_updated', at, incidentId: state.openIncidentId, code: result.code, detail: result.detail });
  } else if (!failed && next.health !== 'up' && next.consecutiveSuccesses >= policy.upAfter) {
    if (next.health === 'down' && state.openIncidentId !== null) {
      events.push({ kind: 'incident_resolved', at, incidentId: state.openIncidentId, lastCode: state.lastCode, lastDetail: state.lastDetail });
    }
    next = { ...next, health: 'up', healthSince: at, openIncidentId: null };
  }

  if (result.status === 'auth_required' && state.lastStatus !== 'auth_required') events.push({ kind: 'auth_required_entered', at });
  if (result.status !== 'auth_required' && state.lastStatus === 'auth_required') events.push({ kind: 'auth_required_left', at });

  // Facts below only change on evidence: a failed round says nothing about the certificate it never saw.
  const cert = result.certificate;
  if (cert) {
    if (state.certFingerprint !== null && state.certFingerprint !== cert.fingerprint256) {
      events.push({ kind: 'cert_changed', at, from: state.certFingerprint, to: cert.fingerprint256, notAfter: cert.notAfter });
    }
    next = { ...next, certFingerprint: cert.fingerprint256, certNotAfter: cert.notAfter };
  }
  if (result.era !== null && result.protocolVersion !== null) {
    if (state.era !== null && (state.era !== result.era || state.protocolVersion !== result.protocolVersion)) {
      events.push({ kind: 'protocol_changed', at, fromEra: state.era, toEra: result.era, fromVersion: state.protocolVersion, toVersion: result.protocolVersion });
    }
    next = { ...next, era: result.era, protocolVersion: result.protocolVersion };
  }
  if (result.server) next = { ...next, serverName: result.server.name, serverVersion: result.server.version };
  if (result.tools) {
    if (state.toolsHash !== null && state.toolsHash !== result.tools.hash) {
      events.push({ kind: 'tools_changed', at, fromHash: state.toolsHash, toHash: result.tools.hash, count: result.tools.count });
    }
    next = { ...next, toolsHash: result.tools.hash, toolsCount: result.tools.count };
  }
  return { state: next, events, gap };
}
