// GET /metrics at 1k and 10k endpoints: render time and how long a scrape holds the event loop.
// Endpoints live in a real SQLite file (the route lists them from the store); states and last
// results are in memory, shaped like real ones (HTTPS, a streamable handshake, tools listed).
// Prints figures, never fails on a number.
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import { parseConfig } from '../src/config/parse.ts';
import type { EndpointDefinition } from '../src/domain/endpoint.ts';
import type { Status } from '../src/domain/failure-codes.ts';
import { initialState, type EndpointState } from '../src/domain/health.ts';
import type { PhaseTiming, ProbeResult } from '../src/domain/probe-result.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { metricsRoutes } from '../src/http/routes/metrics.ts';
import { MetricsScraper } from '../src/metrics/scrape.ts';
import { openSqliteStore } from '../src/store/sqlite/store.ts';

const SIZES = [1000, 10_000];
const SCRAPES = Number(process.env.BENCH_METRICS_SCRAPES ?? 10);

function fetchBytes(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let n = 0;
      res.on('data', (chunk: Buffer) => (n += chunk.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Largest gap between 1 ms ticks while `work` runs, minus the tick: how long the loop was held. */
async function maxLoopDelayDuring<T>(work: () => Promise<T>): Promise<{ value: T; maxDelayMs: number }> {
  let last = performance.now();
  let maxDelayMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxDelayMs = Math.max(maxDelayMs, now - last - 1);
    last = now;
  }, 1);
  await delay(5);
  last = performance.now();
  const value = await work();
  await delay(2);
  clearInterval(timer);
  return { value, maxDelayMs: Math.max(0, maxDelayMs) };
}

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

function fixtures(id: number, i: number, now: number): { state: EndpointState; latest: ProbeResult } {
  const status: Status = i % 50 === 0 ? 'down' : i % 20 === 0 ? 'auth_required' : 'up';
  const startedAt = new Date(now - 30_000).toISOString();
  const notAfter = new Date(now + (30 + (i % 60)) * 86_400_000).toISOString();
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function benchSize(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-metrics-bench-'));
  const store = openSqliteStore(join(dir, 'mcpwatch.db'));
  try {
    const { endpoints } = await store.syncConfigEndpoints(Array.from({ length: n }, (_, i) => definition(i)));
    const now = Date.now();
    const states = new Map<number, EndpointState>();
    const latest = new Map<number, ProbeResult>();
    endpoints.forEach((e, i) => {
      const f = fixtures(e.id, i, now);
      states.set(e.id, f.state);
      latest.set(e.id, f.latest);
    });
    const parsed = parseConfig('', {});
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    // Each scrape moves the clock past the one-second cache, so every scrape renders.
    let offset = 0;
    const deps: AppDeps = {
      store,
      config: parsed.config,
      clock: () => Date.now() + offset,
      state: (id) => states.get(id) ?? initialState(id),
      // As in serve: the monitor's in-memory list, not a SQLite read per scrape.
      endpoints: () => endpoints,
      onEndpointsChanged: () => undefined,
      checkNow: () => Promise.reject(new Error('not in the benchmark')),
      readiness: () => ({ database: true, scheduler: true }),
      scheduler: () => ({ dispatched: 0, skippedOverlap: 0, missed: 0, runErrors: 0, endpoints: n, lastLagMs: 0, recentLagsMs: [1, 2, 3], inFlight: 0, queued: 0 }),
      latestResult: (id) => latest.get(id),
      loopDelayMs: () => 0,
    };

    const list: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await store.listEndpoints();
      list.push(performance.now() - t0);
    }

    // Through the route over a real socket, as Prometheus sees it (the metrics plugin alone, so
    // other routes' state cannot skew it); the client only counts bytes, so the loop delay measured
    // is the server's.
    const app = Fastify();
    await app.register(metricsRoutes, { deps });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const wall: number[] = [];
    const held: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES + 2; i++) {
      offset += 2000;
      const t0 = performance.now();
      const { value, maxDelayMs } = await maxLoopDelayDuring(() => fetchBytes(port));
      const ms = performance.now() - t0 - 7; // minus the sampler's own waits
      if (i < 2) continue; // warm-up
      wall.push(ms);
      held.push(maxDelayMs);
      bytes = value;
    }
    offset += 2000;
    const body = (await app.inject({ url: '/metrics' })).body;
    const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    await app.close();

    // The same render without slicing, for comparison: what a single-block render would cost.
    const source = {
      listEndpoints: () => endpoints,
      state: deps.state,
      latestResult: deps.latestResult,
      clock: deps.clock,
      policy: parsed.config.health,
      scheduler: deps.scheduler,
      loopDelayMs: deps.loopDelayMs,
    };
    const whole = new MetricsScraper(source, { sliceMs: Number.POSITIVE_INFINITY, maxAgeMs: 0 });
    const sliced = new MetricsScraper(source, { maxAgeMs: 0 });
    const wholeHeld: number[] = [];
    const slicedFigures: { list: number; block: number; longest: number; slices: number }[] = [];
    for (let i = 0; i < SCRAPES + 2; i++) {
      const { maxDelayMs } = await maxLoopDelayDuring(() => whole.render());
      await sliced.render();
      if (i < 2) continue;
      wholeHeld.push(maxDelayMs);
      const f = sliced.figures;
      if (f) slicedFigures.push({ list: f.listMs, block: f.endpointBlockMs, longest: f.longestSliceMs, slices: f.slices });
    }

    console.log(
      [
        `${String(n).padStart(6)} endpoints`,
        `${String(series).padStart(7)} samples`,
        `${(bytes / 1024 / 1024).toFixed(1).padStart(5)} MiB`,
        `scrape ${median(wall).toFixed(1).padStart(6)} ms`,
        `render CPU ${median(slicedFigures.map((f) => f.block)).toFixed(1).padStart(5)} ms in ${median(slicedFigures.map((f) => f.slices))} slices, longest ${median(slicedFigures.map((f) => f.longest)).toFixed(1)} ms`,
        `+ store.listEndpoints ${median(slicedFigures.map((f) => f.list)).toFixed(1).padStart(4)} ms (alone ${median(list).toFixed(1)})`,
        `max loop delay during a scrape ${median(held).toFixed(1).padStart(5)} ms (worst ${Math.max(...held).toFixed(1)})`,
        `unsliced ${median(wholeHeld).toFixed(1).padStart(5)} ms`,
      ].join(' | '),
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMetrics(sizes: readonly number[] = SIZES): Promise<void> {
  console.log(`# metrics: GET /metrics over loopback HTTP, Node ${process.version}, median of ${SCRAPES} scrapes after 2 warm-up; max loop delay sampled every 1 ms`);
  for (const n of sizes) await benchSize(n);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMetrics();
