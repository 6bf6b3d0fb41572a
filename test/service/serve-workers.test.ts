// `mcpwatch serve` probing on worker threads (probe.workers), as a real process: SIGTERM drains
// the workers. A round in flight on a worker finishes within the drain window and is stored; one
// that outlasts the window is aborted and stored as nothing (it measured the shutdown).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startV2Server } from '../fixtures/mcp-servers.ts';
import { query, SERVICE_WAIT_MS, startServe, until, writeConfig } from '../fixtures/serve-process.ts';
import { startSlowServer } from '../fixtures/slow-server.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

test('SIGTERM with rounds in flight on two workers: they finish, their results are stored, exit 0', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-workers-drain-'));
  const v2 = await startV2Server({ era: 'modern' });
  const slow = await startSlowServer(v2, 2500);
  // Compliance checks are off in these configs: their first run would reach the slow server before the probe does.
  try {
    // Eight endpoints: both workers hold some of them (the share is a hash of the id).
    const endpoints = Array.from({ length: 8 }, (_, i) => `  - { name: slow${i}, url: "${slow.url}?e=${i}", interval: 60s, timeout: 8s, tools: false }`);
    const config = writeConfig(dir, `dataDir: ${dir}/data\nprobe: { allowPrivate: true, workers: 2 }\ncompliance: { enabled: false }\nscheduler: { minIntervalS: 1, drainTimeoutMs: 60000 }\nendpoints:\n${endpoints.join('\n')}\n`);
    const serve = startServe(config);
    children.push(serve.child);
    await until('the first rounds to start', () => (slow.arrivals.length >= 1 ? true : undefined), SERVICE_WAIT_MS, serve);
    // The rounds are spread over the interval by phase: wait until a few are in flight at once.
    await delay(1000);
    const inFlight = slow.arrivals.length;
    serve.child.kill('SIGTERM');
    const exit = await serve.exited;
    assert.equal(exit.code, 0, serve.output());
    assert.match(serve.output(), /"probeWorkers":2,"msg":"monitor started"/);
    const rows = query<{ status: number; duration_ms: number }>(join(dir, 'data', 'mcpwatch.db'), 'SELECT status, duration_ms FROM probe_results');
    // Every round that had reached the server before SIGTERM finished and was written, up.
    assert.ok(rows.length >= inFlight, `${rows.length} rows for ${inFlight} rounds in flight\n${serve.output()}`);
    assert.deepEqual(new Set(rows.map((r) => r.status)), new Set([0]));
    assert.ok(rows.every((r) => r.duration_ms >= 2400), rows.map((r) => r.duration_ms).join(', '));
    const stopped = serve.output().split('\n').find((l) => l.includes('"msg":"stopped"'));
    assert.ok(stopped, serve.output());
    const report = JSON.parse(stopped) as { finished: number; abandoned: number };
    assert.equal(report.abandoned, 0);
    assert.equal(report.finished, rows.length);
  } finally {
    await slow.close();
    await v2.close();
  }
});

test('SIGTERM with a round on a worker that outlasts the drain window: it is aborted, nothing is stored for it, exit 0 soon after the window', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-workers-abort-'));
  const v2 = await startV2Server({ era: 'modern' });
  const slow = await startSlowServer(v2, 30_000);
  try {
    const config = writeConfig(
      dir,
      `dataDir: ${dir}/data\nprobe: { allowPrivate: true, workers: 2, timeoutMs: 60000 }\ncompliance: { enabled: false }\nscheduler: { minIntervalS: 1, drainTimeoutMs: 1000 }\nendpoints:\n  - { name: stuck, url: "${slow.url}", interval: 60s, timeout: 50s, tools: false }\n`,
    );
    const serve = startServe(config);
    children.push(serve.child);
    await until('the round to start', () => (slow.arrivals.length >= 1 ? true : undefined), SERVICE_WAIT_MS, serve);
    const signalledAt = performance.now();
    serve.child.kill('SIGTERM');
    const exit = await serve.exited;
    const waited = performance.now() - signalledAt;
    assert.equal(exit.code, 0, serve.output());
    // The drain window (1 s) and the abort's grace (2 s), not the 30 s the server holds the request.
    assert.ok(waited < 20_000, `exited ${Math.round(waited)} ms after SIGTERM`);
    const rows = query<{ n: number }>(join(dir, 'data', 'mcpwatch.db'), 'SELECT count(*) n FROM probe_results');
    assert.equal(rows[0]!.n, 0, 'the aborted round measured the shutdown: not stored');
    const stopped = serve.output().split('\n').find((l) => l.includes('"msg":"stopped"'));
    assert.ok(stopped, serve.output());
    assert.equal((JSON.parse(stopped) as { abandoned: number }).abandoned, 1);
  } finally {
    await slow.close();
    await v2.close();
  }
});
