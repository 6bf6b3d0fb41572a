// Turns finished rounds into stored truth: advances each endpoint's health state at once (so the
// next round gets the current era hint), and buffers everything for one write transaction per
// tick, which is what keeps SQLite's write cost flat as the fleet grows.
//
// Writes never overlap: one batch is in flight at a time. A flush asked for meanwhile does not
// start a second write; rounds keep collecting in the buffer, and once the write in flight is done
// the buffer goes as the next batch. So at most two batches exist, the one being written (kept
// for a retry when its write fails) and the buffer, however slow the database is.
import type { Endpoint } from '../domain/endpoint.ts';
import { advance, initialState, isDiscounted, type EndpointState, type HealthEvent, type HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { CertObservation, GapRow, ResultRow, Store, TickBatch, ToolSnapshot } from '../store/store.ts';
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
  /** The batch being written, or whose write failed (retried first by the next flush). */
  #unwritten: TickBatch | null = null;
  #writing: Promise<number> | null = null;
  /** A flush was asked for while a write was in flight: write the buffer once it is done. */
  #again = false;

  /** A recorder that resumes from the states stored in `store`. */
  static async open(store: Store, policy: HealthPolicy): Promise<Recorder> {
    return new Recorder(store, policy, await store.loadStates());
  }

  constructor(
    readonly store: Store,
    readonly policy: HealthPolicy,
    states: readonly EndpointState[],
  ) {
    for (const state of states) this.#states.set(state.endpointId, state);
  }

  state(endpointId: number): EndpointState {
    return this.#states.get(endpointId) ?? initialState(endpointId);
  }

  onEvent(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  /** Rounds not yet written. */
  get pending(): number {
    return this.#results.length + (this.#unwritten?.results.length ?? 0);
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

  /**
   * Writes everything recorded so far; resolves with how many rounds this write (and any batch
   * queued behind it) stored. While a write is in flight the call joins it: the buffer goes next,
   * and the promise settles once that is written too. A rejected write keeps its batch for the
   * next flush.
   */
  flush(): Promise<number> {
    if (this.#writing !== null) {
      this.#again = true;
      return this.#writing;
    }
    const writing = this.#drain().finally(() => {
      this.#writing = null;
    });
    this.#writing = writing;
    return writing;
  }

  async #drain(): Promise<number> {
    let count = 0;
    if (this.#unwritten !== null) count += await this.#write(this.#unwritten);
    do {
      this.#again = false;
      const batch = this.#cut();
      if (batch !== null) count += await this.#write(batch);
    } while (this.#again);
    return count;
  }

  async #write(batch: TickBatch): Promise<number> {
    this.#unwritten = batch;
    await this.store.writeTick(batch);
    this.#unwritten = null;
    return batch.results.length;
  }

  /** Takes the buffer as a batch, or null when there is nothing to write. */
  #cut(): TickBatch | null {
    if (this.#results.length === 0 && this.#dirty.size === 0) return null;
    const batch: TickBatch = {
      results: this.#results,
      states: [...this.#dirty].map((id) => this.state(id)),
      events: this.#events,
      certObservations: this.#certs,
      toolSnapshots: this.#tools,
      gaps: this.#gaps,
    };
    this.#results = [];
    this.#events = [];
    this.#certs = [];
    this.#tools = [];
    this.#gaps = [];
    this.#dirty = new Set();
    return batch;
  }

  /** Takes over a stored state (another node probed the endpoint until now), unless newer rounds are unwritten here. */
  resume(state: EndpointState): void {
    if (!this.#dirty.has(state.endpointId)) this.#states.set(state.endpointId, state);
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
