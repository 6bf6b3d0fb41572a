// Turns finished rounds into stored truth: advances each endpoint's health state at once (so the
// next round gets the current era hint), and buffers everything for one write transaction per
// tick, which is what keeps SQLite's write cost flat as the fleet grows.
//
// Writes never overlap: one batch is in flight at a time. A flush asked for meanwhile does not
// start a second write; rounds keep collecting in the buffer, and once the write in flight is done
// the buffer goes as the next batch. So at most two batches exist, the one being written (kept
// for a retry when its write fails) and the buffer, however slow the database is.
//
// A database that goes away (PostgreSQL restarting, a broken network, a full disk) must not cost
// rounds nor stop probing: a failed write is retried with backoff (0.5 s doubling to 30 s) and
// the rounds wait in memory meanwhile, up to a bound. Past the bound the oldest rounds not being
// written are dropped, and counted (WriteStats.dropped): memory stays bounded, nothing silently.
// A failed batch is retried as it was (PostgreSQL recognises a batch that did commit by its
// digest), unless rounds had to be dropped from it.
import type { Endpoint } from '../domain/endpoint.ts';
import { advance, initialState, isDiscounted, type EndpointState, type HealthEvent, type HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { CertObservation, GapRow, ResultRow, TickBatch, TickWriter, ToolSnapshot } from '../store/store.ts';
import type { RoundResult } from './round.ts';

export interface RoundMeta {
  readonly plannedAt: number;
  readonly startedAt: number;
  readonly stalled: boolean;
}

export interface RecorderOptions {
  /** Rounds kept in memory while writes fail; past it the oldest are dropped. Default 100,000. */
  readonly maxPendingRounds?: number;
  /** First wait after a failed write, ms; doubles per failure up to maxRetryMs. Default 500. */
  readonly retryMs?: number;
  /** Default 30,000. */
  readonly maxRetryMs?: number;
  /** ms, monotonic enough for backoff (Date.now in production). */
  readonly clock?: () => number;
}

/** 10k endpoints at a 60 s interval for 10 minutes. */
export const DEFAULT_MAX_PENDING_ROUNDS = 100_000;
const DEFAULT_RETRY_MS = 500;
const DEFAULT_MAX_RETRY_MS = 30_000;

/** How writing is going, for /metrics and the logs. Counts since the process started. */
export interface WriteStats {
  /** Rounds recorded and not yet written. */
  readonly pending: number;
  /** Writes that failed (each retry counts). */
  readonly writeFailures: number;
  /** Rounds dropped unwritten because the bound was reached. */
  readonly dropped: number;
  /** The last write failed; the next one waits for the backoff. */
  readonly failing: boolean;
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
  /** The batch in #unwritten is being written now: rounds are not dropped from it. */
  #inFlight = false;
  readonly #maxPending: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #clock: () => number;
  #failures = 0;
  /** Consecutive failed writes; 0 while writes succeed. */
  #streak = 0;
  #retryAt = 0;
  #dropped = 0;

  /** A recorder that resumes from the states stored in `store`. */
  static async open(store: Pick<TickWriter, 'loadStates' | 'writeTick'>, policy: HealthPolicy, options: RecorderOptions = {}): Promise<Recorder> {
    return new Recorder(store, policy, await store.loadStates(), options);
  }

  constructor(
    /** The store, or a region's writer on a PostgreSQL cluster (src/store/regions.ts). */
    readonly store: Pick<TickWriter, 'writeTick'>,
    readonly policy: HealthPolicy,
    states: readonly EndpointState[],
    options: RecorderOptions = {},
  ) {
    for (const state of states) this.#states.set(state.endpointId, state);
    this.#maxPending = Math.max(1, options.maxPendingRounds ?? DEFAULT_MAX_PENDING_ROUNDS);
    this.#retryMs = Math.max(1, options.retryMs ?? DEFAULT_RETRY_MS);
    this.#maxRetryMs = Math.max(this.#retryMs, options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS);
    this.#clock = options.clock ?? Date.now;
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

  get writeStats(): WriteStats {
    return { pending: this.pending, writeFailures: this.#failures, dropped: this.#dropped, failing: this.#streak > 0 };
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
    this.#bound();
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
   * next flush. After a failure, a flush within the backoff writes nothing and resolves 0, unless
   * `force` (shutdown: the last chance to write).
   */
  flush(options: { readonly force?: boolean } = {}): Promise<number> {
    if (this.#writing !== null) {
      this.#again = true;
      return this.#writing;
    }
    if (this.#streak > 0 && options.force !== true && this.#clock() < this.#retryAt) return Promise.resolve(0);
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
    this.#inFlight = true;
    try {
      await this.store.writeTick(batch);
    } catch (error) {
      this.#failures++;
      this.#streak++;
      this.#retryAt = this.#clock() + Math.min(this.#maxRetryMs, this.#retryMs * 2 ** Math.min(30, this.#streak - 1));
      throw error;
    } finally {
      this.#inFlight = false;
    }
    this.#streak = 0;
    this.#unwritten = null;
    // The buffer may have grown past the bound while this batch was out of reach.
    this.#bound();
    return batch.results.length;
  }

  /** Drops the oldest rounds beyond the bound, never those of a batch being written. */
  #bound(): void {
    if (this.pending <= this.#maxPending) return;
    // 1 % below the bound at once, so a full buffer is not copied again for every new round.
    let excess = this.pending - this.#maxPending + Math.floor(this.#maxPending / 100);
    const head = this.#unwritten;
    if (head !== null && !this.#inFlight && head.results.length > 0) {
      const n = Math.min(excess, head.results.length);
      // A new batch (a new digest): what it keeps is written once, what it lost is counted.
      this.#unwritten = { ...head, results: head.results.slice(n) };
      this.#dropped += n;
      excess -= n;
    }
    if (excess <= 0) return;
    const n = Math.min(excess, this.#results.length);
    this.#results.splice(0, n);
    this.#dropped += n;
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
