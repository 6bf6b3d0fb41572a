// Forward-only migrations for PostgreSQL: migrations/postgres/NNNN_name.sql, the same file rules
// and history checks as SQLite's (src/store/migrate.ts). All pending files apply in ONE
// transaction that first takes the `migrate` advisory lock: a second node starting at the same
// moment waits for the lock, then finds everything applied and does nothing. PostgreSQL's DDL is
// transactional, so a failing file leaves the schema exactly as it was.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { type AppliedMigration, MigrationError, basename, checkHistory, defaultMigrationsDir, listMigrations } from '../migration-files.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from './locks.ts';
import { type Pool, transaction } from './pool.ts';

export function defaultPostgresMigrationsDir(): string {
  return join(defaultMigrationsDir(), 'postgres');
}

/** Applies the migrations in `dir` the database has not seen; returns those applied (empty when current). */
export async function migratePostgres(pool: Pool, dir: string = defaultPostgresMigrationsDir()): Promise<AppliedMigration[]> {
  const files = listMigrations(dir);
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.migrate]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    checkHistory(rows, files, dir);
    const applied: AppliedMigration[] = [];
    for (const file of files) {
      if (rows.some((row) => row.version === file.version)) continue;
      const sql = readFileSync(file.path, 'utf8');
      try {
        await client.query(sql);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new MigrationError('MIGRATION_FAILED', `migration postgres/${basename(file)} failed and was rolled back (with every other pending one): ${message}`, { cause: error });
      }
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [file.version, file.name]);
      applied.push({ version: file.version, name: file.name });
    }
    return applied;
  });
}

/** The latest schema version applied, 0 for an empty database (for `migrate --status` and checks). */
export async function postgresSchemaVersion(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ version: number | null }>("SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 END AS version");
  if (rows[0]?.version === 0) return 0;
  const latest = await pool.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return latest.rows[0]?.version ?? 0;
}
