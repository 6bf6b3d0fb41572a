// The storage contract the rest of the app uses: asynchronous, so the SQLite backend (synchronous
// underneath) and the PostgreSQL one (a connection pool) both implement it. Only src/store/ knows
// SQL, and only main.ts chooses a backend (eslint enforces both). Every backend passes the one
// contract suite in test/store/contract/.
import type { Endpoint, EndpointDefinition } from '../domain/endpoint.ts';
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import type { EndpointState, HealthEvent } from '../domain/health.ts';
import type { IncidentRegions } from '../domain/quorum-decision.ts';
import type { Era } from '../domain/probe-result.ts';
import type { Role } from '../domain/roles.ts';
import type { AccountStore } from './accounts.ts';
import type { AlertSettingsStore } from './alert-settings.ts';
import type { ComplianceStore } from './compliance.ts';
import type { AlertOutbox } from './outbox.ts';
import type { RegionStorage } from './regions.ts';
import type { RegistryStore } from './registries.ts';
import type { StatusPageStore } from './status-pages.ts';

/** One probe round as stored: compact on purpose (a raw row is the storage budget's main cost). */
export interface ResultRow {
  readonly endpointId: number;
  /** Start of the round, ms since the epoch. */
  readonly ts: number;
  readonly status: Status;
  readonly code: FailureCode | null;
  /** Only kept when not up (the "why"); null otherwise. */
  readonly detail: string | null;
  readonly durationMs: number;
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  readonly era: Era | null;
  /** The first attempt failed and this is the immediate retry's result. */
  readonly retried: boolean;
  /** The event loop stalled while this probe was timed: its latency is not trustworthy. */
  readonly stalled: boolean;
  /**
   * A failure timed while mcpwatch itself was overloaded (domain/overload.ts): kept for the record,
   * but counted neither as down nor as up, in health or in uptime. Absent means false.
   */
  readonly discounted?: boolean;
  /** Actual start minus planned start, ms. */
  readonly lagMs: number;
}

export interface CertObservation {
  readonly endpointId: number;
  readonly ts: number;
  readonly fingerprint256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sans: readonly string[];
}

export interface ToolSnapshot {
  readonly endpointId: number;
  readonly ts: number;
  readonly hash: string;
  readonly count: number;
  readonly names: readonly string[];
}

/** A span in which mcpwatch observed nothing of an endpoint (see MonitoringGap in domain/health). */
export interface GapRow {
  readonly endpointId: number;
  /** Start of the last round before the silence, ms since the epoch. */
  readonly fromMs: number;
  /** Start of the first round after it. */
  readonly toMs: number;
}

/** Everything one scheduler tick produced, written in one transaction. */
export interface TickBatch {
  readonly results: readonly ResultRow[];
  /** New states. Incident ids come from the domain (incidentIdFor), never from the store. */
  readonly states: readonly EndpointState[];
  readonly events: ReadonlyArray<{ readonly endpointId: number; readonly event: HealthEvent }>;
  readonly certObservations: readonly CertObservation[];
  readonly toolSnapshots: readonly ToolSnapshot[];
  readonly gaps?: readonly GapRow[];
}

export interface Incident {
  readonly id: number;
  readonly endpointId: number;
  readonly startedAt: string;
  readonly resolvedAt: string | null;
  readonly durationS: number | null;
  readonly firstCode: FailureCode;
  readonly firstDetail: string;
  readonly lastCode: FailureCode;
  readonly lastDetail: string;
  /** Which regions saw what and when (PostgreSQL with regions; absent on SQLite's one region). */
  readonly regions?: IncidentRegions;
}

export interface StoredEvent {
  readonly id: number;
  readonly endpointId: number;
  readonly at: string;
  readonly kind: HealthEvent['kind'];
  readonly data: HealthEvent;
}

