// GET /metrics at 1k and 10k endpoints (BENCH_METRICS_SIZES=50000 for 50k): scrape time plain and gzip, how long a scrape holds the
// event loop, bytes, and what keeping the per-endpoint block up to date costs per result.
// Endpoints live in a real SQLite file; states and last results are in memory, shaped like real
// ones (HTTPS, a streamable handshake, tools listed), replaced as results land.
// The clock is simulated: a "second" lands n/60 results (60 s probing) and moves it on by 1 s.
// Prints figures, never fails on a number.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { crc32, deflateRawSync } from 'node:zlib';
import Fastify from 'fastify';
import { parseConfig } from '../src/config/parse.ts';
import type { EndpointDefinition } from '../src/domain/endpoint.ts';
import type { Status } from '../src/domain/failure-codes.ts';
import { initialState, type EndpointState } from '../src/domain/health.ts';
import type { PhaseTiming, ProbeResult } from '../src/domain/probe-result.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { metricsRoutes } from '../src/http/routes/metrics.ts';
import type { SyncFigures } from '../src/metrics/endpoint-blocks.ts';
import { MetricsScraper } from '../src/metrics/scrape.ts';
import { openSqliteStore } from '../src/store/sqlite/store.ts';

const SIZES = (process.env.BENCH_METRICS_SIZES ?? '1000,10000').split(',').map(Number);
const SCRAPES = Number(process.env.BENCH_METRICS_SCRAPES ?? 10);
/**
 * Wall time of a simulated second while scrapes go through the route (and the refresh timer's
 * period). 250 compresses time 4×, and with it garbage: the results that die after an interval
 * make V8's full collections (15-17 ms pauses at 10,000 endpoints) come every ~4 s instead of every
 * ~16, so a scrape meets one 4× as often. BENCH_METRICS_SECOND_MS=1000 runs in real time.
 */
const SECOND_MS = Number(process.env.BENCH_METRICS_SECOND_MS ?? 250);

function definition(i: number): EndpointDefinition {
  return {
    slug: `server-${i}`,
    name: `Server ${i}`,
    url: `https://server-${i}.example.com/mcp`,
    intervalS: 60,
    timeoutMs: 15_000,
    era: 'auto',
    public: i % 2 === 0,
    paused: false,
    pausedReason: null,
    tags: [],
    listTools: true,
    allowPrivate: false,
    source: 'config',
    secrets: { headers: {}, bearerToken: null },
  };
}

const PHASES: readonly PhaseTiming[] = [
  { phase: 'dns', startMs: 0, ms: 2.4, ok: true },
  { phase: 'connect', startMs: 2.4, ms: 11.2, ok: true },
  { phase: 'tls', startMs: 13.6, ms: 24.9, ok: true },
  { phase: 'discover', startMs: 38.5, ms: 31.7, ok: true },
  { phase: 'initialize', startMs: 70.2, ms: 40.1, ok: true },
  { phase: 'initialized', startMs: 110.3, ms: 9.8, ok: true },
  { phase: 'tools_list', startMs: 120.1, ms: 35.5, ok: true },
  { phase: 'session_close', startMs: 155.6, ms: 6.3, ok: true },
];

