// Probes on worker threads (issue 13, part 1): the real Monitor with a ProbePool against real
// loopback MCP servers and a real SQLite store. A round probed on a worker must read exactly as
// one probed in process; a worker that dies is replaced, its share probed on, and the rounds it
// took down with it counted nowhere (least of all as the server's failure).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { workerFor } from '../../src/domain/worker-share.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { Monitor } from '../../src/service/monitor.ts';
import { probeRequestFor } from '../../src/service/round.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import { closedPort, startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { definition } from '../store/helper.ts';

/** A deadline for things a loaded 2-core runner does in well under a second. */
const WAIT_MS = 60_000;

let fault: FaultServer;
let v2: RunningServer;
let dual: RunningServer;
const dirs: string[] = [];

before(async () => {
  fault = await startFaultServer();
  v2 = await startV2Server({ era: 'modern', tools: 3 });
  dual = await startV2Server({ era: 'dual' });
});

after(async () => {
  await Promise.all([fault.close(), v2.close(), dual.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-workers-'));
  dirs.push(dir);
  return openSqliteStore(join(dir, 'mcpwatch.db'));
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * What a probe found, without the timings and the start time that differ between any two probes,
 * and without the service's overload mark (a loaded runner may set it on either side).
 */
function content(result: ProbeResult): unknown {
  const { startedAt: _s, durationMs: _d, phases, http, overload: _o, ...rest } = result;
  return { ...rest, phases: phases.map((p) => p.phase), http: http === null ? null : { ...http, headWaitMs: 0 } };
}

// No SLOW warning: whether a probe passes 3 s depends on the runner's load, not on the thread it ran on.
const SETTINGS = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, slowMs: 0 };

function monitorOver(store: SqliteStore, workers: number, extra: { retry?: boolean; workerEntry?: URL } = {}): Promise<Monitor> {
  return Monitor.open(
    { probe: SETTINGS, health: { ...DEFAULT_HEALTH_POLICY, downAfter: 1 }, concurrency: 64, perHostConcurrency: 64, retryOnFailure: extra.retry ?? false, workers },
    { store, logger: pino({ level: 'silent' }), ...(extra.workerEntry ? { workerEntry: extra.workerEntry } : {}) },
  );
}

test('a round probed on a worker thread reads exactly as one probed in process, for every kind of answer', { timeout: 120_000 }, async () => {
  const store = openStore();
  const urls = {
    modern: v2.url,
    dual: dual.url,
    slow: `http://127.0.0.1:${fault.port}/slow-ok?delay=50`,
    'init-error': `http://127.0.0.1:${fault.port}/init-error`,
    refused: `http://127.0.0.1:${await closedPort()}/mcp`,
    'not-mcp': `http://127.0.0.1:${fault.port}/web-page`,
  };
  const monitor = await monitorOver(store, 2);
  try {
    await monitor.start();
    assert.equal(monitor.probePool?.stats.workers, 2);
    // Added while running and never checked: each is probed at the next tick, once (no era hint yet).
    for (const [slug, url] of Object.entries(urls)) await store.createEndpoint(definition(slug, { url, intervalS: 60, timeoutMs: 5_000, allowPrivate: true }));
    await monitor.reload();
    const endpoints = await store.listEndpoints();
    // Two workers, and the six endpoints fall on both: the comparison covers either thread.
    assert.deepEqual(new Set(endpoints.map((e) => workerFor(e.id, 2))), new Set([0, 1]));
    const onWorker = await until('a round of every endpoint', () => {
      const results = endpoints.map((e) => monitor.latestResult(e.id));
      return results.every((r) => r !== undefined) ? results : undefined;
    });
    for (const [i, endpoint] of endpoints.entries()) {
      const inProcess = await runProbe(probeRequestFor(endpoint, null), { ...SETTINGS, timeoutMs: endpoint.timeoutMs });
      assert.deepEqual(content(onWorker[i]!), content(inProcess), endpoint.slug);
    }
    assert.deepEqual(
      onWorker.map((r) => `${r.status} ${r.code ?? ''}`),
      ['up ', 'up ', 'up ', 'down JSONRPC_ERROR', 'down TCP_REFUSED', 'down NOT_MCP'],
    );
  } finally {
    await monitor.stop(5_000);
    store.close();
  }
});

for (const how of ['worker.terminate()', 'process.exit() inside the worker'] as const) {
  test(`a worker killed by ${how} is restarted, its share is probed on, and no round is the servers' failure`, { timeout: 120_000 }, async () => {
    const store = openStore();
    // Every reply takes 1.5 s of a 2 s interval: a worker always has rounds in flight when it dies.
    for (let i = 0; i < 12; i++) {
      // A deadline a starved runner cannot miss: a timeout here would be the runner's, not the worker's death.
      await store.createEndpoint(definition(`e${i}`, { url: `http://127.0.0.1:${fault.port}/slow-ok?delay=1500&e=${i}`, intervalS: 2, timeoutMs: 60_000, listTools: false, allowPrivate: true }));
    }
    const endpoints = await store.listEndpoints();
    const marker = join(mkdtempSync(join(tmpdir(), 'mcpwatch-worker-exit-')), 'exited');
    dirs.push(join(marker, '..'));
    process.env.MCPWATCH_TEST_WORKER_EXIT_MARKER = marker;
    const monitor = await monitorOver(store, 2, how === 'worker.terminate()' ? {} : { workerEntry: new URL('../fixtures/probe-worker-exits.ts', import.meta.url) });
    const opened: string[] = [];
    monitor.recorder.onEvent((endpoint, event) => {
      if (event.kind === 'incident_opened') opened.push(`${endpoint.slug}: ${event.code}`);
    });
    try {
      await monitor.start();
      const pool = monitor.probePool!;
      // Worker 0's share: the rounds that must go on after it dies.
      const share = endpoints.filter((e) => workerFor(e.id, 2) === 0);
      assert.ok(share.length > 0 && share.length < endpoints.length, `share of worker 0: ${share.length}`);
      await until('rounds in flight on worker 0', () => (monitor.scheduler.inFlight >= 4 ? true : undefined));
      if (how === 'worker.terminate()') await pool.threads[0]!.terminate();
      const diedAt = await until('the worker to be replaced', () => (pool.stats.restarts >= 1 ? Date.now() : undefined));
      assert.ok(pool.stats.lost > 0, 'rounds were in flight on the dead worker');
      await until("a round of every endpoint of the dead worker's share after it died", async () => {
        for (const e of share) {
          const rows = await store.results(e.id, { fromMs: diedAt, toMs: Date.now() + 1, limit: 10 });
          if (rows.length === 0) return undefined;
        }
        return true;
      });
      await monitor.stop(10_000);
      const rows = (await Promise.all(endpoints.map((e) => store.results(e.id, { fromMs: 0, toMs: Date.now() + 1, limit: 1_000 })))).flat();
      assert.ok(rows.length > 0);
      assert.deepEqual(rows.filter((r) => r.status !== 'up' && r.discounted !== true).map((r) => `${r.status} ${r.code} ${r.detail}`), [], 'no round failed: the dead worker’s rounds were recorded as nothing');
      assert.deepEqual(opened, []);
      assert.equal(pool.stats.restarts, 1);
    } finally {
      delete process.env.MCPWATCH_TEST_WORKER_EXIT_MARKER;
      await monitor.stop(5_000);
      store.close();
    }
  });
}

test('a round timed while its worker was saturated is discounted like one timed on a saturated main thread; a refusal still counts', { timeout: 120_000 }, async () => {
  const store = openStore();
  const dead = `http://127.0.0.1:${await closedPort()}/mcp`;
  for (let i = 0; i <= 40; i++) {
    // 100 ms per reply and a 1.5 s deadline: the worker's 2 s stalls time out whatever is in flight.
    const url = i === 40 ? dead : `http://127.0.0.1:${fault.port}/slow-ok?delay=100&e=${i}`;
    await store.createEndpoint(definition(i === 40 ? 'dead' : `e${i}`, { url, intervalS: 2, timeoutMs: 1_500, listTools: false, allowPrivate: true }));
  }
  const monitor = await monitorOver(store, 2, { workerEntry: new URL('../fixtures/probe-worker-stalls.ts', import.meta.url) });
  const opened: string[] = [];
  monitor.recorder.onEvent((endpoint, event) => {
    if (event.kind === 'incident_opened') opened.push(`${endpoint.slug}: ${event.code}`);
  });
  try {
    await monitor.start();
    await sleep(14_000);
  } finally {
    await monitor.stop(10_000);
  }
  try {
    const endpoints = (await store.listEndpoints()).filter((e) => e.slug !== 'dead');
    const rows = (await Promise.all(endpoints.map(async (e) => (await store.results(e.id, { fromMs: 0, toMs: Date.now() + 1, limit: 1_000 })).map((r) => ({ slug: e.slug, ...r }))))).flat();
    const failed = rows.filter((r) => r.status !== 'up');
    const counted = failed.filter((r) => r.discounted !== true);
    assert.deepEqual(opened, ['dead: TCP_REFUSED'], 'one incident, for the closed port');
    assert.deepEqual(counted.map((r) => `${r.slug}: ${r.status} ${r.code} ${r.detail}`), [], "every failed round was timed while its worker was stalled, and discounted");
    assert.ok(failed.length > 0, `the stalled workers made rounds fail (${rows.length} rounds, none failed): the test stalled nothing`);
    assert.equal(monitor.overload.discounted, failed.length);
    for (const e of endpoints) assert.notEqual(monitor.recorder.state(e.id).health, 'down', e.slug);
  } finally {
    store.close();
  }
});
