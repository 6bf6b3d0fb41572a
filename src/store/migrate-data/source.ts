// The SQLite side of migrate-data: the file checked before anything else is touched, the instance
// lock held so no `serve` writes it during the copy, the file brought to the state a clean stop
// leaves (current schema, every raw row folded into the rollups) and then read through a
// read-only connection, table by table in key order.
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { defaultMigrationsDir, listMigrations } from '../migration-files.ts';
import { type InstanceLock, InstanceLockedError, acquireInstanceLock } from '../sqlite/instance-lock.ts';
import { openSqliteStorage } from '../sqlite/open.ts';
import { bucketColumnSql, registerBucketFunctions } from '../sqlite/rollup-buckets.ts';
import { BUCKET_COLUMNS } from '../rollup-columns.ts';
import { COPIED_TABLES, type CopiedTable, NOT_COPIED } from './tables.ts';

/** A refusal with one line saying what and what to do; the CLI prints it and exits 1. */
export class MigrateDataError extends Error {
  override name = 'MigrateDataError';
}

export interface Source {
  readonly path: string;
  /** alert_meta.instance_id: names the installation, so a resume is recognised as the same copy. */
  readonly instanceId: string;
  /** Changes when a serve wrote the file since: a resume across that would mix two states. */
  readonly fingerprint: string;
  /** Work done to the file before reading it (told to the user), empty when it was stopped cleanly. */
  readonly prepared: readonly string[];
  readonly db: Database.Database;
  count(table: string): number;
  /** Up to `limit` rows after `after` (the key's values; undefined from the start), in key order, as arrays of `columns`. */
  batch(table: CopiedTable, columns: readonly string[], after: readonly unknown[] | undefined, limit: number): unknown[][];
  /** The columns the SQLite table has (the target's may be more). */
  columns(table: string): Set<string>;
  /** The highest id an AUTOINCREMENT table ever handed out, deleted rows included. */
  highestId(table: string): number;
  close(): void;
}

