// The running service: endpoints from the store, scheduled by the Scheduler, probed in rounds,
// recorded by the Recorder, flushed once per second; and a shutdown that loses nothing.
import { setMaxListeners } from 'node:events';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { isIdle, type Endpoint } from '../domain/endpoint.ts';
import { isDiscounted, type EndpointState, type HealthPolicy } from '../domain/health.ts';
import type { Era, OverloadMark, ProbeResult } from '../domain/probe-result.ts';
import type { OverloadStats } from '../metrics/service-metrics.ts';
import { createResolver } from '../probe/dns.ts';
import { createCachingResolver, type CachingResolver } from '../probe/dns-cache.ts';
import { HostsFile, SYSTEM_HOSTS_FILE } from '../probe/hosts-file.ts';
import { runProbe, type ProbeRequest, type ProbeSettings } from '../probe/run-probe.ts';
import { createTrustContext } from '../probe/tls.ts';
import { TlsSessionCache } from '../probe/tls-session-cache.ts';
import { ConcurrencyGovernor } from '../scheduler/governor.ts';
import { Scheduler, type Job } from '../scheduler/scheduler.ts';
import type { Store, TickWriter } from '../store/store.ts';
import { overloadMark, startLoopMonitor, type LoopMonitor } from './loop-monitor.ts';
import { ProbePool } from './probe-pool.ts';
import { Recorder } from './recorder.ts';
import { runRound, type ProbeFn, type RoundResult } from './round.ts';
import { FailureEpisode } from './failure-episode.ts';

const HOUR_MS = 3_600_000;

export interface MonitorOptions {
  readonly probe: ProbeSettings;
  readonly health: HealthPolicy;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly retryOnFailure: boolean;
  /**
   * How often the endpoints' change counter is read, ms; 0 never. `mcpwatch import` is another
   * process writing the same database, so the running service only learns of it by looking: one
   * primary-key read per look (measured 2.6 µs), against 154 ms to list and decode 10k endpoints.
   */
  readonly endpointsPollMs?: number;
  /** Rounds kept in memory while the database cannot be written (see Recorder). */
  readonly maxPendingRounds?: number;
  /**
   * Worker threads that probe (each its share of the endpoints, see probe-pool.ts); 0 or absent:
   * probes run on the main thread. Ignored when `deps.probe` is given (a function cannot cross).
   */
  readonly workers?: number;
}

/** What a reload changed, by endpoint id. */
export interface ReloadSummary {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface MonitorDeps {
  readonly store: Store;
  readonly logger: Logger;
  /** ms since the epoch (Date.now in production). */
  readonly clock?: () => number;
  readonly probe?: ProbeFn;
  /**
   * Whether this process probes the endpoint's slot starting at `slotAt` (a node of a cluster
   * probes its share only, see src/service/node-share.ts); every slot when absent.
   */
  readonly owns?: (endpointId: number, slotAt: number) => boolean;
  /** The module probe workers start from (tests instrument it); default the real one. */
  readonly workerEntry?: URL;
  /**
   * Where rounds and health states are read and written: a region's writer on a PostgreSQL
   * cluster (its states are the region's, and the quorum arbiter decides incidents); the store when absent.
   */
  readonly ticks?: Pick<TickWriter, 'loadStates' | 'writeTick'>;
}

/** A round as the service judges it: what the probe saw, and whether mcpwatch's own load may have made it. */
interface Probed {
  readonly round: RoundResult;
  readonly stalled: boolean;
  readonly overload: OverloadMark | null;
}

export interface DrainReport {
  readonly finished: number;
  readonly abandoned: number;
  readonly flushed: number;
}

export class Monitor {
  readonly recorder: Recorder;
  readonly scheduler: Scheduler;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #probe: ProbeFn;
  readonly #injectedProbe: boolean;
  readonly #workerEntry: URL | undefined;
  #pool: ProbePool | null = null;
  readonly #resolver: CachingResolver;
  readonly #governor: ConcurrencyGovernor;
  #discounted = 0;
  readonly #hosts: HostsFile;
  readonly #trust: SecureContext;
  readonly #tlsSessions = new TlsSessionCache();
  readonly #shutdown = new AbortController();
  #endpoints = new Map<number, Endpoint>();
  /** Last full result per endpoint, for /metrics (phase timings are not kept in the state). */
  readonly #latest = new Map<number, ProbeResult>();
  #loop: LoopMonitor | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = 0;
  /** Since when writes fail, and the drop count then; null while they work. */
  #outage: { readonly since: number; readonly droppedBefore: number; warnedDrop: boolean } | null = null;
  #endpointsVersion: number | null = null;
  #started = false;
  /** Reloads run one after another, so an older listing never lands after a newer one. */
  #reloading: Promise<unknown> = Promise.resolve();

