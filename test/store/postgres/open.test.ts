// The PostgreSQL Storage as main.ts opens it: migrated on open, every part on one pool, a clear
// error naming the server (never its password) when it cannot be reached, close() idempotent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPostgresStorage } from '../../../src/store/postgres/open.ts';
import { StoreError } from '../../../src/store/store.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { definition } from '../helper.ts';

test('opens a fresh database: migrated, every part working, size known, close twice', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const storage = await openPostgresStorage(db.url);
  assert.equal(storage.backend, 'postgres');
  assert.ok(!storage.location.includes('mcpwatch:mcpwatch@'), storage.location);
  const endpoint = await storage.store.createEndpoint(definition('a'));
  assert.equal((await storage.store.getEndpointBySlug('a'))?.id, endpoint.id);
  assert.equal(await storage.store.isWritable(), true);
  assert.match(await storage.outbox.instanceId(), /^[0-9a-f]{32}$/);
  assert.deepEqual(await storage.alertSettings.channels(), []);
  assert.ok((await storage.sizeBytes()) > 0);
  assert.equal(storage.maintenance, undefined, 'SQLite file operations do not exist here');
  await storage.close();
  await storage.close();
});

test('an unreachable server is StoreError UNAVAILABLE naming the server without the password', async () => {
  const error = await openPostgresStorage('postgres://app:s3cret@127.0.0.1:1/mcpwatch', { connectTimeoutMs: 2000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof StoreError, String(error));
  assert.equal(error.code, 'UNAVAILABLE');
  assert.match(error.message, /cannot reach PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/mcpwatch/);
  assert.ok(!error.message.includes('s3cret'));
});
