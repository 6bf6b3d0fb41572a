// The daily partitions of probe_results (migrations/postgres/0002_history.sql says why daily and
// why no default partition): which exist, creating missing ones, and dropping expired ones.
import { DAY_MS, alignDown } from '../rollup-math.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from './locks.ts';
import { type Pool, type PoolClient, transaction } from './pool.ts';

/** One partition's length; probe_results_partition() in SQL checks callers agree. */
export const PARTITION_MS = DAY_MS;
/** Created ahead of need on open: today and the next two days. */
export const DAYS_AHEAD = 2;
/** How long DROP may wait for the parent's lock: queueing behind a long read would stall every tick. */
const DROP_LOCK_TIMEOUT_MS = 5000;

export interface Partition {
  readonly name: string;
  /** Inclusive lower bound of ts, ms since the epoch. */
  readonly from: number;
  /** Exclusive upper bound. */
  readonly to: number;
}

export function partitionStart(ts: number): number {
  return alignDown(ts, PARTITION_MS);
}

/** The partitions of probe_results, oldest first, with bounds read from the catalog. */
export async function listPartitions(db: Pool | PoolClient): Promise<Partition[]> {
  const { rows } = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'probe_results'::regclass`,
  );
  const out: Partition[] = [];
  for (const row of rows) {
    // FOR VALUES FROM ('1764633600000') TO ('1764720000000'); a DEFAULT partition someone added by
    // hand has no bounds and is left alone.
    const match = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(row.bound);
    if (match) out.push({ name: row.name, from: Number(match[1]), to: Number(match[2]) });
  }
  return out.sort((a, b) => a.from - b.from);
}

/** Creates the partitions starting at `starts` that do not exist yet, in one short transaction. */
export async function createPartitions(pool: Pool, starts: Iterable<number>): Promise<void> {
  const list = [...new Set(starts)].sort((a, b) => a - b);
  if (list.length === 0) return;
  await transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.partitions]);
    await client.query('SELECT probe_results_partition(d) FROM unnest($1::bigint[]) AS d', [list]);
  });
}

/** Today's partition and the next DAYS_AHEAD ones' starts. */
export function startsAhead(nowMs: number): number[] {
  const today = partitionStart(nowMs);
  return Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => today + i * PARTITION_MS);
}

/**
 * Drops a whole partition; returns how many rows it held (counted exactly just before, so a row a
 * late writer adds in between is dropped uncounted). DROP locks the parent for a moment, so it
 * gives up after DROP_LOCK_TIMEOUT_MS rather than queue every tick behind a long read.
 */
export async function dropPartition(pool: Pool, partition: Partition): Promise<number> {
  const name = quoteIdent(partition.name);
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`);
  await transaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = ${DROP_LOCK_TIMEOUT_MS}`);
    await client.query(`DROP TABLE ${name}`);
  });
  return rows[0]?.n ?? 0;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
