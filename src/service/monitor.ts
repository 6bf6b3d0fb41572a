// The running service: endpoints from the store, scheduled by the Scheduler, probed in rounds,
// recorded by the Recorder, flushed once per second; and a shutdown that loses nothing.
import { setMaxListeners } from 'node:events';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Endpoint } from '../domain/endpoint.ts';
import type { HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import { createResolver, type DnsResolver } from '../probe/dns.ts';
import { HostsFile, SYSTEM_HOSTS_FILE } from '../probe/hosts-file.ts';
import { runProbe, type ProbeSettings } from '../probe/run-probe.ts';
import { createTrustContext } from '../probe/tls.ts';
import { TlsSessionCache } from '../probe/tls-session-cache.ts';
import { Scheduler, type Job } from '../scheduler/scheduler.ts';
import type { Store } from '../store/store.ts';
import { startLoopMonitor, type LoopMonitor } from './loop-monitor.ts';
import { Recorder } from './recorder.ts';
import { runRound, type ProbeFn } from './round.ts';

const HOUR_MS = 3_600_000;

export interface MonitorOptions {
  readonly probe: ProbeSettings;
  readonly health: HealthPolicy;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly retryOnFailure: boolean;
}

export interface MonitorDeps {
  readonly store: Store;
  readonly logger: Logger;
  /** ms since the epoch (Date.now in production). */
  readonly clock?: () => number;
  readonly probe?: ProbeFn;
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
  readonly #resolver: DnsResolver;
  readonly #hosts: HostsFile;
  readonly #trust: SecureContext;
  readonly #tlsSessions = new TlsSessionCache();
  readonly #shutdown = new AbortController();
  #endpoints = new Map<number, Endpoint>();
  /** Last full result per endpoint, for /metrics (phase timings are not kept in the state). */
  readonly #latest = new Map<number, ProbeResult>();
  #loop: LoopMonitor | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = 0;

  constructor(readonly options: MonitorOptions, deps: MonitorDeps) {
    this.#store = deps.store;
    this.#log = deps.logger;
    // Wall-clock ms: node-cron fires on Date seconds, so lag is measured on the same clock.
    this.#clock = deps.clock ?? Date.now;
    this.#probe = deps.probe ?? runProbe;
    // Shared across probes: one c-ares channel and one trust store (~25 % of a handshake's CPU).
    this.#resolver = createResolver({ servers: options.probe.dnsServers, timeoutMs: options.probe.dnsTimeoutMs });
    // Parsed once, re-read when it changes: a large /etc/hosts must not cost every probe.
    this.#hosts = new HostsFile({ path: SYSTEM_HOSTS_FILE });
    this.#trust = createTrustContext(options.probe.extraCaPem);
    // Every in-flight probe listens for shutdown: hundreds at once is expected, not a leak.
    setMaxListeners(0, this.#shutdown.signal);
    this.recorder = new Recorder(deps.store, options.health);
    this.scheduler = new Scheduler({
      clock: this.#clock,
      concurrency: options.concurrency,
      perHostConcurrency: options.perHostConcurrency,
      run: (job) => this.#run(job),
    });
  }

  /** Loads endpoints from the store into the schedule; call again after endpoints change. */
  reload(): void {
    const current = new Map(this.#store.listEndpoints().map((e) => [e.id, e]));
    for (const id of this.#endpoints.keys()) {
      if (!current.has(id)) {
        this.scheduler.remove(id);
        this.recorder.forget(id);
        this.#latest.delete(id);
      }
    }
    for (const endpoint of current.values()) {
      this.scheduler.upsert({ id: endpoint.id, host: new URL(endpoint.url).hostname, intervalMs: endpoint.intervalS * 1000, paused: endpoint.paused });
    }
    this.#endpoints = current;
  }

  start(): void {
    this.reload();
    this.#loop = startLoopMonitor({ clock: this.#clock });
    this.scheduler.start();
    this.#flushTimer = setInterval(() => this.flush(), 1000);
    this.#log.info({ endpoints: this.#endpoints.size }, 'monitor started');
  }

  get endpoints(): readonly Endpoint[] {
    return [...this.#endpoints.values()];
  }

  /** The largest event-loop delay since the last call, ms (for /metrics). */
  takeMaxLoopDelayMs(): number {
    return this.#loop?.takeMaxDelayMs() ?? 0;
  }

  latestResult(endpointId: number): ProbeResult | undefined {
    return this.#latest.get(endpointId);
  }

  get lastFlushAt(): number {
    return this.#lastFlushAt;
  }

  flush(): number {
    try {
      const written = this.recorder.flush();
      this.#lastFlushAt = this.#clock();
      return written;
    } catch (err) {
      // A failed write (disk full) keeps the batch in memory for the next tick; say so loudly.
      this.#log.error({ err }, 'writing results failed; will retry on the next tick');
      return 0;
    }
  }

  async #run(job: Job): Promise<void> {
    const endpoint = this.#endpoints.get(job.endpointId);
    if (!endpoint || endpoint.paused) return;
    const startedAt = this.#clock();
    const state = this.recorder.state(endpoint.id);
    // The cached era saves a request every round, but a server that gains a newer era while the
    // old one still works would never be noticed: the first round of each hour detects afresh.
    const newHour = state.lastCheckedAt === null || Math.floor(Date.parse(state.lastCheckedAt) / HOUR_MS) !== Math.floor(startedAt / HOUR_MS);
    const hint = newHour ? null : state.era;
    const round = await runRound(
      this.#probe,
      endpoint,
      hint,
      this.options.probe,
      { resolver: this.#resolver, hosts: this.#hosts, trust: this.#trust, tlsSessions: this.#tlsSessions, signal: this.#shutdown.signal },
      this.options.retryOnFailure,
    );
    // A probe cut short by shutdown measured the shutdown, not the server: drop it.
    if (this.#shutdown.signal.aborted && round.result.code === 'PROBE_TIMEOUT') return;
    const stalled = this.#loop?.stalledBetween(startedAt, this.#clock()) ?? false;
    this.recorder.record(endpoint, round, { plannedAt: job.plannedAt, startedAt, stalled });
    this.#latest.set(endpoint.id, round.result);
  }

  /**
   * Stops dispatching, lets in-flight probes finish within the drain window, cancels the rest,
   * then writes everything and checkpoints the WAL. The caller closes the store.
   */
  async stop(drainMs: number): Promise<DrainReport> {
    this.scheduler.stop();
    clearInterval(this.#flushTimer);
    const drained = await this.scheduler.drain(drainMs);
    if (drained.abandoned > 0) {
      this.#shutdown.abort();
      await this.scheduler.drain(2000);
    }
    this.#loop?.stop();
    const flushed = this.flush();
    this.#store.checkpoint();
    return { finished: drained.finished, abandoned: drained.abandoned, flushed };
  }
}
