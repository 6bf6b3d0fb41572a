// The outbox as the API shows it: counts and dead letters need a token; a retry needs a full one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testMessage } from '../../src/alerts/message.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { buildTestApp } from './helper.ts';

describe('alerts API', () => {
  test('counts, dead letters and retry, with the right tokens', async () => {
    let outbox!: SqliteOutbox;
    const t = await buildTestApp({
      withStore: (store) => {
        outbox = new SqliteOutbox(store.database);
        return { alerts: outbox };
      },
    });
    try {
      await outbox.commit({ entries: [{ idempotencyKey: '00000000-0000-4000-8000-000000000001', channel: 'ops-hook', endpointId: null, message: testMessage('ops-hook', 'k1', Date.now(), null), suppressed: null }], states: [] });
      const [entry] = await outbox.due(Date.now() + 1, 10);
      assert.ok(entry);
      await outbox.markFailed(entry.id, 'HTTP 410 from the receiver', null);

      const fullToken = generateToken();
      const roToken = generateToken();
      await t.store.createToken('full', hashToken(fullToken), false);
      await t.store.createToken('ro', hashToken(roToken), true);
      const full = { authorization: `Bearer ${fullToken}` };
      const ro = { authorization: `Bearer ${roToken}` };

      assert.equal((await t.app.inject({ url: '/api/v1/alerts/dead-letters' })).statusCode, 401);
      const counts = await t.app.inject({ url: '/api/v1/alerts/outbox', headers: ro });
      assert.equal(counts.statusCode, 200);
      assert.deepEqual(counts.json(), { pending: 0, delivered: 0, dead: 1, suppressed: 0 });
      // Prometheus sees the dead letter too (an alert rule pages on it).
      const scraped = (await t.app.inject({ url: '/metrics' })).body;
      assert.match(scraped, /^mcpwatch_alert_messages\{status="dead"\} 1$/m);
      assert.match(scraped, /^mcpwatch_alert_messages\{status="pending"\} 0$/m);
      assert.match(scraped, /^mcpwatch_alert_oldest_pending_age_seconds 0$/m);
      const dead = await t.app.inject({ url: '/api/v1/alerts/dead-letters', headers: ro });
      assert.equal(dead.statusCode, 200);
      const body = dead.json<{ deadLetters: Array<{ id: number; channel: string; lastError: string }> }>();
      assert.deepEqual(body.deadLetters.map((d) => [d.id, d.channel, d.lastError]), [[entry.id, 'ops-hook', 'HTTP 410 from the receiver']]);

      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/alerts/dead-letters/${entry.id}/retry`, headers: ro })).statusCode, 403);
      assert.equal((await outbox.counts()).dead, 1, 'a refused retry changes nothing');
      const retried = await t.app.inject({ method: 'POST', url: `/api/v1/alerts/dead-letters/${entry.id}/retry`, headers: full });
      assert.equal(retried.statusCode, 202);
      assert.deepEqual(await outbox.counts(), { pending: 1, delivered: 0, dead: 0, suppressed: 0 });
      assert.deepEqual(await outbox.backlog(), { pending: 1, dead: 0, oldestPendingAt: (await outbox.get(entry.id))?.createdAt });
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/alerts/dead-letters/999/retry', headers: full })).statusCode, 404);
      // The dashboard says so while a dead letter exists, and not once it is queued again.
      assert.doesNotMatch((await t.app.inject({ url: '/' })).body, /Undelivered alerts/);
      const second = (await outbox.due(Date.now() + 1, 10))[0]!;
      await outbox.markFailed(second.id, 'HTTP 410 again', null);
      assert.match((await t.app.inject({ url: '/' })).body, /Undelivered alerts[\s\S]*1 alert message was not delivered/);
    } finally {
      await t.close();
    }
  });
});