/** Endpoint i's state and result of a round started at `startedAtMs`. */
function fixtures(id: number, i: number, startedAtMs: number): { state: EndpointState; latest: ProbeResult } {
  const status: Status = i % 50 === 0 ? 'down' : i % 20 === 0 ? 'auth_required' : 'up';
  const startedAt = new Date(startedAtMs).toISOString();
  const notAfter = new Date(startedAtMs + (30 + (i % 60)) * 86_400_000).toISOString();
  const latest: ProbeResult = {
    url: `https://server-${i}.example.com/mcp`,
    startedAt,
    status,
    code: status === 'down' ? 'HTTP_5XX' : status === 'auth_required' ? 'AUTH_REQUIRED' : null,
    detail: '',
    warnings: [],
    durationMs: 162.3,
    phases: PHASES,
    era: 'streamable',
    protocolVersion: '2025-06-18',
    supportedVersions: [],
    transport: 'streamable-http',
    server: { name: `server-${i}-mcp`, version: '1.4.2', title: null },
    capabilities: {},
    tools: { count: 12, hash: 'h', names: [], pages: 1, truncated: false },
    addresses: [{ address: `198.51.100.${i % 250}`, family: 4, ttl: 300 }],
    connectedAddress: `198.51.100.${i % 250}`,
    certificate: {
      subject: '',
      issuer: '',
      sans: [],
      notBefore: startedAt,
      notAfter,
      daysLeft: 30,
      earliestNotAfter: notAfter,
      fingerprint256: `fp${i}`,
      serialNumber: '1',
      protocol: 'TLSv1.3',
      cipher: null,
      chainValid: true,
      chainError: null,
      hostnameValid: true,
      observedAt: '2026-01-01T00:00:00.000Z',
      resumed: false,
    },
    http: { lastStatus: status === 'down' ? 503 : status === 'auth_required' ? 401 : 200, version: '1.1', responses: 3, headWaitMs: 40.2 },
    auth: null,
    eraSource: 'detected',
  };
  const state: EndpointState = {
    ...initialState(id),
    health: status === 'down' ? 'down' : 'up',
    healthSince: startedAt,
    lastStatus: status,
    lastCode: latest.code,
    lastDetail: '',
    lastCheckedAt: startedAt,
    lastDurationMs: latest.durationMs,
    era: 'streamable',
    protocolVersion: '2025-06-18',
    serverName: `server-${i}-mcp`,
    serverVersion: '1.4.2',
    certFingerprint: `fp${i}`,
    certNotAfter: notAfter,
    toolsHash: 'h',
    toolsCount: 12,
    openIncidentId: status === 'down' ? i : null,
  };
  return { state, latest };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const median = (values: readonly number[]): number => quantile(values, 0.5);
const ms = (value: number): string => value.toFixed(1);

// The scraping client runs in a worker thread: its own heap and event loop, as Prometheus is its
// own process. In the server's thread it charged the server for reading 20 MiB per plain scrape
// (the chunks' garbage landed in the server's heap and its collections in the next scrape).
const CLIENT = `
const { parentPort } = require('node:worker_threads');
const { get } = require('node:http');
parentPort.on('message', ({ port, gzip }) => {
  const t0 = performance.now();
  get({ host: '127.0.0.1', port, path: '/metrics', headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
    let bytes = 0;
    res.on('data', (chunk) => (bytes += chunk.length));
    res.on('end', () => parentPort.postMessage({ bytes, wallMs: performance.now() - t0 }));
  }).on('error', (error) => parentPort.postMessage({ error: String(error) }));
});
`;

function scrapeClient(): { fetch: (port: number, gzip: boolean) => Promise<{ bytes: number; wallMs: number }>; close: () => Promise<number> } {
  const worker = new Worker(CLIENT, { eval: true });
  return {
    fetch: (port, gzip) =>
      new Promise((resolve, reject) => {
        worker.once('message', (m: { bytes: number; wallMs: number; error?: string }) => (m.error === undefined ? resolve(m) : reject(new Error(m.error))));
        worker.postMessage({ port, gzip });
      }),
    close: () => worker.terminate(),
  };
}

/**
 * One scrape as the client saw it (request to last byte), the server thread's busy time meanwhile
 * (event-loop utilisation: its CPU, zlib included, as the scrape runs on it) and the longest
 * event-loop delay while it ran (monitorEventLoopDelay, 1 ms resolution; a fresh histogram each
 * time, since one disabled and enabled again records the whole pause as a delay).
 */
async function timedScrape(client: ReturnType<typeof scrapeClient>, port: number, gzip: boolean): Promise<Scrape> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const elu0 = performance.eventLoopUtilization();
  const { bytes, wallMs } = await client.fetch(port, gzip);
  const elu = performance.eventLoopUtilization(elu0);
  histogram.disable();
  // The histogram counts the 1 ms resolution itself as delay.
  return { wallMs, cpuMs: elu.active, blockMs: Math.max(0, histogram.max / 1e6 - 1), bytes };
}

interface Scrape {
  readonly wallMs: number;
  /** The server thread's busy time during the scrape, ms. */
  readonly cpuMs: number;
  readonly blockMs: number;
  readonly bytes: number;
}

