// `serve` on PostgreSQL losing its database under load: a real serve probing real loopback MCP
// servers reaches PostgreSQL through a TCP door the test closes for several seconds (connection
// refused, as when the server restarts) and opens again. Probing goes on, /readyz says not ready
// while the database is away and ready again after, a page needing the database answers 503 with
// a JSON error, the failed writes are counted, and every round dispatched reaches the database.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { startV2Server } from '../fixtures/mcp-servers.ts';
import { serveDatabase } from '../fixtures/serve-database.ts';
import { SERVICE_WAIT_MS, servingPort, startServe, stopServe, until, untilAsync, writeConfig } from '../fixtures/serve-process.ts';
import { startSwitchablePort } from '../fixtures/switchable-port.ts';

const ENDPOINTS = 5;
/**
 * Long enough that a lost round would leave a gap far above the 1 s interval, and longer than the
 * node liveness window (node.liveForMs, 10 s by default): a node alone in its region must go on
 * probing after it, since nobody takes over (CI once lost a slot here when it stopped instead).
 */
const MIN_OUTAGE_MS = 12_000;

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

/** One sample of a metric family without labels, from the exposition text. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(name.length + 1));
}

test('serve on PostgreSQL rides out a lost database: not ready meanwhile, 503 for pages, no round lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-outage-'));
  const db = await serveDatabase(t, 'postgres', dir);
  if (!db) return;
  const direct = new URL(db.url!);
  const door = await startSwitchablePort(Number(direct.port || 5432));
  t.after(() => door.close());
  const viaDoor = new URL(db.url!);
  viaDoor.port = String(door.port);
  const v2 = await startV2Server({ era: 'modern' });
  t.after(() => v2.close());

  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => `  - { name: e${i}, url: "${v2.url}?n=${i}", interval: 1s, timeout: 900, public: true }`).join('\n');
  const config = writeConfig(
    dir,
    `dataDir: ${dir}/data
database: { url: "${viaDoor.toString()}", connectTimeoutMs: 2000, statementTimeoutMs: 5000 }
probe: { allowPrivate: true }
scheduler: { minIntervalS: 1, perHostConcurrency: 16 }
endpoints:
${endpoints}
`,
  );
  const serve = startServe(config);
  t.after(() => serve.child.kill('SIGKILL'));
  const port = await until('serve to listen', () => servingPort(serve), SERVICE_WAIT_MS, serve);
  await untilAsync('rounds of every endpoint', async () => {
    const rows = await db.query<{ n: number }>('SELECT count(DISTINCT endpoint_id) n FROM probe_results');
    return rows[0]!.n === ENDPOINTS ? true : undefined;
  }, SERVICE_WAIT_MS, serve);
  assert.equal((await get(port, '/readyz')).status, 200, serve.output());

  await door.down();
  const downAt = Date.now();
  const notReady = await untilAsync('/readyz to say the database is away', async () => {
    const r = await get(port, '/readyz');
    return r.status === 503 ? (JSON.parse(r.body) as unknown) : undefined;
  }, SERVICE_WAIT_MS, serve);
  // Only the database is named: the flush loop goes on.
  assert.deepEqual(notReady, { status: 'not_ready', database: false, scheduler: true, failed: ['database'] });
  // A page that reads the database: a 503 with a JSON error, not a 500 (the view cache may answer first).
  const page = await untilAsync('/status.json to answer 503', async () => {
    const r = await get(port, '/status.json');
    return r.status === 503 ? r : undefined;
  }, SERVICE_WAIT_MS, serve);
  assert.equal((JSON.parse(page.body) as { code: string }).code, 'DATABASE_UNAVAILABLE');
  // Scrapes are rendered ahead on a timer, so look until one shows the rounds piling up.
  await untilAsync('rounds waiting in memory', async () => {
    const pending = sample((await get(port, '/metrics')).body, 'mcpwatch_store_pending_rounds');
    return pending > 0 ? pending : undefined;
  }, SERVICE_WAIT_MS, serve);
  const remaining = MIN_OUTAGE_MS - (Date.now() - downAt);
  if (remaining > 0) await delay(remaining);
  await door.up();
  const upAt = Date.now();

  await untilAsync('/readyz to be ready again', async () => ((await get(port, '/readyz')).status === 200 ? true : undefined), SERVICE_WAIT_MS, serve);
  const metrics = await untilAsync('the rounds that waited to be written', async () => {
    const text = (await get(port, '/metrics')).body;
    return sample(text, 'mcpwatch_store_pending_rounds') < ENDPOINTS && sample(text, 'mcpwatch_store_write_failures_total') > 0 ? text : undefined;
  }, SERVICE_WAIT_MS, serve);
  assert.equal(sample(metrics, 'mcpwatch_store_dropped_rounds_total'), 0);
  const dispatched = sample(metrics, 'mcpwatch_probes_dispatched_total');
  const inFlight = sample(metrics, 'mcpwatch_probes_inflight');

  await stopServe(serve);
  const output = serve.output();
  // Once when writes started failing, once when they recovered: not a line per attempt.
  assert.equal(output.split('\n').filter((l) => l.includes('writing results failed')).length, 1, output);
  const recovered = output.split('\n').filter((l) => l.includes('writing results works again'));
  assert.equal(recovered.length, 1, output);
  assert.ok(output.split('\n').filter((l) => l.includes('reading endpoint changes failed')).length <= 1, output);
  assert.ok((JSON.parse(recovered[0]!) as { writtenLate: number }).writtenLate > 0, recovered[0]);

  // Every round dispatched by the scrape (but those still running then, which may be cut by
  // shutdown) is in the database, and the outage left no hole in any endpoint's history.
  const total = (await db.query<{ n: number }>('SELECT count(*) n FROM probe_results'))[0]!.n;
  assert.ok(total >= dispatched - inFlight, `${total} rows stored, ${dispatched} rounds dispatched (${inFlight} in flight)`);
  const gaps = await db.query<{ endpoint_id: number; gap: number; during: number }>(
    `SELECT endpoint_id, max(ts - prev) gap, count(*) FILTER (WHERE ts BETWEEN ? AND ?) during
       FROM (SELECT endpoint_id, ts, lag(ts) OVER (PARTITION BY endpoint_id ORDER BY ts) prev FROM probe_results) r
      GROUP BY endpoint_id`,
    downAt,
    upAt,
  );
  assert.equal(gaps.length, ENDPOINTS);
  const outageMs = upAt - downAt;
  for (const g of gaps) {
    assert.ok(g.gap < outageMs / 2, `endpoint ${g.endpoint_id}: a ${g.gap} ms hole in a ${outageMs} ms outage`);
    assert.ok(g.during >= 3, `endpoint ${g.endpoint_id}: ${g.during} rounds stored from the outage`);
  }
});
