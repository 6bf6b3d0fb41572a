// The SQLite implementation of Store (better-sqlite3, one file, WAL).
//
// Where the writes go, since write amplification is what this module is about (ARCHITECTURE §5):
//  * probe_results: appended in time order, no secondary index, no foreign key; found by binary
//    search over rowid, pruned by rowid range.
//  * rollups and per-round state counters: every round changes one rollup row per granularity and
//    one state row per endpoint. Upserting them in every tick rewrites one page per endpoint per
//    round (measured 8.2 KB of WAL per raw row for the rollups alone, against 0.11 KB for the raw
//    row). So they are folded in memory and flushed every `flushIntervalMs` (default 15 min) inside
//    a tick's transaction, rollups keyed time first so a flush touches contiguous pages. Reads merge
//    the unflushed part, so callers always see current figures. Nothing is lost in a crash:
//    store_meta.rollups_through_rowid says which raw rows are already in the rollup tables, and
//    the rest are folded again from probe_results on open. State changes that can open or close
//    an incident (health, the first failure or success) and new facts are written in the tick
//    itself; the rest wait for the flush and come back from the newest raw rows after a crash
//    (see isVolatileChange).
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Endpoint, EndpointDefinition } from '../../domain/endpoint.ts';
import type { FailureCode } from '../../domain/failure-codes.ts';
import type { EndpointState, HealthEvent } from '../../domain/health.ts';
import { makeDirectories } from '../directories.ts';
import { endpointFromColumns, parseStringArray, sameDefinition, secretsJson } from '../endpoint-codec.ts';
import { type GapDbRow, type ResultColumns, decodeResult as resultFromDb, encodeResult, gapFromDb, normalizeResult } from '../result-codec.ts';
import { COUNT_COLUMNS, aggOf, checkBucketCount, type RollupRowBase } from '../rollup-columns.ts';
import { packBuckets, registerBucketFunctions, unpackBuckets } from './rollup-buckets.ts';
import { type Agg, BUCKET_SIZE_MS, type Granularity, RollupBuffer, addAgg, alignDown, emptyAgg, getOrInsert, summaryOf, uptimeParts } from '../rollup-math.ts';
import { STATE_COLUMNS, STATE_FIELDS, isVolatileChange } from '../write-behind.ts';
import { BLOCK_SPAN_MS } from '../result-blocks.ts';
import { SealedResults, Sealer, readPlan, sealedByPlan } from './sealed-results.ts';
import { HeadIndex } from './head-index.ts';
import { DEFAULT_REGION, StoreError } from '../store.ts';
import { grantOf } from '../tokens.ts';
import type { Role } from '../../domain/roles.ts';
import type { ApiToken, TokenGrant, SealProgress, CertObservation, ConfigSyncReport, GapRow, IdRange, Incident, ResultRow, ResultsQuery, Rollup, Store, StoredApiToken, StoredEvent, TickBatch, ToolSnapshot, UptimeSummary } from '../store.ts';
import { defaultMigrationsDir, migrate } from './migrate.ts';

type Db = Database.Database;

const ROLLUP_TABLE: Record<Granularity, string> = { hour: 'rollups_hourly', day: 'rollups_daily' };

export interface SqliteStoreOptions {
  readonly migrationsDir?: string;
  /** Milliseconds since the epoch; for created/updated times and flush timing. */
  readonly clock?: () => number;
  /**
   * How long rollup increments and counter-only state changes may wait in memory before they are
   * written (inside the next tick's transaction). 0 writes everything in every tick. Measured at
   * 10k endpoints (bytes the process wrote per raw row, WAL and checkpoints): every tick 13.5 KB,
   * 60 s 1.0 KB (mostly rewriting all 10k state rows), 5 min 0.33 KB, raw rows alone ~0.25 KB.
   * Default 15 min: each flush rewrites every state row and the current hour's and day's rollup
   * rows (~2,000 pages at 10k endpoints); 5 → 15 min measured 3.49 → 2.88 GiB written a day
   * (bench/storage.bench.ts). Rollups lose nothing in a crash (refolded from raw rows: at most
   * this much of them, ~150,000 rows at 10k endpoints, a second or two at start); states lose at
   * most this much of their per-round counters. Sealing waits for the flush (it seals only folded
   * rows), so the head holds up to this much longer.
   */
  readonly flushIntervalMs?: number;
  /**
   * The longest a round may reach writeTick after rounds that started later than it (its probe
   * duration with retry, plus any buffering in the recorder). Raw rows are in insertion order, so
   * time lookups widen their rowid range by this much. Rows later than this may be missed by
   * results() and survive one extra prune.
   */
  readonly maxResultDelayMs?: number;
  readonly busyTimeoutMs?: number;
  /** Sealing: block bytes packed before one transaction writes them (default SEAL_COMMIT_BYTES; tests make it small). */
  readonly sealCommitBytes?: number;
  /** Head rows the in-memory head index holds at most before it switches off (head-index.ts). */
  readonly headIndexMaxEntries?: number;
}

/** See SqliteStoreOptions.flushIntervalMs. */
export const DEFAULT_FLUSH_INTERVAL_MS = 15 * 60_000;

