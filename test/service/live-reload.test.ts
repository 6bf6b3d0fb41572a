// A running `serve` picks up changes without a restart (issue 11, item 5): endpoints added by
// `mcpwatch import` (another process on the same SQLite file), and edits to the YAML file saved
// the way editors save (write elsewhere, rename over), a broken file, a file that is briefly
// gone, and SIGHUP. Real processes, a real MCP server on loopback. Each test fails on a serve
// that reads its endpoints only at start.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { loopbackYaml, query, roundsOf, runMcpwatch, startServe, stopServe, until, type Serve } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
let server: RunningServer;
before(async () => {
  server = await startV2Server({ era: 'modern' });
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server.close();
});

/** How vim (backupcopy=no), sed -i and most deploy tools save: a new file renamed over the old. */
function saveByRename(path: string, text: string): void {
  const temp = `${path}.swp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

function starts(db: string, slug: string): number[] {
  return query<{ ts: number }>(db, 'SELECT r.ts FROM probe_results r JOIN endpoints e ON e.id = r.endpoint_id WHERE e.slug = ? ORDER BY r.ts', slug).map((r) => r.ts);
}

function linesAfter(s: Serve, mark: number, text: string): string[] {
  return s
    .output()
    .slice(mark)
    .split('\n')
    .filter((line) => line.includes(text));
}

async function startWith(dir: string, endpoints: string[]): Promise<{ s: Serve; path: string; db: string }> {
  const path = join(dir, 'mcpwatch.yaml');
  writeFileSync(path, loopbackYaml(dir, endpoints));
  const db = join(dir, 'data', 'mcpwatch.db');
  const s = startServe(path);
  children.push(s.child);
  await until('rounds for a', () => (roundsOf(db, 'a') >= 2 ? true : undefined), 20_000, s);
  return { s, path, db };
}

test('an endpoint added by `mcpwatch import` (another process) is probed by the running serve without a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-live-import-'));
  const { s, path, db } = await startWith(dir, [`{ name: a, url: "${server.url}", interval: 1s }`]);
  const serverJson = join(dir, 'server.json');
  writeFileSync(serverJson, JSON.stringify({ name: 'io.github.acme/imported', version: '1.0.0', remotes: [{ type: 'streamable-http', url: server.url }] }));
  const imported = await runMcpwatch(['import', serverJson, '--config', path]);
  assert.equal(imported.code, 0, imported.stderr);
  // Its interval is 60 s: only a prompt first run makes this pass well inside the deadline.
  await until('rounds for the imported endpoint', () => (roundsOf(db, 'imported') >= 1 ? true : undefined), 20_000, s);
  await stopServe(s);
});

test('file edits saved by rename, a broken file, a missing file and SIGHUP apply without a restart or double probing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-live-file-'));
  const { s, path, db } = await startWith(dir, [`{ name: a, url: "${server.url}", interval: 1s }`]);

  // An added endpoint and a changed interval, saved by rename.
  let mark = s.output().length;
  const a2 = `{ name: a, url: "${server.url}", interval: 2s }`;
  saveByRename(path, loopbackYaml(dir, [a2, `{ name: c, url: "${server.url}", interval: 1s }`]));
  await until('rounds for c', () => (roundsOf(db, 'c') >= 2 ? true : undefined), 20_000, s);
  assert.deepEqual(query(db, "SELECT slug, interval_s FROM endpoints WHERE slug IN ('a', 'c') ORDER BY slug"), [
    { slug: 'a', interval_s: 2 },
    { slug: 'c', interval_s: 1 },
  ]);
  // An editor's burst of events is one reload, not several.
  assert.equal(linesAfter(s, mark, '"msg":"configuration reloaded"').length, 1, s.output().slice(mark));

  // A broken file keeps the running configuration, and says why.
  mark = s.output().length;
  writeFileSync(path, 'endpoints:\n  - { name: c, url: "not a url" }\n');
  await until('the refusal in the log', () => (linesAfter(s, mark, 'configuration not reloaded').length > 0 ? true : undefined), 20_000, s);
  assert.match(linesAfter(s, mark, 'configuration not reloaded')[0]!, /endpoints\[0\]\.url/);
  const cBefore = roundsOf(db, 'c');
  await until('c still probed', () => (roundsOf(db, 'c') >= cBefore + 2 ? true : undefined), 20_000, s);

  // Briefly gone (a deploy that deletes, then writes), back without c: c is archived.
  mark = s.output().length;
  unlinkSync(path);
  await until('the missing file in the log', () => (linesAfter(s, mark, 'is missing').length > 0 ? true : undefined), 20_000, s);
  writeFileSync(path, loopbackYaml(dir, [a2]));
  await until('c archived', () => (query<{ archived_at: string | null }>(db, "SELECT archived_at FROM endpoints WHERE slug = 'c'")[0]?.archived_at ? true : undefined), 20_000, s);
  const cArchived = roundsOf(db, 'c');
  const aNow = roundsOf(db, 'a');
  await until('a probed on', () => (roundsOf(db, 'a') >= aNow + 2 ? true : undefined), 20_000, s);
  // One round may have been in flight when c was archived.
  assert.ok(roundsOf(db, 'c') <= cArchived + 1, 'an archived endpoint is not probed');

  mark = s.output().length;
  s.child.kill('SIGHUP');
  await until('a reload on SIGHUP', () => (linesAfter(s, mark, '"trigger":"SIGHUP"').length > 0 ? true : undefined), 20_000, s);

  // No reload doubled a's probes: at a 2 s interval, starts are never close together.
  await delay(3000);
  const interval2s = starts(db, 'a').slice(-4);
  const gaps = interval2s.slice(1).map((t, i) => t - interval2s[i]!);
  assert.ok(gaps.every((g) => g > 500), `gaps between a's rounds: ${gaps.join(', ')} ms`);
  await stopServe(s);
});
