// When to tell people, decided in pure code: a recorded HealthEvent (or the passing of time) and
// the endpoint's alert state in, the new state and the alerts to record out. No clock, no I/O.
//
// The model: receivers hold a belief about each endpoint (down or up, protected or not), built
// from what they were sent. An event updates the actual state and is announced when it changes
// the belief; a maintenance window or a flapping spell holds the announcement back, and the tick
// rule announces the outcome (late) once the window or the spell is over, so nobody is left
// believing something that is no longer true. Flaps do not spam: an endpoint may announce at most
// `flapLimit` openings (or auth entries, or changes of one kind) per `flapWindowMs`; beyond that
// they are recorded as suppressed.
import type { AlertsConfig } from '../config/schema.ts';
import type { EndpointState, HealthEvent } from '../domain/health.ts';
import type { AlertEndpointState, AlertEvent, ChangeFamily, SuppressReason } from './types.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface AlertPolicy {
  /** Between reminders while an incident stays open; 0 turns them off. */
  readonly reminderMs: number;
  /** Days before expiry, descending; each fires once per certificate. */
  readonly certThresholdsDays: readonly number[];
  readonly flapWindowMs: number;
  /** Announcements of one kind allowed per endpoint within flapWindowMs. */
  readonly flapLimit: number;
}

export function alertPolicy(config: Pick<AlertsConfig, 'reminderMinutes' | 'certThresholdsDays' | 'flapping'>): AlertPolicy {
  return {
    reminderMs: config.reminderMinutes * MINUTE_MS,
    certThresholdsDays: [...config.certThresholdsDays].sort((a, b) => b - a),
    flapWindowMs: config.flapping.windowMinutes * MINUTE_MS,
    flapLimit: config.flapping.limit,
  };
}

export interface Derived {
  readonly state: AlertEndpointState;
  readonly alerts: AlertEvent[];
}

/** A HealthEvent as the store recorded it; the id makes the alert's key. */
export interface RecordedEvent {
  readonly id: number;
  readonly endpointId: number;
  readonly event: HealthEvent;
}

/** Facts the caller looked up for an event (the rules do no I/O). */
export interface EventContext {
  /** Whether the endpoint was in a maintenance window when the event happened. */
  readonly inMaintenance: boolean;
  /** The incident the event concerns, as stored. */
  readonly incident?: { readonly id: number; readonly startedAt: string } | null;
  /** For tools_changed: tool names added and removed, when both snapshots were found. */
  readonly tools?: { readonly added: readonly string[]; readonly removed: readonly string[] } | null;
}

type Family = 'incident' | 'auth' | ChangeFamily;

function recentWithin(state: AlertEndpointState, family: Family, nowMs: number, windowMs: number): string[] {
  return (state.recent[family] ?? []).filter((at) => Date.parse(at) > nowMs - windowMs);
}

/** The recent list of `family` pruned to the window, with `at` appended when given. */
function withRecent(state: AlertEndpointState, family: Family, nowMs: number, windowMs: number, at?: string): AlertEndpointState['recent'] {
  const kept = recentWithin(state, family, nowMs, windowMs);
  const next = at === undefined ? kept : [...kept, at];
  const recent = { ...state.recent };
  if (next.length === 0) delete recent[family];
  else recent[family] = next;
  return recent;
}

function seconds(fromIso: string, toMs: number): number {
  return Math.max(0, Math.round((toMs - Date.parse(fromIso)) / 1000));
}

