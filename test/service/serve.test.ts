// `mcpwatch serve` as a real process: a YAML file of real loopback MCP servers, a real SQLite
// file or PostgreSQL database, real signals. Intervals are 1 s (scheduler.minIntervalS lowered)
// to keep this quick.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startEverything, startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { BACKENDS, serveDatabase } from '../fixtures/serve-database.ts';
import { query, SERVICE_WAIT_MS, startServe, until, untilAsync, writeConfig } from '../fixtures/serve-process.ts';
import { startSwitchablePort } from '../fixtures/switchable-port.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('mcpwatch serve', () => {
  // The same assertions on both backends: the SQL below reads either database (fixtures/serve-database.ts).
  for (const backend of BACKENDS) {
    test(`[${backend}] records every era, opens an incident when a server goes away and closes it when it returns`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-serve-'));
      const db = await serveDatabase(t, backend, dir);
      if (!db) return;
      const servers: RunningServer[] = [await startV2Server({ era: 'modern' }), await startEverything('sse')];
      const flaky = await startV2Server({ era: 'dual' });
      const door = await startSwitchablePort(Number(new URL(flaky.url).port));
      try {
        const config = writeConfig(
          dir,
          `${db.yaml}probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1 }
health: { downAfter: 2, upAfter: 1 }
endpoints:
  - { name: modern, url: "${servers[0]!.url}", interval: 1s, timeout: 900 }
  - { name: legacy sse, url: "${servers[1]!.url}", interval: 1s, timeout: 900 }
  - { name: flaky, url: "http://127.0.0.1:${door.port}/mcp", interval: 1s, timeout: 900 }
`,
        );
        const serve = startServe(config);
        children.push(serve.child);
        await untilAsync('results for all three endpoints', async () => {
          // status 0 is `up` in the compact row encoding (src/store/result-codec.ts).
          const rows = await db.query<{ slug: string; n: number }>(`SELECT e.slug, count(*) n FROM probe_results r JOIN endpoints e ON e.id = r.endpoint_id WHERE r.status = 0 GROUP BY e.slug`);
          return rows.length === 3 && rows.every((r) => r.n >= 2) ? rows : undefined;
        }, SERVICE_WAIT_MS, serve);
        // On PostgreSQL the overall state is the quorum arbiter's, written within one arbiter pass of the rounds.
        const eras = await untilAsync('every era in the endpoint state', async () => {
          const found = Object.fromEntries((await db.query<{ slug: string; era: string }>('SELECT e.slug, s.era FROM endpoint_state s JOIN endpoints e ON e.id = s.endpoint_id')).map((r) => [r.slug, r.era]));
          return Object.keys(found).length === 3 && Object.values(found).every((era) => era !== null) ? found : undefined;
        }, SERVICE_WAIT_MS, serve);
        assert.deepEqual(eras, { modern: 'modern', 'legacy-sse': 'sse', flaky: 'modern' });

        await door.down();
        const opened = await untilAsync('an open incident for flaky', async () => {
          const rows = await db.query<{ first_code: string; resolved_at: unknown }>(`SELECT i.first_code, i.resolved_at FROM incidents i JOIN endpoints e ON e.id = i.endpoint_id WHERE e.slug = 'flaky'`);
          return rows.length === 1 ? rows[0] : undefined;
        }, SERVICE_WAIT_MS, serve);
        assert.equal(opened.first_code, 'TCP_REFUSED');
        assert.equal(opened.resolved_at, null);

        await door.up();
        await untilAsync('the incident to close', async () => {
          const rows = await db.query<{ resolved_at: unknown }>(`SELECT i.resolved_at FROM incidents i JOIN endpoints e ON e.id = i.endpoint_id WHERE e.slug = 'flaky'`);
          return rows.length === 1 && rows[0]!.resolved_at !== null ? rows : undefined;
        }, SERVICE_WAIT_MS, serve);
        const healthy = await db.query<{ slug: string; health: string }>('SELECT e.slug, s.health FROM endpoint_state s JOIN endpoints e ON e.id = s.endpoint_id ORDER BY e.slug');
        assert.deepEqual(healthy.map((r) => r.health), ['up', 'up', 'up']);
        // The other two never flapped: one failure is not an outage, and there were none.
        assert.equal((await db.query<{ n: number }>('SELECT count(*) n FROM incidents'))[0]!.n, 1);

        serve.child.kill('SIGTERM');
        const exit = await serve.exited;
        assert.equal(exit.code, 0, serve.output());
      } finally {
        await door.close();
        await Promise.all([...servers, flaky].map((s) => s.close()));
      }
    });

    test(`[${backend}] SIGTERM during a slow probe: the probe finishes, its result is stored, exit 0 within the drain window`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-drain-'));
      const db = await serveDatabase(t, backend, dir);
      if (!db) return;
      const v2 = await startV2Server({ era: 'modern' });
      let sawRequest: () => void = () => undefined;
      const requestArrived = new Promise<void>((resolve) => (sawRequest = resolve));
      // Holds every request 2.5 s, then forwards it to the real server: a slow but healthy MCP server.
      // The config turns compliance checks off: their first run would reach this server before the probe does.
      const slow: Server = createServer((req, res) => {
        sawRequest();
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          setTimeout(() => {
            void fetch(v2.url, { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) }).then(async (r) => {
              res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
              res.end(Buffer.from(await r.arrayBuffer()));
            });
          }, 2500);
        });
      });
      await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
      try {
        const port = (slow.address() as AddressInfo).port;
        const config = writeConfig(
          dir,
          `${db.yaml}probe: { allowPrivate: true }
compliance: { enabled: false }
scheduler: { minIntervalS: 1, drainTimeoutMs: 60000 }
endpoints:
  - { name: slow, url: "http://127.0.0.1:${port}/mcp", interval: 30s, timeout: 8s, tools: false }
`,
        );
        const serve = startServe(config);
        children.push(serve.child);
        const gaveUp = new AbortController();
        await Promise.race([requestArrived, delay(SERVICE_WAIT_MS, undefined, { signal: gaveUp.signal }).then(() => Promise.reject(new Error(`the probe never started\n${serve.output()}`)))]).finally(() => gaveUp.abort());
        const signalledAt = performance.now();
        serve.child.kill('SIGTERM');
        const exit = await serve.exited;
        const waited = performance.now() - signalledAt;
        assert.equal(exit.code, 0, serve.output());
        // It waited for the probe in flight (held 2.5 s) and did not sit out the whole drain window.
        assert.ok(waited >= 2000 && waited < 60_000, `exited ${Math.round(waited)} ms after SIGTERM`);
        const rows = await db.query<{ status: number; duration_ms: number }>('SELECT status, duration_ms FROM probe_results');
        assert.equal(rows.length, 1, serve.output());
        assert.equal(rows[0]!.status, 0, 'up');
        assert.ok(rows[0]!.duration_ms >= 2400, `duration ${rows[0]!.duration_ms}`);
      } finally {
        slow.closeAllConnections();
        await new Promise((r) => slow.close(r));
        await v2.close();
      }
    });
  }

  test('SIGKILL during writes leaves a sound database, and a restart resumes probing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-kill-'));
    const v2 = await startV2Server({ era: 'modern' });
    try {
      const endpoints = Array.from({ length: 40 }, (_, i) => `  - { name: e${i}, url: "${v2.url}?n=${i}", interval: 1s, timeout: 900 }`).join('\n');
      const config = writeConfig(dir, `dataDir: ${dir}/data\nprobe: { allowPrivate: true }\nscheduler: { minIntervalS: 1, perHostConcurrency: 64 }\nendpoints:\n${endpoints}\n`);
      const db = join(dir, 'data', 'mcpwatch.db');
      const first = startServe(config);
      children.push(first.child);
      await until('a few hundred rows', () => (query<{ n: number }>(db, 'SELECT count(*) n FROM probe_results')[0]!.n >= 200 ? true : undefined), SERVICE_WAIT_MS, first);
      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();
      const check = new Database(db);
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      check.close();

      const second = startServe(config);
      children.push(second.child);
      const resumed = await until('new rows after the restart', () => {
        const n = query<{ n: number }>(db, 'SELECT count(DISTINCT endpoint_id) n FROM probe_results WHERE ts > ?', killedAt)[0]!.n;
        return n >= 30 ? n : undefined;
      }, SERVICE_WAIT_MS, second);
      assert.ok(resumed >= 30);
      second.child.kill('SIGTERM');
      assert.equal((await second.exited).code, 0, second.output());
    } finally {
      await v2.close();
    }
  });
});
