// SQLite-only: PostgreSQL has no file to lock (several nodes share it). The instance lock itself,
// in one process: SQLite keeps per-file locks per connection even inside one process, so a second
// acquire here behaves as a second process would.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { acquireInstanceLock, InstanceLockedError, lockPathFor } from '../../src/store/sqlite/instance-lock.ts';

describe('acquireInstanceLock', () => {
  test('the second acquire is refused and names the holder; after release it succeeds', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mcpwatch-lock-')), 'mcpwatch.db');
    const first = acquireInstanceLock(db, { version: '1.2.3', pid: 4242, host: 'node-a', clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    assert.equal(first.path, lockPathFor(db));
    assert.throws(
      () => acquireInstanceLock(db, { version: '1.2.4', pid: 99, host: 'node-b' }),
      (err: unknown) =>
        err instanceof InstanceLockedError &&
        err.holder?.pid === 4242 &&
        err.message === `the database is already in use by pid 4242 on host node-a (mcpwatch 1.2.3), running since 2026-01-02T03:04:05.000Z; lock ${db}.lock`,
    );
    first.release();
    const second = acquireInstanceLock(db, { version: '1.2.4', pid: 99, host: 'node-b' });
    second.release();
    second.release(); // idempotent
  });

  test('a row left by a holder that died does not block: liveness is the file lock, not the pid', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mcpwatch-lock-')), 'mcpwatch.db');
    // What kill -9 leaves: the holder row, and no lock (the kernel dropped it with the process).
    const stale = new Database(lockPathFor(db));
    stale.exec('CREATE TABLE holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL, version TEXT NOT NULL)');
    stale.prepare('INSERT INTO holder VALUES (?, ?, ?, ?)').run(process.pid, 'this-host', '2020-01-01T00:00:00.000Z', '0.0.1');
    stale.close();
    const lock = acquireInstanceLock(db, { version: '1.0.0', pid: 7, host: 'node-c' });
    const reader = new Database(lockPathFor(db), { readonly: true });
    assert.deepEqual(reader.prepare('SELECT pid, host FROM holder').all(), [{ pid: 7, host: 'node-c' }]);
    reader.close();
    lock.release();
  });
});
