// Regression (issue 10): a tools/list reply whose inputSchema nested 5,000 levels (≈10 KB, far
// under the body cap) overflowed the stack in the canonical-JSON hash. `mcpwatch check --tools`
// exited 70 with a RangeError, and in `serve` the probe threw and nothing was recorded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { deepSchemaReply, startHostileServer, type HostileServer } from '../fixtures/hostile-server.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const settings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 10_000 };

function check(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MCPWATCH, 'check', ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('regression: 5000-level schema crash', () => {
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer();
    server.set(deepSchemaReply(5000));
  });
  after(() => server.close());

  test('the reply is ≈10 KB, far under the body cap', () => {
    assert.ok(deepSchemaReply(5000).body.length < 11_000);
  });

  test('the probe returns a degraded INVALID_JSON result instead of throwing', async () => {
    const result = await runProbe({ url: server.url, era: 'streamable', listTools: true }, settings);
    assert.equal(result.status, 'degraded', result.detail);
    assert.equal(result.code, 'INVALID_JSON');
    assert.equal(result.detail, 'tools/list: the reply to tools/list nests deeper than 128 levels; mcpwatch reads no further');
    assert.equal(result.tools, null);
    assert.equal(result.era, 'streamable');
  });

  test('every depth from just past the bound to 100,000 levels gives the same answer', async () => {
    for (const depth of [127, 200, 5000, 100_000]) {
      server.set(deepSchemaReply(depth));
      const result = await runProbe({ url: server.url, era: 'streamable', listTools: true }, settings);
      assert.deepEqual([depth, result.status, result.code], [depth, 'degraded', 'INVALID_JSON']);
    }
    server.set(deepSchemaReply(5000));
  });

  test('a schema inside the bound is hashed as before', async () => {
    server.set(deepSchemaReply(100));
    const result = await runProbe({ url: server.url, era: 'streamable', listTools: true }, settings);
    server.set(deepSchemaReply(5000));
    assert.equal(result.status, 'up', result.detail);
    assert.equal(result.tools?.count, 1);
  });

  test('`mcpwatch check --tools` exits 0 (degraded) and prints the code, not a RangeError', async () => {
    const run = await check([server.url, '--tools', '--allow-private', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /RangeError/);
    const printed = JSON.parse(run.stdout) as ProbeResult;
    assert.deepEqual([printed.status, printed.code], ['degraded', 'INVALID_JSON']);
  });
});
