// The official MCP conformance suite's server scenarios against mcpwatch's own /mcp: a real app
// listening on loopback (the suite is a separate Node 22 process), each scenario run at every
// revision the suite lists for it that /mcp speaks, the suite's checks printed as a table and
// every one required to pass, except the few named below that cannot apply to a read-only server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { buildTestApp, type TestApp } from '../http/helper.ts';
import { formatTable, listServerScenarios, locateSuite, readChecks, runCli, suiteOrSkip, summaryLine, type Check, type Suite } from './suite.ts';

/**
 * The scenarios that fit a read-only server with tools only. The suite's others call its reference
 * tools (tools-call-*, json-schema-2020-12, input-required-*, elicitation-*), prompts, resources,
 * completions or logging, none of which mcpwatch has; run against /mcp they can only report
 * "not found" (measured with 0.2.0-alpha.12: sep-2164-resource-not-found, logging-set-level,
 * completion-complete and json-schema-2020-12 all end at -32601 or a missing tool).
 * server-session-lifecycle only reports that a stateless server has no session to end (INFO).
 */
const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'http-header-validation',
  'dns-rebinding-protection',
  'caching',
  'server-stateless',
  'server-sse-multiple-streams',
] as const;

interface NotApplicable {
  readonly status: Check['status'];
  /** Why the check cannot apply to mcpwatch's /mcp. */
  readonly why: string;
  /** The exact way the suite reports it; anything else (a pass, another failure) fails the test. */
  readonly evidence: (check: Check) => boolean;
}

const methodNotFound = (check: Check): boolean => (check.details?.error as { code?: unknown } | undefined)?.code === -32601;
const untestable = (check: Check): boolean => check.details?.untestable === true;

const NO_PROMPTS_OR_RESOURCES =
  'mcpwatch declares tools only (see "discover declares tools only" below), so this method answers -32601 and there is no result to carry cache hints';
const NEEDS_REFERENCE_TOOL = (tool: string, what: string): string =>
  `needs the suite's reference tool ${tool} (${what}); mcpwatch's tools only read its own data and cannot be made to do that`;

/** By check id. Each must still be reported exactly as described, so a stale entry fails too. */
const NOT_APPLICABLE: Readonly<Record<string, NotApplicable>> = {
  'sep-2549-prompts-list-caching-hints': { status: 'FAILURE', why: NO_PROMPTS_OR_RESOURCES, evidence: methodNotFound },
  'sep-2549-resources-list-caching-hints': { status: 'FAILURE', why: NO_PROMPTS_OR_RESOURCES, evidence: methodNotFound },
  'sep-2549-resources-templates-list-caching-hints': { status: 'FAILURE', why: NO_PROMPTS_OR_RESOURCES, evidence: methodNotFound },
  'sep-2549-resources-read-caching-hints': { status: 'SKIPPED', why: 'no resources, so the suite has nothing to read', evidence: () => true },
  'sep-2575-server-rejects-undeclared-capability': {
    status: 'FAILURE',
    why: NEEDS_REFERENCE_TOOL('test_missing_capability', 'a tool that requires the client sampling capability'),
    evidence: untestable,
  },
  'sep-2575-missing-capability-http-400': {
    status: 'FAILURE',
    why: NEEDS_REFERENCE_TOOL('test_missing_capability', 'a tool that requires the client sampling capability'),
    evidence: untestable,
  },
  'sep-2575-http-server-no-independent-requests-on-stream': {
    status: 'FAILURE',
    why: NEEDS_REFERENCE_TOOL('test_streaming_elicitation', 'a tool that elicits input mid-call'),
    evidence: untestable,
  },
  'sep-2575-server-no-log-without-loglevel': { status: 'FAILURE', why: NEEDS_REFERENCE_TOOL('test_logging_tool', 'a tool that logs'), evidence: untestable },
  'server-sse-multiple-streams-session': {
    status: 'WARNING',
    why: '2025-era traffic is served statelessly (no Mcp-Session-Id), so there is no session to open several streams on; the 2026-07-28 run of the same scenario checks the streams',
    evidence: (check) => /did not provide session ID/.test(String(check.details?.message)),
  },
  'sep-2575-server-sends-prompts-list-changed-on-subscription': { status: 'SKIPPED', why: 'no prompts, so no prompts.listChanged', evidence: () => true },
  'sep-2575-server-sends-tools-list-changed-on-subscription': {
    status: 'SKIPPED',
    why: 'the tool list never changes while mcpwatch runs, so tools.listChanged is not declared',
    evidence: () => true,
  },
};

/** Statuses that count as a pass; INFO is the suite noting a fact (e.g. no session id: stateless). */
const PASSING: ReadonlySet<Check['status']> = new Set(['SUCCESS', 'INFO']);

const RPC_TIMEOUT_MS = 5_000;
const RPC_BYTE_CAP = 1024 * 1024;

