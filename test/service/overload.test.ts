// Issue 13's Done-when: overload the monitor itself and no result may call a healthy server down.
// The real Monitor (scheduler, loop monitor, governor, DNS cache, recorder, SQLite store) probes
// healthy loopback MCP servers while a worker thread burns a core, the event loop is blocked for
// longer than the probe timeout every few seconds, and the concurrency is far above what two cores
// can do. downAfter is 1 and the immediate retry is off, so any one undiscounted failure would open
// an incident: the test fails if a single overload timeout slips through. One endpoint points at
// a closed port: a refusal is an answer, and overload must not hide it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { Monitor } from '../../src/service/monitor.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';
import { closedPort, startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';
import { definition } from '../store/helper.ts';

const ENDPOINTS = 240;
const TIMEOUT_MS = 1_500;
/** Longer than the probe timeout: every probe in flight when it starts would time out. */
const BLOCK_MS = 2_000;
const BLOCK_EVERY_MS = 5_000;
const RUN_MS = 16_000;

let server: FaultServer;
let store: SqliteStore;
let dir: string;

before(async () => {
  server = await startFaultServer();
  dir = mkdtempSync(join(tmpdir(), 'mcpwatch-overload-'));
  store = openSqliteStore(join(dir, 'mcpwatch.db'));
});

after(async () => {
  store.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // The monitor's own process doing something else heavy (a huge scrape, a GC storm).
  }
}

test('an overloaded monitor calls no healthy server down, and still sees a dead one', { timeout: 120_000 }, async (t) => {
  const dead = `http://127.0.0.1:${await closedPort()}/mcp`;
  for (let i = 0; i <= ENDPOINTS; i++) {
    await store.createEndpoint(
      definition(i === ENDPOINTS ? 'dead' : `e${i}`, {
        name: `e${i}`,
        // 100 ms per reply: many probes are in flight whenever the loop is blocked. `localhost`
        // takes the hosts/RFC 6761 path; the rest go through the resolver cache as 127.0.0.1 does.
        url: i === ENDPOINTS ? dead : `http://${i % 2 === 0 ? 'localhost' : '127.0.0.1'}:${server.port}/slow-ok?delay=100&e=${i}`,
        intervalS: 2,
        timeoutMs: TIMEOUT_MS,
        listTools: false,
        allowPrivate: true,
      }),
    );
  }
  // The servers are healthy: one unhurried probe before the overload starts says so.
  const calm = await runProbe({ url: `http://127.0.0.1:${server.port}/slow-ok?delay=100` }, { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 20_000 });
  assert.equal(calm.status, 'up', calm.detail);
  const monitor = await Monitor.open(
    {
      probe: { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true },
      health: { ...DEFAULT_HEALTH_POLICY, downAfter: 1 },
      concurrency: 1_000,
      perHostConcurrency: 1_000,
      retryOnFailure: false,
    },
    { store, logger: pino({ level: 'silent' }) },
  );
  const opened: string[] = [];
  monitor.recorder.onEvent((endpoint, event) => {
    if (event.kind === 'incident_opened') opened.push(`${endpoint.slug}: ${event.code} ${event.detail}`);
  });
  const hog = new Worker('for (;;) {}', { eval: true });
  let lowestLimit = Number.POSITIVE_INFINITY;
  const watch = setInterval(() => (lowestLimit = Math.min(lowestLimit, monitor.overload.concurrencyLimit)), 100);
  const blocker = setInterval(() => busyFor(BLOCK_MS), BLOCK_EVERY_MS);
  try {
    await monitor.start();
    await sleep(RUN_MS);
  } finally {
    clearInterval(blocker);
    clearInterval(watch);
    await hog.terminate();
    await monitor.stop(10_000);
  }

  const endpoints = (await store.listEndpoints()).filter((e) => e.slug !== 'dead');
  const rows = (await Promise.all(endpoints.map(async (e) => (await store.results(e.id, { fromMs: 0, toMs: Date.now() + 1, limit: 1_000 })).map((r) => ({ slug: e.slug, ...r }))))).flat();
  const down = rows.filter((r) => r.status !== 'up');
  const counted = down.filter((r) => r.discounted !== true);
  const discounted = down.length - counted.length;

  assert.deepEqual(
    opened.map((line) => line.split(' ').slice(0, 2).join(' ')),
    ['dead: TCP_REFUSED'],
    'one incident, for the closed port',
  );
  assert.deepEqual(
    counted.map((r) => `${r.slug}: ${r.status} ${r.code} ${r.detail}`),
    [],
    'every failed round was timed while mcpwatch was overloaded, and discounted',
  );
  for (const e of endpoints) assert.notEqual(monitor.recorder.state(e.id).health, 'down', e.slug);
  assert.equal((await store.incidents({ limit: 10 })).length, 1);
  // The overload was real: the governor saw it and backed off. Whether the blocked loop also made
  // probes fail depends on the runner: on a slow one most in-flight probes time out (and must be
  // discounted, asserted above); a fast CI runner recorded 1,449 rounds with no failure at all,
  // so failures are counted and reported, not required.
  assert.ok(lowestLimit < 1_000, `the concurrency limit stayed at ${lowestLimit}: the test did not overload anything`);
  assert.equal(monitor.overload.discounted, discounted);
  t.diagnostic(`${rows.length} rounds, ${discounted} failed while overloaded and were discounted; lowest concurrency limit ${lowestLimit}`);
  // How many rounds succeed depends on the runner's load, so it is not asserted: one shared 2-core
  // box at load 18 recorded 39 up rounds of 606, the rest discounted timeouts.
});
