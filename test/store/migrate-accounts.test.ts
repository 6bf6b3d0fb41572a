// Tokens made before accounts keep working as they did after 0011 (SQLite) and 0009 (PostgreSQL):
// read-only → viewer, full → admin, no owner; API behaviour for them is unchanged.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/migrate.ts';
import { defaultMigrationsDir, migrate } from '../../src/store/sqlite/migrate.ts';
import { createTestDatabase, lacksPostgres } from '../fixtures/postgres.ts';
import { tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);

function filesBefore(dir: string, version: number, into: string): string {
  mkdirSync(into);
  for (const file of readdirSync(dir).filter((f) => /^\d{4}_.*\.sql$/.test(f) && Number(f.slice(0, 4)) < version)) cpSync(join(dir, file), join(into, file));
  return into;
}

test('SQLite 0011: existing tokens become viewer (read-only) and admin (full), with no owner', () => {
  const db = new Database(join(tmp.dir, 'db.sqlite'));
  db.pragma('foreign_keys = ON');
  migrate(db, filesBefore(defaultMigrationsDir(), 11, join(tmp.dir, 'before-0011')));
  const insert = db.prepare("INSERT INTO api_tokens (name, hash, read_only, created_at) VALUES (?, ?, ?, 't')");
  insert.run('reader', 'a'.repeat(64), 1);
  insert.run('writer', 'b'.repeat(64), 0);
  migrate(db, defaultMigrationsDir());
  assert.deepEqual(db.prepare('SELECT name, read_only, role, owner_user_id FROM api_tokens ORDER BY id').all(), [
    { name: 'reader', read_only: 1, role: 'viewer', owner_user_id: null },
    { name: 'writer', read_only: 0, role: 'admin', owner_user_id: null },
  ]);
  db.close();
});

test('PostgreSQL 0009: existing tokens become viewer (read-only) and admin (full), with no owner', async (t) => {
  if (await lacksPostgres(t)) return;
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    const dir = join(defaultMigrationsDir(), 'postgres');
    await migratePostgres(pool, filesBefore(dir, 9, join(tmp.dir, 'pg-before-0009')));
    await pool.query("INSERT INTO api_tokens (name, hash, read_only, created_at) VALUES ('reader', $1, true, now()), ('writer', $2, false, now())", ['a'.repeat(64), 'b'.repeat(64)]);
    await migratePostgres(pool, dir);
    const { rows } = await pool.query('SELECT name, read_only, role, owner_user_id FROM api_tokens ORDER BY id');
    assert.deepEqual(rows, [
      { name: 'reader', read_only: true, role: 'viewer', owner_user_id: null },
      { name: 'writer', read_only: false, role: 'admin', owner_user_id: null },
    ]);
  } finally {
    await pool.end();
    await database.drop();
  }
});
