// The PostgreSQL TickWriter, HistoryReader and Retention (tables: migrations/postgres/0002_history.sql).
//
// Unlike the SQLite backend, this one keeps nothing in memory between ticks: every tick writes its
// raw rows, states, incidents, events, observations, gaps AND its rollup deltas in one
// transaction. SQLite folds rollups and counter-only state changes in memory because each upsert
// rewrites a page in its WAL; here an additive upsert touches only unindexed columns (a HOT update,
// no index writes), and writing it with the raw rows means a crash loses nothing, nothing has to
// be refolded on open, several nodes can write one database, and reads need no merging. So
// flush() has nothing to do.
//
// What that costs, measured on the 2-core dev machine (PostgreSQL 15, one tick = one row and one
// state per endpoint): at 10k endpoints a tick takes ~1.1–1.6 s (2% of a 60 s round) and writes
// ~0.95 KB of WAL per raw row: the raw INSERT itself ~80 ms per 10k rows (~125k rows/s, 85 B heap
// + ~40 B index per row), each rollup upsert (hour, day) ~250 ms, the state upsert ~200 ms and
// ~0.35 KB/row. Deferring volatile state changes (isVolatileChange) would save that last part;
// it is not done, to keep every node's reads exact without merging memory.
//
// Retry: a rejected writeTick changed nothing (one transaction), and a batch whose first attempt
// did commit (the connection broke after COMMIT) is recognised by its receipt (the SHA-256 of the
// batch, stored in the same transaction) and written once: rollups are not counted twice. A retry
// while the first attempt's transaction is still open on the server waits for it on the receipt's
// key (up to lock_timeout), then either finds it committed or writes the batch itself.
import { createHash } from 'node:crypto';
import type { EndpointState } from '../../domain/health.ts';
import { encodeResult, normalizeResult } from '../result-codec.ts';
import { ADDITIVE_COLUMNS, checkBucketCount } from '../rollup-columns.ts';
import { BUCKET_SIZE_MS, GRANULARITIES, HOUR_MS, RollupBuffer } from '../rollup-math.ts';
import { DEFAULT_REGION } from '../store.ts';
import type { CertObservation, GapRow, HistoryReader, IdRange, Incident, ResultRow, ResultsQuery, Retention, Rollup, StoredEvent, TickBatch, TickWriter, ToolSnapshot, UptimeSummary } from '../store.ts';
import type { RegionTicks } from '../regions.ts';
import { applyIncidentEvent, insertEvents, liveEndpoints, loadStates, upsertStates } from './health-writes.ts';
import * as history from './history.ts';
import { type Partition, createPartitions, dropPartition, listPartitions, partitionStart, startsAhead } from './partitions.ts';
import { type Pool, type PoolClient, transaction } from './pool.ts';
import { type ColumnSpec, columnArrays, unnestSelect } from './unnest.ts';

export interface PgTicksOptions {
  /** Milliseconds since the epoch: which partitions to create ahead, receipt times. */
  readonly clock?: () => number;
  /**
   * Accepted so both backends take the same options, and ignored: this backend writes everything
   * in the tick (see the header), so there is nothing to flush later.
   */
  readonly flushIntervalMs?: number;
}

/** A receipt outlives any retry of its batch by far; older ones are deleted by later ticks. */
const RECEIPT_TTL_MS = HOUR_MS;
/** SQLSTATE 23514 with this message: a row fell outside every partition (one was dropped meanwhile). */
const NO_PARTITION = /no partition of relation/;

const RESULT_COLUMNS: readonly ColumnSpec[] = [
  ['endpoint_id', 'bigint'],
  ['ts', 'bigint'],
  ['duration_ms', 'integer'],
  ['lag_ms', 'integer'],
  ['dns_ms', 'integer'],
  ['connect_ms', 'integer'],
  ['tls_ms', 'integer'],
  ['status', 'smallint'],
  ['era', 'smallint'],
  ['flags', 'smallint'],
  ['code', 'text'],
  ['detail', 'text'],
  ['region', 'text'],
];

