// The PostgreSQL side of migrate-data: the target migrated and locked, refused when it holds data
// that is not an interrupted copy of this same source, then filled table by table in batches.
// Each batch commits together with the progress row saying how far it got (migrate_data_progress),
// so a copy killed at any moment loses at most the batch in flight and the next run continues
// after the last committed one: no row is skipped, none is written twice.
import { seedRegionStates } from '../postgres/health-writes.ts';
import { migratePostgres } from '../postgres/migrate.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from '../postgres/locks.ts';
import { createPartitions, partitionStart } from '../postgres/partitions.ts';
import { type Pool, type PoolClient, isConnectionError, openPool, redactUrl, transaction } from '../postgres/pool.ts';
import { type ColumnSpec, unnestSelect } from '../postgres/unnest.ts';
import { DEFAULT_REGION } from '../store.ts';
import { MigrateDataError, type Source } from './source.ts';
import { COPIED_TABLES, type CopiedTable, type TargetColumn, converterFor } from './tables.ts';

export interface Target {
  readonly pool: Pool;
  readonly url: string;
  /** The URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

export interface CopyProgress {
  readonly table: string;
  readonly done: number;
  readonly total: number;
  /** Rows per second of this table so far in this run. */
  readonly rate: number;
}

export interface CopyOptions {
  /** Rows per batch (one transaction each); default 5,000. */
  readonly batchRows?: number;
  readonly onProgress?: (progress: CopyProgress) => void;
  readonly clock?: () => number;
  /**
   * The region of the nodes that will serve the copy (node.region, default `default`): its
   * region_endpoint_state rows are seeded from the copied endpoint states, so those nodes resume
   * each endpoint's counters instead of starting from unknown.
   */
  readonly region?: string;
}

export interface CopyReport {
  /** True when an interrupted copy was continued. */
  readonly resumed: boolean;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: number; readonly ms: number }>;
  /** The region seeded, and the states added for it (0 on a second run). */
  readonly regionStates: { readonly region: string; readonly rows: number };
}

const DEFAULT_BATCH_ROWS = 5000;

/**
 * Connects, migrates and takes two session locks for the run: migrateData (one copy into a
 * database at a time) and serve's (no serve starts on the target mid-copy, and a running one
 * makes the copy refuse).
 */
