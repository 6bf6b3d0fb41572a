// The narrow interface the rest of the app uses. Only src/store/ knows SQL; a PostgreSQL
// implementation must be able to sit beside the SQLite one.
import type { Endpoint, EndpointDefinition } from '../domain/endpoint.ts';
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import type { EndpointState, HealthEvent } from '../domain/health.ts';
import type { Era } from '../domain/probe-result.ts';

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
  /** New states; a state whose round opened an incident gets its id filled in by the store. */
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

/** What uptime() reports for a window without rounds. */
export const EMPTY_UPTIME: UptimeSummary = Object.freeze({ rounds: 0, up: 0, degraded: 0, authRequired: 0, down: 0, p50Ms: null, p95Ms: null });

/** An API bearer token as listed: never the token, and the hash only where it is compared. */
export interface ApiToken {
  readonly id: number;
  readonly name: string;
  readonly readOnly: boolean;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
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

export interface Store {
  listEndpoints(): Endpoint[];
  getEndpoint(id: number): Endpoint | undefined;
  getEndpointBySlug(slug: string): Endpoint | undefined;
  createEndpoint(definition: EndpointDefinition): Endpoint;
  updateEndpoint(id: number, definition: EndpointDefinition): Endpoint;
  deleteEndpoint(id: number): boolean;
  /**
   * Makes the `config`-sourced endpoints match the YAML file, in one transaction: insert new
   * slugs, update changed ones, restore archived ones listed again (same id, same history), and
   * archive (never delete) those no longer listed. Endpoints from the API or an import are left
   * alone: an entry whose slug one of them holds is skipped and reported as a conflict.
   */
  syncConfigEndpoints(definitions: readonly EndpointDefinition[]): ConfigSyncReport;
  /** Bumped by every change to any endpoint, by any process on the same database. */
  endpointsVersion(): number;
  /**
   * Deletes the endpoints archived before `archivedBeforeMs` with everything they own (state,
   * incidents, events, rollups); returns them. Retention calls it with its longest window.
   */
  pruneArchivedEndpoints(archivedBeforeMs: number): Endpoint[];

  loadStates(): EndpointState[];
  /** One transaction: raw rows, states, incidents, events, rollups, observations. */
  writeTick(batch: TickBatch): { readonly states: readonly EndpointState[] };

  results(endpointId: number, options: { fromMs: number; toMs: number; limit: number; beforeTs?: number }): ResultRow[];
  incidents(options: { endpointId?: number; openOnly?: boolean; limit: number }): Incident[];
  events(options: { endpointId?: number; limit: number; afterId?: number }): StoredEvent[];
  rollups(granularity: 'hour' | 'day', endpointId: number, fromMs: number, toMs: number): Rollup[];
  uptime(endpointId: number, fromMs: number, toMs: number): UptimeSummary;
  /**
   * rollups() for every endpoint at once (one range scan of the time-first key): endpoint id →
   * its rows, oldest first. Endpoints with no row in the range are absent.
   */
  rollupsAll(granularity: 'hour' | 'day', fromMs: number, toMs: number): Map<number, Rollup[]>;
  /**
   * uptime() for every endpoint at once. Endpoints with no round in the window are absent: use
   * EMPTY_UPTIME for them (it equals what uptime() returns then).
   */
  uptimeAll(fromMs: number, toMs: number): Map<number, UptimeSummary>;
  /** Monitoring gaps of one endpoint overlapping [fromMs, toMs), newest first, at most `limit`. */
  gaps(endpointId: number, fromMs: number, toMs: number, limit: number): GapRow[];
  /** gaps() for every endpoint at once (no limit); endpoints without a gap in the window are absent. */
  gapsAll(fromMs: number, toMs: number): Map<number, GapRow[]>;
  latestCertificate(endpointId: number): CertObservation | undefined;
  toolSnapshots(endpointId: number, limit: number): ToolSnapshot[];

  /** `hash` is the SHA-256 of the token (lowercase hex); the token itself is never stored. */
  createToken(name: string, hash: string, readOnly: boolean): ApiToken;
  findTokenByHash(hash: string): StoredApiToken | undefined;
  listTokens(): ApiToken[];
  /** Deletes the token; false when there was none with that id. */
  revokeToken(id: number): boolean;
  /** Records a use of the token; `atMs` is ms since the epoch. */
  touchToken(id: number, atMs: number): void;

  /** Deletes at most `limit` raw rows older than `beforeMs`; returns how many went. */
  pruneResults(beforeMs: number, limit: number): number;
  /** Deletes at most `limit` rollup rows (and monitoring gaps) older than `beforeMs`. */
  pruneRollups(beforeMs: number, limit: number): number;

  /** True when a write transaction can commit (for /readyz). */
  isWritable(): boolean;
  checkpoint(): void;
  /** A consistent copy while running (SQLite online backup). */
  backup(path: string): Promise<void>;
  integrityCheck(): string;
  close(): void;
}