// A full collection before reading memory, without a command-line flag (bench/run.ts starts node plainly).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Live heap and Buffer memory after a full collection, bytes. */
function heldMemory(): { heap: number; buffers: number } {
  collect();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** Process CPU (user + system) spent in `work`, ms. */
function cpuOf(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Process CPU spent until `work` settles, ms (nothing else runs in the benchmark meanwhile). */
async function cpuOfAsync(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function benchSize(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-metrics-bench-'));
  const store = openSqliteStore(join(dir, 'mcpwatch.db'));
  try {
    const { endpoints } = await store.syncConfigEndpoints(Array.from({ length: n }, (_, i) => definition(i)));
    // A simulated clock: results carry it as their start, scrapes and the refresh timer read it.
    let clockMs = Date.now();
    const perSecond = Math.max(1, Math.round(n / 60));
    const states = new Map<number, EndpointState>();
    const latest = new Map<number, ProbeResult>();
    // A result landing: new state and result objects, as the recorder and monitor make them, in
    // schedule order — each endpoint has a fixed slot in its interval, so results come round in
    // the same (shuffled, not slug) order every interval.
    const slots = endpoints.map((_, i) => i);
    for (let i = slots.length - 1; i > 0; i--) {
      const j = (i * 2_654_435_761) % (i + 1);
      [slots[i], slots[j]] = [slots[j] ?? 0, slots[i] ?? 0];
    }
    // Each endpoint checked once already, at its slot of the last interval.
    slots.forEach((i, position) => {
      const e = endpoints[i];
      if (e === undefined) return;
      const f = fixtures(e.id, i, clockMs - 60_000 + Math.floor(position / perSecond) * 1000);
      states.set(e.id, f.state);
      latest.set(e.id, f.latest);
    });
    let cursor = 0;
    let round = 0;
    const land = (count: number): void => {
      for (let k = 0; k < count; k++) {
        const i = slots[cursor++ % n] ?? 0;
        const e = endpoints[i];
        if (e === undefined) continue;
        const f = fixtures(e.id, i, clockMs);
        states.set(e.id, f.state);
        latest.set(e.id, { ...f.latest, durationMs: 100 + (++round % 97) });
      }
    };
    /** One second of 60 s probing: its results land, the clock moves on. */
    const second = (): void => {
      land(perSecond);
      clockMs += 1000;
    };
    const parsed = parseConfig('', {});
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const deps: AppDeps = {
      store,
      config: parsed.config,
      clock: () => clockMs,
      state: (id) => states.get(id) ?? initialState(id),
      // As in serve: the monitor's in-memory list, not a SQLite read per scrape.
      endpoints: () => endpoints,
      onEndpointsChanged: () => undefined,
      checkNow: () => Promise.reject(new Error('not in the benchmark')),
      readiness: () => ({ database: true, scheduler: true }),
      scheduler: () => ({ dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: n, lastLagMs: 0, recentLagsMs: [1, 2, 3], inFlight: 0, queued: 0 }),
      latestResult: (id) => latest.get(id),
      loopDelayMs: () => 0,
    };
    const source = {
      listEndpoints: () => endpoints,
      state: deps.state,
      latestResult: deps.latestResult,
      clock: deps.clock,
      policy: parsed.config.health,
      scheduler: deps.scheduler,
      loopDelayMs: deps.loopDelayMs,
    };

    // Keeping it up to date: the first sweep renders every endpoint; then, as the 1 s refresh timer
    // does, a due-only tick with nothing new and one after n/60 results (60 s probing) have landed,
    // and a full sweep (every tenth tick and every scrape) with nothing new. gzip is wanted (a
    // scrape asked for it), so each refresh also deflates the pieces it joined.
    const direct = new MetricsScraper(source, { maxAgeMs: 0, refreshMs: 0 });
    const before = heldMemory();
    const coldCpu = await cpuOfAsync(() => direct.renderGzip());
    const held = heldMemory();
    const idle: number[] = [];
    const fullIdle: number[] = [];
    const firstCycle: number[] = [];
    const refreshCpu: number[] = [];
    const longest: number[] = [];
    // Two intervals: the first is the first render's segments being replaced.
    for (let i = 0; i < 120; i++) {
      idle.push(await cpuOfAsync(() => direct.refresh({ dueOnly: true })));
      if (i % 10 === 9) fullIdle.push(await cpuOfAsync(() => direct.refresh()));
      second();
      let sync: SyncFigures | undefined;
      const cpu = await cpuOfAsync(async () => (sync = await direct.refresh({ dueOnly: true })));
      (i < 60 ? firstCycle : refreshCpu).push(cpu);
      longest.push(sync?.longestSliceMs ?? 0);
    }
    const firstScrapeCpu = await cpuOfAsync(() => direct.renderGzip());
    const perResultUs = ((median(refreshCpu) - median(idle)) / perSecond) * 1000;
    // A second of upkeep: a tick after a second's results, and a tenth of a full sweep.
    const perSecondMs = median(refreshCpu) + median(fullIdle) / 10;
    const block = await direct.render();

    // gzip levels over the whole text: CPU (zlib's, on a pool thread in serve) and bytes.
    const levels = [1, 3, 6, 9].map((level) => {
      let size = 0;
      const cpu = median([0, 1, 2].map(() => cpuOf(() => (size = deflateRawSync(block, { level }).length))));
      return `level ${level} ${ms(cpu)} ms → ${(size / 1024 / 1024).toFixed(2)} MiB`;
    });
    const crcMs = median([0, 1, 2].map(() => cpuOf(() => crc32(block))));

    // Through the route over a real socket, as Prometheus sees it. Between two scrapes 15 s of
    // results land (n / 4 at 60 s probing) and the refresh timer takes them in, time compressed 4×
    // (a simulated second every 250 ms, the timer at 250 ms: its full sweeps, every tenth tick, come
    // every 2.5 s). The old 20 ms timer swept 50,000 endpoints 50 times a second, which is no
    // scrape's cost. The client only counts bytes, so the loop delay measured is the server's.
    const app = Fastify();
    await app.register(metricsRoutes, { deps, scrape: { refreshMs: SECOND_MS } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const plain: Scrape[] = [];
    const gzip: Scrape[] = [];
    const client = scrapeClient();
    let idleMax = 0;
    // One interval of results first, so segments follow arrival order as after a minute of serve.
    await timedScrape(client, port, true);
    for (let s = 0; s < 60; s++) {
      second();
      await delay(SECOND_MS);
    }
    for (let i = 0; i < SCRAPES + 2; i++) {
      const idleLoop = monitorEventLoopDelay({ resolution: 1 });
      idleLoop.enable();
      for (let s = 0; s < 15; s++) {
        second();
        await delay(SECOND_MS);
      }
      idleLoop.disable();
      if (i >= 2) idleMax = Math.max(idleMax, idleLoop.max / 1e6 - 1);
      // A second's results not yet taken in (the worst a 1 s timer leaves), and past the 1 s cache.
      second();
      const g = await timedScrape(client, port, true);
      second();
      const p = await timedScrape(client, port, false);
      if (i < 2) continue; // warm-up
      plain.push(p);
      gzip.push(g);
    }
    clockMs += 2000;
    const body = (await app.inject({ url: '/metrics' })).body;
    const sampleLines = body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const series = sampleLines.length;
    // Samples and bytes per endpoint by family (the per-endpoint ones: those with a slug label).
    const byFamily = new Map<string, { samples: number; bytes: number }>();
    for (const line of sampleLines) {
      if (!line.includes('{slug="')) continue;
      const name = line.slice(0, line.indexOf('{'));
      const f = byFamily.get(name) ?? { samples: 0, bytes: 0 };
      f.samples++;
      f.bytes += line.length + 1;
      byFamily.set(name, f);
    }
    await client.close();
    await app.close();

    const row = (name: string, xs: readonly Scrape[]): string =>
      `  ${name.padEnd(5)} scrape p50 ${ms(median(xs.map((x) => x.wallMs)))} ms, p95 ${ms(quantile(xs.map((x) => x.wallMs), 0.95))} ms, max ${ms(Math.max(...xs.map((x) => x.wallMs)))} ms, CPU p50 ${ms(median(xs.map((x) => x.cpuMs)))} ms | loop block max ${ms(Math.max(...xs.map((x) => x.blockMs)))} ms (median ${ms(median(xs.map((x) => x.blockMs)))}) | ${((xs[0]?.bytes ?? 0) / 1024 / 1024).toFixed(2)} MiB`;
    console.log(`${n} endpoints, ${series} samples, ${((block.length) / 1024 / 1024).toFixed(1)} MiB plain`);
    console.log(row("gzip", gzip));
    console.log(row('plain', plain));
    console.log(`  loop delay max between scrapes (refresh timer at work, and whatever else loads this machine): ${ms(Math.max(0, idleMax))} ms`);
    console.log(
      `  upkeep: first render (all ${n}, gzip too) ${ms(coldCpu)} ms CPU; first interval's refreshes ${ms(median(firstCycle))} ms each, then a scrape ${ms(firstScrapeCpu)} ms; ` +
        `steady: tick with nothing due ${ms(median(idle))} ms, full sweep with nothing new ${ms(median(fullIdle))} ms; ` +
        `tick after ${perSecond} results ${ms(median(refreshCpu))} ms (p95 ${ms(quantile(refreshCpu, 0.95))}) → ${perResultUs.toFixed(0)} µs CPU per result, ` +
        `${((perSecondMs / 1000) * 100).toFixed(1)} % of a core at 60 s probing (with a tenth of a full sweep); longest slice ${ms(Math.max(...longest))} ms`,
    );
    console.log(
      `  per endpoint by family (samples, bytes): ${[...byFamily]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([name, f]) => `${name} ${(f.samples / n).toFixed(1)} ${(f.bytes / n).toFixed(0)} B`)
        .join(', ')}`,
    );
    console.log(`  gzip of the whole text, CPU: ${levels.join(', ')}; crc32 ${ms(crcMs)} ms`);
    console.log(`  memory the kept block holds: heap +${mib(held.heap - before.heap)} MiB, buffers +${mib(held.buffers - before.buffers)} MiB`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMetrics(sizes: readonly number[] = SIZES): Promise<void> {
  console.log(`# metrics: GET /metrics over loopback HTTP, Node ${process.version}, ${SCRAPES} scrapes each gzip and plain after 2 warm-up, n/4 results (15 s at 60 s probing) landing between scrapes, a simulated second every ${SECOND_MS} ms and the refresh timer at ${SECOND_MS} ms; the client in a worker thread; CPU = the server thread's busy time (event-loop utilisation); loop block = monitorEventLoopDelay max`);
  for (const n of sizes) await benchSize(n);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMetrics();