export async function openTarget(url: string, options: { readonly applicationName?: string; readonly connectTimeoutMs?: number } = {}): Promise<Target> {
  const location = redactUrl(url);
  // Statements here are whole batches and full counts: a longer deadline than a page's.
  const pool = openPool(url, { max: 3, statementTimeoutMs: 10 * 60_000, connectTimeoutMs: options.connectTimeoutMs ?? 10_000, applicationName: options.applicationName ?? 'mcpwatch migrate-data' });
  let lockClient: PoolClient | undefined;
  try {
    lockClient = await pool.connect();
    const { rows } = await lockClient.query<{ copy: boolean; serve: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS copy, pg_try_advisory_lock($1, $3) AS serve', [
      LOCK_NAMESPACE,
      ADVISORY_LOCKS.migrateData,
      ADVISORY_LOCKS.serve,
    ]);
    if (rows[0]?.copy !== true) throw new MigrateDataError(`another migrate-data is using ${location}; wait for it to finish`);
    if (rows[0]?.serve !== true) throw new MigrateDataError(`an mcpwatch serve is using ${location}; stop it first (migrate-data fills a database nobody is writing)`);
    // Locked first: a target that is refused is not even migrated.
    await migratePostgres(pool);
  } catch (error) {
    lockClient?.release(true);
    await pool.end().catch(() => undefined);
    if (error instanceof MigrateDataError) throw error;
    if (isConnectionError(error)) throw new MigrateDataError(`cannot reach PostgreSQL at ${location}: ${error instanceof Error ? error.message : String(error)}`);
    throw new MigrateDataError(`PostgreSQL at ${location}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const client = lockClient;
  return {
    pool,
    url,
    location,
    async close() {
      // Destroying the session frees its advisory locks.
      client.release(true);
      await pool.end();
    },
  };
}

/** The target table's columns in catalog order (the shape every batch is written in). */
async function targetColumns(pool: Pool, table: string): Promise<TargetColumn[]> {
  const { rows } = await pool.query<TargetColumn>(
    `SELECT column_name AS name, udt_name AS type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows;
}

interface SourceRecord {
  instance_id: string;
  fingerprint: string;
  finished: boolean;
}

/** Refuses a target that is not empty and not an interrupted copy of this source; returns whether it is a resume. */
async function claimTarget(source: Source, target: Target): Promise<boolean> {
  const { pool } = target;
  const { rows: existing } = await pool.query<{ present: boolean }>("SELECT to_regclass('migrate_data_source') IS NOT NULL AS present");
  if (existing[0]?.present === true) {
    const { rows } = await pool.query<SourceRecord>('SELECT instance_id, fingerprint, finished_at IS NOT NULL AS finished FROM migrate_data_source');
    const record = rows[0];
    if (record !== undefined) {
      if (record.instance_id !== source.instanceId) {
        throw new MigrateDataError(`${target.location} already holds a copy of another mcpwatch database (instance ${record.instance_id}, not ${source.instanceId}); give an empty database`);
      }
      if (record.fingerprint !== source.fingerprint && !record.finished) {
        throw new MigrateDataError(
          `${source.path} changed since the interrupted copy into ${target.location} began (did a serve run on it?); drop and recreate the target database, then copy again`,
        );
      }
      return true;
    }
  }
  const held: string[] = [];
  for (const table of COPIED_TABLES) {
    if (table.upsertOn !== undefined) continue; // made by the target's own migration
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table.name} LIMIT 1000) AS t`);
    const n = rows[0]?.n ?? 0;
    if (n > 0) held.push(`${table.name} ${n >= 1000 ? '1,000+' : n}`);
  }
  if (held.length > 0) {
    throw new MigrateDataError(`${target.location} already holds data that did not come from ${source.path} (${held.join(', ')}); migrate-data fills an empty database only`);
  }
  await transaction(pool, async (client) => {
    await client.query(`CREATE TABLE migrate_data_source (
      only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      instance_id text NOT NULL,
      fingerprint text NOT NULL,
      source_path text NOT NULL,
      started_at  timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz)`);
    await client.query(`CREATE TABLE migrate_data_progress (
      table_name  text PRIMARY KEY,
      last_key    jsonb,
      rows_copied bigint NOT NULL DEFAULT 0,
      done        boolean NOT NULL DEFAULT false)`);
    await client.query('INSERT INTO migrate_data_source (instance_id, fingerprint, source_path) VALUES ($1, $2, $3)', [source.instanceId, source.fingerprint, source.path]);
  });
  return false;
}

interface Progress {
  lastKey: unknown[] | null;
  rows: number;
  done: boolean;
}

async function readProgress(pool: Pool, table: string): Promise<Progress> {
  const { rows } = await pool.query<{ last_key: unknown[] | null; rows_copied: number; done: boolean }>('SELECT last_key, rows_copied, done FROM migrate_data_progress WHERE table_name = $1', [table]);
  const row = rows[0];
  return row === undefined ? { lastKey: null, rows: 0, done: false } : { lastKey: row.last_key, rows: row.rows_copied, done: row.done };
}

function insertSql(table: CopiedTable, columns: readonly TargetColumn[]): string {
  const specs: ColumnSpec[] = columns.map((c) => [c.name, c.type]);
  const names = columns.map((c) => c.name).join(', ');
  const conflict =
    table.upsertOn === undefined
      ? ''
      : ` ON CONFLICT (${table.upsertOn}) DO UPDATE SET ${columns
          .filter((c) => c.name !== table.upsertOn)
          .map((c) => `${c.name} = EXCLUDED.${c.name}`)
          .join(', ')}`;
  return `INSERT INTO ${table.name} (${names}) ${unnestSelect(specs)}${conflict}`;
}

const PROGRESS_SQL = `INSERT INTO migrate_data_progress (table_name, last_key, rows_copied, done) VALUES ($1, $2, $3, $4)
  ON CONFLICT (table_name) DO UPDATE SET last_key = EXCLUDED.last_key, rows_copied = EXCLUDED.rows_copied, done = EXCLUDED.done`;

async function copyTable(source: Source, target: Target, table: CopiedTable, options: CopyOptions): Promise<number> {
  const { pool } = target;
  const clock = options.clock ?? Date.now;
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const progress = await readProgress(pool, table.name);
  const total = source.count(table.name);
  if (progress.done) {
    options.onProgress?.({ table: table.name, done: progress.rows, total, rate: 0 });
    return 0;
  }
  const present = source.columns(table.name);
  const columns = (await targetColumns(pool, table.name)).filter((c) => present.has(c.name));
  if (columns.length === 0) throw new MigrateDataError(`the target has no table ${table.name}; is its schema current?`);
  const converters = columns.map((c) => converterFor(c.type));
  const sql = insertSql(table, columns);
  const partitionIndex = table.partitionedOn === undefined ? -1 : columns.findIndex((c) => c.name === table.partitionedOn);
  const partitions = new Set<number>();
  const keyLength = table.key.length;
  let after: unknown[] | undefined = progress.lastKey ?? undefined;
  let done = progress.rows;
  const started = clock();
  let copied = 0;
  for (;;) {
    const rows = source.batch(
      table,
      columns.map((c) => c.name),
      after,
      batchRows,
    );
    const finished = rows.length < batchRows;
    const arrays = columns.map((_, i) => rows.map((row) => converters[i]!(row[keyLength + i])));
    if (partitionIndex >= 0) {
      const missing = new Set<number>();
      for (const ts of arrays[partitionIndex]!) {
        const day = partitionStart(Number(ts));
        if (!partitions.has(day)) missing.add(day);
      }
      if (missing.size > 0) {
        await createPartitions(pool, missing);
        for (const day of missing) partitions.add(day);
      }
    }
    const last = rows.at(-1);
    if (last !== undefined) after = last.slice(0, keyLength);
    await transaction(pool, async (client) => {
      if (rows.length > 0) await client.query(sql, arrays);
      await client.query(PROGRESS_SQL, [table.name, after === undefined ? null : JSON.stringify(after), done + rows.length, finished]);
    });
    done += rows.length;
    copied += rows.length;
    const seconds = Math.max(clock() - started, 1) / 1000;
    options.onProgress?.({ table: table.name, done, total, rate: copied / seconds });
    if (finished) return copied;
  }
}

/** Moves every identity past the ids copied, and past those SQLite's AUTOINCREMENT handed out to rows since deleted. */
async function moveSequences(source: Source, client: PoolClient): Promise<void> {
  for (const table of COPIED_TABLES) {
    if (table.identity !== true) continue;
    const highest = source.highestId(table.name);
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST($2::bigint, (SELECT coalesce(max(id), 0) FROM ${table.name}), 1), GREATEST($2::bigint, (SELECT coalesce(max(id), 0) FROM ${table.name})) > 0)`,
      [table.name, highest],
    );
  }
}

/** Copies everything not copied yet; safe to run again after any interruption. */
export async function copyAll(source: Source, target: Target, options: CopyOptions = {}): Promise<CopyReport> {
  const clock = options.clock ?? Date.now;
  const resumed = await claimTarget(source, target);
  const tables: Array<{ table: string; rows: number; ms: number }> = [];
  for (const table of COPIED_TABLES) {
    const started = clock();
    const rows = await copyTable(source, target, table, options);
    tables.push({ table: table.name, rows, ms: clock() - started });
  }
  const region = options.region ?? DEFAULT_REGION;
  const seeded = await transaction(target.pool, async (client) => {
    await moveSequences(source, client);
    const rows = await seedRegionStates(client, region);
    await client.query('UPDATE migrate_data_source SET finished_at = coalesce(finished_at, now())');
    return rows;
  });
  return { resumed, tables, regionStates: { region, rows: seeded } };
}
