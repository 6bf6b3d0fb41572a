// Feeds the pure rules and writes what they derive. Alerts come from the `events` table, read
// from a cursor that is committed together with the outbox entries and the rule states: an event
// is turned into messages exactly once, whether the process stops before, during or after a pass.
// (Listening to the Recorder directly would see events before their tick is written; a crash in
// between would announce an incident the database never recorded, and derive it again later.)
import type { AlertsConfig } from '../config/schema.ts';
import { isIdle, type Endpoint } from '../domain/endpoint.ts';
import type { EndpointState, HealthEvent } from '../domain/health.ts';
import type { AlertOutbox, NewOutboxEntry } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import { inMaintenance } from './maintenance.ts';
import { buildMessage } from './message.ts';
import { idempotencyKey, routeChannels } from './routing.ts';
import { alertPolicy, deriveFromEvent, deriveOnTick, diffToolNames, type AlertPolicy, type EventContext } from './rules.ts';
import { initialAlertState, type AlertEndpointState, type AlertEvent } from './types.ts';

export interface AlertEngineDeps {
  readonly store: Pick<Store, 'events' | 'incidents' | 'toolSnapshots' | 'listEndpoints' | 'getEndpoint'>;
  readonly outbox: AlertOutbox;
  /** The settings in force (they change when the API edits channels, routes or windows). */
  readonly alerts: () => AlertsConfig;
  readonly publicUrl: string | null;
  /** The endpoint's live health state (the Recorder's memory). */
  readonly live: (endpointId: number) => EndpointState;
  /** The endpoints to sweep; the store's list by default (the Monitor has them in memory). */
  readonly endpoints?: () => readonly Endpoint[];
  /** ms since the epoch. */
  readonly clock: () => number;
  /** Events read per transaction. */
  readonly batchSize?: number;
}

export interface PassReport {
  readonly events: number;
  /** Outbox entries written: to be sent, and recorded as suppressed. */
  readonly pending: number;
  readonly suppressed: number;
}

export class AlertEngine {
  readonly #deps: AlertEngineDeps;
  #policyFor: AlertsConfig | undefined;
  #policy: AlertPolicy | undefined;
  readonly #instance: string;
  readonly #batchSize: number;
  readonly #states = new Map<number, AlertEndpointState>();

  /** An engine that resumes from the rule states and instance id stored in `deps.outbox`. */
  static async open(deps: AlertEngineDeps): Promise<AlertEngine> {
    return new AlertEngine(deps, await deps.outbox.instanceId(), await deps.outbox.loadStates());
  }

  constructor(deps: AlertEngineDeps, instanceId: string, states: readonly AlertEndpointState[]) {
    this.#deps = deps;
    this.#instance = instanceId;
    this.#batchSize = deps.batchSize ?? 500;
    for (const state of states) this.#states.set(state.endpointId, state);
  }

