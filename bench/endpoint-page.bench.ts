// Server time and weight of one endpoint's full page (/endpoints/:slug) against its status page,
// over fleets with a day of raw rounds at 60 s, sealed as the retention job seals them. The full
// page reads a day of raw rows: sealed hours from per-endpoint blocks, the head through SQLite's
// in-memory head index (src/store/sqlite/head-index.ts), so its cost should not grow with the fleet.
// Loop block: the longest the event loop went without turning while the page's requests ran.
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pageRawWindowMs } from '../src/http/pages/endpoint-model.ts';
import { buildTestApp, type TestApp } from '../test/http/helper.ts';
import { definition, EMPTY_TICK, result } from '../test/store/helper.ts';

const REQUESTS = 15;
const MINUTES = 1440;

async function timeUrl(t: TestApp, url: string): Promise<string> {
  const first = await t.app.inject({ url });
  if (first.statusCode !== 200) throw new Error(`${url}: HTTP ${first.statusCode}`);
  const times: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    await t.app.inject({ url });
    times.push(performance.now() - start);
    // Let the delay monitor's timer fire between requests, as a real server's loop would.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  loop.disable();
  times.sort((a, b) => a - b);
  const at = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  return `${url.padEnd(28)} p50 ${at(0.5).padStart(6)} ms  p95 ${at(0.95).padStart(6)} ms  loop block ${(loop.max / 1e6).toFixed(0).padStart(4)} ms  ${(first.body.length / 1024).toFixed(0).padStart(4)} KiB`;
}

export async function benchEndpointPage(sizes: readonly number[]): Promise<void> {
  console.log('\n== endpoint page: /endpoints/:slug against /status/:slug, a day of raw rounds at 60 s ==');
  for (const n of sizes) {
    const t = await buildTestApp({ pageCacheMs: 0 });
    try {
      const now = Date.now();
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push((await t.store.createEndpoint(definition(`ep-${i}`, { public: true }))).id);
      const seedStart = performance.now();
      for (let m = MINUTES; m >= 1; m--) {
        const ts = now - m * 60_000;
        await t.store.writeTick({ ...EMPTY_TICK, results: ids.map((id, k) => result(id, ts + (k % 1000), { durationMs: 80 + (k % 50) })) });
      }
      await t.store.flush();
      // As the retention job does: hours that ended over 10 minutes ago move into per-endpoint
      // blocks, so the head keeps only the newest hour or so (what a running service's head holds).
      const sealStart = performance.now();
      let sealed = 0;
      for (;;) {
        const progress = t.store.sealStep(Number.POSITIVE_INFINITY);
        sealed += progress.sealed;
        if (!progress.more) break;
      }
      console.log(`N=${n}: ${sealed.toLocaleString('en')} rows sealed into blocks in ${((performance.now() - sealStart) / 1000).toFixed(1)} s; head index ${t.store.rawReadsIndexed() ? 'on' : 'off'}`);
      const window = pageRawWindowMs(t.store.rawReadsIndexed(), await t.store.listEndpoints());
      console.log(`N=${n}: ${(n * MINUTES).toLocaleString('en')} raw rows seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; the page reads ${(window / 60_000).toFixed(0)} min of them`);
      const slug = `ep-${Math.floor(n / 2)}`;
      for (const url of [`/status/${slug}`, `/endpoints/${slug}`, `/endpoints/${slug}?range=7d`]) console.log(`  ${await timeUrl(t, url)}`);
    } finally {
      await t.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
}