const ROLLUP_COLUMNS: readonly ColumnSpec[] = [
  ['start', 'bigint'],
  ['endpoint_id', 'bigint'],
  ...ADDITIVE_COLUMNS.map((name): ColumnSpec => [name, name === 'latency_sum_ms' ? 'bigint' : 'integer']),
  ['latency_min_ms', 'integer'],
  ['latency_max_ms', 'integer'],
];


const SQL = {
  insertResults: `INSERT INTO probe_results (${RESULT_COLUMNS.map(([c]) => c).join(', ')}) ${unnestSelect(RESULT_COLUMNS)}`,
  upsertRollups: (table: string): string =>
    `INSERT INTO ${table} AS t (${ROLLUP_COLUMNS.map(([c]) => c).join(', ')}) ${unnestSelect(ROLLUP_COLUMNS)}
     ON CONFLICT (start, endpoint_id) DO UPDATE SET ${ADDITIVE_COLUMNS.map((c) => `${c} = t.${c} + excluded.${c}`).join(', ')},
       latency_min_ms = LEAST(t.latency_min_ms, excluded.latency_min_ms), latency_max_ms = GREATEST(t.latency_max_ms, excluded.latency_max_ms)`,
} as const;

export class PgTicks implements TickWriter, HistoryReader, Retention {
  readonly #pool: Pool;
  readonly #clock: () => number;
  /** Partition starts known to exist; refreshed when an insert finds one missing. */
  #partitions = new Set<number>();

  private constructor(pool: Pool, clock: () => number) {
    this.#pool = pool;
    this.#clock = clock;
  }

  /** Checks the schema's bucket count and creates today's and the next days' partitions. */
  static async open(pool: Pool, options: PgTicksOptions = {}): Promise<PgTicks> {
    checkBucketCount();
    const ticks = new PgTicks(pool, options.clock ?? Date.now);
    await ticks.#ensurePartitions(startsAhead(ticks.#clock()));
    return ticks;
  }

  // --- TickWriter --------------------------------------------------------------------------------