/** WAL pages between automatic checkpoints (SQLite's default is 1,000). */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** The WAL file is truncated back to this after a checkpoint (a long seal or backup may grow it past its usual size). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  checkBucketCount();
  const inMemory = path === ':memory:';
  if (!inMemory) makeDirectories(dirname(resolve(path)));
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A checkpoint copies every page the WAL holds back into the file, once however many times it
    // was rewritten since the last one. The pages rewritten all the time (the head table's tail,
    // the rollup and state rows of a flush, an open incident's row) are written once per
    // checkpoint: at 10,000 endpoints, checkpointing every 10,000 pages (40 MiB of WAL) instead of
    // SQLite's 1,000 measured 0.7 GiB a day less written (bench/storage.bench.ts). The WAL file
    // keeps its largest size between checkpoints; journal_size_limit cuts it back after one.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    // The rollup statements' functions (migrate registers them too, for 0013).
    registerBucketFunctions(db);
    migrate(db, options.migrationsDir ?? defaultMigrationsDir());
    return new SqliteStore(db, inMemory ? null : resolve(path), options);
  } catch (error) {
    db.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Row shapes and codecs

/** A raw row as stored: the shared columns plus SQLite's rowid (its insertion order). */
type ResultDbRow = ResultColumns & { id: number };

function resultParams(row: ResultRow): unknown[] {
  const c = encodeResult(row);
  return [c.endpoint_id, c.ts, c.status, c.code, c.detail, c.duration_ms, c.dns_ms, c.connect_ms, c.tls_ms, c.era, c.flags, c.lag_ms];
}

interface EndpointDbRow {
  id: number;
  slug: string;
  name: string;
  url: string;
  interval_s: number;
  timeout_ms: number;
  era: string;
  public: number;
  paused: number;
  paused_reason: string | null;
  tags: string;
  list_tools: number;
  allow_private: number;
  source: string;
  secrets_json: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

/** SQLite's column types (0/1, JSON text) decoded, then the shared checks. */
function endpointFromDb(row: EndpointDbRow): Endpoint {
  return endpointFromColumns({
    ...row,
    public: row.public === 1,
    paused: row.paused === 1,
    tags: JSON.parse(row.tags) as unknown,
    list_tools: row.list_tools === 1,
    allow_private: row.allow_private === 1,
    secrets: JSON.parse(row.secrets_json) as unknown,
  });
}

function endpointParams(definition: EndpointDefinition): Record<string, unknown> {
  return {
    slug: definition.slug,
    name: definition.name,
    url: definition.url,
    intervalS: definition.intervalS,
    timeoutMs: definition.timeoutMs,
    era: definition.era,
    public: definition.public ? 1 : 0,
    paused: definition.paused ? 1 : 0,
    pausedReason: definition.pausedReason,
    tags: JSON.stringify(definition.tags),
    listTools: definition.listTools ? 1 : 0,
    allowPrivate: definition.allowPrivate ? 1 : 0,
    source: definition.source,
    secretsJson: secretsJson(definition.secrets),
  };
}

/** The latency buckets are one blob (migration 0013, rollup-buckets.ts), PostgreSQL's b0..b15. */
const ROLLUP_COLUMNS = ['start', 'endpoint_id', ...COUNT_COLUMNS, 'latency_min_ms', 'latency_max_ms', 'buckets'];
/** A rollup row in ROLLUP_COLUMNS order (a raw-mode statement's row). */
type RawRollupRow = [number, number, number, number, number, number, number, number | null, number | null, Buffer];

/** A rollup row as SQLite stores it: the buckets in one blob, which adds up by mcpwatch_add_buckets. */
interface RollupDbRow extends RollupRowBase {
  buckets: Buffer;
}

function aggFromDb(row: RollupDbRow): Agg {
  return aggOf(row, unpackBuckets(row.buckets));
}

function rollupFromRaw(r: RawRollupRow): Rollup {
  return {
    endpointId: r[1],
    start: r[0],
    up: r[2],
    degraded: r[3],
    authRequired: r[4],
    down: r[5],
    latencySumMs: r[6],
    latencyMinMs: r[7],
    latencyMaxMs: r[8],
    buckets: unpackBuckets(r[9]),
  };
}

function rollupParams(start: number, endpointId: number, agg: Agg): unknown[] {
  return [start, endpointId, agg.up, agg.degraded, agg.authRequired, agg.down, agg.latencySumMs, agg.latencyMinMs, agg.latencyMaxMs, packBuckets(agg.buckets)];
}

function upsertRollupSql(table: string): string {
  const additive = COUNT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`);
  // Unqualified names in DO UPDATE are the stored row; SQLite's min()/max() return NULL if any
  // argument is NULL, hence the coalesce pairs.
  return `INSERT INTO ${table} (${ROLLUP_COLUMNS.join(', ')}) VALUES (${ROLLUP_COLUMNS.map(() => '?').join(', ')})
    ON CONFLICT (start, endpoint_id) DO UPDATE SET ${additive.join(', ')}, buckets = mcpwatch_add_buckets(buckets, excluded.buckets),
      latency_min_ms = min(coalesce(latency_min_ms, excluded.latency_min_ms), coalesce(excluded.latency_min_ms, latency_min_ms)),
      latency_max_ms = max(coalesce(latency_max_ms, excluded.latency_max_ms), coalesce(excluded.latency_max_ms, latency_max_ms))`;
}

/** Per-endpoint totals of the rows with start in [@from, @to): summed in SQLite, not in JS. */
function rollupSumsSql(table: string): string {
  const sums = COUNT_COLUMNS.map((c) => `sum(${c}) AS ${c}`);
  return `SELECT endpoint_id, 0 AS start, ${sums.join(', ')}, mcpwatch_sum_buckets(buckets) AS buckets, min(latency_min_ms) AS latency_min_ms, max(latency_max_ms) AS latency_max_ms
    FROM ${table} WHERE start >= @from AND start < @to GROUP BY endpoint_id`;
}

/** Bucket starts stepped from @first while < @end, joined by primary key: point lookups, no scan. */
function startsCte(): string {
  return 'WITH RECURSIVE s(start) AS (SELECT @first UNION ALL SELECT start + @step FROM s WHERE start + @step < @end)';
}

// ---------------------------------------------------------------------------------------------

interface Statements {
  endpointById: Database.Statement<[number], EndpointDbRow>;
  endpointBySlug: Database.Statement<[string], EndpointDbRow>;
  endpointExists: Database.Statement<[number], { id: number }>;
  listEndpoints: Database.Statement<[], EndpointDbRow>;
  listConfigEndpoints: Database.Statement<[], EndpointDbRow>;
  insertEndpoint: Database.Statement<[Record<string, unknown>], EndpointDbRow>;
  updateEndpoint: Database.Statement<[Record<string, unknown>], EndpointDbRow>;
  deleteEndpoint: Database.Statement<[number]>;
  setArchived: Database.Statement<[string | null, number], EndpointDbRow>;
  archivedBefore: Database.Statement<[string], EndpointDbRow>;
  endpointsVersion: Database.Statement<[], { value: number }>;
  loadStates: Database.Statement<[], EndpointState>;
  upsertState: Database.Statement<[EndpointState]>;
  insertResult: Database.Statement<unknown[]>;
  rowidBounds: Database.Statement<[], { lo: number | null; hi: number | null }>;
  firstRowAtOrAfter: Database.Statement<[number], { id: number; ts: number }>;
  scanResultsDesc: Database.Statement<[number, number, number], ResultDbRow>;
  resultByRowid: Database.Statement<[number], ResultDbRow>;
  headPairs: Database.Statement<[], [number, number]>;
  foldFrom: Database.Statement<[number], ResultDbRow>;
  pruneResults: Database.Statement<[{ cut: number; before: number; limit: number }]>;
  insertIncident: Database.Statement<[number, number, string, string, string, string, string]>;
  updateIncident: Database.Statement<[{ code: string; detail: string; id: number; endpointId: number }]>;
  resolveIncident: Database.Statement<[string, string | null, string | null, number, number]>;
  insertEvent: Database.Statement<[number, string, string, number | null, string]>;
  latestCert: Database.Statement<[number], CertDbRow>;
  insertCert: Database.Statement<[number, number, string, string, string, string, string, string]>;
  latestToolHash: Database.Statement<[number], { hash: string }>;
  insertTools: Database.Statement<[number, number, string, number, string]>;
  toolSnapshots: Database.Statement<[number, number], ToolDbRow>;
  upsertRollup: Record<Granularity, Database.Statement<unknown[]>>;
  rollupStartBounds: Record<Granularity, Database.Statement<[], { lo: number | null; hi: number | null }>>;
  rollupsForEndpoint: Record<Granularity, Database.Statement<[{ first: number; step: number; end: number; endpointId: number }], RollupDbRow>>;
  deleteRollupsForEndpoint: Record<Granularity, Database.Statement<[{ first: number; step: number; end: number; endpointId: number }]>>;
  rollupsInRange: Record<Granularity, Database.Statement<[{ from: number; to: number }], RawRollupRow>>;
  rollupsInRangeIds: Record<Granularity, Database.Statement<[{ from: number; to: number; lo: number; hi: number }], RawRollupRow>>;
  rollupSumsInRange: Record<Granularity, Database.Statement<[{ from: number; to: number }], RollupDbRow>>;
  pruneRollups: Record<Granularity, Database.Statement<[{ last: number; limit: number }]>>;
  insertGap: Database.Statement<[number, number, number]>;
  gapsForEndpoint: Database.Statement<[{ endpointId: number; from: number; to: number; limit: number }], GapDbRow>;
  gapsInRange: Database.Statement<[{ from: number; to: number }], GapDbRow>;
  pruneGaps: Database.Statement<[{ before: number; limit: number }]>;
  getWatermark: Database.Statement<[], { value: number }>;
  setWatermark: Database.Statement<[number]>;
  touchMeta: Database.Statement<[]>;
  incidents: Record<'all' | 'open' | 'endpoint' | 'endpointOpen', Database.Statement<[{ endpointId: number | null; limit: number }], IncidentDbRow>>;
  events: Record<'newest' | 'newestEndpoint' | 'after' | 'afterEndpoint', Database.Statement<[{ endpointId: number | null; limit: number; afterId: number }], EventDbRow>>;
  insertToken: Database.Statement<[string, string, number, string, string, number | null], TokenDbRow>;
  tokenByHash: Database.Statement<[string], TokenDbRow>;
  listTokens: Database.Statement<[], TokenDbRow>;
  deleteToken: Database.Statement<[number]>;
  touchToken: Database.Statement<[string, number]>;
}

interface TokenDbRow {
  id: number;
  name: string;
  hash: string;
  read_only: number;
  role: Role;
  owner_user_id: number | null;
  created_at: string;
  last_used_at: string | null;
}

function tokenFromDb(row: TokenDbRow): ApiToken {
  return { id: row.id, name: row.name, readOnly: row.read_only === 1, role: row.role, ownerUserId: row.owner_user_id, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

interface IncidentDbRow {
  id: number;
  endpointId: number;
  startedAt: string;
  resolvedAt: string | null;
  firstCode: string;
  firstDetail: string;
  lastCode: string;
  lastDetail: string;
}

interface EventDbRow {
  id: number;
  endpoint_id: number;
  at: string;
  kind: string;
  data: string;
}

interface CertDbRow {
  endpoint_id: number;
  ts: number;
  fingerprint256: string;
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  sans: string;
}

interface ToolDbRow {
  endpoint_id: number;
  ts: number;
  hash: string;
  count: number;
  names: string;
}

const ENDPOINT_VALUES = '@slug, @name, @url, @intervalS, @timeoutMs, @era, @public, @paused, @pausedReason, @tags, @listTools, @allowPrivate, @source, @secretsJson';
const ENDPOINT_COLUMNS = 'slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags, list_tools, allow_private, source, secrets_json';

function prepareStatements(db: Db): Statements {
  const stateColumns = Object.values(STATE_COLUMNS);
  const stateSelect = STATE_FIELDS.map((field) => `${STATE_COLUMNS[field]} AS ${field}`).join(', ');
  const perGranularity = <T>(make: (table: string) => T): Record<Granularity, T> => ({ hour: make(ROLLUP_TABLE.hour), day: make(ROLLUP_TABLE.day) });
  const incidentSelect =
    'SELECT id, endpoint_id AS endpointId, started_at AS startedAt, resolved_at AS resolvedAt, first_code AS firstCode, first_detail AS firstDetail, last_code AS lastCode, last_detail AS lastDetail FROM incidents';
  const eventSelect = 'SELECT id, endpoint_id, at, kind, data FROM events';
  return {
    endpointById: db.prepare('SELECT * FROM endpoints WHERE id = ?'),
    endpointBySlug: db.prepare('SELECT * FROM endpoints WHERE slug = ?'),
    endpointExists: db.prepare('SELECT id FROM endpoints WHERE id = ?'),
    listEndpoints: db.prepare('SELECT * FROM endpoints ORDER BY id'),
    listConfigEndpoints: db.prepare("SELECT * FROM endpoints WHERE source = 'config' ORDER BY id"),
    insertEndpoint: db.prepare(`INSERT INTO endpoints (${ENDPOINT_COLUMNS}, created_at, updated_at) VALUES (${ENDPOINT_VALUES}, @now, @now) RETURNING *`),
    updateEndpoint: db.prepare(
      `UPDATE endpoints SET (${ENDPOINT_COLUMNS}, updated_at) = (${ENDPOINT_VALUES}, @now) WHERE id = @id RETURNING *`,
    ),
    deleteEndpoint: db.prepare('DELETE FROM endpoints WHERE id = ?'),
    setArchived: db.prepare('UPDATE endpoints SET archived_at = ? WHERE id = ? RETURNING *'),
    archivedBefore: db.prepare('SELECT * FROM endpoints WHERE archived_at IS NOT NULL AND archived_at < ? ORDER BY id'),
    endpointsVersion: db.prepare("SELECT value FROM store_meta WHERE key = 'endpoints_version'"),
    loadStates: db.prepare(`SELECT ${stateSelect} FROM endpoint_state ORDER BY endpoint_id`),
    upsertState: db.prepare(
      `INSERT INTO endpoint_state (${stateColumns.join(', ')}) VALUES (${STATE_FIELDS.map((f) => `@${f}`).join(', ')})
       ON CONFLICT (endpoint_id) DO UPDATE SET ${stateColumns.filter((c) => c !== 'endpoint_id').map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    insertResult: db.prepare(
      'INSERT INTO probe_results (endpoint_id, ts, status, code, detail, duration_ms, dns_ms, connect_ms, tls_ms, era, flags, lag_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // Two subqueries: SQLite's min/max shortcut applies only to a lone aggregate; together they scan.
    rowidBounds: db.prepare('SELECT (SELECT min(id) FROM probe_results) AS lo, (SELECT max(id) FROM probe_results) AS hi'),
    // id is the rowid (INTEGER PRIMARY KEY); SQLite names a selected `rowid` column `id` anyway.
    firstRowAtOrAfter: db.prepare('SELECT id, ts FROM probe_results WHERE id >= ? ORDER BY id LIMIT 1'),
    scanResultsDesc: db.prepare('SELECT * FROM probe_results WHERE id >= ? AND id < ? AND endpoint_id = ? ORDER BY id DESC'),
    resultByRowid: db.prepare('SELECT * FROM probe_results WHERE id = ?'),
    headPairs: db.prepare<[], [number, number]>('SELECT id, endpoint_id FROM probe_results ORDER BY id').raw(true),
    foldFrom: db.prepare('SELECT * FROM probe_results WHERE id > ? ORDER BY id'),
    pruneResults: db.prepare('DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results WHERE id < @cut AND ts < @before ORDER BY id LIMIT @limit)'),
    // The id comes from the domain (incidentIdFor); a second write of the same round adds nothing.
    insertIncident: db.prepare(
      'INSERT INTO incidents (id, endpoint_id, started_at, first_code, first_detail, last_code, last_detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    // Every failing round of an open incident sends its code and detail, mostly the same as last
    // time: an UPDATE that changes nothing still rewrites the page (a WAL frame and a checkpoint write).
    updateIncident: db.prepare(
      'UPDATE incidents SET last_code = @code, last_detail = @detail WHERE id = @id AND endpoint_id = @endpointId AND NOT (last_code IS @code AND last_detail IS @detail)',
    ),
    resolveIncident: db.prepare(
      'UPDATE incidents SET resolved_at = ?, last_code = coalesce(?, last_code), last_detail = coalesce(?, last_detail) WHERE id = ? AND endpoint_id = ? AND resolved_at IS NULL',
    ),
    insertEvent: db.prepare('INSERT INTO events (endpoint_id, at, kind, incident_id, data) VALUES (?, ?, ?, ?, ?)'),
    latestCert: db.prepare('SELECT * FROM cert_observations WHERE endpoint_id = ? ORDER BY ts DESC, id DESC LIMIT 1'),
    insertCert: db.prepare('INSERT INTO cert_observations (endpoint_id, ts, fingerprint256, subject, issuer, not_before, not_after, sans) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    latestToolHash: db.prepare('SELECT hash FROM tool_snapshots WHERE endpoint_id = ? ORDER BY ts DESC, id DESC LIMIT 1'),
    insertTools: db.prepare('INSERT INTO tool_snapshots (endpoint_id, ts, hash, count, names) VALUES (?, ?, ?, ?, ?)'),
    toolSnapshots: db.prepare('SELECT * FROM tool_snapshots WHERE endpoint_id = ? ORDER BY ts DESC, id DESC LIMIT ?'),
    upsertRollup: perGranularity((table) => db.prepare(upsertRollupSql(table))),
    rollupStartBounds: perGranularity((table) => db.prepare(`SELECT (SELECT min(start) FROM ${table}) AS lo, (SELECT max(start) FROM ${table}) AS hi`)),
    rollupsForEndpoint: perGranularity((table) => db.prepare(`${startsCte()} SELECT r.* FROM s JOIN ${table} r ON r.start = s.start AND r.endpoint_id = @endpointId ORDER BY r.start`)),
    // Range scans over the (start, endpoint_id) key, for every endpoint at once.
    // Raw (array) rows: building a 25-key object per row costs ~3x as much as the scan itself.
    rollupsInRange: perGranularity((table) =>
      db.prepare<[{ from: number; to: number }], RawRollupRow>(`SELECT ${ROLLUP_COLUMNS.join(', ')} FROM ${table} WHERE start >= @from AND start < @to ORDER BY start, endpoint_id`).raw(true),
    ),
    rollupsInRangeIds: perGranularity((table) =>
      db
        .prepare<[{ from: number; to: number; lo: number; hi: number }], RawRollupRow>(
          `SELECT ${ROLLUP_COLUMNS.join(', ')} FROM ${table} WHERE start >= @from AND start < @to AND endpoint_id >= @lo AND endpoint_id < @hi ORDER BY start, endpoint_id`,
        )
        .raw(true),
    ),
    rollupSumsInRange: perGranularity((table) => db.prepare(rollupSumsSql(table))),
    deleteRollupsForEndpoint: perGranularity((table) => db.prepare(`${startsCte()} DELETE FROM ${table} WHERE endpoint_id = @endpointId AND start IN (SELECT start FROM s)`)),
    pruneRollups: perGranularity((table) =>
      db.prepare(`DELETE FROM ${table} WHERE (start, endpoint_id) IN (SELECT start, endpoint_id FROM ${table} WHERE start <= @last ORDER BY start, endpoint_id LIMIT @limit)`),
    ),
    insertGap: db.prepare('INSERT INTO monitoring_gaps (endpoint_id, from_ts, to_ts) VALUES (?, ?, ?)'),
    gapsForEndpoint: db.prepare('SELECT endpoint_id, from_ts, to_ts FROM monitoring_gaps WHERE endpoint_id = @endpointId AND to_ts > @from AND from_ts < @to ORDER BY to_ts DESC LIMIT @limit'),
    gapsInRange: db.prepare('SELECT endpoint_id, from_ts, to_ts FROM monitoring_gaps WHERE to_ts > @from AND from_ts < @to ORDER BY endpoint_id, to_ts DESC'),
    pruneGaps: db.prepare('DELETE FROM monitoring_gaps WHERE id IN (SELECT id FROM monitoring_gaps WHERE to_ts < @before ORDER BY to_ts LIMIT @limit)'),
    getWatermark: db.prepare("SELECT value FROM store_meta WHERE key = 'rollups_through_rowid'"),
    setWatermark: db.prepare("UPDATE store_meta SET value = ? WHERE key = 'rollups_through_rowid'"),
    touchMeta: db.prepare("UPDATE store_meta SET value = value WHERE key = 'rollups_through_rowid'"),
    incidents: {
      // Ids are per endpoint and their sequence wraps (incidentIdFor): only the start time orders them.
      all: db.prepare(`${incidentSelect} ORDER BY started_at DESC, id DESC LIMIT @limit`),
      open: db.prepare(`${incidentSelect} WHERE resolved_at IS NULL ORDER BY started_at DESC, id DESC LIMIT @limit`),
      endpoint: db.prepare(`${incidentSelect} WHERE endpoint_id = @endpointId ORDER BY started_at DESC, id DESC LIMIT @limit`),
      endpointOpen: db.prepare(`${incidentSelect} WHERE endpoint_id = @endpointId AND resolved_at IS NULL ORDER BY started_at DESC, id DESC LIMIT @limit`),
    },
    events: {
      newest: db.prepare(`${eventSelect} ORDER BY id DESC LIMIT @limit`),
      newestEndpoint: db.prepare(`${eventSelect} WHERE endpoint_id = @endpointId ORDER BY id DESC LIMIT @limit`),
      after: db.prepare(`${eventSelect} WHERE id > @afterId ORDER BY id LIMIT @limit`),
      afterEndpoint: db.prepare(`${eventSelect} WHERE endpoint_id = @endpointId AND id > @afterId ORDER BY id LIMIT @limit`),
    },
    insertToken: db.prepare('INSERT INTO api_tokens (name, hash, read_only, created_at, role, owner_user_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING *'),
    tokenByHash: db.prepare('SELECT * FROM api_tokens WHERE hash = ?'),
    listTokens: db.prepare('SELECT * FROM api_tokens ORDER BY id'),
    deleteToken: db.prepare('DELETE FROM api_tokens WHERE id = ?'),
    touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
  };
}

// ---------------------------------------------------------------------------------------------

export class SqliteStore implements Store {
  readonly #db: Db;
  readonly #path: string | null;
  readonly #s: Statements;
  readonly #clock: () => number;
  readonly #flushIntervalMs: number;
  readonly #maxResultDelayMs: number;
  /** Rollup increments from raw rows above the watermark. */
  #pending = new RollupBuffer();
  /** endpoint_state as written. */
  readonly #written = new Map<number, EndpointState>();
  /** Newer states whose changes were volatile only; written at the next flush. */
  readonly #dirty = new Map<number, EndpointState>();
  #watermark: number;
  #lastFlushAt: number;
  readonly #committed = new WeakSet<TickBatch>();
  /** Raw rows of past hours, sealed into compressed per-endpoint blocks (migration 0010). */
  readonly #sealed: SealedResults;
  readonly #sealer: Sealer;
  /** endpoint → its head rowids, so one endpoint's newest rows are read without a fleet scan. */
  readonly #headIndex: HeadIndex;
  /** Moves when raw rows or blocks are deleted other than by the sealer (its Head.epoch). */
  #headEpoch = 0;

  constructor(db: Db, path: string | null, options: SqliteStoreOptions) {
    this.#db = db;
    this.#path = path;
    this.#clock = options.clock ?? Date.now;
    this.#flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.#maxResultDelayMs = options.maxResultDelayMs ?? 10 * 60_000;
    this.#s = prepareStatements(db);
    this.#headIndex = new HeadIndex(options.headIndexMaxEntries !== undefined ? { maxEntries: options.headIndexMaxEntries } : {});
    for (const state of this.#s.loadStates.all()) this.#written.set(state.endpointId, state);
    this.#watermark = this.#s.getWatermark.get()?.value ?? 0;
    this.#lastFlushAt = this.#clock();
    this.#refoldUnflushedResults();
    this.#sealed = new SealedResults(db);
    this.#sealer = new Sealer(
      db,
      this.#sealed,
      {
        watermark: () => Math.min(this.#watermark, this.#s.getWatermark.get()?.value ?? 0),
        bounds: () => {
          const b = this.#s.rowidBounds.get();
          return b && b.lo !== null && b.hi !== null ? { lo: b.lo, hi: b.hi } : null;
        },
        firstRowidAtOrAfter: (ts) => this.#firstRowidAtOrAfter(ts),
        isLive: (id) => this.#s.endpointExists.get(id) !== undefined,
        epoch: () => this.#headEpoch,
      },
      this.#maxResultDelayMs,
      options.sealCommitBytes,
    );
    this.#rebuildHeadIndex();
  }

  /** Measured at 1.3 M head rows (10,000 endpoints, the most the head holds when sealing): ~0.4 s, once at open. */
  #rebuildHeadIndex(): void {
    const b = this.#s.rowidBounds.get();
    const rows = b && b.lo !== null && b.hi !== null ? b.hi - b.lo + 1 : 0;
    this.#headIndex.rebuild(rows, () => this.#s.headPairs.iterate());
    if (b && b.lo !== null) this.#headIndex.raiseFloor(b.lo);
  }

  /**
   * Whether one endpoint's raw rows are found without scanning the fleet's: the head index is on
   * (the head holds hours not sealed yet; sealed hours are per-endpoint blocks already).
   */
  rawReadsIndexed(): boolean {
    return this.#headIndex.available;
  }

  /** After rows left the head (sealed or pruned): the index forgets rowids below the head's lowest. */
  #headShrank(): void {
    const lo = this.#s.rowidBounds.get()?.lo;
    if (lo !== null && lo !== undefined) this.#headIndex.raiseFloor(lo);
    // Sealing on after a long head (an upgrade, or sealing turned on): the index starts once the head fits.
    else if (!this.#headIndex.available) this.#rebuildHeadIndex();
  }

  /**
   * Moves raw rows of hours that ended more than maxResultDelayMs ago (and already folded into
   * the rollups) from the head table into compressed blocks, for about `budgetMs` of work; call
   * again, after yielding to the event loop, while `more`. Reads see the same rows before and after.
   */
  sealStep(budgetMs = 15): SealProgress {
    const progress = this.#sealer.step(this.#clock(), budgetMs);
    this.#headShrank();
    if (!progress.more && !this.#headIndex.available) this.#rebuildHeadIndex();
    return progress;
  }

  /** Every sealed row back into the head table (migrate-data copies probe_results); returns how many. */
  unsealAll(): number {
    // A seal pass left half done (a crash) is finished first: its rows are in blocks and the head at once.
    while (readPlan(this.#db) !== null) this.#sealer.step(this.#clock(), Number.POSITIVE_INFINITY);
    const bounds = this.#s.rowidBounds.get();
    const unsealed = this.#sealed.unsealAll(bounds?.lo ?? this.#watermark + 1);
    // Rows came back below the head's rowids, behind the index's back.
    this.#rebuildHeadIndex();
    return unsealed;
  }

  /** How many sealed blocks there are and the rows they hold. */
  sealedStats(): { blocks: number; rows: number } {
    return this.#sealed.stats();
  }

  // --- endpoints -------------------------------------------------------------------------------

  async listEndpoints(): Promise<Endpoint[]> {
    return this.#s.listEndpoints.all().map(endpointFromDb);
  }

  async getEndpoint(id: number): Promise<Endpoint | undefined> {
    const row = this.#s.endpointById.get(id);
    return row && endpointFromDb(row);
  }

  async getEndpointBySlug(slug: string): Promise<Endpoint | undefined> {
    return this.#endpointBySlug(slug);
  }

  async createEndpoint(definition: EndpointDefinition): Promise<Endpoint> {
    return this.#insertEndpoint(definition);
  }

  async updateEndpoint(id: number, definition: EndpointDefinition): Promise<Endpoint> {
    return this.#updateEndpoint(id, definition);
  }

  #endpointBySlug(slug: string): Endpoint | undefined {
    const row = this.#s.endpointBySlug.get(slug);
    return row && endpointFromDb(row);
  }

  #insertEndpoint(definition: EndpointDefinition): Endpoint {
    return this.#guardConstraints(definition.slug, () => {
      const row = this.#s.insertEndpoint.get({ ...endpointParams(definition), now: this.#nowIso() });
      if (!row) throw new Error('INSERT … RETURNING returned no row');
      return endpointFromDb(row);
    });
  }

  #updateEndpoint(id: number, definition: EndpointDefinition): Endpoint {
    return this.#guardConstraints(definition.slug, () => {
      const row = this.#s.updateEndpoint.get({ ...endpointParams(definition), now: this.#nowIso(), id });
      if (!row) throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${id}`);
      return endpointFromDb(row);
    });
  }

  async deleteEndpoint(id: number): Promise<boolean> {
    const deleted = this.#db.transaction(() => this.#deleteEndpointRows(id))();
    if (deleted) this.#forget(id);
    return deleted;
  }

  async syncConfigEndpoints(definitions: readonly EndpointDefinition[]): Promise<ConfigSyncReport> {
    const now = this.#nowIso();
    return this.#db.transaction((): ConfigSyncReport => {
      const wanted = new Set<string>();
      const report: { endpoints: Endpoint[]; added: string[]; updated: string[]; restored: string[]; archived: string[]; conflicts: { slug: string; holder: Endpoint }[] } = {
        endpoints: [],
        added: [],
        updated: [],
        restored: [],
        archived: [],
        conflicts: [],
      };
      for (const input of definitions) {
        const definition: EndpointDefinition = { ...input, source: 'config' };
        if (wanted.has(definition.slug)) throw new StoreError('DUPLICATE_SLUG', `slug "${definition.slug}" is listed twice in the configuration`);
        wanted.add(definition.slug);
        const existing = this.#endpointBySlug(definition.slug);
        if (!existing) {
          report.endpoints.push(this.#insertEndpoint(definition));
          report.added.push(definition.slug);
        } else if (existing.source !== 'config') {
          // Someone else's endpoint: skipped and reported, never taken over and never fatal.
          report.conflicts.push({ slug: definition.slug, holder: existing });
        } else {
          let current = sameDefinition(existing, definition) ? existing : this.#updateEndpoint(existing.id, definition);
          if (current.archivedAt !== null) {
            current = this.#setArchived(current.id, null);
            report.restored.push(definition.slug);
          } else if (current !== existing) report.updated.push(definition.slug);
          report.endpoints.push(current);
        }
      }
      // Leaving the file archives: the history stays until retention or `endpoints purge`.
      for (const row of this.#s.listConfigEndpoints.all()) {
        if (wanted.has(row.slug) || row.archived_at !== null) continue;
        this.#setArchived(row.id, now);
        report.archived.push(row.slug);
      }
      return report;
    })();
  }

  async endpointsVersion(): Promise<number> {
    return this.#s.endpointsVersion.get()?.value ?? 0;
  }

  async pruneArchivedEndpoints(archivedBeforeMs: number): Promise<Endpoint[]> {
    const cutoff = new Date(archivedBeforeMs).toISOString();
    const gone = this.#db.transaction(() => this.#s.archivedBefore.all(cutoff).filter((row) => this.#deleteEndpointRows(row.id)).map(endpointFromDb))();
    for (const endpoint of gone) this.#forget(endpoint.id);
    return gone;
  }

  // --- ticks -----------------------------------------------------------------------------------

  async loadStates(): Promise<EndpointState[]> {
    const merged = new Map(this.#written);
    for (const [id, state] of this.#dirty) merged.set(id, state);
    return [...merged.values()].sort((a, b) => a.endpointId - b.endpointId);
  }

  async writeTick(batch: TickBatch): Promise<void> {
    // The same batch again after its write committed (a caller retrying what it believes failed)
    // changes nothing, as on PostgreSQL. Only this process writes the file, so a retry is the
    // caller's own batch object: no digest of the batch is needed on the hot path.
    if (this.#committed.has(batch)) return;
    // Rows for an endpoint deleted while its probe ran are dropped: one of them must not fail
    // the whole tick on a foreign key.
    const liveCache = new Map<number, boolean>();
    const live = (id: number): boolean => getOrInsert(liveCache, id, () => this.#s.endpointExists.get(id) !== undefined);

    // Time order first: results() and pruning rely on rowid order following ts.
    const results = batch.results
      .filter((r) => live(r.endpointId))
      .map(normalizeResult)
      .sort((a, b) => a.ts - b.ts || a.endpointId - b.endpointId);
    const delta = new RollupBuffer();
    for (const row of results) delta.add(row);
    const now = this.#clock();
    const flushNow = this.#flushIntervalMs === 0 || now - this.#lastFlushAt >= this.#flushIntervalMs;

    const written: EndpointState[] = [];
    const deferred: EndpointState[] = [];
    const rowids: number[] = [];

    this.#db.transaction(() => {
      for (const row of results) rowids.push(Number(this.#s.insertResult.run(...resultParams(row)).lastInsertRowid));

      for (const { endpointId, event } of batch.events) {
        if (!live(endpointId)) continue;
        const incidentId = this.#applyIncidentEvent(endpointId, event);
        // An update per failing round would repeat the raw results; the incident row holds the latest.
        if (event.kind !== 'incident_updated') this.#s.insertEvent.run(endpointId, event.at, event.kind, incidentId, JSON.stringify(event));
      }

      for (const state of batch.states) {
        if (!live(state.endpointId)) continue;
        const previous = this.#written.get(state.endpointId);
        if (flushNow || !previous || !isVolatileChange(previous, state)) {
          this.#s.upsertState.run(state);
          written.push(state);
        } else deferred.push(state);
      }

      for (const cert of batch.certObservations) {
        if (!live(cert.endpointId) || this.#s.latestCert.get(cert.endpointId)?.fingerprint256 === cert.fingerprint256) continue;
        this.#s.insertCert.run(cert.endpointId, Math.round(cert.ts), cert.fingerprint256, cert.subject, cert.issuer, cert.notBefore, cert.notAfter, JSON.stringify(cert.sans));
      }
      for (const gap of batch.gaps ?? []) {
        if (live(gap.endpointId) && gap.toMs > gap.fromMs) this.#s.insertGap.run(gap.endpointId, Math.round(gap.fromMs), Math.round(gap.toMs));
      }
      for (const tools of batch.toolSnapshots) {
        if (!live(tools.endpointId) || this.#s.latestToolHash.get(tools.endpointId)?.hash === tools.hash) continue;
        this.#s.insertTools.run(tools.endpointId, Math.round(tools.ts), tools.hash, tools.count, JSON.stringify(tools.names));
      }

      if (flushNow) this.#writeBuffered(delta, written);
    })();

    // Memory follows only once the transaction has committed.
    this.#committed.add(batch);
    for (let i = 0; i < results.length; i++) this.#headIndex.add(results[i]!.endpointId, rowids[i]!);
    for (const state of written) {
      this.#written.set(state.endpointId, state);
      this.#dirty.delete(state.endpointId);
    }
    for (const state of deferred) this.#dirty.set(state.endpointId, state);
    if (flushNow) this.#afterFlush(now);
    else this.#pending.merge(delta);
  }

  /** Writes buffered rollups and deferred states now (also done by checkpoint, backup and close). */
  async flush(): Promise<void> {
    this.#flush();
  }

  #flush(): void {
    const written: EndpointState[] = [];
    const hasWork = !this.#pending.isEmpty || this.#dirty.size > 0 || this.#maxRowid() !== this.#watermark;
    if (hasWork) this.#db.transaction(() => this.#writeBuffered(new RollupBuffer(), written))();
    for (const state of written) this.#written.set(state.endpointId, state);
    this.#afterFlush(this.#clock());
  }

  // --- reads -----------------------------------------------------------------------------------

  async results(endpointId: number, options: ResultsQuery): Promise<ResultRow[]> {
    const upper = Math.min(options.toMs, options.beforeTs ?? Number.POSITIVE_INFINITY);
    const limit = Math.floor(options.limit);
    if (limit <= 0 || upper <= options.fromMs) return [];
    // One region: every round is the default region's.
    if (options.region !== undefined && options.region !== DEFAULT_REGION) return [];
    // A deleted endpoint's raw rows age out with retention (no index to find them by), unseen:
    // its history went with it, as on PostgreSQL.
    if (this.#s.endpointExists.get(endpointId) === undefined) return [];
    const head = this.#headResults(endpointId, options.fromMs, upper, limit);
    // Sealed rows: a head row of the same instant was inserted after them, so it is the newer.
    const sealed = this.#sealed.read(endpointId, options.fromMs, upper, limit);
    if (sealed.length === 0) return head.map(resultFromDb);
    const out: ResultColumns[] = [];
    let h = 0;
    let b = 0;
    while (out.length < limit && (h < head.length || b < sealed.length)) {
      const fromHead = b >= sealed.length || (h < head.length && head[h]!.ts >= sealed[b]!.ts);
      out.push(fromHead ? head[h++]! : sealed[b++]!);
    }
    return out.map(resultFromDb);
  }

  /** The head table's rows in the window, newest first by (ts, rowid), at most `limit`. */
  #headResults(endpointId: number, fromMs: number, upper: number, limit: number): ResultDbRow[] {
    const slack = this.#maxResultDelayMs;
    const lo = this.#firstRowidAtOrAfter(fromMs - slack);
    const hi = this.#firstRowidAtOrAfter(upper + slack);
    if (lo === null || hi === null || hi <= lo) return [];

    // Scanning by rowid downwards, any row not yet seen started at most `slack` after the
    // earliest row seen so far, so once the limit-th newest collected row is at least that
    // recent nothing left can beat it.
    const top: ResultDbRow[] = [];
    let earliestSeen = Number.POSITIVE_INFINITY;
    // A seal in progress: its rows already in blocks wait in the head only to be deleted.
    const plan = readPlan(this.#db);
    for (const row of this.#headRowsDesc(endpointId, lo, hi)) {
      earliestSeen = Math.min(earliestSeen, row.ts);
      if (row.ts >= fromMs && row.ts < upper && !sealedByPlan(plan, row)) insertTopK(top, row, limit);
      if (top.length === limit && top[limit - 1]!.ts >= earliestSeen + slack) break;
    }
    return top;
  }

  /** One endpoint's head rows with rowids in [lo, hi), newest first: by the index when it is on. */
  *#headRowsDesc(endpointId: number, lo: number, hi: number): Iterable<ResultDbRow> {
    if (!this.#headIndex.available) {
      yield* this.#s.scanResultsDesc.iterate(lo, hi, endpointId);
      return;
    }
    for (const rowid of this.#headIndex.between(endpointId, lo, hi)) {
      const row = this.#s.resultByRowid.get(rowid);
      if (row !== undefined) yield row;
    }
  }

  async incidents(options: { endpointId?: number; openOnly?: boolean; limit: number }): Promise<Incident[]> {
    const variant = options.endpointId === undefined ? (options.openOnly ? 'open' : 'all') : options.openOnly ? 'endpointOpen' : 'endpoint';
    return this.#s.incidents[variant].all({ endpointId: options.endpointId ?? null, limit: Math.max(0, Math.floor(options.limit)) }).map((row) => ({
      ...row,
      firstCode: row.firstCode as FailureCode,
      lastCode: row.lastCode as FailureCode,
      durationS: row.resolvedAt === null ? null : (Date.parse(row.resolvedAt) - Date.parse(row.startedAt)) / 1000,
    }));
  }

  /**
   * Without `afterId`: the newest `limit` events, newest first (for pages). With `afterId`: the
   * events after it, oldest first (a cursor for consumers that tail the table).
   */
  async events(options: { endpointId?: number; limit: number; afterId?: number }): Promise<StoredEvent[]> {
    const byEndpoint = options.endpointId !== undefined;
    const variant = options.afterId === undefined ? (byEndpoint ? 'newestEndpoint' : 'newest') : byEndpoint ? 'afterEndpoint' : 'after';
    const params = { endpointId: options.endpointId ?? null, limit: Math.max(0, Math.floor(options.limit)), afterId: options.afterId ?? 0 };
    return this.#s.events[variant].all(params).map((row) => {
      const data = JSON.parse(row.data) as HealthEvent;
      return { id: row.id, endpointId: row.endpoint_id, at: row.at, kind: data.kind, data };
    });
  }

  /** Rows whose bucket overlaps [fromMs, toMs), oldest first, including increments not yet flushed. */
  async rollups(granularity: 'hour' | 'day', endpointId: number, fromMs: number, toMs: number): Promise<Rollup[]> {
    this.#followOtherFlush();
    return [...this.#rollupAggs(granularity, endpointId, fromMs, toMs)]
      .sort(([a], [b]) => a - b)
      .map(([start, agg]) => ({ endpointId, start, ...agg, buckets: [...agg.buckets] }));
  }

  /**
   * Counts and percentiles over [fromMs, toMs), from rollups only: daily rows for the whole UTC
   * days inside the window, hourly rows for the ragged ends. So any window is exact to the hour
   * (the first and last hours count whole) and a 90-day window costs ~90 lookups, not ~2,200.
   */
  async uptime(endpointId: number, fromMs: number, toMs: number): Promise<UptimeSummary> {
    this.#followOtherFlush();
    const total = emptyAgg();
    for (const [granularity, from, to] of uptimeParts(fromMs, toMs)) {
      for (const agg of this.#rollupAggs(granularity, endpointId, from, to).values()) addAgg(total, agg);
    }
    return summaryOf(total);
  }

  /** rollups() for every endpoint: one range scan plus the unflushed increments. */
  async rollupsAll(granularity: 'hour' | 'day', fromMs: number, toMs: number, ids?: IdRange): Promise<Map<number, Rollup[]>> {
    this.#followOtherFlush();
    const first = alignDown(fromMs, BUCKET_SIZE_MS[granularity]);
    const out = new Map<number, Rollup[]>();
    if (first >= toMs) return out;
    const lo = ids?.from ?? Number.NEGATIVE_INFINITY;
    const hi = ids?.to ?? Number.POSITIVE_INFINITY;
    if (lo >= hi) return out;
    // Rows arrive in (start, endpoint) order, so every endpoint's list is already oldest first.
    const rows = ids ? this.#s.rollupsInRangeIds[granularity].iterate({ from: first, to: toMs, lo: Math.max(lo, -1), hi: Math.min(hi, Number.MAX_SAFE_INTEGER) }) : this.#s.rollupsInRange[granularity].iterate({ from: first, to: toMs });
    for (const row of rows) getOrInsert(out, row[1], () => []).push(rollupFromRaw(row));
    for (const [endpointId, starts] of this.#pending.byGranularity[granularity]) {
      if (endpointId < lo || endpointId >= hi) continue;
      const pending = [...starts].filter(([start]) => start >= first && start < toMs);
      if (pending.length === 0) continue;
      const merged = new Map<number, Agg>((out.get(endpointId) ?? []).map((r) => [r.start, { ...r, buckets: [...r.buckets] }]));
      for (const [start, agg] of pending) addAgg(getOrInsert(merged, start, emptyAgg), agg);
      const rows = [...merged]
        .sort(([a], [b]) => a - b)
        .map(([start, agg]): Rollup => ({
          endpointId,
          start,
          up: agg.up,
          degraded: agg.degraded,
          authRequired: agg.authRequired,
          down: agg.down,
          latencySumMs: agg.latencySumMs,
          latencyMinMs: agg.latencyMinMs,
          latencyMaxMs: agg.latencyMaxMs,
          buckets: agg.buckets,
        }));
      out.set(endpointId, rows);
    }
    return out;
  }

  /** uptime() for every endpoint: per-endpoint sums in SQLite over each part, plus the unflushed increments. */
  async uptimeAll(fromMs: number, toMs: number): Promise<Map<number, UptimeSummary>> {
    this.#followOtherFlush();
    const totals = new Map<number, Agg>();
    for (const [granularity, from, to] of uptimeParts(fromMs, toMs)) {
      const first = alignDown(from, BUCKET_SIZE_MS[granularity]);
      for (const row of this.#s.rollupSumsInRange[granularity].iterate({ from: first, to })) addAgg(getOrInsert(totals, row.endpoint_id, emptyAgg), aggFromDb(row));
      for (const [endpointId, starts] of this.#pending.byGranularity[granularity]) {
        for (const [start, agg] of starts) if (start >= first && start < to) addAgg(getOrInsert(totals, endpointId, emptyAgg), agg);
      }
    }
    const out = new Map<number, UptimeSummary>();
    for (const [endpointId, total] of totals) out.set(endpointId, summaryOf(total));
    return out;
  }

  async gaps(endpointId: number, fromMs: number, toMs: number, limit: number): Promise<GapRow[]> {
    return this.#s.gapsForEndpoint.all({ endpointId, from: fromMs, to: toMs, limit: Math.max(0, Math.floor(limit)) }).map(gapFromDb);
  }

  async gapsAll(fromMs: number, toMs: number): Promise<Map<number, GapRow[]>> {
    const out = new Map<number, GapRow[]>();
    for (const row of this.#s.gapsInRange.iterate({ from: fromMs, to: toMs })) getOrInsert(out, row.endpoint_id, () => []).push(gapFromDb(row));
    return out;
  }

  async latestCertificate(endpointId: number): Promise<CertObservation | undefined> {
    const row = this.#s.latestCert.get(endpointId);
    if (!row) return undefined;
    return {
      endpointId: row.endpoint_id,
      ts: row.ts,
      fingerprint256: row.fingerprint256,
      subject: row.subject,
      issuer: row.issuer,
      notBefore: row.not_before,
      notAfter: row.not_after,
      sans: parseStringArray(row.sans, 'cert_observations.sans'),
    };
  }

  async toolSnapshots(endpointId: number, limit: number): Promise<ToolSnapshot[]> {
    return this.#s.toolSnapshots.all(endpointId, Math.max(0, Math.floor(limit))).map((row) => ({
      endpointId: row.endpoint_id,
      ts: row.ts,
      hash: row.hash,
      count: row.count,
      names: parseStringArray(row.names, 'tool_snapshots.names'),
    }));
  }

  // --- API tokens ------------------------------------------------------------------------------

  async createToken(name: string, hash: string, readOnly: boolean, grant?: TokenGrant): Promise<ApiToken> {
    const { role, ownerUserId } = grantOf(readOnly, grant);
    let row: TokenDbRow | undefined;
    try {
      row = this.#s.insertToken.get(name, hash, role === 'viewer' ? 1 : 0, this.#nowIso(), role, ownerUserId);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('USER_NOT_FOUND', `no user with id ${ownerUserId}`, { cause: error });
      throw error;
    }
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return tokenFromDb(row);
  }

  async findTokenByHash(hash: string): Promise<StoredApiToken | undefined> {
    const row = this.#s.tokenByHash.get(hash);
    return row && { ...tokenFromDb(row), hash: row.hash };
  }

  async listTokens(): Promise<ApiToken[]> {
    return this.#s.listTokens.all().map(tokenFromDb);
  }

  async revokeToken(id: number): Promise<boolean> {
    return this.#s.deleteToken.run(id).changes > 0;
  }

  async touchToken(id: number, atMs: number): Promise<void> {
    this.#s.touchToken.run(new Date(atMs).toISOString(), id);
  }

  // --- maintenance -----------------------------------------------------------------------------

  /**
   * Deletes about `limit` raw rows from the hours that ended by `beforeMs` (RAW_PRUNE_GRANULE_MS):
   * whole sealed blocks first, then head rows by rowid range. Never deletes head rows not yet
   * folded into the rollup tables (they are the crash-recovery source), nor the newest row (so
   * rowids never restart from 1 behind the watermark).
   */
  async pruneResults(beforeMs: number, limit: number): Promise<number> {
    const max = Math.floor(limit);
    if (max <= 0) return 0;
    // Whole hours, sealed or not, so what a read sees after a prune does not depend on whether the hour was sealed yet.
    const before = alignDown(beforeMs, BLOCK_SPAN_MS);
    this.#headEpoch++;
    const fromBlocks = this.#sealed.prune(before, max);
    if (fromBlocks >= max) return fromBlocks;
    const bounds = this.#s.rowidBounds.get();
    if (!bounds || bounds.hi === null) return fromBlocks;
    const boundary = this.#firstRowidAtOrAfter(before) ?? bounds.hi + 1;
    const cut = Math.min(boundary, this.#watermark + 1, bounds.hi);
    const pruned = this.#s.pruneResults.run({ cut, before, limit: max - fromBlocks }).changes;
    if (pruned > 0) this.#headShrank();
    return fromBlocks + pruned;
  }

  /** Deletes up to `limit` rollup rows (hourly first, then daily) whose bucket ended by `beforeMs`. */
  async pruneRollups(beforeMs: number, limit: number, hourlyBeforeMs = beforeMs): Promise<number> {
    let left = Math.floor(limit);
    let deleted = 0;
    for (const granularity of ['hour', 'day'] as const) {
      if (left <= 0) break;
      const cut = granularity === 'hour' ? hourlyBeforeMs : beforeMs;
      const changes = this.#s.pruneRollups[granularity].run({ last: cut - BUCKET_SIZE_MS[granularity], limit: left }).changes;
      deleted += changes;
      left -= changes;
    }
    if (left > 0) deleted += this.#s.pruneGaps.run({ before: beforeMs, limit: left }).changes;
    return deleted;
  }

  /** Whether a write transaction can start and write (rolled back, so nothing changes). */
  async isWritable(): Promise<boolean> {
    if (!this.#db.open || this.#db.readonly) return false;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        this.#s.touchMeta.run();
      } finally {
        this.#db.exec('ROLLBACK');
      }
      return true;
    } catch {
      return false;
    }
  }

  checkpoint(): void {
    this.#flush();
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** `onProgress` hears pages copied so far and the total, after each step of the copy. */
  async backup(path: string, onProgress?: (donePages: number, totalPages: number) => void): Promise<void> {
    this.#flush();
    makeDirectories(dirname(resolve(path)));
    await this.#db.backup(path, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 100; // better-sqlite3's own step: 100 pages, then a turn of the event loop
      },
    });
  }

  integrityCheck(): string {
    const rows = this.#db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check).join('\n');
  }

  /**
   * The connection, for stores that must share it (the alert outbox): better-sqlite3 is
   * synchronous, so a second connection waiting on this one's write lock would block the loop.
   */
  get database(): Db {
    return this.#db;
  }

  close(): void {
    if (!this.#db.open) return;
    try {
      this.#flush();
    } finally {
      this.#db.close();
    }
  }

  /** File size as SQLite sees it (page_count × page_size) plus the WAL, for storage benchmarks. */
  databaseSizeBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.#db.pragma('page_size', { simple: true }) as number;
    let wal = 0;
    if (this.#path !== null) {
      try {
        wal = statSync(`${this.#path}-wal`).size;
      } catch {
        wal = 0;
      }
    }
    return pages * pageSize + wal;
  }

  // --- internals -------------------------------------------------------------------------------

  #nowIso(): string {
    return new Date(this.#clock()).toISOString();
  }

  #guardConstraints<T>(slug: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('SLUG_TAKEN', `slug "${slug}" is already used by another endpoint`, { cause: error });
      if (code === 'SQLITE_CONSTRAINT_CHECK' || code === 'SQLITE_CONSTRAINT_NOTNULL' || code === 'SQLITE_CONSTRAINT_DATATYPE') {
        throw new StoreError('INVALID_ENDPOINT', `endpoint "${slug}" was rejected by the schema: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Inside a transaction: the endpoint row (cascading to state, incidents, events, certs, tools) and its rollups. */
  #deleteEndpointRows(id: number): boolean {
    for (const granularity of ['hour', 'day'] as const) {
      const bounds = this.#s.rollupStartBounds[granularity].get();
      if (!bounds || bounds.lo === null || bounds.hi === null) continue;
      const step = BUCKET_SIZE_MS[granularity];
      this.#s.deleteRollupsForEndpoint[granularity].run({ first: bounds.lo, step, end: bounds.hi + step, endpointId: id });
    }
    // Its head rows stay until retention or sealing removes them: finding them would scan the whole table.
    this.#headEpoch++;
    this.#sealed.deleteEndpoint(id);
    return this.#s.deleteEndpoint.run(id).changes > 0;
  }

  #setArchived(id: number, at: string | null): Endpoint {
    const row = this.#s.setArchived.get(at, id);
    if (!row) throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${id}`);
    return endpointFromDb(row);
  }

  #forget(id: number): void {
    this.#headIndex.forget(id);
    this.#pending.deleteEndpoint(id);
    this.#written.delete(id);
    this.#dirty.delete(id);
  }

  /** Returns the incident the event concerns, or null. */
  #applyIncidentEvent(endpointId: number, event: HealthEvent): number | null {
    switch (event.kind) {
      case 'incident_opened':
        this.#s.insertIncident.run(event.incidentId, endpointId, event.startedAt, event.code, event.detail, event.code, event.detail);
        return event.incidentId;
      case 'incident_updated':
        this.#s.updateIncident.run({ code: event.code, detail: event.detail, id: event.incidentId, endpointId });
        return event.incidentId;
      case 'incident_resolved':
        this.#s.resolveIncident.run(event.at, event.lastCode, event.lastDetail, event.incidentId, endpointId);
        return event.incidentId;
      default:
        return null;
    }
  }

  /** Inside a transaction: pending and `extra` rollups, deferred states, the new watermark. */
  #writeBuffered(extra: RollupBuffer, written: EndpointState[]): void {
    // Another connection on this file (a second process) may have flushed since we last looked;
    // then what we hold overlaps what it wrote, so fold exactly the rows it left instead. We hold
    // the write lock here, so nobody moves the watermark under us.
    const stored = this.#s.getWatermark.get()?.value ?? 0;
    const buffers = stored === this.#watermark ? [this.#pending, extra] : [this.#foldFrom(stored)];
    for (const granularity of ['hour', 'day'] as const) {
      const statement = this.#s.upsertRollup[granularity];
      for (const buffer of buffers) {
        for (const { start, endpointId, agg } of buffer.sorted(granularity)) statement.run(...rollupParams(start, endpointId, agg));
      }
    }
    const writtenIds = new Set(written.map((s) => s.endpointId));
    for (const state of [...this.#dirty.values()].sort((a, b) => a.endpointId - b.endpointId)) {
      if (writtenIds.has(state.endpointId)) continue;
      this.#s.upsertState.run(state);
      written.push(state);
    }
    const max = this.#maxRowid();
    if (max !== stored) this.#s.setWatermark.run(max);
  }

  /**
   * Before reads that merge #pending: another connection on this file (a CLI command opening it
   * while serve runs) may have folded our unflushed rows into the tables, and they would count
   * twice. Then hold exactly the rows it left, as #writeBuffered does.
   */
  #followOtherFlush(): void {
    const stored = this.#s.getWatermark.get()?.value ?? 0;
    if (stored === this.#watermark) return;
    this.#pending = this.#foldFrom(stored);
    this.#watermark = stored;
  }

  #afterFlush(now: number): void {
    this.#pending = new RollupBuffer();
    this.#dirty.clear();
    this.#watermark = this.#maxRowid();
    this.#lastFlushAt = now;
  }

  #maxRowid(): number {
    return this.#s.rowidBounds.get()?.hi ?? this.#watermark;
  }

  /**
   * After a crash: raw rows above the watermark were never folded into the rollup tables, and the
   * states' round fields (volatile, see isVolatileChange) may be up to a flush interval old. The
   * newest row of each endpoint says when it was last checked and what that round found; without
   * them a restart would see a silence since the last flush (and record a monitoring gap that did
   * not happen), or the status before it (and announce an auth_required change twice).
   */
  #refoldUnflushedResults(): void {
    const latest = new Map<number, ResultRow>();
    this.#pending = this.#foldFrom(this.#watermark, latest);
    for (const [endpointId, row] of latest) {
      const state = this.#written.get(endpointId);
      if (!state || (state.lastCheckedAt !== null && Date.parse(state.lastCheckedAt) >= row.ts)) continue;
      const round = roundFields(row, state);
      this.#dirty.set(endpointId, { ...state, lastCheckedAt: new Date(row.ts).toISOString(), ...(round ?? {}) });
    }
  }

  #foldFrom(watermark: number, latest?: Map<number, ResultRow>): RollupBuffer {
    const buffer = new RollupBuffer();
    const liveIds = new Set(this.#s.listEndpoints.all().map((row) => row.id));
    for (const dbRow of this.#s.foldFrom.iterate(watermark)) {
      if (!liveIds.has(dbRow.endpoint_id)) continue;
      const row = resultFromDb(dbRow);
      buffer.add(row);
      if (latest && row.ts >= (latest.get(row.endpointId)?.ts ?? Number.NEGATIVE_INFINITY)) latest.set(row.endpointId, row);
    }
    return buffer;
  }

  /**
   * The smallest rowid from which the next stored row has ts >= `ts`, by binary search over
   * rowid; null when the table is empty. Rows are appended in (nearly) time order; callers widen
   * `ts` by maxResultDelayMs where the disorder matters.
   */
  #firstRowidAtOrAfter(ts: number): number | null {
    const bounds = this.#s.rowidBounds.get();
    if (!bounds || bounds.lo === null || bounds.hi === null) return null;
    let lo = bounds.lo;
    let hi = bounds.hi + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.#s.firstRowAtOrAfter.get(mid);
      if (!row || row.ts >= ts) hi = mid;
      else lo = row.id + 1;
    }
    return lo;
  }

  #rollupAggs(granularity: Granularity, endpointId: number, fromMs: number, toMs: number): Map<number, Agg> {
    const step = BUCKET_SIZE_MS[granularity];
    const first = alignDown(fromMs, step);
    const out = new Map<number, Agg>();
    const bounds = this.#s.rollupStartBounds[granularity].get();
    if (bounds && bounds.lo !== null && bounds.hi !== null) {
      // Only the starts that exist anywhere in the table: a window from 1970 costs nothing extra.
      const lo = Math.max(first, bounds.lo);
      const end = Math.min(toMs, bounds.hi + 1);
      if (lo < end) {
        for (const row of this.#s.rollupsForEndpoint[granularity].iterate({ first: lo, step, end, endpointId })) out.set(row.start, aggFromDb(row));
      }
    }
    for (const [start, agg] of this.#pending.forEndpoint(granularity, endpointId) ?? []) {
      if (start < first || start >= toMs) continue;
      const into = out.get(start);
      if (into) addAgg(into, agg);
      else {
        const copy = emptyAgg();
        addAgg(copy, agg);
        out.set(start, copy);
      }
    }
    return out;
  }
}

/**
 * The state's round fields as the newest raw row gives them back, or null for a round that did not
 * advance the state (discounted: a failure measured while the loop was stalled). An up row keeps
 * no detail (result-codec): the written one stays if it was an up round's too.
 */
function roundFields(row: ResultRow, state: EndpointState): Pick<EndpointState, 'lastStatus' | 'lastCode' | 'lastDetail' | 'lastDurationMs'> | null {
  if (row.discounted === true) return null;
  const detail = row.status === 'up' ? (state.lastStatus === 'up' ? state.lastDetail : '') : row.detail;
  return { lastStatus: row.status, lastCode: row.code, lastDetail: detail, lastDurationMs: row.durationMs };
}

/** Keeps `top` sorted newest first by (ts, id) and at most `limit` long. */
function insertTopK(top: ResultDbRow[], row: ResultDbRow, limit: number): void {
  const newer = (a: ResultDbRow, b: ResultDbRow): boolean => a.ts > b.ts || (a.ts === b.ts && a.id > b.id);
  if (top.length === limit && !newer(row, top[limit - 1]!)) return;
  let i = top.length;
  while (i > 0 && newer(row, top[i - 1]!)) i--;
  top.splice(i, 0, row);
  if (top.length > limit) top.pop();
}
