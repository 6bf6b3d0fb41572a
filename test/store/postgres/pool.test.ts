import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { isConnectionError, openPool, redactUrl, transaction } from '../../../src/store/postgres/pool.ts';
import { testDatabase } from '../../fixtures/postgres.ts';

test('redactUrl never shows a password', () => {
  assert.equal(redactUrl('postgres://app:s3cret@127.0.0.1:5432/mcpwatch'), 'postgres://app:***@127.0.0.1:5432/mcpwatch');
  assert.equal(redactUrl('postgres://127.0.0.1/mcpwatch'), 'postgres://127.0.0.1/mcpwatch');
  assert.ok(!redactUrl('postgres://app:s3cret@[bad').includes('s3cret'));
});

test('a URL that is not PostgreSQL is refused with the password hidden', () => {
  assert.throws(() => openPool('mysql://app:s3cret@127.0.0.1/x'), (error: Error) => /not a PostgreSQL URL/.test(error.message) && !error.message.includes('s3cret'));
});

test('a refused or silent server is a connection error, within the connect deadline', async (t) => {
  // A listener that accepts and never answers: the startup packet waits forever without a deadline.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const pool = openPool(`postgres://u:p@127.0.0.1:${port}/db`, { connectTimeoutMs: 300 });
  t.after(() => pool.end());
  const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
  assert.ok(isConnectionError(error), `expected a connection error, got ${String(error)}`);

  const closed = openPool('postgres://u:p@127.0.0.1:1/db', { connectTimeoutMs: 2000 });
  t.after(() => closed.end());
  assert.ok(isConnectionError(await closed.query('SELECT 1').then(() => undefined, (e: unknown) => e)));
});

test('statements have a deadline, errors roll back, bigint is a number', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = openPool(db.url, { statementTimeoutMs: 200 });
  t.after(() => pool.end());
  const slow = await pool.query('SELECT pg_sleep(5)').then(() => undefined, (e: unknown) => e as { code?: string });
  assert.equal(slow?.code, '57014', 'statement_timeout cancelled it');
  assert.equal(isConnectionError(slow), false, 'a cancelled statement is not a lost connection');
  await pool.query('CREATE TABLE t (id bigint)');
  await assert.rejects(transaction(pool, async (c) => {
    await c.query('INSERT INTO t VALUES (9007199254740991)');
    throw new Error('boom');
  }), /boom/);
  assert.equal((await pool.query<{ n: number }>('SELECT count(*) AS n FROM t')).rows[0]?.n, 0);
  await transaction(pool, (c) => c.query('INSERT INTO t VALUES (9007199254740991)'));
  assert.equal((await pool.query<{ id: number }>('SELECT id FROM t')).rows[0]?.id, Number.MAX_SAFE_INTEGER);
});
