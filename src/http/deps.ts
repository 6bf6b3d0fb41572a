import type { AlertSettings } from '../alerts/settings.ts';
import type { Config } from '../config/schema.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { EndpointState } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { OverloadStats, StoreWriteStats } from '../metrics/service-metrics.ts';
import type { ProbeRequest } from '../probe/run-probe.ts';
import type { SchedulerStats } from '../scheduler/scheduler.ts';
import type { AlertOutbox } from '../store/outbox.ts';
import type { RegistryView } from '../registry/status.ts';
import type { RegistryFacts } from '../store/registries.ts';
import type { Store } from '../store/store.ts';

export interface CheckOptions {
  readonly timeoutMs?: number;
  /** Aborts the probe (the caller went away). */
  readonly signal?: AbortSignal;
}

/** What the HTTP surface needs from the running service; tests pass their own. */
export interface Readiness {
  readonly database: boolean;
  readonly scheduler: boolean;
}

/** GET /api/v1/cluster: the nodes sharing this database and which one runs the singleton work. */
export interface ClusterView {
  readonly backend: 'sqlite' | 'postgres';
  /** This node's name. */
  readonly self: string;
  /** The node running alerts and retention, or null while none holds the lease. */
  readonly leader: string | null;
  readonly regions: readonly { readonly name: string; readonly liveNodes: number; readonly nodes: number }[];
  readonly nodes: readonly ClusterNodeView[];
}

export interface ClusterNodeView {
  readonly name: string;
  readonly region: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly live: boolean;
  readonly stopping: boolean;
  /** By the database's clock; 0 for the single SQLite node. */
  readonly lastHeartbeatAgeMs: number;
  readonly endpointsOwned: number;
  readonly probesPerS: number;
  readonly leader: boolean;
  readonly self: boolean;
}

export interface AppDeps {
  readonly store: Store;
  readonly config: Config;
  /** ms since the epoch. */
  readonly clock: () => number;
  /** Live health state of an endpoint (the monitor's memory, ahead of the database by < 1 s). */
  readonly state: (endpointId: number) => EndpointState;
  /** Every endpoint, from the monitor's memory: a scrape must not wait on SQLite (~60 ms at 10k). */
  readonly endpoints: () => readonly Endpoint[];
  /** Called after the API changed endpoints, so the schedule follows. */
  readonly onEndpointsChanged: () => void;
  /**
   * A one-off probe for the API and GET /probe (rate-limited there), under the configured probe
   * settings and address policy; `timeoutMs` can only shorten the configured timeout.
   */
  readonly checkNow: (request: ProbeRequest, options?: CheckOptions) => Promise<ProbeResult>;
  readonly readiness: () => Readiness | Promise<Readiness>;
  readonly scheduler: () => SchedulerStats & { readonly inFlight: number; readonly queued: number };
  /** The last full probe result of an endpoint since this process started (phases, certificate). */
  readonly latestResult: (endpointId: number) => ProbeResult | undefined;
  /** The alert outbox, when alerting runs: counts, dead letters, retry. */
  readonly alerts?: Pick<AlertOutbox, 'counts' | 'deadLetters' | 'retry' | 'backlog'>;
  /** The alert settings in force; the API edits channels, routes and maintenance windows through it. */
  readonly alertSettings?: AlertSettings;
  /** Largest event-loop delay since the last call, ms (for /metrics). */
  readonly loopDelayMs: () => number;
  /** mcpwatch's own overload (the Monitor's), for /metrics. */
  readonly overload?: () => OverloadStats;
  /** How writing rounds to the database goes, for /metrics. */
  readonly writes?: () => StoreWriteStats;
  /**
   * How long a slow-to-build dashboard or overview view model is reused (default 10 s; 0 never
   * reuses). See src/http/pages/view-cache.ts.
   */
  readonly pageCacheMs?: number;
  /** The cluster view (a single node with SQLite); the route is absent without it. */
  readonly cluster?: () => Promise<ClusterView>;
  /** The configured registries with their last sync (issue 15); absent when none is configured. */
  readonly registries?: () => Promise<readonly RegistryView[]>;
  /** What registries say about the endpoints they own, by endpoint id (issue 15). */
  readonly registryFacts?: () => Promise<ReadonlyMap<number, RegistryFacts>>;
}
