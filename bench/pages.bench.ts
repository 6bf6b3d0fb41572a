// Server time of the dashboard and status pages over fleets with 90 days of hourly rounds.
// Up to 2,000 endpoints seeding writes every hourly round (2,160 per endpoint); above that (or with
// BENCH_PAGES_SEED=rollups) it writes the rollups straight into SQLite instead (bench/page-fleet-seed.ts),
// since the pages themselves read only rollups, state, gaps and incidents.
// Loop block: the longest the event loop went without turning (monitorEventLoopDelay max) while
// a page's requests ran. Endpoints and live states come
// from memory, as the running service serves them (the test helper reloads every state per call).
// The main figures build every view (pageCacheMs 0); the last column is the dashboard and the
// overview with the 10 s view cache, i.e. what a burst of page loads costs after the first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Endpoint } from '../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../src/domain/health.ts';
import { DAY, HOUR, seedEndpoint } from '../test/http/page-seed.ts';
import { buildTestApp, type TestApp } from '../test/http/helper.ts';
import { seedFleetRollups } from './page-fleet-seed.ts';
import { FleetPages } from '../src/http/pages/fleet-pages.ts';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const REQUESTS = 20;

async function timeUrl(t: TestApp, url: string): Promise<string> {
  const first = await t.app.inject({ url });
  // Page weight: as sent to a client without and with gzip (public pages are compressed).
  const gz = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
  const weight = `${(first.rawPayload.length / 1024).toFixed(0)} KiB${gz.headers['content-encoding'] === 'gzip' ? ` (${(gz.rawPayload.length / 1024).toFixed(0)} KiB gzip)` : ''}`;
  const times: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let r = 0; r < REQUESTS; r++) {
    const t0 = performance.now();
    await t.app.inject({ url });
    times.push(performance.now() - t0);
    // Let the delay monitor's timer fire between requests, as a real server's loop would.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  loop.disable();
  times.sort((a, b) => a - b);
  return `${url} p50 ${quantile(times, 0.5).toFixed(1)} p95 ${quantile(times, 0.95).toFixed(1)} block ${(loop.max / 1e6).toFixed(0)} · ${weight}`;
}

export async function benchPages(sizes: readonly number[] = [50, 500, 2000]): Promise<void> {
  console.log(`# pages: server time via inject, 90 days of history per endpoint, ${REQUESTS} requests per page after a warm-up; block = loop block max; then the page's weight`);
  const now = Date.UTC(2026, 10, 25, 12, 30);
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-pages-'));
    const memory = { endpoints: [] as readonly Endpoint[], states: new Map<number, EndpointState>() };
    const fromMemory = { clock: () => now, endpoints: () => memory.endpoints, state: (id: number) => memory.states.get(id) ?? initialState(id) };
    let pages: FleetPages | undefined;
    const t = await buildTestApp({ ...fromMemory, pageCacheMs: 0 });
    let cached: TestApp | undefined;
    let fleet: TestApp | undefined;
    try {
      const seedStart = performance.now();
      const direct = n > 2000 || process.env.BENCH_PAGES_SEED === 'rollups';
      if (direct) await seedFleetRollups(t.store, n, now);
      for (let i = 0; i < (direct ? 0 : n); i++) {
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
      const urls = ['/', '/?page=5', '/dashboard.json', '/status', '/status.json', '/status/ep-1', '/status/ep-1?range=30d', '/badge/ep-1.svg?window=90d', '/api/v1/endpoints', '/metrics'];
      console.log(`N=${n} (${direct ? 'rollups seeded directly' : 'raw rounds seeded'} in ${(seeded / 1000).toFixed(1)} s), ms:`);
      if (process.env.BENCH_PAGES_BEFORE !== '0') {
        console.log('  before (built per request, as without fleetPages):');
        for (const url of urls) console.log(`    ${await timeUrl(t, url)}`);
        cached = await buildTestApp({ ...fromMemory, store: t.store });
        for (const url of ['/', '/status']) console.log(`    10 s view cache: ${await timeUrl(cached, url)}`);
      }
      // After: the fleet pages' state kept up to date off the request path, as main.ts wires it.
      pages = new FleetPages({ ...fromMemory, store: t.store, policy: t.config.health });
      const holder = pages;
      fleet = await buildTestApp({ ...fromMemory, store: t.store, fleetPages: { get view() { return holder.view; } } });
      const refreshes: string[] = [];
      for (let r = 0; r < 4; r++) {
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        // An interval timer keeps the loop turning, so the delay monitor sees every stall.
        const ticker = setInterval(() => {}, 1);
        const cpu = process.cpuUsage();
        const stats = await pages.refresh();
        const used = process.cpuUsage(cpu);
        clearInterval(ticker);
        loop.disable();
        refreshes.push(`${stats.full ? 'full' : 'incremental'} ${stats.ms.toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU (loop block ${(loop.max / 1e6).toFixed(0)})`);
      }
      console.log(`  after: refresh ${refreshes.join(', ')}`);
      for (const url of urls) console.log(`    ${await timeUrl(fleet, url)}`);
      // The first load of a page after each refresh builds that page's model and bytes.
      for (const url of ['/', '/dashboard.json', '/status']) {
        const times: number[] = [];
        for (let r = 0; r < 10; r++) {
          await pages.refresh();
          const t0 = performance.now();
          await fleet.app.inject({ url });
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        console.log(`    first load after a refresh: ${url} p50 ${quantile(times, 0.5).toFixed(1)} p95 ${quantile(times, 0.95).toFixed(1)}`);
      }
    } finally {
      await pages?.stop();
      for (const extra of [cached, fleet]) {
        if (!extra) continue;
        await extra.close();
        rmSync(extra.dir, { recursive: true, force: true });
      }
      await t.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
}
