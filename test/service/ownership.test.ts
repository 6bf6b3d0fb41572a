// Who owns an endpoint, and what happens to its history, as a user meets it: real `serve` and
// `import` processes on one SQLite file, a real MCP server on loopback (issue 11, items 3 and 4).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { loopbackYaml, query, roundsOf, runMcpwatch, servingPort, startServe, stopServe, until, writeConfig, type Serve } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
let server: RunningServer;
before(async () => {
  server = await startV2Server({ era: 'modern' });
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server.close();
});

function serve(config: string): Serve {
  const s = startServe(config);
  children.push(s.child);
  return s;
}

/** A registry entry whose second remote is named "Weather MCP (SSE)" and so slugs to weather-mcp-sse. */
function serverJson(dir: string, url: string): string {
  const file = join(dir, 'server.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'io.github.acme/weather-mcp',
      title: 'Weather MCP',
      version: '1.0.0',
      remotes: [
        { type: 'streamable-http', url },
        { type: 'sse', url: 'http://127.0.0.1:9/sse' },
      ],
    }),
  );
  return file;
}

describe('ownership', () => {
  test('import refuses a slug the configuration file owns, naming the owner, and imports the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-own-'));
    const config = writeConfig(dir, loopbackYaml(dir, [`{ name: "Weather MCP (SSE)", url: "${server.url}", interval: 1s, public: true }`]));
    const db = join(dir, 'data', 'mcpwatch.db');
    const first = serve(config);
    await until('a round for the config endpoint', () => (roundsOf(db, 'weather-mcp-sse') >= 1 ? true : undefined), 20_000, first);
    await stopServe(first);

    const run = await runMcpwatch(['import', serverJson(dir, server.url), '--config', config]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^added weather-mcp http:\/\/127\.0\.0\.1:\d+\/mcp \(active\)$/m);
    assert.match(run.stderr, /refused weather-mcp-sse: slug "weather-mcp-sse" belongs to endpoint \d+, owned by the configuration file; import does not change it/);
    assert.deepEqual(query(db, 'SELECT slug, source, interval_s, public FROM endpoints ORDER BY id'), [
      { slug: 'weather-mcp-sse', source: 'config', interval_s: 1, public: 1 },
      { slug: 'weather-mcp', source: 'import', interval_s: 60, public: 0 },
    ]);

    // Deleting on purpose: never without confirmation, never what the file still lists.
    const unconfirmed = await runMcpwatch(['endpoints', 'purge', 'weather-mcp', '--config', config]);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /refusing to delete endpoint "weather-mcp" .* without --yes \(stdin is not a terminal\)/);
    const owned = await runMcpwatch(['endpoints', 'purge', 'weather-mcp-sse', '--yes', '--config', config]);
    assert.equal(owned.code, 1);
    assert.match(owned.stderr, /is defined in the configuration file; remove it from the file first/);
    const purged = await runMcpwatch(['endpoints', 'purge', 'weather-mcp', '--yes', '--config', config]);
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, /^purged endpoint "weather-mcp" \(id \d+, active, owned by mcpwatch import\) and its history: 0 recorded rounds, 0 incidents$/m);
    assert.deepEqual(query(db, 'SELECT slug FROM endpoints'), [{ slug: 'weather-mcp-sse' }]);
    // Both changes are in the audit log under the command line's name; the refusals are not.
    const audit = query(db, "SELECT actor, action, target, json_extract(detail, '$.via') AS via, json_extract(detail, '$.outcome') AS outcome FROM audit_log ORDER BY id");
    assert.deepEqual(audit, [
      { actor: 'cli', action: 'endpoint.import', target: 'endpoint:weather-mcp', via: 'cli', outcome: 'added' },
      { actor: 'cli', action: 'endpoint.delete', target: 'endpoint:weather-mcp', via: 'cli', outcome: null },
    ]);
  });

  test('a config entry whose slug another owner holds does not stop serve: it is reported and skipped, the rest is monitored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-conflict-'));
    const config = writeConfig(dir, loopbackYaml(dir, [`{ name: other, url: "${server.url}", interval: 1s }`]));
    const imported = await runMcpwatch(['import', serverJson(dir, server.url), '--config', config]);
    assert.equal(imported.code, 0, imported.stderr);
    writeConfig(dir, loopbackYaml(dir, [`{ name: "Weather MCP", url: "${server.url}", interval: 1s }`, `{ name: other, url: "${server.url}", interval: 1s }`]));

    const db = join(dir, 'data', 'mcpwatch.db');
    const s = serve(config);
    await until('rounds for the unaffected endpoint', () => (roundsOf(db, 'other') >= 2 ? true : undefined), 20_000, s);
    const warning = s
      .output()
      .split('\n')
      .find((line) => line.includes('"slug":"weather-mcp"') && line.includes('is skipped'));
    assert.ok(warning, s.output());
    assert.match(warning, /owned by mcpwatch import/);
    assert.deepEqual(query(db, "SELECT source, interval_s FROM endpoints WHERE slug = 'weather-mcp'"), [{ source: 'import', interval_s: 60 }]);
    await stopServe(s);
  });
});

