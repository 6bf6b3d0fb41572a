// Metrics about mcpwatch itself: prom-client's default process metrics (one registry per process:
// they describe the process, and each collection starts an event-loop histogram and a GC observer
// that nothing stops) plus the scheduler's counters in a registry per app, so tests can build many
// apps. The schedule lag summary is rendered by hand: its quantiles come from the scheduler's
// window of recent lags, which prom-client's Summary (it wants every observation) cannot take.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LAG_WINDOW, type SchedulerStats } from '../scheduler/scheduler.ts';
import type { RegistryView } from '../registry/status.ts';
import type { OutboxBacklog } from '../store/outbox.ts';
import { familyHeader, formatValue } from './exposition.ts';

export type SchedulerSnapshot = SchedulerStats & { readonly inFlight: number; readonly queued: number };

/** mcpwatch's own overload (the Monitor's `overload`). */
export interface OverloadStats {
  readonly overloaded: boolean;
  readonly concurrencyLimit: number;
  readonly discounted: number;
  readonly dnsCacheHits: number;
  readonly dnsCacheMisses: number;
}

/** How writing rounds to the database goes (the Recorder's WriteStats). */
export interface StoreWriteStats {
  readonly pending: number;
  readonly writeFailures: number;
  readonly dropped: number;
}

export interface ServiceMetricsSource {
  readonly scheduler: () => SchedulerSnapshot;
  /** Largest event-loop delay since the last call, ms. */
  readonly loopDelayMs: () => number;
  /** mcpwatch's own overload; absent (all zero) when no monitor runs. */
  readonly overload?: () => OverloadStats;
  /** Rounds waiting for the database, failed writes, dropped rounds; absent (all zero) when no monitor runs. */
  readonly writes?: () => StoreWriteStats;
  /** The alert outbox's backlog, when alerting runs. */
  readonly alerts?: () => Promise<OutboxBacklog>;
  /** ms since the epoch (the age of the oldest pending alert). */
  readonly clock?: () => number;
  /** The configured registries and their last sync, when any is configured. */
  readonly registries?: () => Promise<readonly RegistryView[]>;
}

export const LAG_QUANTILES = [0.5, 0.9, 0.99] as const;

