// Issue 10's "done when", on a real `mcpwatch serve` process: a server that switches to a
// 5,000-level tools/list schema is recorded every round with a code, and the public status page
// and probe_success follow at once; before the fix the probe threw, nothing was recorded and the
// endpoint kept showing `up` while its last check went stale. Intervals are 1 s.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deepSchemaReply, startHostileServer } from '../fixtures/hostile-server.ts';
import { query, servingPort, startServe, until, writeConfig } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface Row {
  ts: number;
  status: number;
  code: string | null;
  detail: string | null;
}

// Status column encoding (src/store/sqlite/store.ts): 0 up, 1 degraded, 2 auth_required, 3 down.
const UP = 0;
const DEGRADED = 1;

async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, path);
  return res.text();
}

function statusOf(json: string): string {
  return (JSON.parse(json) as { status: string }).status;
}

/** Polls an async check until it gives a value; the timeout is for a stuck process, not a measure. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('mcpwatch serve against a server that turns hostile', () => {
  test('a 5,000-level schema is recorded every round as degraded INVALID_JSON; page and probe_success follow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-hostile-'));
    const server = await startHostileServer();
    try {
      // degradedIsOutage with downAfter 1: the public page and probe_success turn on the very
      // round that is recorded, so "follows within one round" is observable as "already shows it".
      const config = writeConfig(
        dir,
        `dataDir: ${dir}/data
probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1 }
health: { downAfter: 1, upAfter: 1, degradedIsOutage: true }
endpoints:
  - { name: deep, url: "${server.url}", interval: 1s, timeout: 2500, tools: true, public: true }
`,
      );
      const serve = startServe(config);
      children.push(serve.child);
      const db = join(dir, 'data', 'mcpwatch.db');
      const rows = (since: number): Row[] => query<Row>(db, 'SELECT ts, status, code, detail FROM probe_results WHERE ts >= ? ORDER BY ts', since);

      await until('two up rounds', () => (rows(0).filter((r) => r.status === UP).length >= 2 ? true : undefined), 20_000, serve);
      const port = await until('the listening port', () => servingPort(serve), 5_000, serve);
      assert.equal(statusOf(await get(port, '/status/deep.json')), 'up');
      assert.equal(metric(await get(port, '/metrics'), 'probe_success{slug="deep"}'), 1);

      const switchedAt = Date.now();
      server.set(deepSchemaReply(5000));
      // The first round that started after the switch is on disk (flushed once a second)...
      const first = await until('a round recorded after the switch', () => rows(switchedAt + 1).at(0), 15_000, serve);
      assert.deepEqual([first.status, first.code], [DEGRADED, 'INVALID_JSON'], first.detail ?? '');
      assert.equal(first.detail, 'tools/list: the reply to tools/list nests deeper than 128 levels; mcpwatch reads no further');
      // ...and by then the public page, its JSON and the metrics already say so: state is updated
      // when a round is recorded, before the write.
      const page = JSON.parse(await get(port, '/status/deep.json')) as { status: string; lastCheckedAt: string; incidents: Array<{ code: string; summary: string }> };
      assert.equal(page.status, 'down');
      assert.deepEqual(page.incidents.map((i) => [i.code, i.summary]), [['INVALID_JSON', 'The server’s answer was not usable JSON.']]);
      assert.ok(Date.parse(page.lastCheckedAt) >= switchedAt, `lastCheckedAt ${page.lastCheckedAt} is stale`);
      // /metrics shares one rendering for a second (src/metrics/scrape.ts): the next one has the round.
      const metrics = await eventually('metrics showing a round after the switch', async () => {
        const text = await get(port, '/metrics');
        return (metric(text, 'mcp_probe_last_check_timestamp_seconds{slug="deep"}') ?? 0) * 1000 >= switchedAt ? text : undefined;
      });
      assert.equal(metric(metrics, 'probe_success{slug="deep"}'), 0);
      assert.equal(metric(metrics, 'mcp_probe_status{slug="deep",status="degraded"}'), 1);
      assert.equal(metric(metrics, 'mcp_probe_failure{slug="deep",code="INVALID_JSON"}'), 1);
      assert.match(await get(port, '/status/deep'), /INVALID_JSON<\/span> The server’s answer was not usable JSON\./);

      // Every round keeps being recorded (none dropped by a throw), and none of them claims up.
      const later = await until('four more rounds', () => (rows(switchedAt + 1).length >= 5 ? rows(switchedAt + 1) : undefined), 20_000, serve);
      assert.deepEqual([...new Set(later.map((r) => `${r.status} ${r.code}`))], [`${DEGRADED} INVALID_JSON`]);
      // The state keeps up with the rounds. Read as the pages read it: on SQLite the state row's
      // per-round fields wait for the 15-minute flush (they come back from the raw rows after a
      // crash), so the row itself may lag by design.
      const lastChecked = (JSON.parse(await get(port, '/status/deep.json')) as { lastCheckedAt: string }).lastCheckedAt;
      assert.ok(Date.parse(lastChecked) >= later.at(-1)!.ts - 1, `the state keeps up with the rounds (last checked ${lastChecked})`);
      assert.equal(metric(await get(port, '/metrics'), 'mcpwatch_probe_run_errors_total'), 0, 'no round failed inside mcpwatch');

      // And back: the next good round is up everywhere.
      const healedAt = Date.now();
      server.set(null);
      await until('an up round after healing', () => rows(healedAt + 1).find((r) => r.status === UP), 15_000, serve);
      assert.equal(statusOf(await get(port, '/status/deep.json')), 'up');
      await eventually('probe_success back to 1', async () => (metric(await get(port, '/metrics'), 'probe_success{slug="deep"}') === 1 ? true : undefined));

      serve.child.kill('SIGTERM');
      assert.equal((await serve.exited).code, 0, serve.output());
    } finally {
      await server.close();
    }
  });
});
