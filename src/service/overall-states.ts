// What pages, the API and badges show on a PostgreSQL cluster: the OVERALL state the quorum
// arbiter writes (endpoint_state), not this node's region-local health machine, which knows only
// its region's word (and for endpoints its node does not probe, only what it loaded at a handover).
// Read every few seconds into memory, so a page never waits on the database per endpoint.
import type { Logger } from 'pino';
import type { EndpointState } from '../domain/health.ts';
import type { TickWriter } from '../store/store.ts';

export interface OverallStatesOptions {
  readonly store: Pick<TickWriter, 'loadStates'>;
  /** Until the first read, and for endpoints the arbiter has not decided yet. */
  readonly fallback: (endpointId: number) => EndpointState;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class OverallStates {
  readonly #options: OverallStatesOptions;
  #states = new Map<number, EndpointState>();
  #timer: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(options: OverallStatesOptions) {
    this.#options = options;
  }

  state(endpointId: number): EndpointState {
    return this.#states.get(endpointId) ?? this.#options.fallback(endpointId);
  }

  async refresh(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      this.#states = new Map((await this.#options.store.loadStates()).map((s) => [s.endpointId, s]));
    } catch (err) {
      // The last states stay shown; /readyz reports the database.
      this.#options.logger.debug({ err }, 'reading the overall states failed');
    } finally {
      this.#reading = false;
    }
  }

  start(): this {
    this.#timer = setInterval(() => void this.refresh(), this.#options.intervalMs);
    this.#timer.unref();
    void this.refresh();
    return this;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