/** Applies one recorded event. `incident_updated` and unknown kinds change nothing. */
export function deriveFromEvent(state: AlertEndpointState, recorded: RecordedEvent, ctx: EventContext, policy: AlertPolicy): Derived {
  const { event } = recorded;
  const atMs = Date.parse(event.at);
  const base = { key: `event:${recorded.id}`, endpointId: recorded.endpointId, at: event.at };
  const flapping = (family: Family): boolean => recentWithin(state, family, atMs, policy.flapWindowMs).length >= policy.flapLimit;
  const hold = (family: Family | null): SuppressReason | null => (ctx.inMaintenance ? 'maintenance' : family !== null && flapping(family) ? 'flapping' : null);

  switch (event.kind) {
    case 'incident_opened': {
      const suppressed = hold('incident');
      const incident = { startedAt: event.startedAt, code: event.code, detail: event.detail, incidentId: ctx.incident?.id ?? null };
      const next: AlertEndpointState = {
        ...state,
        incident,
        recent: withRecent(state, 'incident', atMs, policy.flapWindowMs, event.at),
        ...(suppressed === null ? { announcedIncident: event.startedAt, lastNotifiedAt: event.at, reminders: 0 } : {}),
      };
      return {
        state: next,
        alerts: [{ ...base, suppressed, kind: 'incident_opened', startedAt: event.startedAt, code: event.code, detail: event.detail, incidentId: incident.incidentId, late: false }],
      };
    }
    case 'incident_resolved': {
      const startedAt = ctx.incident?.startedAt ?? state.incident?.startedAt ?? state.announcedIncident;
      // Resolving what was never announced would only confuse; it is recorded, not sent.
      const suppressed: SuppressReason | null = hold(null) ?? (state.announcedIncident === null ? 'no_change' : null);
      const next: AlertEndpointState = {
        ...state,
        incident: null,
        resolvedAt: event.at,
        ...(suppressed === null ? { announcedIncident: null, lastNotifiedAt: null, reminders: 0 } : {}),
      };
      return {
        state: next,
        alerts: [
          {
            ...base,
            suppressed,
            kind: 'incident_resolved',
            startedAt: startedAt ?? null,
            durationS: startedAt == null ? null : seconds(startedAt, atMs),
            incidentId: event.incidentId,
            lastCode: event.lastCode,
            lastDetail: event.lastDetail,
            late: false,
          },
        ],
      };
    }
    case 'auth_required_entered':
    case 'auth_required_left': {
      const required = event.kind === 'auth_required_entered';
      const toldAlready = state.announcedAuthRequired === required;
      const suppressed: SuppressReason | null = hold(null) ?? (toldAlready ? 'no_change' : hold(required ? 'auth' : null));
      const next: AlertEndpointState = {
        ...state,
        authRequired: required,
        authSince: event.at,
        recent: required ? withRecent(state, 'auth', atMs, policy.flapWindowMs, event.at) : state.recent,
        ...(suppressed === null ? { announcedAuthRequired: required } : {}),
      };
      return { state: next, alerts: [{ ...base, suppressed, kind: event.kind, late: false }] };
    }
    case 'cert_changed':
    case 'protocol_changed':
    case 'tools_changed': {
      const suppressed = hold(event.kind);
      const next: AlertEndpointState = { ...state, recent: withRecent(state, event.kind, atMs, policy.flapWindowMs, event.at) };
      let alert: AlertEvent;
      if (event.kind === 'cert_changed') alert = { ...base, suppressed, kind: 'cert_changed', from: event.from, to: event.to, notAfter: event.notAfter };
      else if (event.kind === 'protocol_changed') {
        alert = { ...base, suppressed, kind: 'protocol_changed', fromEra: event.fromEra, toEra: event.toEra, fromVersion: event.fromVersion, toVersion: event.toVersion };
      } else {
        const tools = ctx.tools ?? null;
        alert = { ...base, suppressed, kind: 'tools_changed', count: event.count, added: tools?.added ?? [], removed: tools?.removed ?? [], namesKnown: tools !== null };
      }
      return { state: next, alerts: [alert] };
    }
    case 'partial_outage_started':
      return { state, alerts: [{ ...base, suppressed: hold(null), kind: 'partial_outage_started', regions: event.regions, counted: event.counted, needed: event.needed }] };
    case 'partial_outage_ended':
      return { state, alerts: [{ ...base, suppressed: hold(null), kind: 'partial_outage_ended' }] };
    case 'incident_updated':
      return { state, alerts: [] };
  }
}

/** The live facts the tick rule reads from the endpoint's health state. */
export type LiveFacts = Pick<EndpointState, 'certFingerprint' | 'certNotAfter'>;

/**
 * Time-driven rules for one endpoint: late announcements once a maintenance window or flapping
 * spell is over, reminders, certificate thresholds. Nothing fires inside a maintenance window;
 * it fires when the window ends.
 */
