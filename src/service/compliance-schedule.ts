// Runs the compliance checks (issue 15) once per interval per endpoint (hourly by default), not
// every round: each endpoint at its own fixed phase in the interval (domain/phase.ts, the probe
// scheduler's hash), so a fleet's checks spread over the hour instead of landing at :00, with at
// most `concurrency` running at once. Paused and archived endpoints are never checked. Singleton
// work: on a cluster one node runs it (src/service/singleton-work.ts); with SQLite the process.
//
// An endpoint is due when the start of its current slot is later than its last check; the last
// checks are read back from the stored reports on start, so a restart does not check everything
// again, and an endpoint never checked is due at once.
//
// The runner is injected (the ComplianceRunner port of domain/compliance.ts): this module decides
// when, the checks decide what.
import type { Logger } from 'pino';
import type { ComplianceReport, ComplianceRunner } from '../domain/compliance.ts';
import { isIdle, type Endpoint } from '../domain/endpoint.ts';
import { nextDue } from '../domain/phase.ts';
import type { ComplianceStore } from '../store/compliance.ts';
import type { Running } from './singleton-work.ts';

/** One run: the checks, stored, then told to whoever keeps the latest (the book). */
export interface ComplianceRecorderDeps {
  readonly run: ComplianceRunner;
  readonly store: Pick<ComplianceStore, 'saveReport'>;
  /** After the report was stored (the ComplianceBook's put). */
  readonly onReport?: (endpointId: number, report: ComplianceReport) => Promise<unknown> | void;
  /** A run longer than this is aborted (its checks then report `error`). */
  readonly timeoutMs: number;
}

export type ComplianceRecorder = (endpoint: Endpoint, signal?: AbortSignal) => Promise<ComplianceReport>;

/**
 * Runs the checks of one endpoint and stores the report; what the schedule and the on-demand API
 * both call. A run cut short by `signal` (a shutdown) is returned but not stored: its checks saw
 * nothing, and storing it would replace a report that did.
 */
export function complianceRecorder(deps: ComplianceRecorderDeps): ComplianceRecorder {
  return async (endpoint, signal) => {
    const deadline = AbortSignal.timeout(deps.timeoutMs);
    const report = await deps.run(endpoint, signal ? AbortSignal.any([signal, deadline]) : deadline);
    if (signal?.aborted === true) return report;
    if (await deps.store.saveReport(endpoint.id, report)) await deps.onReport?.(endpoint.id, report);
    return report;
  };
}

export interface ComplianceScheduleOptions {
  readonly record: ComplianceRecorder;
  readonly reports: Pick<ComplianceStore, 'latestReports'>;
  /** The endpoints as the monitor knows them now. */
  readonly endpoints: () => readonly Endpoint[];
  readonly intervalMs: number;
  readonly concurrency: number;
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly log: Logger;
  /** How often due endpoints are looked for; 0 starts no timer (tests call tick()). */
  readonly tickMs?: number;
  /** How long stop() waits for runs it aborted. */
  readonly stopWaitMs?: number;
}

export class ComplianceSchedule implements Running {
  readonly #o: ComplianceScheduleOptions;
  /** Endpoint id → start of its last check, ms. */
  readonly #last = new Map<number, number>();
  readonly #inFlight = new Map<number, Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ComplianceScheduleOptions) {
    this.#o = options;
  }

  /** Reads when each endpoint was last checked, then looks for due ones every tickMs. */
  async start(): Promise<void> {
    // Never rejects: it starts with the singleton work, whose other parts are already running.
    // Without the last checks every endpoint is due now, which costs an extra run each, no more.
    const last = await this.#o.reports.latestReports().catch((err: unknown) => {
      this.#o.log.warn({ err }, 'reading the last compliance checks failed; checking every endpoint now');
      return new Map<number, ComplianceReport>();
    });
    for (const [id, report] of last) {
      const at = Date.parse(report.checkedAt);
      if (Number.isFinite(at)) this.#last.set(id, at);
    }
    if (this.#stopped) return;
    this.tick();
    const tickMs = this.#o.tickMs ?? 5000;
    if (tickMs > 0) {
      this.#timer = setInterval(() => this.tick(), tickMs);
      this.#timer.unref();
    }
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts the due endpoints (longest overdue first) while slots are free; returns the ids started. */
  tick(): number[] {
    if (this.#stopped) return [];
    const free = this.#o.concurrency - this.#inFlight.size;
    if (free <= 0) return [];
    const now = this.#o.clock();
    const due: Array<{ endpoint: Endpoint; slot: number }> = [];
    for (const endpoint of this.#o.endpoints()) {
      if (isIdle(endpoint) || this.#inFlight.has(endpoint.id)) continue;
      const slot = nextDue(endpoint.id, this.#o.intervalMs, now) - this.#o.intervalMs;
      if ((this.#last.get(endpoint.id) ?? Number.NEGATIVE_INFINITY) < slot) due.push({ endpoint, slot });
    }
    due.sort((a, b) => (this.#last.get(a.endpoint.id) ?? Number.NEGATIVE_INFINITY) - (this.#last.get(b.endpoint.id) ?? Number.NEGATIVE_INFINITY) || a.slot - b.slot);
    const started = due.slice(0, free).map(({ endpoint }) => endpoint);
    for (const endpoint of started) this.#start(endpoint, now);
    return started.map((e) => e.id);
  }

  /** Resolves when every run now in flight has ended (tests). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#abort.abort();
    const runs = Promise.allSettled([...this.#inFlight.values()]);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#o.stopWaitMs ?? 5000);
      timer.unref();
    });
    await Promise.race([runs, waited]);
    clearTimeout(timer);
  }

  #start(endpoint: Endpoint, now: number): void {
    // Marked before it ends: a run that fails is not retried until its next slot.
    this.#last.set(endpoint.id, now);
    const run = this.#o
      .record(endpoint, this.#abort.signal)
      .then(
        (report) => {
          const counts = { fail: report.results.filter((r) => r.outcome === 'fail').length, checks: report.results.length };
          this.#o.log.debug({ endpoint: endpoint.slug, ...counts, durationMs: report.durationMs }, 'compliance checked');
        },
        (err: unknown) => this.#o.log.warn({ err, endpoint: endpoint.slug }, 'compliance check failed'),
      )
      .finally(() => {
        this.#inFlight.delete(endpoint.id);
        // A freed slot is used at once rather than at the next tick.
        if (!this.#stopped) this.tick();
      });
    this.#inFlight.set(endpoint.id, run);
  }
}
