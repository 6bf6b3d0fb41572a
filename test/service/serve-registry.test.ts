// End to end: a real `serve` with a registries: section syncs the local registry fixture and
// probes the real MCP servers it lists: an open one reads up, one behind a bearer token (its
// registry entry declares a secret Authorization header, which a sync never has) reads
// auth_required, not down.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { startRegistry } from '../fixtures/registry-server.ts';
import { query, SERVICE_WAIT_MS, startServe, until, writeConfig } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

test('serve syncs a registry and probes what it lists: up, and auth_required for a secret header', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-serve-registry-'));
  const servers: RunningServer[] = [await startV2Server({ era: 'dual' }), await startV2Server({ era: 'modern', bearerToken: 'registry-never-has-this' })];
  const registry = await startRegistry([
    { name: 'io.example.e2e/open', title: 'Open server', remotes: [{ type: 'streamable-http', url: servers[0]!.url }] },
    {
      name: 'io.example.e2e/locked',
      remotes: [{ type: 'streamable-http', url: servers[1]!.url, headers: [{ name: 'Authorization', isRequired: true, isSecret: true, description: 'Bearer token' }] }],
    },
  ]);
  try {
    const config = writeConfig(
      dir,
      `dataDir: ${dir}/data
probe: { timeoutMs: 3000 }
scheduler: { minIntervalS: 1, defaultIntervalS: 1 }
registries:
  - { url: "${registry.url}", name: e2e, allowPrivate: true, public: true, interval: 10s }
`,
    );
    const serve = startServe(config);
    children.push(serve.child);
    const db = join(dir, 'data', 'mcpwatch.db');
    // Status codes of the compact row encoding (src/store/result-codec.ts): 0 up, 2 auth_required.
    const rows = await until(
      'rounds for both registry endpoints',
      () => {
        const found = query<{ slug: string; status: number; n: number }>(db, 'SELECT e.slug, r.status, count(*) n FROM probe_results r JOIN endpoints e ON e.id = r.endpoint_id GROUP BY e.slug, r.status ORDER BY e.slug');
        return found.some((r) => r.slug === 'r--io-example-e2e-open') && found.some((r) => r.slug === 'r--io-example-e2e-locked') ? found : undefined;
      },
      SERVICE_WAIT_MS,
      serve,
    );
    assert.deepEqual(rows.map((r) => [r.slug, r.status]), [
      ['r--io-example-e2e-locked', 2],
      ['r--io-example-e2e-open', 0],
    ]);
    const endpoints = query<{ slug: string; source: string; public: number; paused: number }>(db, 'SELECT slug, source, public, paused FROM endpoints ORDER BY slug');
    assert.deepEqual(endpoints, [
      { slug: 'r--io-example-e2e-locked', source: 'registry', public: 1, paused: 0 },
      { slug: 'r--io-example-e2e-open', source: 'registry', public: 1, paused: 0 },
    ]);
    assert.deepEqual(query<{ name: string; last_error: string | null; servers: number }>(db, 'SELECT name, last_error, servers FROM registry_sync'), [{ name: 'e2e', last_error: null, servers: 2 }]);
    assert.equal(registry.requests[0]?.get('version'), 'latest');
    serve.child.kill('SIGTERM');
    assert.equal((await serve.exited).code, 0);
  } finally {
    await registry.close();
    for (const s of servers) await s.close();
  }
});
