import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceMetrics, type OverloadStats, type SchedulerSnapshot } from '../../src/metrics/service-metrics.ts';

const SCHEDULER: SchedulerSnapshot = { dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 0, lastLagMs: null, recentLagsMs: [], inFlight: 0, queued: 0 };

function samples(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

test("mcpwatch's own overload is exported, and follows the monitor between scrapes", async () => {
  let overload: OverloadStats = { overloaded: true, concurrencyLimit: 125, discounted: 7, dnsCacheHits: 90, dnsCacheMisses: 10 };
  const metrics = new ServiceMetrics({ scheduler: () => SCHEDULER, loopDelayMs: () => 0, overload: () => overload });
  const first = await metrics.render();
  assert.deepEqual(samples(first, 'mcpwatch_overloaded'), ['mcpwatch_overloaded 1']);
  assert.deepEqual(samples(first, 'mcpwatch_probe_concurrency_limit'), ['mcpwatch_probe_concurrency_limit 125']);
  assert.deepEqual(samples(first, 'mcpwatch_probe_results_discounted_total'), ['mcpwatch_probe_results_discounted_total 7']);
  assert.deepEqual(samples(first, 'mcpwatch_dns_cache_lookups_total').sort(), ['mcpwatch_dns_cache_lookups_total{result="hit"} 90', 'mcpwatch_dns_cache_lookups_total{result="miss"} 10']);
  overload = { overloaded: false, concurrencyLimit: 1000, discounted: 9, dnsCacheHits: 95, dnsCacheMisses: 11 };
  const second = await metrics.render();
  assert.deepEqual(samples(second, 'mcpwatch_overloaded'), ['mcpwatch_overloaded 0']);
  assert.deepEqual(samples(second, 'mcpwatch_probe_results_discounted_total'), ['mcpwatch_probe_results_discounted_total 9']);
  assert.deepEqual(samples(second, 'mcpwatch_dns_cache_lookups_total').sort(), ['mcpwatch_dns_cache_lookups_total{result="hit"} 95', 'mcpwatch_dns_cache_lookups_total{result="miss"} 11']);
});

test('without a monitor the families are still there, at zero', async () => {
  const text = await new ServiceMetrics({ scheduler: () => SCHEDULER, loopDelayMs: () => 0 }).render();
  assert.deepEqual(samples(text, 'mcpwatch_overloaded'), ['mcpwatch_overloaded 0']);
  assert.deepEqual(samples(text, 'mcpwatch_probe_results_discounted_total'), ['mcpwatch_probe_results_discounted_total 0']);
});
