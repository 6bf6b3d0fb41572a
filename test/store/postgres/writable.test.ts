// postgresWritable on a real PostgreSQL: true when a write can commit, false (within its deadline)
// for a read-only database, a lock held too long, a silent server and a closed pool.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { openPool } from '../../../src/store/postgres/pool.ts';
import { postgresWritable } from '../../../src/store/postgres/writable.ts';
import { migratedDatabase } from './harness.ts';

test('true on a migrated database, and the check writes nothing', async (t) => {
  const m = await migratedDatabase(t);
  if (!m) return;
  const before = await m.pool.query('SELECT key, value FROM store_meta ORDER BY key');
  assert.equal(await postgresWritable(m.pool), true);
  assert.equal(await postgresWritable(m.pool), true, 'the connection went back to the pool in a usable state');
  assert.deepEqual((await m.pool.query('SELECT key, value FROM store_meta ORDER BY key')).rows, before.rows);
  assert.equal(m.pool.totalCount - m.pool.idleCount, 0, 'no client left checked out');
});

test('false when the database refuses writes', async (t) => {
  const m = await migratedDatabase(t);
  if (!m) return;
  await m.pool.query(`ALTER DATABASE ${m.db.name} SET default_transaction_read_only = on`);
  const fresh = m.openPool();
  assert.equal(await postgresWritable(fresh), false);
});

test('false within the deadline while another transaction holds the row', async (t) => {
  const m = await migratedDatabase(t);
  if (!m) return;
  const holder = await m.pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query("SELECT * FROM store_meta WHERE key = 'writable_check' FOR UPDATE");
    const checked = m.openPool();
    const started = performance.now();
    assert.equal(await postgresWritable(checked, { timeoutMs: 300 }), false);
    // Wide margin for a loaded runner: the point is "bounded", not "fast".
    assert.ok(performance.now() - started < 10_000);
    await holder.query('ROLLBACK');
    assert.equal(await postgresWritable(checked, { timeoutMs: 5000 }), true, 'and true again once the lock is gone');
  } finally {
    holder.release();
  }
});

test('false within the deadline for a server that never answers, call after call', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  // The connect deadline is far beyond the check's: the check must not wait for it.
  const pool = openPool(`postgres://u:p@127.0.0.1:${port}/db`, { connectTimeoutMs: 60_000, max: 1 });
  t.after(async () => {
    // Hanging up fails the pending connects at once, so ending the pool does not wait a minute.
    for (const socket of sockets) socket.destroy();
    silent.close();
    await pool.end();
  });
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    assert.equal(await postgresWritable(pool, { timeoutMs: 200 }), false);
    assert.ok(performance.now() - started < 30_000, 'answered long before the connect deadline');
  }
});

test('false after the pool was closed', async (t) => {
  const m = await migratedDatabase(t);
  if (!m) return;
  const pool = openPool(m.db.url);
  await pool.query('SELECT 1');
  await pool.end();
  assert.equal(await postgresWritable(pool), false);
});
