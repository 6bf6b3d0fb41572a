// PostgreSQL migrations on a real server: from empty, idempotent, two migrators at once apply
// each file once, a failing file leaves nothing behind, a newer database is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MigrationError } from '../../../src/store/migration-files.ts';
import { migratePostgres, postgresSchemaVersion } from '../../../src/store/postgres/migrate.ts';
import { openPool } from '../../../src/store/postgres/pool.ts';
import { testDatabase } from '../../fixtures/postgres.ts';

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-pgmig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

test('migrates an empty database once, even with two migrators starting together', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = migrationsDir({
    '0001_first.sql': 'CREATE TABLE a (id bigint PRIMARY KEY); INSERT INTO a VALUES (1);',
    // Slow enough that the second migrator certainly waits on the lock rather than finishing first.
    '0002_second.sql': 'SELECT pg_sleep(0.3); INSERT INTO a VALUES (2);',
  });
  const one = openPool(db.url);
  const two = openPool(db.url);
  t.after(() => Promise.all([one.end(), two.end()]));
  assert.equal(await postgresSchemaVersion(one), 0);
  const [first, second] = await Promise.all([migratePostgres(one, dir), migratePostgres(two, dir)]);
  assert.deepEqual([...first, ...second].map((m) => m.version).sort(), [1, 2], 'each file applied by exactly one of them');
  const rows = await one.query<{ id: number }>('SELECT id FROM a ORDER BY id');
  assert.deepEqual(rows.rows.map((r) => r.id), [1, 2], 'int8 comes back as a number, each insert ran once');
  assert.equal(await postgresSchemaVersion(one), 2);
  assert.deepEqual(await migratePostgres(one, dir), [], 'a current database applies nothing');
});

test('a failing migration rolls back every pending file and names the file', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = openPool(db.url);
  t.after(() => pool.end());
  const dir = migrationsDir({ '0001_good.sql': 'CREATE TABLE good (id int);', '0002_bad.sql': 'CREATE TABLE nope (id no_such_type);' });
  await assert.rejects(migratePostgres(pool, dir), (error: unknown) => error instanceof MigrationError && error.code === 'MIGRATION_FAILED' && /postgres\/0002_bad\.sql/.test(error.message));
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('good')::text AS t");
  assert.equal(exists.rows[0]?.t, null, 'the good file of the same run was rolled back too');
  assert.equal(await postgresSchemaVersion(pool), 0);
});

test('a database newer than the files is refused', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = openPool(db.url);
  t.after(() => pool.end());
  await migratePostgres(pool, migrationsDir({ '0001_a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 1;' }));
  await assert.rejects(migratePostgres(pool, migrationsDir({ '0001_a.sql': 'SELECT 1;' })), (error: unknown) => error instanceof MigrationError && error.code === 'MIGRATION_DOWNGRADE');
});
