// On a PostgreSQL cluster every per-endpoint series carries the node's region (README, "Several
// regions"): one set of series per region. Without a region (SQLite) the text is unchanged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_HEALTH_POLICY, initialState, type EndpointState } from '../../src/domain/health.ts';
import { MetricsScraper, type ScrapeSource } from '../../src/metrics/scrape.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { definition } from '../store/helper.ts';

const PROMTOOL = '/usr/bin/promtool';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

function source(region?: string): ScrapeSource {
  const endpoint = { ...definition('alpha'), id: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archivedAt: null };
  const state: EndpointState = { ...initialState(1), health: 'up', lastStatus: 'up', lastCheckedAt: new Date(NOW - 1000).toISOString(), lastDurationMs: 42, era: 'modern', protocolVersion: '2025-06-18', toolsCount: 3 };
  return {
    listEndpoints: () => [endpoint],
    state: () => state,
    latestResult: () => probeResult({ startedAt: state.lastCheckedAt!, durationMs: 42 }),
    clock: () => NOW,
    policy: DEFAULT_HEALTH_POLICY,
    scheduler: () => ({ dispatched: 1, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 1, lastLagMs: 1, recentLagsMs: [1], inFlight: 0, queued: 0 }),
    loopDelayMs: () => 0,
    ...(region === undefined ? {} : { region }),
  };
}

async function endpointLines(region?: string): Promise<{ lines: string[]; body: string }> {
  const scraper = new MetricsScraper(source(region), { refreshMs: 0 });
  try {
    const body = (await scraper.render()).toString('utf8');
    return { body, lines: body.split('\n').filter((l) => l.includes('slug="alpha"')) };
  } finally {
    scraper.close();
  }
}

test('a region labels every per-endpoint series, right after the slug; none without one', async () => {
  const labelled = await endpointLines('eu-west');
  assert.ok(labelled.lines.length > 5, labelled.body);
  for (const line of labelled.lines) assert.match(line, /\{slug="alpha",region="eu-west"[,}]/);
  const plain = await endpointLines();
  for (const line of plain.lines) assert.doesNotMatch(line, /region=/);
  assert.equal(labelled.lines.length, plain.lines.length, 'the same series, one more label');
  if (existsSync(PROMTOOL)) {
    const checked = spawnSync(PROMTOOL, ['check', 'metrics'], { input: labelled.body, encoding: 'utf8', timeout: 30_000 });
    assert.equal(checked.stdout + checked.stderr, '', 'promtool reported problems');
  }
});
