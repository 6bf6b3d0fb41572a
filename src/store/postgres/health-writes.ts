// Writing health as a single node does (endpoint_state, incidents, events) and as a region does
// (region_endpoint_state): shared by the tick writer (src/store/postgres/ticks.ts) and the quorum
// arbiter's store (src/store/postgres/quorum.ts), so both write incidents and events the same way.
import type { EndpointState, HealthEvent } from '../../domain/health.ts';
import type { RegionWord } from '../../domain/region-board.ts';
import { STATE_COLUMNS, STATE_FIELDS } from '../write-behind.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from './locks.ts';
import type { Pool, PoolClient } from './pool.ts';
import { type ColumnSpec, columnArrays, unnestSelect } from './unnest.ts';

const STATE_TYPES: Record<keyof EndpointState, string> = {
  endpointId: 'bigint',
  health: 'text',
  healthSince: 'text',
  consecutiveFailures: 'integer',
  consecutiveSuccesses: 'integer',
  lastStatus: 'text',
  lastCode: 'text',
  lastDetail: 'text',
  lastCheckedAt: 'text',
  lastDurationMs: 'double precision',
  era: 'text',
  protocolVersion: 'text',
  serverName: 'text',
  serverVersion: 'text',
  certFingerprint: 'text',
  certNotAfter: 'text',
  toolsHash: 'text',
  toolsCount: 'integer',
  openIncidentId: 'bigint',
  incidentsOpened: 'integer',
  failingSince: 'text',
  firstFailureCode: 'text',
  firstFailureDetail: 'text',
};
const STATE_SPECS: readonly ColumnSpec[] = STATE_FIELDS.map((field) => [STATE_COLUMNS[field], STATE_TYPES[field]]);
const WORD_FIELDS = ['endpointId', 'health', 'healthSince', 'lastStatus', 'lastCheckedAt', 'lastDurationMs', 'consecutiveFailures'] as const satisfies ReadonlyArray<keyof EndpointState>;
const STATE_SELECT = STATE_FIELDS.map((field) => `${STATE_COLUMNS[field]} AS "${field}"`).join(', ');
const REGION_SPEC: ColumnSpec = ['region', 'text'];
const SET_STATE = STATE_SPECS.filter(([c]) => c !== 'endpoint_id').map(([c]) => `${c} = excluded.${c}`).join(', ');

const SQL = {
  upsertStates: `INSERT INTO endpoint_state (${STATE_SPECS.map(([c]) => c).join(', ')}) ${unnestSelect(STATE_SPECS)}
    ON CONFLICT (endpoint_id) DO UPDATE SET ${SET_STATE}`,
  // updated_at is the database's now(): what the arbiter judges the region's freshness by.
  upsertRegionStates: `INSERT INTO region_endpoint_state (${[...STATE_SPECS, REGION_SPEC].map(([c]) => c).join(', ')}, updated_at)
    SELECT *, now() FROM (${unnestSelect([...STATE_SPECS, REGION_SPEC])}) AS s
    ON CONFLICT (endpoint_id, region) DO UPDATE SET ${SET_STATE}, updated_at = excluded.updated_at`,
  loadStates: `SELECT ${STATE_SELECT} FROM endpoint_state ORDER BY endpoint_id`,
  loadRegionStates: `SELECT ${STATE_SELECT} FROM region_endpoint_state WHERE region = $1 ORDER BY endpoint_id`,
  // The database's clock with the rows, so freshness never depends on a node's clock. A word
  // older than a day is forgotten: a region taken out of service (or the 'default' region of a
  // database that ran one region before) stops being listed as not reporting a day after its last write.
  allRegionStates: `SELECT ${STATE_SELECT}, region, (extract(epoch FROM updated_at) * 1000)::float8 AS "atMs", (extract(epoch FROM now()) * 1000)::float8 AS "nowMs"
    FROM region_endpoint_state WHERE updated_at > now() - interval '1 day' ORDER BY endpoint_id, region`,
  // A copied database (migrate-data) continues as `region` ($1), as 0005_regions.sql seeds a
  // database that ran one region: updated_at in the past, so nothing counts as fresh until the
  // region writes again. Rows the region already has are kept (a resumed copy, a second run).
  seedRegionStates: `INSERT INTO region_endpoint_state (${STATE_SPECS.map(([c]) => c).join(', ')}, region, updated_at)
    SELECT ${STATE_SPECS.map(([c]) => c).join(', ')}, $1, 'epoch'::timestamptz FROM endpoint_state
    ON CONFLICT (endpoint_id, region) DO NOTHING`,
  // The pages' read: the same rows as allRegionStates, only the columns a page or the quorum needs.
  regionWords: `SELECT ${WORD_FIELDS.map((field) => `${STATE_COLUMNS[field]} AS "${field}"`).join(', ')}, region,
      (extract(epoch FROM updated_at) * 1000)::float8 AS "atMs", (extract(epoch FROM now()) * 1000)::float8 AS "nowMs"
    FROM region_endpoint_state WHERE updated_at > now() - interval '1 day'`,
} as const;

function stateColumns(state: EndpointState): Record<string, unknown> {
  return Object.fromEntries(STATE_FIELDS.map((field) => [STATE_COLUMNS[field], state[field]]));
}

/** Overall states (region null) or a region's; in endpoint order, so two writers lock rows alike and cannot deadlock. */
export async function upsertStates(client: PoolClient, states: readonly EndpointState[], region: string | null): Promise<void> {
  if (states.length === 0) return;
  const sorted = [...states].sort((a, b) => a.endpointId - b.endpointId);
  if (region === null) await client.query(SQL.upsertStates, columnArrays(STATE_SPECS, sorted.map(stateColumns)));
  else await client.query(SQL.upsertRegionStates, columnArrays([...STATE_SPECS, REGION_SPEC], sorted.map((s) => ({ ...stateColumns(s), region }))));
}

