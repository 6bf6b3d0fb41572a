// SQLite-only: its migration runner on the file (tables, indexes, user_version, rollback of a
// failing file). test/store/postgres/migrate.test.ts does the same for PostgreSQL; "from empty,
// every part works" runs on every backend in contract/history-cases.ts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { defaultMigrationsDir, listMigrations, migrate, MigrationError } from '../../src/store/sqlite/migrate.ts';
import { tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
function freshDb(): Database.Database {
  const db = new Database(join(tmp.dir, `db-${n++}.sqlite`));
  db.pragma('foreign_keys = ON');
  return db;
}
function migrationsDir(files: Record<string, string>): string {
  const dir = join(tmp.dir, `migrations-${n++}`);
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}
function tables(db: Database.Database): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name);
}
function versions(db: Database.Database): { version: number; name: string }[] {
  return db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();
}
function rejects(code: string): (error: unknown) => boolean {
  return (error) => error instanceof MigrationError && error.code === code;
}

describe('the real migrations', () => {
  test('defaultMigrationsDir finds migrations/ at the package root', () => {
    const dir = defaultMigrationsDir();
    assert.ok(existsSync(join(dir, '0001_init.sql')), dir);
    assert.deepEqual(listMigrations(dir)[0], { version: 1, name: 'init', path: join(dir, '0001_init.sql') });
  });

  test('from an empty database every table exists and 0001 is recorded', () => {
    const db = freshDb();
    const applied = migrate(db, defaultMigrationsDir());
    assert.deepEqual(applied[0], { version: 1, name: 'init' });
    // Later migrations add tables of their own; these are the ones every feature relies on.
    const present = new Set(tables(db));
    const missing = [
      'api_tokens',
      'cert_observations',
      'endpoint_state',
      'endpoints',
      'events',
      'incidents',
      'probe_results',
      'rollups_daily',
      'rollups_hourly',
      'schema_migrations',
      'store_meta',
      'tool_snapshots',
    ].filter((t) => !present.has(t));
    assert.deepEqual(missing, []);
    assert.deepEqual(versions(db)[0], { version: 1, name: 'init' });
    assert.deepEqual(versions(db).map((v) => v.version), listMigrations(defaultMigrationsDir()).map((m) => m.version));
    db.close();
  });

  test('probe_results has no secondary index (write amplification)', () => {
    const db = freshDb();
    migrate(db, defaultMigrationsDir());
    const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'probe_results'").all();
    assert.deepEqual(indexes, []);
    db.close();
  });

  test('running again applies nothing and changes nothing', () => {
    const db = freshDb();
    migrate(db, defaultMigrationsDir());
    const before = versions(db);
    assert.deepEqual(migrate(db, defaultMigrationsDir()), []);
    assert.deepEqual(versions(db), before);
    db.close();
  });

  test('a database newer than the known files is refused', () => {
    const db = freshDb();
    migrate(db, defaultMigrationsDir());
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01T00:00:00.000Z')").run();
    assert.throws(() => migrate(db, defaultMigrationsDir()), (error: unknown) => rejects('MIGRATION_DOWNGRADE')(error) && /schema version 9999/.test((error as Error).message));
    db.close();
  });
});

describe('migrate with its own files', () => {
  test('applies in numeric order, each recorded with its name', () => {
    const dir = migrationsDir({
      '0010_third.sql': "INSERT INTO log VALUES ('third');",
      '0001_first.sql': 'CREATE TABLE log (step TEXT);',
      '0002_second.sql': "INSERT INTO log VALUES ('second');",
      'README.md': 'not a migration',
    });
    const db = freshDb();
    assert.deepEqual(
      migrate(db, dir).map((m) => m.version),
      [1, 2, 10],
    );
    assert.deepEqual(
      db.prepare<[], { step: string }>('SELECT step FROM log').all().map((r) => r.step),
      ['second', 'third'],
    );
    assert.deepEqual(versions(db), [
      { version: 1, name: 'first' },
      { version: 2, name: 'second' },
      { version: 10, name: 'third' },
    ]);
    db.close();
  });

  test('only the new files run when the directory grows', () => {
    const dir = migrationsDir({ '0001_first.sql': 'CREATE TABLE log (step TEXT);' });
    const db = freshDb();
    migrate(db, dir);
    writeFileSync(join(dir, '0002_second.sql'), "INSERT INTO log VALUES ('second');");
    assert.deepEqual(migrate(db, dir), [{ version: 2, name: 'second' }]);
    assert.equal(db.prepare<[], { c: number }>('SELECT count(*) AS c FROM log').get()?.c, 1);
    db.close();
  });

  test('a failing file is rolled back whole and not recorded', () => {
    const dir = migrationsDir({
      '0001_first.sql': 'CREATE TABLE log (step TEXT);',
      '0002_broken.sql': "CREATE TABLE half (x INTEGER); INSERT INTO log VALUES ('partial'); INSERT INTO missing_table VALUES (1);",
    });
    const db = freshDb();
    assert.throws(() => migrate(db, dir), (error: unknown) => rejects('MIGRATION_FAILED')(error) && /0002_broken\.sql/.test((error as Error).message));
    assert.deepEqual(tables(db), ['log', 'schema_migrations']);
    assert.equal(db.prepare<[], { c: number }>('SELECT count(*) AS c FROM log').get()?.c, 0);
    assert.deepEqual(versions(db), [{ version: 1, name: 'first' }]);
    db.close();
  });

  const badNames = ['1_init.sql', '0001-init.sql', '0001_Init.sql', '00001_init.sql', '0000_zero.sql', '0001_.sql'];
  for (const name of badNames) {
    test(`refuses the file name ${name}`, () => {
      const dir = migrationsDir({ [name]: 'SELECT 1;' });
      const db = freshDb();
      assert.throws(() => migrate(db, dir), rejects('MIGRATION_BAD_NAME'));
      db.close();
    });
  }

  test('refuses two files with the same version', () => {
    const dir = migrationsDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
    assert.throws(() => listMigrations(dir), rejects('MIGRATION_DUPLICATE'));
  });

  test('refuses a database whose applied migration was renamed or removed', () => {
    const db = freshDb();
    migrate(db, migrationsDir({ '0001_first.sql': 'SELECT 1;', '0002_second.sql': 'SELECT 1;' }));
    assert.throws(() => migrate(db, migrationsDir({ '0001_first.sql': 'SELECT 1;', '0002_other.sql': 'SELECT 1;' })), rejects('MIGRATION_RENAMED'));
    assert.throws(() => migrate(db, migrationsDir({ '0002_second.sql': 'SELECT 1;' })), rejects('MIGRATION_MISSING'));
    db.close();
  });
});