  /** A monitor that resumes from the states stored in `deps.store`. */
  static async open(options: MonitorOptions, deps: MonitorDeps): Promise<Monitor> {
    return new Monitor(options, deps, await (deps.ticks ?? deps.store).loadStates());
  }

  constructor(readonly options: MonitorOptions, deps: MonitorDeps, states: readonly EndpointState[]) {
    this.#store = deps.store;
    this.#log = deps.logger;
    // Wall-clock ms: node-cron fires on Date seconds, so lag is measured on the same clock.
    this.#clock = deps.clock ?? Date.now;
    this.#probe = deps.probe ?? runProbe;
    this.#injectedProbe = deps.probe !== undefined;
    this.#workerEntry = deps.workerEntry;
    // Shared across probes: one c-ares channel and one trust store (~25 % of a handshake's CPU).
    this.#resolver = createCachingResolver(createResolver({ servers: options.probe.dnsServers, timeoutMs: options.probe.dnsTimeoutMs }), { clock: this.#clock });
    // Parsed once, re-read when it changes: a large /etc/hosts must not cost every probe.
    this.#hosts = new HostsFile({ path: SYSTEM_HOSTS_FILE });
    this.#trust = createTrustContext(options.probe.extraCaPem);
    // Every in-flight probe listens for shutdown: hundreds at once is expected, not a leak.
    setMaxListeners(0, this.#shutdown.signal);
    this.recorder = new Recorder(deps.ticks ?? deps.store, options.health, states, {
      clock: this.#clock,
      ...(options.maxPendingRounds === undefined ? {} : { maxPendingRounds: options.maxPendingRounds }),
    });
    this.#governor = new ConcurrencyGovernor({ max: options.concurrency });
    this.scheduler = new Scheduler({
      clock: this.#clock,
      concurrency: options.concurrency,
      concurrencyLimit: () => this.#governor.limit,
      perHostConcurrency: options.perHostConcurrency,
      run: (job) => this.#run(job),
      ...(deps.owns ? { owns: deps.owns } : {}),
    });
  }

  /**
   * A one-off probe (POST /api/v1/check, GET /probe) under the configured settings and address
   * policy, sharing the rounds' resolver and trust store: building a trust store costs ~22 ms of
   * CPU (measured here), more than the rest of a loopback probe. `timeoutMs` can only shorten.
   */
  checkNow(request: ProbeRequest, options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {}): Promise<ProbeResult> {
    const settings = { ...this.options.probe, timeoutMs: Math.min(this.options.probe.timeoutMs, options.timeoutMs ?? Infinity) };
    const signal = options.signal ? AbortSignal.any([options.signal, this.#shutdown.signal]) : this.#shutdown.signal;
    return this.#probe(request, settings, { resolver: this.#resolver, hosts: this.#hosts, trust: this.#trust, signal });
  }

  /**
   * Loads endpoints from the store into the schedule; call again after endpoints change. An
   * unchanged endpoint keeps its slot, health state and cached era; an archived or paused one
   * stays listed (the pages show it) but is not probed.
   */
  reload(): Promise<ReloadSummary> {
    const next = this.#reloading.then(() => this.#reload());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #reload(): Promise<ReloadSummary> {
    // Read before listing: a change landing in between is seen by the next poll, never missed.
    const version = await this.#store.endpointsVersion();
    const current = new Map((await this.#store.listEndpoints()).map((e) => [e.id, e]));
    this.#endpointsVersion = version;
    let removed = 0;
    let added = 0;
    let changed = 0;
    for (const id of this.#endpoints.keys()) {
      if (!current.has(id)) {
        this.scheduler.remove(id);
        this.recorder.forget(id);
        this.#latest.delete(id);
        removed++;
      }
    }
    for (const endpoint of current.values()) {
      const before = this.#endpoints.get(endpoint.id);
      if (before === undefined) added++;
      else if (before.updatedAt !== endpoint.updatedAt || before.archivedAt !== endpoint.archivedAt) changed++;
      // Its last result would read as current in /metrics.
      if (isIdle(endpoint)) this.#latest.delete(endpoint.id);
      // Never checked and added while running (import, API, reload): probed at once, not in up to an interval.
      const firstRunNow = this.#started && before === undefined && this.recorder.state(endpoint.id).lastCheckedAt === null;
      this.scheduler.upsert({ id: endpoint.id, host: new URL(endpoint.url).hostname, intervalMs: endpoint.intervalS * 1000, paused: isIdle(endpoint) }, { firstRunNow });
    }
    this.#endpoints = current;
    return { added, changed, removed };
  }

  /** Reloads when any process changed an endpoint since the last look. */
  async pollEndpoints(): Promise<ReloadSummary | null> {
    if ((await this.#store.endpointsVersion()) === this.#endpointsVersion) return null;
    const summary = await this.reload();
    this.#log.info(summary, 'endpoints changed in the database; schedule updated');
    return summary;
  }

  async start(): Promise<void> {
    await this.reload();
    this.#started = true;
    this.#loop = startLoopMonitor({ clock: this.#clock, onSample: (delayMs, nowMs, workedMs) => this.#governor.observe(delayMs, nowMs, workedMs) });
    const workers = this.options.workers ?? 0;
    if (workers > 0 && !this.#injectedProbe) {
      // One governor for all threads: a late worker loop backs off the one scheduler that feeds them all.
      this.#pool = new ProbePool({
        workers,
        settings: this.options.probe,
        retryOnFailure: this.options.retryOnFailure,
        logger: this.#log,
        onLoopDelay: (delayMs, ownDelayMs) => this.#governor.observe(delayMs, this.#clock(), ownDelayMs),
        ...(this.#workerEntry ? { entry: this.#workerEntry } : {}),
      });
    }
    this.scheduler.start();
    // flush() never rejects, and a tick that finds a write in flight joins it (see Recorder).
    this.#flushTimer = setInterval(() => void this.flush(), 1000);
    const pollMs = this.options.endpointsPollMs ?? 2000;
    if (pollMs > 0) {
      let polling = false;
      // Like writes: one line when the database stops answering and one when it is back, not one per poll.
      const episode = new FailureEpisode(this.#log, 'reading endpoint changes', { clock: this.#clock });
      this.#pollTimer = setInterval(() => {
        if (polling) return;
        polling = true;
        this.pollEndpoints()
          .then(() => episode.succeeded())
          .catch((err: unknown) => episode.failed(err))
          .finally(() => {
            polling = false;
          });
      }, pollMs);
    }
    this.#log.info({ endpoints: this.#endpoints.size, probeWorkers: this.#pool?.stats.workers ?? 0 }, 'monitor started');
  }

  get endpoints(): readonly Endpoint[] {
    return [...this.#endpoints.values()];
  }

  /** The largest event-loop delay since the last call, of the main thread and the probe workers, ms (for /metrics). */
  takeMaxLoopDelayMs(): number {
    const main = this.#loop?.takeMaxDelayMs() ?? 0;
    return Math.max(main, this.#pool?.takeMaxLoopDelayMs() ?? 0);
  }

  /** The probe worker threads; null while probes run on the main thread. */
  get probePool(): ProbePool | null {
    return this.#pool;
  }

  /** mcpwatch's own load, for /metrics. */
  get overload(): OverloadStats {
    const { overloaded, limit } = this.#governor.state;
    // The main thread's cache answers one-off checks; each worker's, its share of the rounds.
    const pool = this.#pool?.stats;
    const hits = this.#resolver.stats.hits + (pool?.dnsCacheHits ?? 0);
    const misses = this.#resolver.stats.misses + (pool?.dnsCacheMisses ?? 0);
    return { overloaded, concurrencyLimit: limit, discounted: this.#discounted, dnsCacheHits: hits, dnsCacheMisses: misses };
  }

  latestResult(endpointId: number): ProbeResult | undefined {
    return this.#latest.get(endpointId);
  }

  get lastFlushAt(): number {
    return this.#lastFlushAt;
  }

  /** Writes what the recorder holds; `force` ignores the backoff of a failing database (shutdown). */
  async flush(options: { readonly force?: boolean } = {}): Promise<number> {
    try {
      const written = await this.recorder.flush(options);
      // The flush loop is alive (readiness' `scheduler`); whether the database is, /readyz asks it.
      this.#lastFlushAt = this.#clock();
      const stats = this.recorder.writeStats;
      if (stats.failing) return written; // still backing off: nothing was attempted
      if (this.#outage !== null) {
        const { since, droppedBefore } = this.#outage;
        this.#outage = null;
        // written includes the rounds that waited: the whole backlog goes in the write that succeeds.
        this.#log.info({ writtenLate: written, dropped: stats.dropped - droppedBefore, failedForMs: this.#clock() - since }, 'writing results works again; the rounds that waited are written');
      }
      return written;
    } catch (err) {
      this.#lastFlushAt = this.#clock();
      // Once per outage, not per attempt: a database down for an hour must not flood the log.
      const stats = this.recorder.writeStats;
      if (this.#outage === null) {
        this.#outage = { since: this.#clock(), droppedBefore: stats.dropped, warnedDrop: false };
        this.#log.error({ err, pending: stats.pending }, 'writing results failed; probing goes on, rounds wait in memory and the write is retried with backoff');
      } else if (!this.#outage.warnedDrop && stats.dropped > this.#outage.droppedBefore) {
        this.#outage.warnedDrop = true;
        this.#log.error({ err, pending: stats.pending, dropped: stats.dropped - this.#outage.droppedBefore }, 'rounds waiting for the database reached the bound (scheduler.maxPendingRounds); the oldest are dropped and counted in mcpwatch_store_dropped_rounds_total');
      }
      return 0;
    }
  }

  async #run(job: Job): Promise<void> {
    const endpoint = this.#endpoints.get(job.endpointId);
    if (!endpoint || isIdle(endpoint)) return;
    const startedAt = this.#clock();
    const state = this.recorder.state(endpoint.id);
    // The cached era saves a request every round, but a server that gains a newer era while the
    // old one still works would never be noticed: the first round of each hour detects afresh.
    const newHour = state.lastCheckedAt === null || Math.floor(Date.parse(state.lastCheckedAt) / HOUR_MS) !== Math.floor(startedAt / HOUR_MS);
    const hint = newHour ? null : state.era;
    // null: cut short by shutdown (it measured the shutdown, not the server) or lost with a dead worker.
    const probed = this.#pool !== null ? await this.#pool.run(endpoint, hint) : await this.#probeHere(endpoint, hint, startedAt);
    if (probed === null || probed.round === null) return;
    const { round, stalled, overload } = probed;
    const marked = overload ? { ...round, result: { ...round.result, overload } } : round;
    // /metrics first: a listener that throws inside record() must not leave probe_success stale.
    // A discounted round's timings measured the stall: /metrics keeps the last round that counted.
    if (isDiscounted(marked.result, this.options.health)) this.#discounted++;
    else this.#latest.set(endpoint.id, marked.result);
    try {
      this.recorder.record(endpoint, marked, { plannedAt: job.plannedAt, startedAt, stalled: stalled || overload !== null });
    } catch (err) {
      this.#log.error({ err, endpoint: endpoint.slug }, 'recording a round failed');
    }
  }

  async #probeHere(endpoint: Endpoint, hint: Era | null, startedAt: number): Promise<Probed | null> {
    const round = await runRound(
      this.#probe,
      endpoint,
      hint,
      this.options.probe,
      { resolver: this.#resolver, hosts: this.#hosts, trust: this.#trust, tlsSessions: this.#tlsSessions, signal: this.#shutdown.signal },
      this.options.retryOnFailure,
    );
    if (this.#shutdown.signal.aborted && round.result.code === 'PROBE_TIMEOUT') return null;
    const endedAt = this.#clock();
    const stalled = this.#loop?.stalledBetween(startedAt, endedAt) ?? false;
    const overload = this.#loop ? overloadMark(this.#loop, startedAt, endedAt) : null;
    return { round, stalled, overload };
  }

  /**
   * Stops dispatching, lets in-flight probes finish within the drain window, cancels the rest,
   * then writes everything. The caller closes the storage.
   */
  async stop(drainMs: number): Promise<DrainReport> {
    this.scheduler.stop();
    clearInterval(this.#flushTimer);
    clearInterval(this.#pollTimer);
    const drained = await this.scheduler.drain(drainMs);
    if (drained.abandoned > 0) {
      this.#shutdown.abort();
      this.#pool?.abort();
      await this.scheduler.drain(2000);
    }
    await this.#pool?.close();
    this.#loop?.stop();
    const flushed = await this.flush({ force: true });
    const left = this.recorder.pending;
    if (left > 0) this.#log.error({ rounds: left }, 'stopping with rounds the database did not take; they are lost');
    return { finished: drained.finished, abandoned: drained.abandoned, flushed };
  }
}