/** The overall states (region null) or one region's. */
export async function loadStates(db: Pool | PoolClient, region: string | null): Promise<EndpointState[]> {
  const { rows } = region === null ? await db.query<EndpointState>(SQL.loadStates) : await db.query<EndpointState>(SQL.loadRegionStates, [region]);
  return rows;
}

export interface RegionStateRow {
  readonly region: string;
  readonly state: EndpointState;
  /** When the region last wrote it, database clock, ms. */
  readonly atMs: number;
}

/** Seeds `region`'s states from the overall ones (see SQL.seedRegionStates); returns the rows added. */
export async function seedRegionStates(db: Pool | PoolClient, region: string): Promise<number> {
  return (await db.query(SQL.seedRegionStates, [region])).rowCount ?? 0;
}

/** The database's now (ms) as the rows carry it, or asked for when there are none. */
async function databaseNow(db: Pool | PoolClient, rows: ReadonlyArray<{ readonly nowMs: number }>): Promise<number> {
  return rows[0]?.nowMs ?? (await db.query<{ nowMs: number }>('SELECT (extract(epoch FROM now()) * 1000)::float8 AS "nowMs"')).rows[0]?.nowMs ?? Date.now();
}

/** Every region's state of every endpoint, and the database's now (ms). */
export async function allRegionStates(db: Pool | PoolClient): Promise<{ rows: RegionStateRow[]; nowMs: number }> {
  const result = await db.query<EndpointState & { region: string; atMs: number; nowMs: number }>(SQL.allRegionStates);
  return {
    nowMs: await databaseNow(db, result.rows),
    rows: result.rows.map(({ region, atMs, nowMs: _now, ...state }) => ({ region, atMs, state })),
  };
}

/** Every region's latest word on every endpoint (src/store/regions.ts RegionReader). */
export async function regionWords(db: Pool | PoolClient): Promise<{ now: number; words: RegionWord[] }> {
  type Row = Pick<EndpointState, (typeof WORD_FIELDS)[number]> & { region: string; atMs: number; nowMs: number };
  const result = await db.query<Row>(SQL.regionWords);
  return { now: await databaseNow(db, result.rows), words: result.rows.map(({ endpointId, region, atMs, nowMs: _now, ...state }) => ({ endpointId, region, at: atMs, state })) };
}

function incidentIdOf(event: HealthEvent): number | null {
  return 'incidentId' in event ? event.incidentId : null;
}

/** In batch order: an update after an open of the same batch must find the row. */
export async function applyIncidentEvent(client: PoolClient, endpointId: number, event: HealthEvent): Promise<void> {
  switch (event.kind) {
    case 'incident_opened':
      // The id is the domain's: a second writer of the same round (a retry, another node) is a no-op.
      await client.query(
        `INSERT INTO incidents (id, endpoint_id, started_at, first_code, first_detail, last_code, last_detail)
         VALUES ($1, $2, $3, $4, $5, $4, $5) ON CONFLICT (id) DO NOTHING`,
        [event.incidentId, endpointId, event.startedAt, event.code, event.detail],
      );
      return;
    case 'incident_updated':
      await client.query('UPDATE incidents SET last_code = $1, last_detail = $2 WHERE id = $3 AND endpoint_id = $4', [event.code, event.detail, event.incidentId, endpointId]);
      return;
    case 'incident_resolved':
      await client.query(
        'UPDATE incidents SET resolved_at = $1, last_code = coalesce($2, last_code), last_detail = coalesce($3, last_detail) WHERE id = $4 AND endpoint_id = $5 AND resolved_at IS NULL',
        [event.at, event.lastCode, event.lastDetail, event.incidentId, endpointId],
      );
      return;
    default:
      return;
  }
}

/**
 * Inserts events, to be called LAST in the transaction: under the events lock held to COMMIT, so
 * event ids become visible in increasing order (0002_history.sql). incident_updated is not stored:
 * an update per failing round would repeat the raw results; the incident row holds the latest.
 */
export async function insertEvents(client: PoolClient, events: ReadonlyArray<{ readonly endpointId: number; readonly event: HealthEvent }>): Promise<void> {
  const stored = events.filter((e) => e.event.kind !== 'incident_updated');
  if (stored.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.events]);
  await client.query(
    `INSERT INTO events (endpoint_id, at, kind, incident_id, data)
     SELECT endpoint_id, at, kind, incident_id, data
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::bigint[], $5::jsonb[]) WITH ORDINALITY AS u(endpoint_id, at, kind, incident_id, data, n) ORDER BY n`,
    [stored.map((e) => e.endpointId), stored.map((e) => e.event.at), stored.map((e) => e.event.kind), stored.map((e) => incidentIdOf(e.event)), stored.map((e) => JSON.stringify(e.event))],
  );
}

/**
 * Takes the shared tickWrite lock (an endpoint DELETE takes it exclusive, 0002_history.sql) and
 * returns which of `ids` still exist: rows of the others are dropped, and those found cannot be
 * deleted before COMMIT, so no foreign key fails and nothing is left behind.
 */
export async function liveEndpoints(client: PoolClient, ids: Iterable<number>): Promise<Set<number>> {
  await client.query('SELECT pg_advisory_xact_lock_shared($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.tickWrite]);
  const found = await client.query<{ id: number }>('SELECT id FROM endpoints WHERE id = ANY($1::bigint[])', [[...new Set(ids)]]);
  return new Set(found.rows.map((row) => row.id));
}
