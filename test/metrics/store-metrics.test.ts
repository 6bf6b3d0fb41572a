// The store families of /metrics: rounds waiting for the database, failed writes, dropped rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceMetrics, type SchedulerSnapshot, type StoreWriteStats } from '../../src/metrics/service-metrics.ts';

const SCHEDULER: SchedulerSnapshot = { dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 0, lastLagMs: null, recentLagsMs: [], inFlight: 0, queued: 0 };

function sampled(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`# TYPE ${name} `));
}

test('the store families follow the recorder between scrapes', async () => {
  let writes: StoreWriteStats = { pending: 1200, writeFailures: 3, dropped: 0 };
  const metrics = new ServiceMetrics({ scheduler: () => SCHEDULER, loopDelayMs: () => 0, writes: () => writes });
  const first = await metrics.render();
  assert.deepEqual(sampled(first, 'mcpwatch_store_pending_rounds'), ['# TYPE mcpwatch_store_pending_rounds gauge', 'mcpwatch_store_pending_rounds 1200']);
  assert.deepEqual(sampled(first, 'mcpwatch_store_write_failures_total'), ['# TYPE mcpwatch_store_write_failures_total counter', 'mcpwatch_store_write_failures_total 3']);
  assert.deepEqual(sampled(first, 'mcpwatch_store_dropped_rounds_total'), ['# TYPE mcpwatch_store_dropped_rounds_total counter', 'mcpwatch_store_dropped_rounds_total 0']);
  writes = { pending: 0, writeFailures: 4, dropped: 250 };
  const second = await metrics.render();
  assert.deepEqual(sampled(second, 'mcpwatch_store_pending_rounds').at(-1), 'mcpwatch_store_pending_rounds 0');
  assert.deepEqual(sampled(second, 'mcpwatch_store_write_failures_total').at(-1), 'mcpwatch_store_write_failures_total 4');
  assert.deepEqual(sampled(second, 'mcpwatch_store_dropped_rounds_total').at(-1), 'mcpwatch_store_dropped_rounds_total 250');
});

test('a scrape still answers while the alert backlog cannot be read (the database is away)', async () => {
  const metrics = new ServiceMetrics({
    scheduler: () => SCHEDULER,
    loopDelayMs: () => 0,
    writes: () => ({ pending: 7, writeFailures: 1, dropped: 0 }),
    alerts: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
  });
  const text = await metrics.render();
  assert.deepEqual(sampled(text, 'mcpwatch_store_pending_rounds').at(-1), 'mcpwatch_store_pending_rounds 7');
});
