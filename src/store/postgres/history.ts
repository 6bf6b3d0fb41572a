// The PostgreSQL HistoryReader queries: every read is one statement, and its answers equal the
// SQLite backend's for the same writes (the contract suite checks both).
import type { FailureCode } from '../../domain/failure-codes.ts';
import type { HealthEvent } from '../../domain/health.ts';
import type { IncidentRegions } from '../../domain/quorum-decision.ts';
import { type GapDbRow, type ResultColumns, decodeResult, gapFromDb } from '../result-codec.ts';
import { ADDITIVE_COLUMNS, type RollupDbRow, aggFromDb } from '../rollup-columns.ts';
import { type Agg, BUCKET_SIZE_MS, type Granularity, alignDown, emptyAgg, getOrInsert, summaryOf, uptimeParts } from '../rollup-math.ts';
import { type CertObservation, type GapRow, type IdRange, type Incident, type ResultRow, type ResultsQuery, type Rollup, type StoredEvent, StoreError, type ToolSnapshot, type UptimeSummary } from '../store.ts';
import type { Pool, PoolClient } from './pool.ts';

type Db = Pool | PoolClient;

export const ROLLUP_TABLE: Record<Granularity, string> = { hour: 'rollups_hourly', day: 'rollups_daily' };

function rollupFromDb(row: RollupDbRow): Rollup {
  return { endpointId: row.endpoint_id, start: row.start, ...aggFromDb(row) };
}

/** Newest first by ts; rows of one endpoint with equal ts (one partition) by insertion, newest first. */
export async function results(db: Db, endpointId: number, options: ResultsQuery): Promise<ResultRow[]> {
  const upper = Math.min(options.toMs, options.beforeTs ?? Number.POSITIVE_INFINITY);
  const limit = Math.floor(options.limit);
  if (limit <= 0 || upper <= options.fromMs) return [];
  const { rows } = await db.query<ResultColumns>(
    `SELECT endpoint_id, ts, status, code, detail, duration_ms, dns_ms, connect_ms, tls_ms, era, flags, lag_ms
       FROM probe_results WHERE endpoint_id = $1 AND ts >= $2 AND ts < $3 AND ($5::text IS NULL OR region = $5) ORDER BY ts DESC, ctid DESC LIMIT $4`,
    [endpointId, Math.ceil(options.fromMs), Math.ceil(upper), limit, options.region ?? null],
  );
  return rows.map(decodeResult);
}

interface IncidentDbRow {
  id: number;
  endpoint_id: number;
  started_at: Date;
  resolved_at: Date | null;
  first_code: string;
  first_detail: string;
  last_code: string;
  last_detail: string;
  regions: IncidentRegions;
}

/**
 * Newest first by start. Ids come from the domain (endpoint × sequence), so ordering by id would
 * list by endpoint, not by time; within one endpoint the two orders agree.
 */
export async function incidents(db: Db, options: { endpointId?: number; openOnly?: boolean; limit: number }): Promise<Incident[]> {
  const { rows } = await db.query<IncidentDbRow>(
    `SELECT id, endpoint_id, started_at, resolved_at, first_code, first_detail, last_code, last_detail, regions FROM incidents
      WHERE ($1::bigint IS NULL OR endpoint_id = $1) AND (NOT $2 OR resolved_at IS NULL)
      ORDER BY started_at DESC, id DESC LIMIT $3`,
    [options.endpointId ?? null, options.openOnly === true, Math.max(0, Math.floor(options.limit))],
  );
  return rows.map((row) => {
    const startedAt = row.started_at.toISOString();
    const resolvedAt = row.resolved_at === null ? null : row.resolved_at.toISOString();
    return {
      id: row.id,
      endpointId: row.endpoint_id,
      startedAt,
      resolvedAt,
      durationS: resolvedAt === null ? null : (Date.parse(resolvedAt) - Date.parse(startedAt)) / 1000,
      firstCode: row.first_code as FailureCode,
      firstDetail: row.first_detail,
      lastCode: row.last_code as FailureCode,
      lastDetail: row.last_detail,
      // Only when some region said something: a database used without regions reads as SQLite does.
      ...(Object.keys(row.regions).length > 0 ? { regions: row.regions } : {}),
    };
  });
}

