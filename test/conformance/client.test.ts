// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// tools/conformance with the Node 22 its CLI needs) drives `mcpwatch check` as the client, each
// scenario inside a loopback-only network namespace whose resolver is unreachable: the suite
// hands out http://localhost:PORT URLs, which must resolve without DNS. The suite's own table is
// printed for every scenario; a scenario passes when the suite exits 0 and every check it
// recorded in checks.json is a success (a warning fails the suite too), except the checks named in
// expected-failures.yaml (the suite's own baseline format), which must fail until fixed: a
// baselined check that passes fails the run, so the entry gets deleted.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { after, before, describe, test } from 'node:test';
import { netnsUnavailable, runInLoopbackNetns } from '../fixtures/netns.ts';
import { lacks } from '../fixtures/prerequisite.ts';
import { locateSuite, readChecks, type Check } from './suite.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASELINE = fileURLToPath(new URL('expected-failures.yaml', import.meta.url));

/**
 * Scenarios a probe can pass: the handshake, SEP-2575 request metadata, SEP-1699 SSE reconnect,
 * each with the check options it needs. sse-retry's mock server closes a response stream early
 * only for `tools/call` of its `test_reconnection` tool (every other reply is plain JSON), and the
 * probe never calls a tool on its own: the scenario runs with the operator's explicit opt-in
 * `--call-tool`, exactly as a CI user would check a server's own health tool.
 */
const SCENARIOS = {
  initialize: [],
  'request-metadata': [],
  'sse-retry': ['--tools', '--call-tool', 'test_reconnection'],
} as const satisfies Record<string, readonly string[]>;

// Measured on a 2-core runner at load average 10–15: a scenario takes 1.5–4 s (most of it tsx
// starting mcpwatch). The suite's own client deadline and ours sit far above that, so only a hung
// client can hit them.
const CLIENT_TIMEOUT_MS = 60_000;
const SCENARIO_TIMEOUT_MS = 120_000;

/** The client command; the suite appends the server URL as its last argument. */
function clientCommand(options: readonly string[]): string {
  const parts = [process.execPath, ...MCPWATCH, 'check', '--allow-private', ...options];
  // The suite splits the command on spaces.
  for (const part of parts) assert.doesNotMatch(part, /\s/, `a path with white space cannot go into --command: ${part}`);
  return parts.join(' ');
}

/** The suite's table: from its "Checks:" line to the verdict, without colours or the client's output. */
function suiteTable(output: string): string[] {
  const lines = stripVTControlCharacters(output).split('\n');
  const start = lines.findIndex((l) => l.startsWith('Checks:'));
  return (start === -1 ? lines : lines.slice(start)).filter((l) => l.trim() !== '');
}

/** The check ids the baseline excuses in a scenario ('*' for the whole scenario). */
async function excusedChecks(scenario: string): Promise<Set<string>> {
  const baseline = parseYaml(await readFile(BASELINE, 'utf8')) as { client?: unknown } | null;
  const entries = Array.isArray(baseline?.client) ? baseline.client.filter((e): e is string => typeof e === 'string') : [];
  return new Set(entries.filter((e) => e === scenario || e.startsWith(`${scenario}:`)).map((e) => (e === scenario ? '*' : e.slice(scenario.length + 1))));
}

describe('official MCP conformance suite, client scenarios, mcpwatch check as the client, no DNS', () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'mcpwatch-conformance-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  for (const [scenario, options] of Object.entries(SCENARIOS)) {
    test(scenario, { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      const located = locateSuite();
      if (lacks(t, (located.ok ? undefined : located.reason) ?? netnsUnavailable()) || !located.ok) return;
      const { node, cli } = located.suite;
      const dir = join(out, scenario);
      const run = await runInLoopbackNetns(
        [node, cli, 'client', '--command', clientCommand(options), '--scenario', scenario, '--timeout', String(CLIENT_TIMEOUT_MS), '-o', dir, '--expected-failures', BASELINE],
        { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeoutMs: SCENARIO_TIMEOUT_MS - 5_000 },
      );
      const output = `${run.stderr}\n${run.stdout}`;
      t.diagnostic(`conformance client --scenario ${scenario}: exit ${run.code} in ${(run.ms / 1000).toFixed(1)} s`);
      for (const line of suiteTable(output)) t.diagnostic(line);

      assert.equal(run.timedOut, false, `the suite did not finish within ${SCENARIO_TIMEOUT_MS - 5_000} ms`);
      const checks = readChecks(dir);
      const excused = await excusedChecks(scenario);
      const isExcused = (c: Check): boolean => excused.has('*') || excused.has(c.id);
      const failing = (c: Check): boolean => c.status === 'FAILURE' || c.status === 'WARNING';
      assert.deepEqual(
        checks.filter((c) => failing(c) && !isExcused(c)).map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.name ?? ''}`),
        [],
        'checks that did not pass',
      );
      assert.deepEqual(
        checks.filter((c) => c.status === 'SUCCESS' && excused.has(c.id)).map((c) => c.id),
        [],
        'baselined checks that pass now: delete them from test/conformance/expected-failures.yaml',
      );
      // A client that never got through leaves no verdict at all ("Passed: 0/0").
      assert.ok(checks.some((c) => c.status === 'SUCCESS' || (failing(c) && isExcused(c))), `the suite judged nothing:\n${output.slice(-2000)}`);
      assert.equal(run.code, 0, `the suite failed:\n${output.slice(-4000)}`);
    });
  }
});