/** One hourly or daily rollup row. */
export interface Rollup {
  readonly endpointId: number;
  /** Bucket start, ms since the epoch (UTC hour or UTC day). */
  readonly start: number;
  readonly up: number;
  readonly degraded: number;
  readonly authRequired: number;
  readonly down: number;
  readonly latencySumMs: number;
  readonly latencyMinMs: number | null;
  readonly latencyMaxMs: number | null;
  /** Counts per LATENCY_BUCKETS_MS bucket (successful rounds only). */
  readonly buckets: readonly number[];
}

export interface UptimeSummary {
  readonly rounds: number;
  readonly up: number;
  readonly degraded: number;
  readonly authRequired: number;
  readonly down: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** Endpoint ids from `from` (inclusive) to `to` (exclusive). */
export interface IdRange {
  readonly from: number;
  readonly to: number;
}

/** What uptime() reports for a window without rounds. */
export const EMPTY_UPTIME: UptimeSummary = Object.freeze({ rounds: 0, up: 0, degraded: 0, authRequired: 0, down: 0, p50Ms: null, p95Ms: null });

/** An API bearer token as listed: never the token, and the hash only where it is compared. */
export interface ApiToken {
  readonly id: number;
  readonly name: string;
  /** role === 'viewer': tokens made before roles existed map read-only → viewer, full → admin. */
  readonly readOnly: boolean;
  readonly role: Role;
  /** The user the token acts for; null for tokens made by the CLI or before accounts existed. */
  readonly ownerUserId: number | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface TokenGrant {
  readonly role: Role;
  readonly ownerUserId: number | null;
}

export interface StoredApiToken extends ApiToken {
  /** SHA-256 of the token, lowercase hex. */
  readonly hash: string;
}

/** What syncConfigEndpoints did, by slug. */
export interface ConfigSyncReport {
  /** The file's endpoints as stored now, in the file's order; conflicting entries left out. */
  readonly endpoints: readonly Endpoint[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  /** Listed again after being archived: same id, history kept. */
  readonly restored: readonly string[];
  /** No longer listed: archived, not probed, history kept. */
  readonly archived: readonly string[];
  /** Entries skipped because an endpoint the file does not own holds the slug. */
  readonly conflicts: ReadonlyArray<{ readonly slug: string; readonly holder: Endpoint }>;
}

export type StoreErrorCode = 'ENDPOINT_NOT_FOUND' | 'USER_NAME_TAKEN' | 'USER_NOT_FOUND' | 'SLUG_TAKEN' | 'DUPLICATE_SLUG' | 'INVALID_ENDPOINT' | 'SCHEMA_MISMATCH' | 'UNAVAILABLE';

/** A failure every backend reports the same way; the HTTP layer maps the codes to statuses. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export interface EndpointStore {
  listEndpoints(): Promise<Endpoint[]>;
  getEndpoint(id: number): Promise<Endpoint | undefined>;
  getEndpointBySlug(slug: string): Promise<Endpoint | undefined>;
  createEndpoint(definition: EndpointDefinition): Promise<Endpoint>;
  updateEndpoint(id: number, definition: EndpointDefinition): Promise<Endpoint>;
  /** Deletes it with its history (reads of its id find nothing); false when there was none. */
  deleteEndpoint(id: number): Promise<boolean>;
  /**
   * Makes the `config`-sourced endpoints match the YAML file, in one transaction: insert new
   * slugs, update changed ones, restore archived ones listed again (same id, same history), and
   * archive (never delete) those no longer listed. Endpoints from the API or an import are left
   * alone: an entry whose slug one of them holds is skipped and reported as a conflict.
   */
  syncConfigEndpoints(definitions: readonly EndpointDefinition[]): Promise<ConfigSyncReport>;
  /** Bumped by every change to any endpoint, by any process on the same database. */
  endpointsVersion(): Promise<number>;
  /**
   * Deletes the endpoints archived before `archivedBeforeMs` with everything they own (state,
   * incidents, events, rollups); returns them. Retention calls it with its longest window.
   */
  pruneArchivedEndpoints(archivedBeforeMs: number): Promise<Endpoint[]>;
}

export interface TickWriter {
  loadStates(): Promise<EndpointState[]>;
  /**
   * One transaction: raw rows, states, incidents, events, rollups, observations. Rows of an
   * endpoint deleted meanwhile are dropped. A rejected write changed nothing: the caller may
   * retry the same batch; the same batch (object) written again after it did commit changes nothing.
   * Batches come roughly in time order (the scheduler's): a round may reach the store after rounds
   * that started later only by its probe's duration, as SQLite's maxResultDelayMs assumes.
   */
  writeTick(batch: TickBatch): Promise<void>;
  /** Writes whatever the backend's write-behind policy still holds in memory. */
  flush(): Promise<void>;
}

/** Which rounds results() returns: a window, a page cursor, and optionally one region's rounds only. */
export interface ResultsQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
  readonly beforeTs?: number;
  /** Only this region's rounds (PostgreSQL regions; SQLite's rounds are all region 'default'). */
  readonly region?: string;
}

/** The region of every round written without one: SQLite's, and a PostgreSQL store's outside a cluster. */
export const DEFAULT_REGION = 'default';

export interface HistoryReader {
  results(endpointId: number, options: ResultsQuery): Promise<ResultRow[]>;
  /**
   * Whether results() finds one endpoint's rows without scanning the whole fleet's (an index);
   * when false, pages shorten the raw window they read as the fleet grows (rawWindowMs).
   */
  rawReadsIndexed(): boolean;
  incidents(options: { endpointId?: number; openOnly?: boolean; limit: number }): Promise<Incident[]>;
  events(options: { endpointId?: number; limit: number; afterId?: number }): Promise<StoredEvent[]>;
  rollups(granularity: 'hour' | 'day', endpointId: number, fromMs: number, toMs: number): Promise<Rollup[]>;
  uptime(endpointId: number, fromMs: number, toMs: number): Promise<UptimeSummary>;
  /**
   * rollups() for every endpoint at once (one range scan of the time-first key): endpoint id →
   * its rows, oldest first. Endpoints with no row in the range are absent. With `ids`, only the
   * endpoints whose id is in [ids.from, ids.to): a caller reads a fleet in slices, so no one call
   * holds the event loop for the whole fleet (SQLite reads synchronously).
   */
  rollupsAll(granularity: 'hour' | 'day', fromMs: number, toMs: number, ids?: IdRange): Promise<Map<number, Rollup[]>>;
  /**
   * uptime() for every endpoint at once. Endpoints with no round in the window are absent: use
   * EMPTY_UPTIME for them (it equals what uptime() returns then).
   */
  uptimeAll(fromMs: number, toMs: number): Promise<Map<number, UptimeSummary>>;
  /** Monitoring gaps of one endpoint overlapping [fromMs, toMs), newest first, at most `limit`. */
  gaps(endpointId: number, fromMs: number, toMs: number, limit: number): Promise<GapRow[]>;
  /** gaps() for every endpoint at once (no limit); endpoints without a gap in the window are absent. */
  gapsAll(fromMs: number, toMs: number): Promise<Map<number, GapRow[]>>;
  latestCertificate(endpointId: number): Promise<CertObservation | undefined>;
  toolSnapshots(endpointId: number, limit: number): Promise<ToolSnapshot[]>;
}

export interface TokenStore {
  /**
   * `hash` is the SHA-256 of the token (lowercase hex); the token itself is never stored. Without
   * `grant` the role follows `readOnly` (viewer or admin) and there is no owner; with it, `readOnly`
   * is ignored and the role decides. An owner that does not exist is StoreError USER_NOT_FOUND.
   */
  createToken(name: string, hash: string, readOnly: boolean, grant?: TokenGrant): Promise<ApiToken>;
  findTokenByHash(hash: string): Promise<StoredApiToken | undefined>;
  listTokens(): Promise<ApiToken[]>;
  /** Deletes the token; false when there was none with that id. */
  revokeToken(id: number): Promise<boolean>;
  /** Records a use of the token; `atMs` is ms since the epoch. */
  touchToken(id: number, atMs: number): Promise<void>;
}

export interface Retention {
  /**
   * Deletes raw rows older than `beforeMs`, at most about `limit` per call; returns how many went.
   * Never a row at or after `beforeMs`. A backend may keep older rows up to its storage granule
   * (RAW_PRUNE_GRANULE_MS): PostgreSQL drops whole UTC-day partitions and deletes no single rows.
   */
  pruneResults(beforeMs: number, limit: number): Promise<number>;
  /**
   * Deletes at most `limit` rollup rows (and monitoring gaps) whose bucket ended by `beforeMs`;
   * hourly rows by `hourlyBeforeMs` instead when given (hourly rows are kept for as long as
   * pages draw or sum them, daily rows much longer).
   */
  pruneRollups(beforeMs: number, limit: number, hourlyBeforeMs?: number): Promise<number>;
}

export interface Store extends EndpointStore, TickWriter, HistoryReader, TokenStore, Retention {
  /** True when a write transaction can commit (for /readyz). */
  isWritable(): Promise<boolean>;
}

/** What only some backends can do (SQLite's file operations); absent elsewhere. */
export interface StorageMaintenance {
  /** Flushes and truncates the write-ahead log (on shutdown). */
  checkpoint(): Promise<void>;
  /** A consistent copy while running; `onProgress` hears pages copied so far and the total. */
  backup(path: string, onProgress?: (donePages: number, totalPages: number) => void): Promise<void>;
  integrityCheck(): Promise<string>;
  /**
   * SQLite: one bounded step of sealing old raw rows into compressed blocks (about `budgetMs` of
   * work); call again, after yielding, while `more`. Reads return the same rows before and after.
   */
  sealStep?(budgetMs: number): Promise<SealProgress>;
}

/** What one step of sealing did. */
export interface SealProgress {
  /** Head rows moved into blocks. */
  readonly sealed: number;
  /** Rows of deleted endpoints dropped instead (their history went with them). */
  readonly dropped: number;
  /** More work is waiting: call again (after yielding). */
  readonly more: boolean;
}

export type StorageBackend = 'sqlite' | 'postgres';

/**
 * How finely each backend's pruneResults cuts: 0 is exact; a span means whole spans aligned to
 * UTC, so N days of raw retention keep between N and N + 1 spans there. SQLite: whole UTC hours,
 * the span of one sealed block (result-blocks.ts), so retention drops blocks and never rewrites one. PostgreSQL measured (bench
 * storage, 10k endpoints): deleting rows inside a partition 2.2–3.2 µs a row plus vacuum and WAL,
 * dropping a day partition 0.4–0.5 µs a row and nothing after.
 */
export const RAW_PRUNE_GRANULE_MS: Readonly<Record<StorageBackend, number>> = { sqlite: 3_600_000, postgres: 86_400_000 };

/** Everything one database holds, opened together and closed together. */
export interface Storage {
  readonly backend: StorageBackend;
  /** Where it lives, for logs: a file path, or a PostgreSQL URL without its password. */
  readonly location: string;
  readonly store: Store;
  readonly outbox: AlertOutbox;
  readonly alertSettings: AlertSettingsStore;
  /** The latest compliance reports per endpoint (issue 15). */
  readonly compliance: ComplianceStore;
  /** Registry sync state and the registry's facts about the endpoints it owns (issue 15). */
  readonly registries: RegistryStore;
  /** Users, sessions and the audit log (issue 16). */
  readonly accounts: AccountStore;
  /** Status pages an operator makes: groups, logo, incident posts (issue 16). */
  readonly statusPages: StatusPageStore;
  readonly maintenance?: StorageMaintenance;
  /** Several regions and their quorum (PostgreSQL only). */
  readonly regions?: RegionStorage;
  /** Database size in bytes as the backend counts it (benchmarks, the storage budget). */
  sizeBytes(): Promise<number>;
  /** Flushes, then closes every connection. Idempotent. */
  close(): Promise<void>;
}
