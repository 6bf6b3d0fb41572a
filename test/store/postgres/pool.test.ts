import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { isConnectionError, openPool, redactUrl, transaction } from '../../../src/store/postgres/pool.ts';
import { eventually, startFreezableProxy } from '../../fixtures/cluster.ts';
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

test('a session cut off inside a transaction is ended by the server, so its row locks stop blocking the other nodes', { timeout: 60_000 }, async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const setup = openPool(db.url, { statementTimeoutMs: 5000 });
  t.after(() => setup.end());
  await setup.query('CREATE TABLE state (id int PRIMARY KEY, n int)');
  await setup.query('INSERT INTO state VALUES (1, 0)');
  // Node c reaches the server through a forwarder that falls silent without closing (a partition).
  const proxy = await startFreezableProxy(Number(new URL(db.url).port || 5432));
  t.after(() => proxy.close());
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const c = openPool(viaProxy.toString(), { statementTimeoutMs: 1000, idleInTransactionMs: 1000 });
  c.on('error', () => undefined);
  const held = await c.connect();
  held.on('error', () => undefined);
  t.after(() => {
    held.release(new Error('test over'));
    void c.end().catch(() => undefined);
  });
  await held.query('BEGIN');
  await held.query('UPDATE state SET n = n + 1 WHERE id = 1');
  proxy.freeze({ alsoNew: true });

  // Node d writes the same row with a short lock deadline, as a tick write would, until it lands.
  const d = openPool(db.url, { statementTimeoutMs: 500 });
  t.after(() => d.end());
  const codes: string[] = [];
  await eventually('the other node to write the row', async () => {
    const error = await d.query('UPDATE state SET n = n + 10 WHERE id = 1').then(() => undefined, (e: { code?: string }) => e);
    if (error === undefined) return true;
    codes.push(String(error.code));
    return false;
  }, 40_000);
  assert.ok(codes.length > 0 && codes.every((code) => code === '55P03' || code === '57014'), `a wait, and only deadlines while the cut session held the row: ${codes.join(', ')}`);
  assert.equal((await d.query<{ n: number }>('SELECT n FROM state WHERE id = 1')).rows[0]?.n, 10, 'the cut transaction was rolled back');
});