export function deriveOnTick(state: AlertEndpointState, live: LiveFacts, nowMs: number, ctx: { readonly inMaintenance: boolean }, policy: AlertPolicy): Derived {
  let next: AlertEndpointState = state;
  for (const family of Object.keys(state.recent) as Family[]) {
    const recent = withRecent(next, family, nowMs, policy.flapWindowMs);
    if ((recent[family]?.length ?? 0) !== (next.recent[family]?.length ?? 0)) next = { ...next, recent };
  }
  if (ctx.inMaintenance) return { state: next, alerts: [] };

  const now = new Date(nowMs).toISOString();
  const alerts: AlertEvent[] = [];
  const base = { endpointId: state.endpointId, at: now, suppressed: null };
  const calm = (family: Family): boolean => recentWithin(next, family, nowMs, policy.flapWindowMs).length < policy.flapLimit;

  // Incidents: bring the receivers' belief in line with what is true.
  const incident = next.incident;
  if (incident !== null && next.announcedIncident === null && calm('incident')) {
    alerts.push({
      ...base,
      key: `late-opened:${state.endpointId}:${incident.startedAt}`,
      kind: 'incident_opened',
      startedAt: incident.startedAt,
      code: incident.code,
      detail: incident.detail,
      incidentId: incident.incidentId,
      late: true,
    });
    next = { ...next, announcedIncident: incident.startedAt, lastNotifiedAt: now, reminders: 0 };
  } else if (incident === null && next.announcedIncident !== null) {
    const startedAt = next.announcedIncident;
    const resolvedMs = next.resolvedAt == null ? nowMs : Date.parse(next.resolvedAt);
    alerts.push({
      ...base,
      key: `late-resolved:${state.endpointId}:${startedAt}`,
      kind: 'incident_resolved',
      startedAt,
      durationS: seconds(startedAt, resolvedMs),
      incidentId: null,
      lastCode: null,
      lastDetail: null,
      late: true,
    });
    next = { ...next, announcedIncident: null, lastNotifiedAt: null, reminders: 0 };
  } else if (incident !== null && next.announcedIncident !== incident.startedAt && next.announcedIncident !== null) {
    // Receivers already believe it is down (an earlier resolution was held back): same truth.
    next = { ...next, announcedIncident: incident.startedAt };
  }

  if (next.authRequired !== next.announcedAuthRequired && (!next.authRequired || calm('auth'))) {
    alerts.push({ ...base, key: `late-auth:${state.endpointId}:${next.authSince ?? now}`, kind: next.authRequired ? 'auth_required_entered' : 'auth_required_left', late: true });
    next = { ...next, announcedAuthRequired: next.authRequired };
  }

  const open = next.incident;
  if (policy.reminderMs > 0 && open !== null && next.announcedIncident === open.startedAt && next.lastNotifiedAt !== null) {
    if (nowMs - Date.parse(next.lastNotifiedAt) >= policy.reminderMs) {
      const reminder = next.reminders + 1;
      alerts.push({
        ...base,
        key: `reminder:${state.endpointId}:${open.startedAt}:${reminder}`,
        kind: 'incident_reminder',
        startedAt: open.startedAt,
        openForS: seconds(open.startedAt, nowMs),
        code: open.code,
        detail: open.detail,
        reminder,
      });
      next = { ...next, lastNotifiedAt: now, reminders: reminder };
    }
  }

  const cert = certThreshold(next.cert, live, nowMs, policy.certThresholdsDays);
  if (cert.state !== next.cert) next = { ...next, cert: cert.state };
  if (cert.fire !== null && live.certFingerprint !== null && live.certNotAfter !== null) {
    alerts.push({
      ...base,
      key: `cert:${state.endpointId}:${live.certFingerprint}:${cert.fire}`,
      kind: 'cert_expiring',
      fingerprint: live.certFingerprint,
      notAfter: live.certNotAfter,
      thresholdDays: cert.fire,
      daysLeft: Math.floor((Date.parse(live.certNotAfter) - nowMs) / DAY_MS),
    });
  }
  return { state: next, alerts };
}

/**
 * Which threshold to announce now, if any. Only the tightest crossed threshold is announced, and
 * every looser one is marked as done with it: a certificate first seen 5 days before expiry gets
 * one "7 days" warning, not three. A new fingerprint starts afresh.
 */
export function certThreshold(
  previous: AlertEndpointState['cert'],
  live: LiveFacts,
  nowMs: number,
  thresholdsDays: readonly number[],
): { state: AlertEndpointState['cert']; fire: number | null } {
  if (live.certFingerprint === null || live.certNotAfter === null) return { state: previous, fire: null };
  const current = previous?.fingerprint === live.certFingerprint ? previous : { fingerprint: live.certFingerprint, fired: [] };
  const msLeft = Date.parse(live.certNotAfter) - nowMs;
  if (!Number.isFinite(msLeft)) return { state: current, fire: null };
  const crossed = thresholdsDays.filter((days) => msLeft <= days * DAY_MS);
  if (crossed.length === 0) return { state: current, fire: null };
  const tightest = Math.min(...crossed);
  if (current.fired.includes(tightest)) return { state: current, fire: null };
  const fired = [...new Set([...current.fired, ...crossed])].sort((a, b) => b - a);
  return { state: { fingerprint: current.fingerprint, fired }, fire: tightest };
}

/** Tool names added and removed between two snapshots (order-independent). */
export function diffToolNames(from: readonly string[], to: readonly string[]): { added: string[]; removed: string[] } {
  const before = new Set(from);
  const after = new Set(to);
  return { added: [...after].filter((n) => !before.has(n)).sort(), removed: [...before].filter((n) => !after.has(n)).sort() };
}
