// SQLite's 0009 rebuilds the endpoints table (a CHECK constraint cannot be altered): an endpoint's
// history must survive it, ids must stay unique forever, and foreign keys must stay on afterwards.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { defaultMigrationsDir, migrate } from '../../src/store/sqlite/migrate.ts';
import { tempDir } from './helper.ts';

const tmp = tempDir();
after(tmp.cleanup);

test('0009 keeps every endpoint with its history and id sequence, admits source registry, and leaves foreign keys on', () => {
  const before = join(tmp.dir, 'before-0009');
  mkdirSync(before);
  for (const file of readdirSync(defaultMigrationsDir()).filter((f) => /^000[1-8]_/.test(f))) cpSync(join(defaultMigrationsDir(), file), join(before, file));
  const db = new Database(join(tmp.dir, 'db.sqlite'));
  db.pragma('foreign_keys = ON');
  migrate(db, before);
  const insert = db.prepare("INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at) VALUES (?, ?, 'https://x.example/mcp', 60, 1000, 'config', 't', 't') RETURNING id");
  const kept = (insert.get('kept', 'Kept') as { id: number }).id;
  const dropped = (insert.get('dropped', 'Dropped') as { id: number }).id;
  db.prepare('DELETE FROM endpoints WHERE id = ?').run(dropped);
  db.prepare("INSERT INTO events (endpoint_id, at, kind, data) VALUES (?, 't', 'down', '{}')").run(kept);
  db.prepare("INSERT INTO incidents (endpoint_id, started_at, first_code, first_detail, last_code, last_detail) VALUES (?, 't', 'TIMEOUT', 'd', 'TIMEOUT', 'd')").run(kept);

  assert.deepEqual(migrate(db, defaultMigrationsDir()).map((m) => m.name).includes('registries'), true);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  assert.equal((db.prepare('SELECT count(*) AS n FROM events WHERE endpoint_id = ?').get(kept) as { n: number }).n, 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM incidents WHERE endpoint_id = ?').get(kept) as { n: number }).n, 1);
  const registry = (db.prepare("INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at) VALUES ('r--x', 'X', 'https://x.example/mcp', 60, 1000, 'registry', 't', 't') RETURNING id").get() as { id: number }).id;
  assert.ok(registry > dropped, `a deleted endpoint's id is never handed out again (${registry} > ${dropped})`);
  // The children still point at the new table: deleting the endpoint cascades as before.
  db.prepare('DELETE FROM endpoints WHERE id = ?').run(kept);
  assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 0);
  db.close();
});
