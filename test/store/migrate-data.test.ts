// mcpwatch migrate-data, end to end: a database a real `serve` wrote is copied into a real
// PostgreSQL and verified equal; the real CLI process is SIGKILLed midway through a large copy and
// resumed without duplicates; bad input is refused with one clear line and nothing written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { testDatabase, type TestDatabase } from '../fixtures/postgres.ts';
import { type Seeded, seedSqlite } from '../fixtures/seeded-sqlite.ts';
import { loopbackYaml, query, runMcpwatch, SERVICE_WAIT_MS, startServe, stopServe, until, writeConfig } from '../fixtures/serve-process.ts';
import { startSwitchablePort } from '../fixtures/switchable-port.ts';
import { openPostgresStorage } from '../../src/store/postgres/open.ts';
import { openSqliteStorage } from '../../src/store/sqlite/open.ts';
import { acquireInstanceLock } from '../../src/store/sqlite/instance-lock.ts';
import { COPIED_TABLES } from '../../src/store/migrate-data/tables.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from '../../src/store/postgres/locks.ts';
import type { Storage } from '../../src/store/store.ts';
import { MigrateDataError, migrateData } from '../../src/store/migrate-data/run.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(sql);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Public tables of the target database (nothing written means: none). */
async function tablesIn(url: string): Promise<number> {
  return count(url, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
}

/** A fresh target database and a seeded SQLite file; undefined when PostgreSQL is not there. */
async function seededPair(t: TestContext, endpoints: number, rounds: number): Promise<{ target: TestDatabase; db: string; seeded: Seeded } | undefined> {
  const target = await testDatabase(t);
  if (!target) return undefined;
  const db = join(mkdtempSync(join(tmpdir(), 'mcpwatch-migrate-seeded-')), 'mcpwatch.db');
  return { target, db, seeded: await seedSqlite(db, endpoints, rounds, Date.now()) };
}

/** Answers the service reads, from one Storage. */
async function answers(storage: Storage): Promise<unknown> {
  const endpoints = await storage.store.listEndpoints();
  const perEndpoint = [];
  for (const e of endpoints) {
    perEndpoint.push({
      uptime: await storage.store.uptime(e.id, 0, Date.now() + 86_400_000),
      results: await storage.store.results(e.id, { fromMs: 0, toMs: Date.now() + 60_000, limit: 50 }),
      incidents: await storage.store.incidents({ endpointId: e.id, limit: 100 }),
      snapshots: await storage.store.toolSnapshots(e.id, 10),
    });
  }
  return {
    endpoints,
    perEndpoint,
    tokens: await storage.store.listTokens(),
    events: await storage.store.events({ limit: 1000 }),
    channels: await storage.alertSettings.channels(),
    routes: await storage.alertSettings.routes.list(),
    windows: await storage.alertSettings.windows.list(),
    outbox: await storage.outbox.entries({ limit: 1000 }),
    alertStates: await storage.outbox.loadStates(),
    cursor: await storage.outbox.cursor(),
    instanceId: await storage.outbox.instanceId(),
  };
}

describe('mcpwatch migrate-data', () => {
  test('moves a database a real serve wrote (incident, events, alerts) and verifies it equal; PostgreSQL then answers the same', async (t) => {
    const target = await testDatabase(t);
    if (!target) return;
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-migrate-data-'));
    const steady: RunningServer = await startV2Server({ era: 'modern' });
    const flaky = await startV2Server({ era: 'dual' });
    const door = await startSwitchablePort(Number(new URL(flaky.url).port));
    let delivered = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        delivered++;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)), () => door.close(), () => steady.close(), () => flaky.close());
    const endpoints = [`{ name: steady, url: "${steady.url}", interval: 1s, timeout: 900, tags: [prod] }`, `{ name: flaky, url: "http://127.0.0.1:${door.port}/mcp", interval: 1s, timeout: 900 }`];
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const config = writeConfig(dir, `${loopbackYaml(dir, endpoints)}\nhealth: { downAfter: 2, upAfter: 1 }\nalerts: { channels: [{ name: hook, type: webhook, url: "${hook}" }] }\n`);
    const db = join(dir, 'data', 'mcpwatch.db');
    const serve = startServe(config);
    cleanups.push(() => serve.child.kill('SIGKILL'));
    await until('rounds of both endpoints', () => (query<{ n: number }>(db, 'SELECT count(DISTINCT endpoint_id) AS n FROM probe_results WHERE status = 0')[0]!.n === 2 ? true : undefined), SERVICE_WAIT_MS, serve);
    await door.down();
    await until('an incident for flaky', () => (query<{ n: number }>(db, 'SELECT count(*) AS n FROM incidents')[0]!.n > 0 ? true : undefined), SERVICE_WAIT_MS, serve);
    await door.up();
    await until('the incident resolved and its alerts in the outbox', () => {
      const resolved = query<{ n: number }>(db, 'SELECT count(*) AS n FROM incidents WHERE resolved_at IS NOT NULL')[0]!.n;
      const outbox = query<{ n: number }>(db, 'SELECT count(*) AS n FROM alert_outbox')[0]!.n;
      return resolved > 0 && outbox >= 2 ? true : undefined;
    }, SERVICE_WAIT_MS, serve);
    await stopServe(serve);

    // What the API would have added: a token, a channel, a route and a window, and an outbox entry
    // whose error text PostgreSQL cannot store as it is (NUL).
    const sqlite = openSqliteStorage(db);
    await sqlite.store.createToken('ci', 'b'.repeat(64), true);
    await sqlite.store.createToken('admin', 'c'.repeat(64), false);
    await sqlite.alertSettings.putChannel('api-hook', 'webhook', { name: 'api-hook', type: 'webhook', url: 'https://hooks.example.com/T/secret', headers: { '2': 'x', a: 'y' } });
    await sqlite.alertSettings.routes.insert({ channels: ['api-hook'], tags: ['prod'] });
    await sqlite.alertSettings.windows.insert({ name: 'nightly', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' });
    // A status page with its logo (bytes), a group and an incident post (issue 16).
    const page = await sqlite.statusPages.createPage({ slug: 'acme', title: 'Acme', description: 'line\nbreak', footer: null, customDomain: 'status.acme.example', isDefault: true });
    await sqlite.statusPages.setLogo(page.id, { bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]), contentType: 'image/png', fileName: 'acme.png' });
    await sqlite.statusPages.setGroups(page.id, [{ name: 'All', endpointIds: (await sqlite.store.listEndpoints()).map((e) => e.id) }]);
    const post = await sqlite.statusPages.createPost(page.id, { title: 'Slow', status: 'investigating', body: 'Looking.' });
    await sqlite.statusPages.addUpdate(post!.id, { status: 'resolved', body: 'Fixed.' });
    await sqlite.close();
    const raw = new Database(db);
    raw.prepare('UPDATE alert_outbox SET last_error = ? WHERE id = (SELECT min(id) FROM alert_outbox)').run('refused\u0000here');
    raw.close();
    const rounds = query<{ n: number }>(db, 'SELECT count(*) AS n FROM probe_results')[0]!.n;
    assert.ok(rounds >= 4, `serve wrote ${rounds} rounds`);

    const run = await runMcpwatch(['migrate-data', '--from', db, '--to', target.url, '--region', 'eu-west'], { deadlineMs: SERVICE_WAIT_MS });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    // The nodes of the named region continue from the copied states, as a database that ran one
    // region continues as `default` (0005_regions.sql): the same counters, not yet fresh.
    assert.match(run.stderr, /region "eu-west" continues from the copied endpoint states \(2 seeded\)/);
    assert.equal(
      await count(
        target.url,
        `SELECT count(*) AS n FROM region_endpoint_state r JOIN endpoint_state s USING (endpoint_id)
          WHERE r.region = 'eu-west' AND r.updated_at = 'epoch' AND r.health = s.health AND r.consecutive_failures = s.consecutive_failures
            AND r.incidents_opened = s.incidents_opened AND r.last_checked_at IS NOT DISTINCT FROM s.last_checked_at`,
      ),
      2,
    );
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM region_endpoint_state'), 2, 'only the named region');
    assert.match(run.stdout, /verification: everything equal/);
    for (const table of COPIED_TABLES) assert.match(run.stdout, new RegExp(`^${table.name} .* equal$`, 'm'), table.name);
    assert.match(run.stderr, /copying probe_results: [\d,]+ of [\d,]+ rows/);
    assert.doesNotMatch(run.stdout + run.stderr, /mcpwatch:mcpwatch@/, 'the password is never printed');
    for (const table of ['status_pages', 'status_page_members', 'incident_post_updates', 'incidents', 'events', 'alert_outbox', 'alert_state', 'alert_channels', 'alert_routes', 'maintenance_windows', 'api_tokens', 'endpoint_state', 'tool_snapshots']) {
      assert.ok((await count(target.url, `SELECT count(*) AS n FROM ${table}`)) > 0, `${table} was copied with rows`);
    }
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM probe_results'), rounds);

    // Both backends give the service the same answers.
    const fromSqlite = openSqliteStorage(db);
    const fromPostgres = await openPostgresStorage(target.url);
    try {
      // As JSON (every answer is plain data), with the one deliberate change: NUL stored as U+FFFD.
      const expected = JSON.stringify(await answers(fromSqlite)).replaceAll('\\u0000', '\\ufffd');
      assert.deepEqual(JSON.parse(JSON.stringify(await answers(fromPostgres))), JSON.parse(expected));
      const pageOf = async (storage: typeof fromSqlite | typeof fromPostgres) => {
        const found = await storage.statusPages.getPageBySlug('acme');
        const logo = found && (await storage.statusPages.getLogo(found.id));
        return { found, logo: logo && [...logo.bytes], groups: found && (await storage.statusPages.getGroups(found.id)), posts: found && (await storage.statusPages.listPosts(found.id, 10)) };
      };
      assert.deepEqual(await pageOf(fromPostgres), await pageOf(fromSqlite));
      const outbox = await fromPostgres.outbox.entries({ limit: 1000 });
      assert.ok(outbox.some((e) => e.lastError === 'refused\ufffdhere'), 'NUL became U+FFFD');
      // New rows get new ids: the sequences moved past the copied ones.
      const token = await fromPostgres.store.createToken('after', 'd'.repeat(64), true);
      assert.equal(token.id, 3);
      const endpoint = await fromPostgres.store.createEndpoint({ ...(await fromPostgres.store.listEndpoints())[0]!, slug: 'after-move', source: 'api' });
      assert.equal(endpoint.id, 3);
    } finally {
      await fromSqlite.close();
      await fromPostgres.close();
    }
    assert.ok(delivered > 0, 'serve delivered its alerts to the loopback receiver');

    // --verify-only compares without copying, and says so when something differs.
    const again = await runMcpwatch(['migrate-data', '--verify-only', '--from', db], { env: { MCPWATCH_DATABASE_URL: target.url }, deadlineMs: SERVICE_WAIT_MS });
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /^endpoints +2 +3 +DIFFERENT$/m);
    assert.match(again.stdout, /verification: DIFFERENCES found/);
  });

  test('the real process, SIGKILLed midway through a large copy, resumes where it stopped: complete, equal, no duplicates', async (t) => {
    const pair = await seededPair(t, 200, 2000);
    if (!pair) return;
    const { target, db, seeded } = pair;

    const child = spawn(process.execPath, [...MCPWATCH, 'migrate-data', '--from', db, '--to', target.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const midway = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress line midway through probe_results:\n${stderr}`)), SERVICE_WAIT_MS);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const match of stderr.matchAll(/copying probe_results: ([\d,]+) of ([\d,]+) rows/g)) {
          const done = Number(match[1]!.replaceAll(',', ''));
          if (done > 0 && done < seeded.results / 2) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve(done);
            return;
          }
        }
      });
      child.on('exit', () => reject(new Error(`migrate-data ended before it was killed:\n${stderr}`)));
    });
    assert.equal(await exited, 'SIGKILL');
    const copied = await count(target.url, 'SELECT count(*) AS n FROM probe_results');
    assert.ok(copied >= midway && copied < seeded.results, `killed with ${copied} of ${seeded.results} raw rows copied (progress said ${midway})`);
    assert.equal(await count(target.url, "SELECT rows_copied AS n FROM migrate_data_progress WHERE table_name = 'probe_results'"), copied, 'the progress row agrees with the rows committed');

    const resumed = await runMcpwatch(['migrate-data', '--from', db, '--to', target.url], { deadlineMs: SERVICE_WAIT_MS });
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(resumed.stdout, /^probe_results +400,000 +400,000 +equal$/m);
    assert.match(resumed.stdout, /verification: everything equal/);
    assert.match(resumed.stderr, /resumed and finished copying/);
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM (SELECT DISTINCT endpoint_id, ts FROM probe_results) AS d'), seeded.results, 'no raw row twice');
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM probe_results'), seeded.results);
    const rate = /copying probe_results: [\d,]+ of [\d,]+ rows \(\d+%\), ([\d,]+) rows\/s/.exec(resumed.stderr);
    t.diagnostic(`probe_results copy rate (resumed run): ${rate?.[1] ?? '?'} rows/s`);
  });

  test('a file serve left after a crash (raw rows not yet in the rollups) is folded first, as serve would on start', async (t) => {
    const pair = await seededPair(t, 5, 300);
    if (!pair) return;
    const { target, db, seeded } = pair;
    const raw = new Database(db);
    // As if serve crashed before its first flush: raw rows written, rollups not.
    raw.prepare('DELETE FROM rollups_hourly').run();
    raw.prepare('DELETE FROM rollups_daily').run();
    raw.prepare("UPDATE store_meta SET value = 0 WHERE key = 'rollups_through_rowid'").run();
    raw.close();
    const notes: string[] = [];
    const result = await migrateData({ from: db, to: target.url, version: 'test', onNote: (line) => notes.push(line), batchRows: 250 });
    assert.ok(notes.some((n) => n.includes(`folded ${seeded.results.toLocaleString('en')} raw rows into the rollups`)), notes.join('\n'));
    assert.equal(result.verification.equal, true, JSON.stringify(result.verification, null, 1));
    const counted = await count(target.url, 'SELECT sum(up + down) AS n FROM rollups_hourly');
    assert.equal(counted, seeded.results, 'every copied raw row is in the copied rollups');

    // An interrupted copy whose source changed since (a serve ran on it): resuming would mix two
    // states, so it is refused.
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query('UPDATE migrate_data_source SET finished_at = NULL');
    await client.query("UPDATE migrate_data_progress SET done = false WHERE table_name = 'api_tokens'");
    await client.end();
    const source = openSqliteStorage(db);
    await source.store.createToken('later', '9'.repeat(64), false);
    await source.close();
    await assert.rejects(migrateData({ from: db, to: target.url, version: 'test' }), (err: unknown) => err instanceof MigrateDataError && /changed since the interrupted copy/.test(err.message));
  });

  test('raw rows serve sealed into blocks are unpacked and copied, every one, and read back the same', async (t) => {
    const pair = await seededPair(t, 5, 300);
    if (!pair) return;
    const { target, db, seeded } = pair;
    const source = openSqliteStorage(db);
    while (source.store.sealStep(Number.POSITIVE_INFINITY).more);
    const sealed = source.store.sealedStats().rows;
    assert.ok(sealed > seeded.results / 2, `most of the five hours sealed (${sealed} of ${seeded.results})`);
    const window = { fromMs: 0, toMs: Date.now() + 60_000, limit: 10_000 };
    const ids = (await source.store.listEndpoints()).map((e) => e.id);
    const before = await Promise.all(ids.map((id) => source.store.results(id, window)));
    await source.close();
    const notes: string[] = [];
    const result = await migrateData({ from: db, to: target.url, version: 'test', onNote: (line) => notes.push(line), batchRows: 250 });
    assert.ok(notes.some((n) => n.includes(`unpacked ${sealed.toLocaleString('en')} sealed raw rows`)), notes.join('\n'));
    assert.equal(result.verification.equal, true, JSON.stringify(result.verification, null, 1));
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM probe_results'), seeded.results);
    const copy = await openPostgresStorage(target.url, { max: 2 });
    try {
      assert.deepEqual(await Promise.all(ids.map((id) => copy.store.results(id, window))), before);
    } finally {
      await copy.close();
    }
  });

  test('refuses bad input with one clear line and writes nothing', async (t) => {
    const target = await testDatabase(t);
    if (!target) return;
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-migrate-bad-'));
    const db = join(dir, 'mcpwatch.db');
    const s = openSqliteStorage(db);
    await s.store.createToken('x', 'e'.repeat(64), false);
    await s.close();
    const notSqlite = join(dir, 'notes.txt');
    writeFileSync(notSqlite, 'just some text, long enough to have a header-sized first page '.repeat(20));

    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['--from', join(dir, 'missing.db'), '--to', target.url], /missing\.db does not exist/],
      [['--from', notSqlite, '--to', target.url], /notes\.txt is not an SQLite database/],
      [['--from', db, '--to', 'postgres://mcpwatch:hunter2@127.0.0.1:1/nothing'], /cannot reach PostgreSQL at postgres:\/\/mcpwatch:\*\*\*@127\.0\.0\.1:1\/nothing/],
    ];
    for (const [args, expected] of cases) {
      const run = await runMcpwatch(['migrate-data', ...args], { deadlineMs: SERVICE_WAIT_MS });
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, expected);
      assert.doesNotMatch(run.stderr, /hunter2/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
    assert.equal(await tablesIn(target.url), 0, 'nothing was written to the target');

    const usage = await runMcpwatch(['migrate-data', '--from', db, '--to', 'mysql://root:hunter2@127.0.0.1/x'], { deadlineMs: SERVICE_WAIT_MS });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--to must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.doesNotMatch(usage.stderr, /hunter2/);

    // A serve holding the file: refused, told to stop it first.
    const lock = acquireInstanceLock(db, { version: 'test' });
    try {
      const run = await runMcpwatch(['migrate-data', '--from', db, '--to', target.url], { deadlineMs: SERVICE_WAIT_MS });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /stop that serve first/);
    } finally {
      lock.release();
    }
    assert.equal(await tablesIn(target.url), 0, 'nothing was written to the target');

    // A serve (or another migrate-data) on the target: refused before anything is written.
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    try {
      for (const [lock, expected] of [
        [ADVISORY_LOCKS.serve, /an mcpwatch serve is using postgres:\/\/mcpwatch:\*\*\*@.*; stop it first/],
        [ADVISORY_LOCKS.migrateData, /another migrate-data is using/],
      ] as const) {
        await holder.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lock]);
        const run = await runMcpwatch(['migrate-data', '--from', db, '--to', target.url], { deadlineMs: SERVICE_WAIT_MS });
        await holder.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lock]);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, expected);
      }
    } finally {
      await holder.end();
    }
    assert.equal(await tablesIn(target.url), 0, 'nothing was written to the target');

    // A target that already holds another installation's data.
    const other = await openPostgresStorage(target.url);
    await other.store.createToken('theirs', 'f'.repeat(64), false);
    await other.close();
    const before = await count(target.url, 'SELECT count(*) AS n FROM api_tokens');
    const run = await runMcpwatch(['migrate-data', '--from', db, '--to', target.url], { deadlineMs: SERVICE_WAIT_MS });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /already holds data that did not come from .*mcpwatch\.db \(api_tokens 1\); migrate-data fills an empty database only/);
    assert.equal(await count(target.url, 'SELECT count(*) AS n FROM api_tokens'), before);
    assert.equal(await count(target.url, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'migrate_data%'"), 0, 'no progress table was made');
  });
});
