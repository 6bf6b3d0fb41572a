// Server time of the dashboard and status pages over fleets with 90 days of hourly rounds.
// Seeding writes every hourly round (2,160 per endpoint), so the fleet sizes here are bounded by
// seeding time; the pages themselves read only rollups and state. Endpoints and live states come
// from memory, as the running service serves them (the test helper reloads every state per call).
// The main figures build every view (pageCacheMs 0); the last column is the dashboard and the
// overview with the 10 s view cache, i.e. what a burst of page loads costs after the first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint } from '../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../src/domain/health.ts';
import { DAY, HOUR, seedEndpoint } from '../test/http/page-seed.ts';
import { buildTestApp, type TestApp } from '../test/http/helper.ts';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timeUrl(t: TestApp, url: string): Promise<string> {
  await t.app.inject({ url });
  const times: number[] = [];
  for (let r = 0; r < 10; r++) {
    const t0 = performance.now();
    await t.app.inject({ url });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return `${url} p50 ${quantile(times, 0.5).toFixed(1)} p95 ${quantile(times, 0.95).toFixed(1)}`;
}

export async function benchPages(sizes: readonly number[] = [50, 500, 2000]): Promise<void> {
  console.log('# pages: server time via inject, 90 days of hourly rounds per endpoint, 10 requests per page after a warm-up');
  const now = Date.UTC(2026, 10, 25, 12, 30);
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-pages-'));
    const memory = { endpoints: [] as readonly Endpoint[], states: new Map<number, EndpointState>() };
    const fromMemory = { clock: () => now, endpoints: () => memory.endpoints, state: (id: number) => memory.states.get(id) ?? initialState(id) };
    const t = await buildTestApp({ ...fromMemory, pageCacheMs: 0 });
    let cached: TestApp | undefined;
    try {
      const seedStart = performance.now();
      for (let i = 0; i < n; i++) {
        await seedEndpoint(t.store, now, {
          slug: `ep-${i}`,
          definition: { name: `Endpoint ${i}`, tags: [`team-${i % 5}`], public: i % 10 !== 0 },
          row: (ts) => (ts % (97 * HOUR) < HOUR ? { status: 'down', code: 'TCP_REFUSED', detail: 'connection refused' } : {}),
          incidents: [{ startedAt: now - ((i % 80) + 1) * DAY, resolvedAt: now - ((i % 80) + 1) * DAY + 20 * 60_000, code: 'TCP_REFUSED', detail: 'connection refused' }],
        });
        // 90 days at once would pile up in the store's rollup buffer (the service only ever holds
        // the current hour and day there): flush it as the seeding goes.
        if (i % 250 === 249) t.store.checkpoint();
      }
      t.store.checkpoint();
      memory.endpoints = await t.store.listEndpoints();
      memory.states = new Map((await t.store.loadStates()).map((s) => [s.endpointId, s]));
      const seeded = performance.now() - seedStart;
      const rows: string[] = [];
      for (const url of ['/', '/?page=5', '/dashboard.json', '/status', '/status.json', '/status/ep-1', '/status/ep-1?range=30d', '/badge/ep-1.svg?window=90d', '/metrics']) rows.push(await timeUrl(t, url));
      cached = await buildTestApp({ ...fromMemory, store: t.store });
      const hits = [await timeUrl(cached, '/'), await timeUrl(cached, '/status')];
      console.log(`N=${n} (seeded in ${(seeded / 1000).toFixed(1)} s): ${rows.join(' · ')} (ms) | cached: ${hits.join(' · ')} (ms)`);
    } finally {
      if (cached) {
        await cached.close();
        rmSync(cached.dir, { recursive: true, force: true });
      }
      await t.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
}