  loadStates(): Promise<EndpointState[]> {
    return loadStates(this.#pool, null);
  }

  /**
   * The writer of a node in `region` (issue 14): rounds carry the region, states go to the
   * region's table, and its health events are the region's own, not written here: the quorum
   * arbiter turns the regions' states into incidents and events (src/service/quorum-arbiter.ts).
   */
  forRegion(region: string): RegionTicks {
    return { loadStates: () => loadStates(this.#pool, region), writeTick: (batch) => this.writeTick(batch, region) };
  }

  async writeTick(batch: TickBatch, region: string | null = null): Promise<void> {
    // Time order, like SQLite's: rows of one partition land together and in ts order.
    const results = batch.results.map(normalizeResult).sort((a, b) => a.ts - b.ts || a.endpointId - b.endpointId);
    const digest = createHash('sha256').update(JSON.stringify(region === null ? batch : { region, batch })).digest();
    const now = this.#clock();
    for (let attempt = 0; ; attempt++) {
      // Partitions are made before the tick's transaction, in their own: DDL there would hold the
      // parent's lock (blocking every reader) until the whole tick commits.
      await this.#ensurePartitions(results.map((row) => partitionStart(row.ts)));
      try {
        await transaction(this.#pool, (client) => writeTickIn(client, batch, results, digest, now, region));
        return;
      } catch (error) {
        // Another node's retention dropped a partition we believed in: look again, once.
        if (attempt > 0 || !NO_PARTITION.test(error instanceof Error ? error.message : '')) throw error;
        this.#partitions = new Set();
      }
    }
  }

  /** Nothing waits in memory (see the header). */
  async flush(): Promise<void> {}

  // --- HistoryReader -----------------------------------------------------------------------------

  results(endpointId: number, options: ResultsQuery): Promise<ResultRow[]> {
    return history.results(this.#pool, endpointId, options);
  }

  /** probe_results has its (endpoint_id, ts) index. */
  rawReadsIndexed(): boolean {
    return true;
  }

  incidents(options: { endpointId?: number; openOnly?: boolean; limit: number }): Promise<Incident[]> {
    return history.incidents(this.#pool, options);
  }

  events(options: { endpointId?: number; limit: number; afterId?: number }): Promise<StoredEvent[]> {
    return history.events(this.#pool, options);
  }

  rollups(granularity: 'hour' | 'day', endpointId: number, fromMs: number, toMs: number): Promise<Rollup[]> {
    return history.rollups(this.#pool, granularity, endpointId, fromMs, toMs);
  }

  uptime(endpointId: number, fromMs: number, toMs: number): Promise<UptimeSummary> {
    return history.uptime(this.#pool, endpointId, fromMs, toMs);
  }

  rollupsAll(granularity: 'hour' | 'day', fromMs: number, toMs: number, ids?: IdRange): Promise<Map<number, Rollup[]>> {
    return history.rollupsAll(this.#pool, granularity, fromMs, toMs, ids);
  }

  uptimeAll(fromMs: number, toMs: number): Promise<Map<number, UptimeSummary>> {
    return history.uptimeAll(this.#pool, fromMs, toMs);
  }

  gaps(endpointId: number, fromMs: number, toMs: number, limit: number): Promise<GapRow[]> {
    return history.gaps(this.#pool, endpointId, fromMs, toMs, limit);
  }

  gapsAll(fromMs: number, toMs: number): Promise<Map<number, GapRow[]>> {
    return history.gapsAll(this.#pool, fromMs, toMs);
  }

  latestCertificate(endpointId: number): Promise<CertObservation | undefined> {
    return history.latestCertificate(this.#pool, endpointId);
  }

  toolSnapshots(endpointId: number, limit: number): Promise<ToolSnapshot[]> {
    return history.toolSnapshots(this.#pool, endpointId, limit);
  }

  // --- Retention ---------------------------------------------------------------------------------

  /**
   * Drops every partition entirely older than `beforeMs` (whatever `limit`: a drop costs the same
   * for any number of rows), then deletes up to `limit` rows older than `beforeMs` from the one
   * partition that straddles it. Returns the rows removed, counted exactly. Also keeps partitions
   * created ahead, so a long-running node never depends on the writer's on-demand creation.
   */
  async pruneResults(beforeMs: number, _limit: number): Promise<number> {
    // Whole day partitions only (RAW_PRUNE_GRANULE_MS): deleting the expired part of the day the
    // cut falls in would cost a scan and a vacuum per row for rows whose partition goes tomorrow.
    await this.#ensurePartitions(startsAhead(this.#clock()));
    let removed = 0;
    for (const partition of await listPartitions(this.#pool)) {
      if (partition.to > beforeMs) continue;
      removed += await dropPartition(this.#pool, partition);
      this.#partitions.delete(partition.from);
    }
    return removed;
  }

  /** Deletes up to `limit` rollup rows (hourly first, then daily) whose bucket ended by `beforeMs`, then gaps. */
  async pruneRollups(beforeMs: number, limit: number, hourlyBeforeMs = beforeMs): Promise<number> {
    let left = Math.floor(limit);
    let deleted = 0;
    for (const granularity of GRANULARITIES) {
      if (left <= 0) break;
      const table = history.ROLLUP_TABLE[granularity];
      const result = await this.#pool.query(
        `DELETE FROM ${table} WHERE (start, endpoint_id) IN (SELECT start, endpoint_id FROM ${table} WHERE start <= $1 ORDER BY start, endpoint_id LIMIT $2)`,
        [(granularity === 'hour' ? hourlyBeforeMs : beforeMs) - BUCKET_SIZE_MS[granularity], left],
      );
      deleted += result.rowCount ?? 0;
      left -= result.rowCount ?? 0;
    }
    if (left > 0) {
      const result = await this.#pool.query('DELETE FROM monitoring_gaps WHERE id IN (SELECT id FROM monitoring_gaps WHERE to_ts < $1 ORDER BY to_ts LIMIT $2)', [beforeMs, left]);
      deleted += result.rowCount ?? 0;
    }
    return deleted;
  }

  // --- internals ---------------------------------------------------------------------------------

  async #ensurePartitions(starts: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const start of starts) if (!this.#partitions.has(start)) missing.add(start);
    if (missing.size === 0) return;
    // Refresh from the catalog before creating: usually another node (or an earlier run) made them.
    const existing = await listPartitions(this.#pool);
    this.#partitions = new Set(existing.map((p: Partition) => p.from));
    const create = [...missing].filter((start) => !this.#partitions.has(start));
    await createPartitions(this.#pool, create);
    for (const start of create) this.#partitions.add(start);
  }
}

/**
 * The whole tick inside one transaction; `results` are the batch's rows normalized and sorted.
 * With a region: the region's rows and states, and neither incidents nor events (forRegion).
 */
async function writeTickIn(client: PoolClient, batch: TickBatch, results: readonly ResultRow[], digest: Buffer, now: number, region: string | null): Promise<void> {
  // A receipt already there: this batch committed before (its caller saw the connection break).
  // A first attempt still in flight on a dead connection makes this INSERT wait for it to end.
  const receipt = await client.query('INSERT INTO tick_receipts (digest, written_at) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING', [digest, now]);
  if (receipt.rowCount === 0) return;
  await client.query('DELETE FROM tick_receipts WHERE written_at < $1', [now - RECEIPT_TTL_MS]);

  // Rows of an endpoint deleted meanwhile are dropped (liveEndpoints).
  const live = await liveEndpoints(client, [
    ...batch.results.map((r) => r.endpointId),
    ...batch.states.map((s) => s.endpointId),
    ...batch.events.map((e) => e.endpointId),
    ...batch.certObservations.map((c) => c.endpointId),
    ...batch.toolSnapshots.map((t) => t.endpointId),
    ...(batch.gaps ?? []).map((g) => g.endpointId),
  ]);

  const rows = results.filter((row) => live.has(row.endpointId));
  if (rows.length > 0) await client.query(SQL.insertResults, columnArrays(RESULT_COLUMNS, rows.map((row) => ({ ...encodeResult(row), region: region ?? DEFAULT_REGION }))));

  const events = region === null ? batch.events.filter((e) => live.has(e.endpointId)) : [];
  for (const { endpointId, event } of events) await applyIncidentEvent(client, endpointId, event);

  await upsertStates(client, batch.states.filter((s) => live.has(s.endpointId)), region);

  await insertChangedCerts(client, batch.certObservations.filter((c) => live.has(c.endpointId)));
  await insertChangedTools(client, batch.toolSnapshots.filter((t) => live.has(t.endpointId)));

  const gaps = (batch.gaps ?? []).filter((g) => live.has(g.endpointId) && g.toMs > g.fromMs);
  if (gaps.length > 0) {
    await client.query('INSERT INTO monitoring_gaps (endpoint_id, from_ts, to_ts) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])', [
      gaps.map((g) => g.endpointId),
      gaps.map((g) => Math.round(g.fromMs)),
      gaps.map((g) => Math.round(g.toMs)),
    ]);
  }

  const delta = new RollupBuffer();
  for (const row of rows) delta.add(row);
  for (const granularity of GRANULARITIES) {
    const sorted = delta.sorted(granularity);
    if (sorted.length === 0) continue;
    const rollupRows = sorted.map(({ start, endpointId, agg }) => ({
      start,
      endpoint_id: endpointId,
      up: agg.up,
      degraded: agg.degraded,
      auth_required: agg.authRequired,
      down: agg.down,
      latency_sum_ms: agg.latencySumMs,
      latency_min_ms: agg.latencyMinMs,
      latency_max_ms: agg.latencyMaxMs,
      ...Object.fromEntries(agg.buckets.map((count, i) => [`b${i}`, count])),
    }));
    await client.query(SQL.upsertRollups(history.ROLLUP_TABLE[granularity]), columnArrays(ROLLUP_COLUMNS, rollupRows));
  }

  // Last, and under the events lock held to COMMIT, so event ids become visible in increasing
  // order (0002_history.sql). An update per failing round would repeat the raw results; the
  // incident row holds the latest.
  await insertEvents(client, events);
}

/** Observations whose fingerprint differs from the endpoint's latest (stored, or earlier in the batch). */
async function insertChangedCerts(client: PoolClient, certs: readonly CertObservation[]): Promise<void> {
  if (certs.length === 0) return;
  const changed = keepChanged(certs, await latestBy(client, 'cert_observations', 'fingerprint256', certs), (cert) => cert.fingerprint256);
  if (changed.length === 0) return;
  await client.query(
    `INSERT INTO cert_observations (endpoint_id, ts, fingerprint256, subject, issuer, not_before, not_after, sans)
     SELECT endpoint_id, ts, fingerprint256, subject, issuer, not_before, not_after, sans
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[]) WITH ORDINALITY
            AS u(endpoint_id, ts, fingerprint256, subject, issuer, not_before, not_after, sans, n) ORDER BY n`,
    [
      changed.map((c) => c.endpointId),
      changed.map((c) => Math.round(c.ts)),
      changed.map((c) => c.fingerprint256),
      changed.map((c) => c.subject),
      changed.map((c) => c.issuer),
      changed.map((c) => c.notBefore),
      changed.map((c) => c.notAfter),
      changed.map((c) => JSON.stringify(c.sans)),
    ],
  );
}

/** Snapshots whose hash differs from the endpoint's latest (stored, or earlier in the batch). */
async function insertChangedTools(client: PoolClient, snapshots: readonly ToolSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const changed = keepChanged(snapshots, await latestBy(client, 'tool_snapshots', 'hash', snapshots), (tools) => tools.hash);
  if (changed.length === 0) return;
  await client.query(
    `INSERT INTO tool_snapshots (endpoint_id, ts, hash, count, names)
     SELECT endpoint_id, ts, hash, count, names FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::integer[], $5::jsonb[]) WITH ORDINALITY AS u(endpoint_id, ts, hash, count, names, n) ORDER BY n`,
    [changed.map((t) => t.endpointId), changed.map((t) => Math.round(t.ts)), changed.map((t) => t.hash), changed.map((t) => t.count), changed.map((t) => JSON.stringify(t.names))],
  );
}

/** endpoint id → `column` of its latest row (by ts, then id) in `table`, for the endpoints of `items`. */
async function latestBy(client: PoolClient, table: 'cert_observations' | 'tool_snapshots', column: 'fingerprint256' | 'hash', items: ReadonlyArray<{ endpointId: number }>): Promise<Map<number, string>> {
  const ids = [...new Set(items.map((item) => item.endpointId))];
  const { rows } = await client.query<{ endpoint_id: number; value: string }>(
    `SELECT DISTINCT ON (endpoint_id) endpoint_id, ${column} AS value FROM ${table} WHERE endpoint_id = ANY($1::bigint[]) ORDER BY endpoint_id, ts DESC, id DESC`,
    [ids],
  );
  return new Map(rows.map((row) => [row.endpoint_id, row.value]));
}

/** The items whose value differs from their endpoint's latest, stored or earlier in the list. */
function keepChanged<T extends { endpointId: number }>(items: readonly T[], latest: Map<number, string>, value: (item: T) => string): T[] {
  return items.filter((item) => {
    if (latest.get(item.endpointId) === value(item)) return false;
    latest.set(item.endpointId, value(item));
    return true;
  });
}