async function listening(): Promise<{ t: TestApp; url: string }> {
  // Default config: bound to 127.0.0.1, so the Host allow-list is on, as on an operator's machine.
  const t = await buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/mcp` };
}

/** One JSON-RPC POST; the response may be JSON or an SSE stream carrying it. */
async function rpc(url: string, method: string, params: object, headers: Record<string, string> = {}): Promise<{ result?: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.ok(bytes.length <= RPC_BYTE_CAP, `${method}: response over ${RPC_BYTE_CAP} bytes`);
  const text = new TextDecoder().decode(bytes);
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text) as { result?: Record<string, unknown> };
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const message = JSON.parse(line.slice(5)) as { id?: unknown; result?: Record<string, unknown> };
    if (message.id === 1) return message;
  }
  return {};
}

const modernMeta = (revision: string): object => ({
  _meta: {
    'io.modelcontextprotocol/protocolVersion': revision,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'mcpwatch-conformance-test', version: '0' },
  },
});

const discover = (url: string, revision: string): Promise<{ result?: Record<string, unknown> }> =>
  rpc(url, 'server/discover', modernMeta(revision), { 'mcp-protocol-version': revision, 'mcp-method': 'server/discover' });

/** Asked of the server, not assumed: a 2025 revision if initialize echoes it, a modern one if discover lists it. */
async function speaks(url: string, revision: string): Promise<boolean> {
  const init = await rpc(url, 'initialize', { protocolVersion: revision, capabilities: {}, clientInfo: { name: 'mcpwatch-conformance-test', version: '0' } });
  if (init.result?.protocolVersion === revision) return true;
  const supported = (await discover(url, revision)).result?.supportedVersions;
  return Array.isArray(supported) && supported.includes(revision);
}

function judge(t: TestContext, checks: readonly Check[], seen: Set<string>): void {
  assert.ok(checks.length > 0, 'the scenario reported no check at all');
  for (const check of checks) {
    const exempt = NOT_APPLICABLE[check.id];
    if (exempt) {
      seen.add(check.id);
      t.diagnostic(`not applicable: ${check.id}: ${exempt.why}`);
      assert.ok(
        check.status === exempt.status && exempt.evidence(check),
        `${check.id} was listed as not applicable (${exempt.why}) but is reported as ${check.status}: ${check.errorMessage ?? ''}; update NOT_APPLICABLE`,
      );
    } else {
      assert.ok(PASSING.has(check.status), `${check.id}: ${check.status}: ${check.errorMessage ?? ''}`);
    }
  }
}

async function runScenario(t: TestContext, suite: Suite, scenario: string, revision: string, seen: Set<string>): Promise<void> {
  const { t: app, url } = await listening();
  const out = mkdtempSync(join(tmpdir(), 'mcpwatch-conformance-'));
  try {
    const run = await runCli(suite, ['server', '--url', url, '--scenario', scenario, '--spec-version', revision, '--timeout', '30000', '-o', out], 120_000);
    const checks = readChecks(out);
    t.diagnostic(`${scenario} @ ${revision} (exit ${run.code}): ${summaryLine(run.stdout) ?? 'no summary line'}`);
    for (const line of formatTable(checks)) t.diagnostic(line);
    judge(t, checks, seen);
  } finally {
    rmSync(out, { recursive: true, force: true });
    await app.close();
  }
}

const located = suiteOrSkip(locateSuite());

if (located.fail !== undefined) {
  const reason = located.fail;
  test('the MCP conformance suite is installed', () => assert.fail(reason));
}

describe(`conformance ${located.suite?.version ?? ''}: server scenarios against mcpwatch's own /mcp`, { skip: located.skip ?? located.fail !== undefined }, () => {
  const suite = located.suite as Suite;
  let listed = new Map<string, readonly string[]>();
  let spoken: readonly string[] = [];
  let probe: { t: TestApp; url: string } | undefined;
  const seen = new Set<string>();

  before(async () => {
    listed = await listServerScenarios(suite);
    probe = await listening();
    const revisions = [...new Set([...listed.values()].flat())].filter((r) => /^\d{4}-\d{2}-\d{2}$/.test(r)).sort();
    const answers = await Promise.all(revisions.map((r) => speaks(probe?.url ?? '', r)));
    spoken = revisions.filter((_r, i) => answers[i]);
  });

  after(async () => {
    await probe?.t.close();
  });

  test('/mcp speaks both eras', () => {
    assert.ok(spoken.includes('2026-07-28'), `modern revision missing from ${spoken.join(', ')}`);
    assert.ok(spoken.includes('2025-11-25'), `2025-11-25 missing from ${spoken.join(', ')}`);
  });

  test('discover declares tools only, with a fixed list (why the prompts/resources checks do not apply)', async () => {
    const capabilities = (await discover(probe?.url ?? '', '2026-07-28')).result?.capabilities as Record<string, unknown> | undefined;
    assert.deepEqual(capabilities, { tools: { listChanged: false } });
  });

  for (const scenario of SCENARIOS) {
    test(scenario, async (t) => {
      const applies = listed.get(scenario);
      assert.ok(applies, `the suite no longer lists the server scenario ${scenario}`);
      const revisions = applies.filter((r) => spoken.includes(r));
      assert.ok(revisions.length > 0, `${scenario} applies to ${applies.join(', ')}, none of which /mcp speaks (${spoken.join(', ')})`);
      for (const revision of revisions) await t.test(`${scenario} @ ${revision}`, (st) => runScenario(st, suite, scenario, revision, seen));
    });
  }

  test('every not-applicable entry was still reported by the suite', () => {
    assert.deepEqual(Object.keys(NOT_APPLICABLE).filter((id) => !seen.has(id)), []);
  });
});