describe('history is never deleted by omission', () => {
  test('an endpoint that leaves the file is archived (not probed, history kept, shown as archived) and comes back with its id and history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-archive-'));
    const a = `{ name: a, url: "${server.url}", interval: 1s, public: true }`;
    const b = `{ name: b, url: "${server.url}", interval: 1s, public: true }`;
    const config = writeConfig(dir, loopbackYaml(dir, [a, b]));
    const db = join(dir, 'data', 'mcpwatch.db');

    const first = serve(config);
    await until('rounds for b', () => (roundsOf(db, 'b') >= 2 ? true : undefined), 20_000, first);
    await stopServe(first);
    const [{ id: bId }] = query<{ id: number }>(db, "SELECT id FROM endpoints WHERE slug = 'b'") as [{ id: number }];
    const kept = roundsOf(db, 'b');

    writeConfig(dir, loopbackYaml(dir, [a]));
    const second = serve(config);
    const port = await until('serving', () => servingPort(second), 20_000, second);
    const aBefore = roundsOf(db, 'a');
    await until('more rounds for a', () => (roundsOf(db, 'a') >= aBefore + 3 ? true : undefined), 20_000, second);
    assert.equal(roundsOf(db, 'b'), kept, 'an archived endpoint is not probed, and its rounds stay');
    assert.match(second.output(), /"slug":"b".*no longer in the configuration file: archived/);
    const row = query<{ id: number; archived_at: string | null }>(db, "SELECT id, archived_at FROM endpoints WHERE slug = 'b'");
    assert.equal(row[0]?.id, bId);
    assert.match(row[0]?.archived_at ?? '', /^\d{4}-\d\d-\d\dT/);
    const api = await fetch(`http://127.0.0.1:${port}/api/v1/endpoints/b`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(api.status, 200);
    assert.equal(((await api.json()) as { archivedAt: string | null }).archivedAt, row[0]?.archived_at);
    const dashboard = await fetch(`http://127.0.0.1:${port}/dashboard.json`, { signal: AbortSignal.timeout(10_000) });
    const rows = ((await dashboard.json()) as { endpoints: { slug: string; status: string; statusPage: string | null }[] }).endpoints;
    assert.deepEqual(
      rows.map((r) => [r.slug, r.status, r.statusPage]),
      [
        ['a', 'up', '/status/a'],
        ['b', 'archived', null],
      ],
    );
    const publicPage = await fetch(`http://127.0.0.1:${port}/status/b`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(publicPage.status, 404, 'an archived endpoint is off the public pages');
    await stopServe(second);
    const listed = await runMcpwatch(['endpoints', 'list', '--config', config]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^b +config +archived \d{4}-\d\d-\d\d +1s +http:\/\/127\.0\.0\.1:\d+\/mcp$/m);
    assert.match(listed.stdout, /^a +config +active +1s /m);

    writeConfig(dir, loopbackYaml(dir, [a, b]));
    const third = serve(config);
    await until('b probed again', () => (roundsOf(db, 'b') >= kept + 2 ? true : undefined), 20_000, third);
    assert.match(third.output(), /"slug":"b".*restored with its history/);
    assert.deepEqual(query(db, "SELECT id, archived_at FROM endpoints WHERE slug = 'b'"), [{ id: bId, archived_at: null }]);
    await stopServe(third);
  });
});