  /** The rules' policy for the settings in force, worked out again only when they change. */
  #currentPolicy(): AlertPolicy {
    const alerts = this.#deps.alerts();
    if (this.#policyFor !== alerts || this.#policy === undefined) {
      this.#policyFor = alerts;
      this.#policy = alertPolicy(alerts);
    }
    return this.#policy;
  }

  state(endpointId: number): AlertEndpointState {
    return this.#states.get(endpointId) ?? initialAlertState(endpointId);
  }

  /** Turns the events recorded since the cursor into outbox entries. One pass at a time (the caller's duty). */
  async processEvents(): Promise<PassReport> {
    const { store, outbox } = this.#deps;
    let cursor = await outbox.cursor();
    if (cursor === null) {
      // First run on this database: start from now rather than announce all of history.
      cursor = (await store.events({ limit: 1 }))[0]?.id ?? 0;
      await outbox.commit({ entries: [], states: [], cursor });
    }
    let events = 0;
    let pending = 0;
    let suppressed = 0;
    const endpoints = new Map<number, Endpoint | undefined>();
    for (;;) {
      const batch = await store.events({ afterId: cursor, limit: this.#batchSize });
      if (batch.length === 0) break;
      const changed = new Map<number, AlertEndpointState>();
      const entries: NewOutboxEntry[] = [];
      for (const stored of batch) {
        if (!endpoints.has(stored.endpointId)) endpoints.set(stored.endpointId, await store.getEndpoint(stored.endpointId));
        const endpoint = endpoints.get(stored.endpointId);
        if (!endpoint) continue;
        const before = changed.get(endpoint.id) ?? this.state(endpoint.id);
        const derived = deriveFromEvent(before, { id: stored.id, endpointId: endpoint.id, event: stored.data }, await this.#context(endpoint, stored.data), this.#currentPolicy());
        if (derived.state !== before) changed.set(endpoint.id, derived.state);
        entries.push(...this.#entries(derived.alerts, endpoint));
      }
      cursor = batch[batch.length - 1]!.id;
      await outbox.commit({ entries, states: [...changed.values()], cursor });
      // Memory follows only once the transaction has committed.
      for (const state of changed.values()) this.#states.set(state.endpointId, state);
      events += batch.length;
      for (const e of entries) {
        if (e.suppressed === null) pending++;
        else suppressed++;
      }
      if (batch.length < this.#batchSize) break;
    }
    return { events, pending, suppressed };
  }

  /** Time-driven rules for every active endpoint: late announcements, reminders, certificates. */
  async sweep(): Promise<PassReport> {
    const now = this.#deps.clock();
    const changed: AlertEndpointState[] = [];
    const entries: NewOutboxEntry[] = [];
    const endpoints = this.#deps.endpoints?.() ?? (await this.#deps.store.listEndpoints());
    const alerts = this.#deps.alerts();
    const policy = this.#currentPolicy();
    for (const endpoint of endpoints) {
      // A paused or archived endpoint is not being watched: nothing new is true about it.
      if (isIdle(endpoint)) continue;
      const before = this.state(endpoint.id);
      const derived = deriveOnTick(before, this.#deps.live(endpoint.id), now, { inMaintenance: inMaintenance(alerts.maintenance, endpoint, now) }, policy);
      if (derived.state !== before) changed.push(derived.state);
      entries.push(...this.#entries(derived.alerts, endpoint));
    }
    if (changed.length > 0 || entries.length > 0) {
      await this.#deps.outbox.commit({ entries, states: changed });
      for (const state of changed) this.#states.set(state.endpointId, state);
    }
    const pending = entries.filter((e) => e.suppressed === null).length;
    return { events: 0, pending, suppressed: entries.length - pending };
  }

  async #context(endpoint: Endpoint, event: HealthEvent): Promise<EventContext> {
    const { store } = this.#deps;
    const base = { inMaintenance: inMaintenance(this.#deps.alerts().maintenance, endpoint, Date.parse(event.at)) };
    switch (event.kind) {
      case 'incident_opened': {
        const found = (await store.incidents({ endpointId: endpoint.id, limit: 20 })).find((i) => i.startedAt === event.startedAt);
        return { ...base, incident: found ? { id: found.id, startedAt: found.startedAt } : null };
      }
      case 'incident_resolved': {
        const found = (await store.incidents({ endpointId: endpoint.id, limit: 50 })).find((i) => i.id === event.incidentId);
        return { ...base, incident: found ? { id: found.id, startedAt: found.startedAt } : null };
      }
      case 'tools_changed': {
        // Snapshots are written in the same tick as the event; the newest with each hash is the pair.
        const snapshots = await this.#deps.store.toolSnapshots(endpoint.id, 50);
        const to = snapshots.find((s) => s.hash === event.toHash);
        const from = to && snapshots.find((s) => s.hash === event.fromHash && s.ts <= to.ts);
        return { ...base, tools: to && from ? diffToolNames(from.names, to.names) : null };
      }
      default:
        return base;
    }
  }

  #entries(alerts: readonly AlertEvent[], endpoint: Endpoint): NewOutboxEntry[] {
    if (alerts.length === 0) return [];
    const state = this.#deps.live(endpoint.id);
    const live = { status: state.lastStatus, code: state.lastCode, detail: state.lastCode !== null ? state.lastDetail : null };
    const out: NewOutboxEntry[] = [];
    const settings = this.#deps.alerts();
    for (const alert of alerts) {
      for (const channel of routeChannels(settings, alert.kind, endpoint)) {
        const key = idempotencyKey(this.#instance, alert.key, channel);
        out.push({ idempotencyKey: key, channel, endpointId: endpoint.id, suppressed: alert.suppressed, message: buildMessage(alert, { endpoint, live, publicUrl: this.#deps.publicUrl }, key) });
      }
    }
    return out;
  }
}