function openReadOnly(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db?.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB') throw new MigrateDataError(`${path} is not an SQLite database (give --from the mcpwatch database file, e.g. ./data/mcpwatch.db)`);
    throw new MigrateDataError(`cannot open ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function schemaVersion(db: Database.Database): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!hasTable) return 0;
  return (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
}

/** Checks the file is an mcpwatch database, before any lock file is made beside it. */
function checkFile(path: string): void {
  if (!existsSync(path)) throw new MigrateDataError(`${path} does not exist (give --from the mcpwatch SQLite file, by default ./data/mcpwatch.db)`);
  if (!statSync(path).isFile()) throw new MigrateDataError(`${path} is not a file`);
  const db = openReadOnly(path);
  try {
    const version = schemaVersion(db);
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'alert_meta'").get();
    if (version === 0 || !hasMeta) throw new MigrateDataError(`${path} is an SQLite database but not an mcpwatch one (no mcpwatch schema in it)`);
    const latest = Math.max(...listMigrations(defaultMigrationsDir()).map((f) => f.version));
    if (version > latest) throw new MigrateDataError(`${path} was written by a newer mcpwatch (schema ${version}, this one knows ${latest}); run migrate-data from that version`);
  } finally {
    db.close();
  }
}

/**
 * What a clean stop of serve would have done and a crash did not: pending migrations, and raw
 * rows above the rollup watermark (SQLite folds rollups in memory; PostgreSQL writes them with
 * every tick, so copied rollups must already hold every copied raw row). Opening the store does
 * both, as serve does on start; closing it writes them.
 */
async function prepare(path: string): Promise<string[]> {
  const db = openReadOnly(path);
  let reasons: string[];
  let sealed = 0;
  try {
    const latest = Math.max(...listMigrations(defaultMigrationsDir()).map((f) => f.version));
    const version = schemaVersion(db);
    const watermark = (db.prepare("SELECT value FROM store_meta WHERE key = 'rollups_through_rowid'").get() as { value: number } | undefined)?.value ?? 0;
    const maxId = (db.prepare('SELECT max(id) AS id FROM probe_results').get() as { id: number | null }).id ?? 0;
    const hasBlocks = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'result_blocks'").get() !== undefined;
    sealed = hasBlocks ? (db.prepare('SELECT coalesce(sum(rows), 0) AS n FROM result_blocks').get() as { n: number }).n : 0;
    reasons = [
      ...(version < latest ? [`applied the schema migrations ${version + 1}…${latest} to ${path}`] : []),
      ...(maxId > watermark ? [`folded ${(maxId - watermark).toLocaleString('en')} raw rows into the rollups of ${path} (it was not stopped cleanly)`] : []),
    ];
  } finally {
    db.close();
  }
  if (reasons.length > 0 || sealed > 0) {
    const storage = openSqliteStorage(path);
    // Sealed raw rows go back into probe_results, the table the copy reads (rowids below the head's, in time order).
    if (sealed > 0) reasons.push(`unpacked ${storage.store.unsealAll().toLocaleString('en')} sealed raw rows of ${path} into probe_results for the copy`);
    await storage.close(); // flushes the refolded rollups
  }
  return reasons;
}

/** Opens the source for a copy or a verification; the caller closes it. */
export async function openSource(path: string, options: { readonly version: string }): Promise<Source> {
  checkFile(path);
  let lock: InstanceLock;
  try {
    lock = acquireInstanceLock(path, { version: options.version });
  } catch (error) {
    if (error instanceof InstanceLockedError) throw new MigrateDataError(`${error.message}; stop that serve first (migrate-data copies a database nobody is writing)`);
    throw new MigrateDataError(`cannot take the instance lock ${path}.lock: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const prepared = await prepare(path);
    const db = openReadOnly(path);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name);
    const unknown = tables.filter((name) => !NOT_COPIED.has(name) && !COPIED_TABLES.some((t) => t.name === name));
    if (unknown.length > 0) {
      db.close();
      throw new MigrateDataError(`${path} has tables this mcpwatch does not know how to copy (${unknown.join(', ')}); use the mcpwatch version that wrote it`);
    }
    const instanceId = (db.prepare("SELECT value FROM alert_meta WHERE key = 'instance_id'").get() as { value: string } | undefined)?.value;
    if (instanceId === undefined) {
      db.close();
      throw new MigrateDataError(`${path} has no instance_id in alert_meta; it is not a complete mcpwatch database`);
    }
    const one = (sql: string): number => (db.prepare(sql).get() as { v: number | null }).v ?? 0;
    const fingerprint = [
      one("SELECT value AS v FROM store_meta WHERE key = 'endpoints_version'"),
      one('SELECT max(id) AS v FROM probe_results'),
      one('SELECT max(id) AS v FROM events'),
      one('SELECT max(id) AS v FROM alert_outbox'),
      one('SELECT count(*) AS v FROM api_tokens'),
    ].join(':');
    // The rollup tables keep b0..b15 in one blob since migration 0013; the copy reads them back as columns.
    registerBucketFunctions(db);
    const sqliteColumns = (table: string): string[] => (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((row) => row.name);
    const packedBuckets = (table: string): boolean => sqliteColumns(table).includes('buckets');
    const statements = new Map<string, Database.Statement>();
    const cached = (sql: string): Database.Statement => {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      return statement;
    };
    return {
      path,
      instanceId,
      fingerprint,
      prepared,
      db,
      count: (table) => (cached(`SELECT count(*) AS v FROM ${table}`).get() as { v: number }).v,
      batch(table, columns, after, limit) {
        const key = table.key.join(', ');
        const where = after === undefined ? '' : table.key.length === 1 ? `WHERE ${key} > ?` : `WHERE (${key}) > (${table.key.map(() => '?').join(', ')})`;
        const packed = packedBuckets(table.name);
        const select = columns.map((column) => {
          const bucket = packed ? BUCKET_COLUMNS.indexOf(column as (typeof BUCKET_COLUMNS)[number]) : -1;
          return bucket >= 0 ? bucketColumnSql(bucket) : column;
        });
        const sql = `SELECT ${[...table.key, ...select].join(', ')} FROM ${table.name} ${where} ORDER BY ${key} LIMIT ${Math.floor(limit)}`;
        return cached(sql)
          .raw(true)
          .all(...(after ?? [])) as unknown[][];
      },
      columns: (table) => new Set([...sqliteColumns(table), ...(packedBuckets(table) ? BUCKET_COLUMNS : [])]),
      highestId(table) {
        const seq = (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined)?.seq ?? 0;
        return Math.max(seq, (db.prepare(`SELECT max(id) AS v FROM ${table}`).get() as { v: number | null }).v ?? 0);
      },
      close() {
        db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
