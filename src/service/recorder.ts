// Turns finished rounds into stored truth: advances each endpoint's health state at once (so the
// next round gets the current era hint), and buffers everything for one write transaction per
// tick, which is what keeps SQLite's write cost flat as the fleet grows.
import type { Endpoint } from '../domain/endpoint.ts';
import { advance, initialState, isDiscounted, type EndpointState, type HealthEvent, type HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { CertObservation, GapRow, ResultRow, Store, ToolSnapshot } from '../store/store.ts';
import type { RoundResult } from './round.ts';

export interface RoundMeta {
  readonly plannedAt: number;
  readonly startedAt: number;
  readonly stalled: boolean;
}

export type EventListener = (endpoint: Endpoint, event: HealthEvent, state: EndpointState) => void;

export class Recorder {
  readonly #states = new Map<number, EndpointState>();
  #results: ResultRow[] = [];
  #events: Array<{ endpointId: number; event: HealthEvent }> = [];
  #certs: CertObservation[] = [];
  #tools: ToolSnapshot[] = [];
  #gaps: GapRow[] = [];
  #dirty = new Set<number>();
  readonly #listeners: EventListener[] = [];

  constructor(
    readonly store: Store,
    readonly policy: HealthPolicy,
  ) {
    for (const state of store.loadStates()) this.#states.set(state.endpointId, state);
  }

  state(endpointId: number): EndpointState {
    return this.#states.get(endpointId) ?? initialState(endpointId);
  }

  onEvent(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  get pending(): number {
    return this.#results.length;
  }

  record(endpoint: Endpoint, round: RoundResult, meta: RoundMeta): EndpointState {
    const before = this.state(endpoint.id);
    // The endpoint's own cadence decides when silence since its last round is a monitoring gap.
    const { state, events, gap } = advance(before, round.result, this.policy, { intervalMs: endpoint.intervalS * 1000, timeoutMs: endpoint.timeoutMs });
    if (gap) this.#gaps.push({ endpointId: endpoint.id, fromMs: Date.parse(gap.from), toMs: Date.parse(gap.to) });
    this.#states.set(endpoint.id, state);
    this.#dirty.add(endpoint.id);
    const row = toRow(endpoint.id, round, meta);
    this.#results.push(isDiscounted(round.result, this.policy) ? { ...row, discounted: true } : row);
    for (const event of events) this.#events.push({ endpointId: endpoint.id, event });
    const cert = round.result.certificate;
    if (cert && cert.fingerprint256 !== before.certFingerprint) {
      this.#certs.push({
        endpointId: endpoint.id,
        ts: meta.startedAt,
        fingerprint256: cert.fingerprint256,
        subject: cert.subject,
        issuer: cert.issuer,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        sans: cert.sans,
      });
    }
    const tools = round.result.tools;
    if (tools && tools.hash !== before.toolsHash) {
      this.#tools.push({ endpointId: endpoint.id, ts: meta.startedAt, hash: tools.hash, count: tools.count, names: tools.names });
    }
    // Listeners last: one that throws must not cost the round its certificate or tool snapshot.
    for (const event of events) for (const listener of this.#listeners) listener(endpoint, event, state);
    return state;
  }

  /** Writes everything buffered since the last flush in one transaction. */
  flush(): number {
    if (this.#results.length === 0 && this.#dirty.size === 0) return 0;
    const batch = {
      results: this.#results,
      states: [...this.#dirty].map((id) => this.state(id)),
      events: this.#events,
      certObservations: this.#certs,
      toolSnapshots: this.#tools,
      gaps: this.#gaps,
    };
    const written = this.store.writeTick(batch);
    // Incident ids are assigned by the store; carry them back into the live states.
    for (const state of written.states) {
      const live = this.#states.get(state.endpointId);
      if (live && live.openIncidentId !== state.openIncidentId && live.health === 'down') {
        this.#states.set(state.endpointId, { ...live, openIncidentId: state.openIncidentId });
      }
    }
    const count = batch.results.length;
    this.#results = [];
    this.#events = [];
    this.#certs = [];
    this.#tools = [];
    this.#gaps = [];
    this.#dirty = new Set();
    return count;
  }

  forget(endpointId: number): void {
    this.#states.delete(endpointId);
  }
}

function phaseMs(result: ProbeResult, phase: 'dns' | 'connect' | 'tls'): number | null {
  const timing = result.phases.find((p) => p.phase === phase);
  return timing ? Math.round(timing.ms) : null;
}

export function toRow(endpointId: number, round: RoundResult, meta: RoundMeta): ResultRow {
  const r = round.result;
  return {
    endpointId,
    ts: meta.startedAt,
    status: r.status,
    code: r.code,
    detail: r.status === 'up' ? null : r.detail,
    durationMs: Math.round(r.durationMs),
    dnsMs: phaseMs(r, 'dns'),
    connectMs: phaseMs(r, 'connect'),
    tlsMs: phaseMs(r, 'tls'),
    era: r.era,
    retried: round.retried,
    stalled: meta.stalled,
    lagMs: Math.max(0, Math.round(meta.startedAt - meta.plannedAt)),
  };
}