/**
 * Without `afterId`: the newest `limit` events, newest first (for pages). With `afterId`: the
 * events after it, oldest first (a cursor; 0002_history.sql says why ids commit in order).
 */
export async function events(db: Db, options: { endpointId?: number; limit: number; afterId?: number }): Promise<StoredEvent[]> {
  const limit = Math.max(0, Math.floor(options.limit));
  const where = '($1::bigint IS NULL OR endpoint_id = $1)';
  const { rows } =
    options.afterId === undefined
      ? await db.query<{ id: number; endpoint_id: number; at: Date; data: HealthEvent }>(`SELECT id, endpoint_id, at, data FROM events WHERE ${where} ORDER BY id DESC LIMIT $2`, [
          options.endpointId ?? null,
          limit,
        ])
      : await db.query<{ id: number; endpoint_id: number; at: Date; data: HealthEvent }>(`SELECT id, endpoint_id, at, data FROM events WHERE ${where} AND id > $3 ORDER BY id LIMIT $2`, [
          options.endpointId ?? null,
          limit,
          options.afterId,
        ]);
  return rows.map((row) => ({ id: row.id, endpointId: row.endpoint_id, at: row.at.toISOString(), kind: row.data.kind, data: row.data }));
}

/** Rows whose bucket overlaps [fromMs, toMs), oldest first. */
export async function rollups(db: Db, granularity: Granularity, endpointId: number, fromMs: number, toMs: number): Promise<Rollup[]> {
  const first = alignDown(fromMs, BUCKET_SIZE_MS[granularity]);
  if (first >= toMs) return [];
  const { rows } = await db.query<RollupDbRow>(`SELECT * FROM ${ROLLUP_TABLE[granularity]} WHERE endpoint_id = $1 AND start >= $2 AND start < $3 ORDER BY start`, [
    endpointId,
    first,
    Math.ceil(toMs),
  ]);
  return rows.map(rollupFromDb);
}

/** rollups() of every endpoint: one range scan of the (start, endpoint_id) key. */
export async function rollupsAll(db: Db, granularity: Granularity, fromMs: number, toMs: number, ids?: IdRange): Promise<Map<number, Rollup[]>> {
  const first = alignDown(fromMs, BUCKET_SIZE_MS[granularity]);
  const out = new Map<number, Rollup[]>();
  if (first >= toMs || (ids && ids.from >= ids.to)) return out;
  const { rows } = await db.query<RollupDbRow>(
    `SELECT * FROM ${ROLLUP_TABLE[granularity]} WHERE start >= $1 AND start < $2 AND ($3::bigint IS NULL OR endpoint_id >= $3) AND ($4::bigint IS NULL OR endpoint_id < $4) ORDER BY start, endpoint_id`,
    [first, Math.ceil(toMs), finiteOrNull(ids?.from), finiteOrNull(ids?.to)],
  );
  // Rows come in (start, endpoint) order, so every endpoint's list is already oldest first.
  for (const row of rows) getOrInsert(out, row.endpoint_id, () => []).push(rollupFromDb(row));
  return out;
}

function finiteOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isFinite(n) ? Math.ceil(n) : null;
}

/**
 * Per-endpoint totals over [fromMs, toMs), summed in PostgreSQL: daily rows for the whole UTC days
 * inside the window, hourly rows for the ragged ends (uptimeParts), as one statement.
 */