let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry) return processRegistry;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters (promtool flags them); the same numbers are the sums of the
  // per-type nodejs_active_handles, _requests and _resources, which stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  processRegistry = registry;
  return registry;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #source: ServiceMetricsSource;
  readonly #inFlight: Gauge;
  readonly #queued: Gauge;
  readonly #endpoints: Gauge;
  readonly #dispatched: Counter;
  readonly #notOwned: Counter;
  readonly #skipped: Counter;
  readonly #missed: Counter;
  readonly #runErrors: Counter;
  readonly #loopDelay: Gauge;
  readonly #overloaded: Gauge;
  readonly #concurrencyLimit: Gauge;
  readonly #discounted: Counter;
  readonly #dnsCache: Counter;
  readonly #renderSeconds: Gauge;
  readonly #pendingRounds: Gauge;
  readonly #writeFailures: Counter;
  readonly #droppedRounds: Counter;
  readonly #alertMessages: Gauge | undefined;
  readonly #alertOldest: Gauge | undefined;
  readonly #registrySuccess: Gauge | undefined;
  readonly #registryLastSuccess: Gauge | undefined;
  readonly #registryServers: Gauge | undefined;

  constructor(source: ServiceMetricsSource) {
    this.#source = source;
    const registers = [this.registry];
    this.#inFlight = new Gauge({ name: 'mcpwatch_probes_inflight', help: 'Probe rounds running now.', registers });
    this.#queued = new Gauge({ name: 'mcpwatch_probes_queued', help: 'Probe rounds due and waiting for a concurrency slot.', registers });
    this.#endpoints = new Gauge({ name: 'mcpwatch_endpoints', help: 'Endpoints in the schedule, paused ones included.', registers });
    this.#dispatched = new Counter({ name: 'mcpwatch_probes_dispatched_total', help: 'Probe rounds started.', registers });
    this.#skipped = new Counter({
      name: 'mcpwatch_probes_skipped_overlap_total',
      help: "Slots skipped because the endpoint's previous round was still running or waiting.",
      registers,
    });
    this.#notOwned = new Counter({ name: 'mcpwatch_slots_other_nodes_total', help: 'Slots left to another node of the region (several nodes on PostgreSQL).', registers });
    this.#missed = new Counter({ name: 'mcpwatch_probes_missed_total', help: 'Slots dropped because the next slot had passed too (a stalled process or a clock jump).', registers });
    this.#runErrors = new Counter({ name: 'mcpwatch_probe_run_errors_total', help: 'Probe rounds that failed inside mcpwatch (a bug, not a server failure).', registers });
    this.#loopDelay = new Gauge({ name: 'mcpwatch_event_loop_delay_max_seconds', help: 'Largest event-loop delay since the previous scrape, in seconds.', registers });
    this.#overloaded = new Gauge({ name: 'mcpwatch_overloaded', help: "1 while mcpwatch is overloaded (its event loop late) or still holding its probe concurrency below the configured one because it was.", registers });
    this.#concurrencyLimit = new Gauge({ name: 'mcpwatch_probe_concurrency_limit', help: 'Probe rounds allowed to run at once now: the configured concurrency, lower while mcpwatch backs off an overload.', registers });
    this.#discounted = new Counter({
      name: 'mcpwatch_probe_results_discounted_total',
      help: 'Failed rounds counted neither as down nor up because mcpwatch itself was overloaded while timing them (timeouts and resets).',
      registers,
    });
    this.#dnsCache = new Counter({ name: 'mcpwatch_dns_cache_lookups_total', help: "Lookups of the service's DNS cache, by result (a hit includes joining a query already under way).", labelNames: ['result'], registers });
    this.#pendingRounds = new Gauge({ name: 'mcpwatch_store_pending_rounds', help: 'Probe rounds recorded and not yet written to the database (they pile up while it cannot be written).', registers });
    this.#writeFailures = new Counter({ name: 'mcpwatch_store_write_failures_total', help: 'Writes of probe rounds to the database that failed (each retry counts).', registers });
    this.#droppedRounds = new Counter({ name: 'mcpwatch_store_dropped_rounds_total', help: 'Probe rounds dropped unwritten, the oldest first, because more than scheduler.maxPendingRounds waited for the database.', registers });
    if (source.alerts) {
      // A dead letter is a page nobody received: worth its own alert rule (deploy/prometheus/alerts.yml).
      this.#alertMessages = new Gauge({ name: 'mcpwatch_alert_messages', help: 'Alert messages waiting to be sent (pending) or given up on (dead letters).', labelNames: ['status'], registers });
      this.#alertOldest = new Gauge({ name: 'mcpwatch_alert_oldest_pending_age_seconds', help: 'Age of the oldest alert message still waiting to be sent, in seconds; 0 when none is.', registers });
    }
    if (source.registries) {
      // Labelled by the registry's name from the file: a closed, operator-chosen set.
      const labelNames = ['registry'];
      this.#registrySuccess = new Gauge({ name: 'mcpwatch_registry_sync_success', help: '1 when the last sync of the registry succeeded; 0 when it failed (its last good list stands) or none ran yet.', labelNames, registers });
      this.#registryLastSuccess = new Gauge({ name: 'mcpwatch_registry_last_success_timestamp_seconds', help: 'When the registry was last synced successfully (Unix time); 0 never.', labelNames, registers });
      this.#registryServers = new Gauge({ name: 'mcpwatch_registry_servers', help: 'Servers of the registry with live endpoints after its last good sync.', labelNames, registers });
    }
    this.#renderSeconds = new Gauge({ name: 'mcpwatch_metrics_render_seconds', help: 'CPU time this scrape spent listing endpoints and rendering their series (the slices, not the waits between them), in seconds.', registers });
  }

  /** How long the per-endpoint block of the scrape being rendered took. */
  recordRender(ms: number): void {
    this.#renderSeconds.set(ms / 1000);
  }

  async render(): Promise<string> {
    const stats = this.#source.scheduler();
    this.#inFlight.set(stats.inFlight);
    this.#queued.set(stats.queued);
    this.#endpoints.set(stats.endpoints);
    // The scheduler owns these counts; the counters mirror them (they only restart with the process).
    setCounter(this.#dispatched, stats.dispatched);
    setCounter(this.#skipped, stats.skippedOverlap);
    setCounter(this.#notOwned, stats.notOwned);
    setCounter(this.#missed, stats.missed);
    setCounter(this.#runErrors, stats.runErrors);
    this.#loopDelay.set(Math.max(0, this.#source.loopDelayMs()) / 1000);
    const overload = this.#source.overload?.();
    this.#overloaded.set(overload?.overloaded === true ? 1 : 0);
    this.#concurrencyLimit.set(overload?.concurrencyLimit ?? 0);
    setCounter(this.#discounted, overload?.discounted ?? 0);
    setCounter(this.#dnsCache, overload?.dnsCacheHits ?? 0, { result: 'hit' });
    setCounter(this.#dnsCache, overload?.dnsCacheMisses ?? 0, { result: 'miss' });
    const writes = this.#source.writes?.();
    this.#pendingRounds.set(writes?.pending ?? 0);
    setCounter(this.#writeFailures, writes?.writeFailures ?? 0);
    setCounter(this.#droppedRounds, writes?.dropped ?? 0);
    // The backlog is read from the database: while that is away the scrape still answers (its
    // store gauges matter most then), with the alert gauges as last read.
    const backlog = await this.#source.alerts?.().catch(() => undefined);
    if (backlog) {
      this.#alertMessages?.set({ status: 'pending' }, backlog.pending);
      this.#alertMessages?.set({ status: 'dead' }, backlog.dead);
      const now = (this.#source.clock ?? Date.now)();
      this.#alertOldest?.set(backlog.oldestPendingAt === null ? 0 : Math.max(0, (now - Date.parse(backlog.oldestPendingAt)) / 1000));
    }
    // Read from the database like the backlog: the gauges stay as last read while it is away.
    const registries = await this.#source.registries?.().catch(() => undefined);
    for (const r of registries ?? []) {
      this.#registrySuccess?.set({ registry: r.name }, r.state === 'ok' ? 1 : 0);
      this.#registryLastSuccess?.set({ registry: r.name }, r.lastSuccessAt === null ? 0 : Date.parse(r.lastSuccessAt) / 1000);
      this.#registryServers?.set({ registry: r.name }, r.servers);
    }
    return (await processMetrics().metrics()) + (await this.registry.metrics()) + renderLagSummary(stats.recentLagsMs);
  }
}

function setCounter(counter: Counter, value: number, labels?: Record<string, string>): void {
  if (labels === undefined) {
    counter.reset();
    counter.inc(Math.max(0, value));
    return;
  }
  counter.remove(labels);
  counter.inc(labels, Math.max(0, value));
}

/**
 * Schedule lag (actual minus planned start) as a summary of the scheduler's recent window. Only
 * quantiles: a _sum/_count over a sliding window would not be the monotonic counters rate() expects.
 */
export function renderLagSummary(recentLagsMs: readonly number[]): string {
  const sorted = Float64Array.from(recentLagsMs).sort();
  let out = familyHeader('mcpwatch_schedule_lag_seconds', 'summary', `Schedule lag (actual minus planned start) over the last ${LAG_WINDOW} dispatches at most, in seconds.`);
  for (const q of LAG_QUANTILES) out += `mcpwatch_schedule_lag_seconds{quantile="${q}"} ${formatValue(nearestRank(sorted, q) / 1000)}\n`;
  return out;
}

/** The nearest-rank q-quantile of sorted values; NaN when there are none (Prometheus' empty summary). */
export function nearestRank(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}
