// Forward-only schema migrations, the rules both backends share: files named NNNN_name.sql
// (migrations/ for SQLite, migrations/postgres/ for PostgreSQL), applied in numeric order and
// recorded in schema_migrations; a database newer than the files (a downgrade), a released file
// renamed or missing, is refused rather than run against code that does not know its schema.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type MigrationErrorCode = 'MIGRATION_BAD_NAME' | 'MIGRATION_DUPLICATE' | 'MIGRATION_DOWNGRADE' | 'MIGRATION_MISSING' | 'MIGRATION_RENAMED' | 'MIGRATION_FAILED' | 'MIGRATIONS_DIR_NOT_FOUND';

export class MigrationError extends Error {
  readonly code: MigrationErrorCode;
  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly path: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

/**
 * The package's migrations/ directory, found by walking up from this module to the directory
 * holding package.json: the same answer from src/store/ (tsx) and dist/src/store/ (compiled).
 */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const migrations = join(dir, 'migrations');
      if (existsSync(migrations)) return migrations;
      throw new MigrationError('MIGRATIONS_DIR_NOT_FOUND', `no migrations/ directory next to ${join(dir, 'package.json')}`);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new MigrationError('MIGRATIONS_DIR_NOT_FOUND', `no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The migration files in `dir`, in version order. Any .sql file not named NNNN_name.sql is an error. */
export function listMigrations(dir: string): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(entry);
    if (!match) throw new MigrationError('MIGRATION_BAD_NAME', `migration file "${entry}" in ${dir} does not match NNNN_name.sql (four digits, lower-case name)`);
    const version = Number(match[1]);
    if (version === 0) throw new MigrationError('MIGRATION_BAD_NAME', `migration file "${entry}": versions start at 0001`);
    const other = files.find((f) => f.version === version);
    if (other) throw new MigrationError('MIGRATION_DUPLICATE', `migration version ${match[1]} appears twice: "${other.name}" and "${match[2]}"`);
    files.push({ version, name: match[2]!, path: join(dir, entry) });
  }
  return files.sort((a, b) => a.version - b.version);
}

export function checkHistory(appliedRows: readonly AppliedMigration[], files: readonly MigrationFile[], dir: string): void {
  const latestKnown = files.at(-1)?.version ?? 0;
  for (const row of appliedRows) {
    if (row.version > latestKnown) {
      throw new MigrationError(
        'MIGRATION_DOWNGRADE',
        `the database is at schema version ${row.version} ("${row.name}") but this mcpwatch only knows migrations up to ${latestKnown} (${dir}); refusing to run an older version against a newer database`,
      );
    }
    const file = files.find((f) => f.version === row.version);
    if (!file) throw new MigrationError('MIGRATION_MISSING', `migration ${pad(row.version)}_${row.name}.sql was applied to this database but is missing from ${dir}`);
    if (file.name !== row.name) {
      throw new MigrationError('MIGRATION_RENAMED', `migration ${pad(row.version)} was applied as "${row.name}" but the file is now ${basename(file)}; released migrations must not change`);
    }
  }
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}

export function basename(file: MigrationFile): string {
  return `${pad(file.version)}_${file.name}.sql`;
}
