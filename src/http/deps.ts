import type { Accounts } from '../accounts/accounts.ts';
import type { RegionHealth } from '../domain/quorum.ts';
import type { RegionBoard } from '../domain/region-board.ts';
import type { AlertSettings } from '../alerts/settings.ts';
import type { Config } from '../config/schema.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { EndpointState } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { OverloadStats, StoreWriteStats } from '../metrics/service-metrics.ts';
import type { ProbeRequest } from '../probe/run-probe.ts';
import type { ComplianceEntry } from '../service/compliance-book.ts';
import type { ComplianceRecorder } from '../service/compliance-schedule.ts';
import type { ComplianceStore } from '../store/compliance.ts';
import type { SchedulerStats } from '../scheduler/scheduler.ts';
import type { AlertOutbox } from '../store/outbox.ts';
import type { RegistryView } from '../registry/status.ts';
import type { RegistryFacts } from '../store/registries.ts';
import type { Store } from '../store/store.ts';
import type { FleetView } from './pages/fleet-pages.ts';
import type { StatusPageStore } from '../store/status-pages.ts';
import type { StatusPageHosts } from './status-page-hosts.ts';

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
  readonly regions: readonly ClusterRegionView[];
  readonly nodes: readonly ClusterNodeView[];
}

export interface ClusterRegionView {
  readonly name: string;
  readonly liveNodes: number;
  readonly nodes: number;
  /** Whether the region's word counts in the quorum (src/domain/quorum.ts); SQLite's one region always reports. */
  readonly health: RegionHealth;
  /** Endpoints the region has a fresh result for, and how many of those failed. */
  readonly fresh: number;
  readonly failed: number;
  /** The region's newest write, ISO; null when it wrote nothing. */
  readonly lastResultAt: string | null;
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

/** Compliance reports and grades (issue 15). */
export interface ComplianceSurface {
  readonly reports: Pick<ComplianceStore, 'latestReport' | 'reportHistory'>;
  /** The in-memory latest report and grade (for /metrics and the endpoint views; minutes old at most). */
  readonly latest: (endpointId: number) => ComplianceEntry | undefined;
  /** Runs the checks of one endpoint now and stores the report; absent when no runner is wired. */
  readonly runNow?: ComplianceRecorder;
  /** Where a check's requirement is written (the checks' catalogue), shown as text beside a failure. */
  readonly specLink?: (checkId: string) => string | undefined;
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
  /** The alert outbox, when alerting runs: counts, dead letters, retry, and an endpoint's deliveries. */
  readonly alerts?: Pick<AlertOutbox, 'counts' | 'deadLetters' | 'retry' | 'backlog' | 'entries'>;
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
  /**
   * The fleet pages' state kept up to date off the request path (src/http/pages/fleet-pages.ts):
   * with it, /, /dashboard.json, /status and /status.json only slice and serialise. Until its
   * first refresh has finished (and without it) the pages are built per request as before.
   */
  readonly fleetPages?: { readonly view: FleetView | undefined };
  /** Compliance reports and grades; without it every grade is pending and nothing can be run. */
  readonly compliance?: ComplianceSurface;
  /** The cluster view (a single node with SQLite); the route is absent without it. */
  readonly cluster?: () => Promise<ClusterView>;
  /**
   * This node's region on a PostgreSQL cluster, with its region-local health (the recorder's):
   * /metrics labels per-endpoint series with it and shows the region's word; pages show `state`.
   */
  readonly region?: { readonly name: string; readonly state: (endpointId: number) => EndpointState };
  /**
   * Every region's word on every endpoint and the quorum's verdicts (several regions on
   * PostgreSQL; absent on SQLite). Read fleet-wide, so the caller caches it (main.ts: 10 s); the
   * status pages show a region table only when more than one region has fresh results.
   */
  readonly regionBoard?: () => Promise<RegionBoard>;
  /** The configured registries with their last sync (issue 15); absent when none is configured. */
  readonly registries?: () => Promise<readonly RegistryView[]>;
  /** What registries say about the endpoints they own, by endpoint id (issue 15). */
  readonly registryFacts?: () => Promise<ReadonlyMap<number, RegistryFacts>>;
  /** Users, sessions and the audit log (issue 16); without it nobody can sign in and /login is absent. */
  readonly accounts?: Accounts;
  /**
   * Archives (at an ISO time) or restores (null) an endpoint: not probed, history kept (the
   * registry store's setArchived, which takes any endpoint). Absent: the forms offer no archive.
   */
  readonly archiveEndpoint?: (endpointId: number, atIso: string | null) => Promise<boolean>;
  /** Status pages an operator makes (issue 16): their store and the custom domains they answer to. */
  readonly statusPages?: { readonly store: StatusPageStore; readonly hosts: StatusPageHosts };
}
