// SQLite's migrator: each pending file in its own IMMEDIATE transaction (the file rules are
// shared with PostgreSQL in ../migration-files.ts).
import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { type AppliedMigration, MigrationError, basename, checkHistory, listMigrations } from '../migration-files.ts';
import { registerBucketFunctions } from './rollup-buckets.ts';

export { MigrationError, defaultMigrationsDir, listMigrations } from '../migration-files.ts';

/**
 * A file that rebuilds a table other tables reference (SQLite cannot alter a CHECK constraint)
 * says so with this line; it then runs with foreign keys off, and is checked before it commits.
 */
const FOREIGN_KEYS_OFF = /^-- migrate: foreign_keys=off$/m;

/**
 * Applies the migrations in `dir` that `db` has not seen; returns the ones it applied (empty when
 * the database is current). Migration files must not contain BEGIN/COMMIT: each runs inside a
 * transaction opened here.
 */
export function migrate(db: Database, dir: string): AppliedMigration[] {
  const files = listMigrations(dir);
  // 0013 packs the rollups' bucket columns with mcpwatch_pack_buckets.
  registerBucketFunctions(db);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const appliedRows = db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();
  checkHistory(appliedRows, files, dir);

  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare<[number, string, string]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: AppliedMigration[] = [];
  for (const file of files) {
    if (appliedRows.some((row) => row.version === file.version)) continue;
    const sql = readFileSync(file.path, 'utf8');
    const rebuildsTables = FOREIGN_KEYS_OFF.test(sql);
    // IMMEDIATE takes the write lock before re-checking, so two processes starting together
    // cannot both apply the same file.
    const apply = db.transaction(() => {
      if (isApplied.get(file.version)) return false;
      db.exec(sql);
      if (rebuildsTables) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`${broken.length} row(s) break a foreign key after the rebuild`);
      }
      record.run(file.version, file.name, new Date().toISOString());
      return true;
    });
    // PRAGMA foreign_keys is a no-op inside a transaction: it is switched around it.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
    if (rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      if (apply.immediate()) applied.push({ version: file.version, name: file.name });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new MigrationError('MIGRATION_FAILED', `migration ${basename(file)} failed and was rolled back: ${message}`, { cause: error });
    } finally {
      if (rebuildsTables && foreignKeys) db.pragma('foreign_keys = ON');
    }
  }
  return applied;
}