async function uptimeTotals(db: Db, fromMs: number, toMs: number, endpointId: number | null): Promise<Map<number, Agg>> {
  const parts = uptimeParts(fromMs, toMs);
  const totals = new Map<number, Agg>();
  if (parts.length === 0) return totals;
  const params: unknown[] = [endpointId];
  const selects = parts.map(([granularity, from, to]) => {
    params.push(alignDown(from, BUCKET_SIZE_MS[granularity]), Math.ceil(to));
    const n = params.length;
    return `SELECT * FROM ${ROLLUP_TABLE[granularity]} WHERE start >= $${n - 1} AND start < $${n} AND ($1::bigint IS NULL OR endpoint_id = $1)`;
  });
  const sums = ADDITIVE_COLUMNS.map((c) => `sum(${c}) AS ${c}`);
  const { rows } = await db.query<RollupDbRow>(
    `SELECT endpoint_id, 0 AS start, ${sums.join(', ')}, min(latency_min_ms) AS latency_min_ms, max(latency_max_ms) AS latency_max_ms
       FROM (${selects.join(' UNION ALL ')}) AS r GROUP BY endpoint_id`,
    params,
  );
  for (const row of rows) totals.set(row.endpoint_id, aggFromDb(row));
  return totals;
}

export async function uptime(db: Db, endpointId: number, fromMs: number, toMs: number): Promise<UptimeSummary> {
  const totals = await uptimeTotals(db, fromMs, toMs, endpointId);
  return summaryOf(totals.get(endpointId) ?? emptyAgg());
}

export async function uptimeAll(db: Db, fromMs: number, toMs: number): Promise<Map<number, UptimeSummary>> {
  const out = new Map<number, UptimeSummary>();
  for (const [endpointId, total] of await uptimeTotals(db, fromMs, toMs, null)) out.set(endpointId, summaryOf(total));
  return out;
}

export async function gaps(db: Db, endpointId: number, fromMs: number, toMs: number, limit: number): Promise<GapRow[]> {
  const { rows } = await db.query<GapDbRow>('SELECT endpoint_id, from_ts, to_ts FROM monitoring_gaps WHERE endpoint_id = $1 AND to_ts > $2 AND from_ts < $3 ORDER BY to_ts DESC, id DESC LIMIT $4', [
    endpointId,
    Math.floor(fromMs),
    Math.ceil(toMs),
    Math.max(0, Math.floor(limit)),
  ]);
  return rows.map(gapFromDb);
}

export async function gapsAll(db: Db, fromMs: number, toMs: number): Promise<Map<number, GapRow[]>> {
  const { rows } = await db.query<GapDbRow>('SELECT endpoint_id, from_ts, to_ts FROM monitoring_gaps WHERE to_ts > $1 AND from_ts < $2 ORDER BY endpoint_id, to_ts DESC, id DESC', [
    Math.floor(fromMs),
    Math.ceil(toMs),
  ]);
  const out = new Map<number, GapRow[]>();
  for (const row of rows) getOrInsert(out, row.endpoint_id, () => []).push(gapFromDb(row));
  return out;
}

export async function latestCertificate(db: Db, endpointId: number): Promise<CertObservation | undefined> {
  const { rows } = await db.query<{ endpoint_id: number; ts: number; fingerprint256: string; subject: string; issuer: string; not_before: string; not_after: string; sans: unknown }>(
    'SELECT endpoint_id, ts, fingerprint256, subject, issuer, not_before, not_after, sans FROM cert_observations WHERE endpoint_id = $1 ORDER BY ts DESC, id DESC LIMIT 1',
    [endpointId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    endpointId: row.endpoint_id,
    ts: row.ts,
    fingerprint256: row.fingerprint256,
    subject: row.subject,
    issuer: row.issuer,
    notBefore: row.not_before,
    notAfter: row.not_after,
    sans: stringArray(row.sans, 'cert_observations.sans'),
  };
}

export async function toolSnapshots(db: Db, endpointId: number, limit: number): Promise<ToolSnapshot[]> {
  const { rows } = await db.query<{ endpoint_id: number; ts: number; hash: string; count: number; names: unknown }>(
    'SELECT endpoint_id, ts, hash, count, names FROM tool_snapshots WHERE endpoint_id = $1 ORDER BY ts DESC, id DESC LIMIT $2',
    [endpointId, Math.max(0, Math.floor(limit))],
  );
  return rows.map((row) => ({ endpointId: row.endpoint_id, ts: row.ts, hash: row.hash, count: row.count, names: stringArray(row.names, 'tool_snapshots.names') }));
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new StoreError('SCHEMA_MISMATCH', `${where} is not a JSON array of strings`);
  return value;
}
