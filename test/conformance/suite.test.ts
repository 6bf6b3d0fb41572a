// The conformance helpers on their own: what they make of the suite's output, and what a test does
// when the suite is not installed. Samples are cut from @modelcontextprotocol/conformance
// 0.2.0-alpha.12's real output.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatTable, parseServerScenarios, readChecks, suiteOrSkip, summaryLine } from './suite.ts';

const LIST = `Server scenarios (test against a server):
  - server-initialize [2025-06-18,2025-11-25]
  - server-stateless [2026-07-28]
  - sep-2640-skills-directory [extension]

Client scenarios (test against a client):
  - initialize [2025-06-18,2025-11-25]
  - request-metadata [2026-07-28]
`;

describe('parseServerScenarios', () => {
  test('server scenarios with their revisions; client scenarios left out', () => {
    assert.deepEqual(
      parseServerScenarios(LIST),
      new Map([
        ['server-initialize', ['2025-06-18', '2025-11-25']],
        ['server-stateless', ['2026-07-28']],
        ['sep-2640-skills-directory', ['extension']],
      ]),
    );
  });
});

describe('readChecks', () => {
  const withFile = (content: string, run: (dir: string) => void): void => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-checks-'));
    try {
      mkdirSync(join(dir, 'server-ping-2026-12-02T11-45-46-911Z'));
      writeFileSync(join(dir, 'server-ping-2026-12-02T11-45-46-911Z', 'checks.json'), content);
      run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('reads the one checks.json of a run, keeping what the tests judge', () => {
    const checks = [
      { id: 'ping', name: 'Ping', description: 'Server responds to ping', status: 'SUCCESS', timestamp: '2026-12-02T11:45:46.911Z', specReferences: [] },
      { id: 'x', status: 'FAILURE', errorMessage: 'Not testable: …', details: { untestable: true } },
    ];
    withFile(JSON.stringify(checks), (dir) => {
      assert.deepEqual(readChecks(dir), [
        { id: 'ping', name: 'Ping', status: 'SUCCESS' },
        { id: 'x', status: 'FAILURE', errorMessage: 'Not testable: …', details: { untestable: true } },
      ]);
    });
  });

  test('an unknown status is refused, not counted as anything', () => {
    withFile(JSON.stringify([{ id: 'ping', status: 'PASSED' }]), (dir) => assert.throws(() => readChecks(dir)));
  });

  test('no checks.json is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-checks-'));
    try {
      assert.throws(() => readChecks(dir), /expected one checks\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('output', () => {
  test('summaryLine finds the suite\'s closing count', () => {
    assert.equal(summaryLine('… checks …\nPassed: 4/7, 3 failed, 0 warnings\n=== Failed Checks ===\n'), 'Passed: 4/7, 3 failed, 0 warnings');
    assert.equal(summaryLine('crashed'), undefined);
  });

  test('formatTable aligns ids and cuts long notes', () => {
    const lines = formatTable([
      { id: 'ping', status: 'SUCCESS' },
      { id: 'sep-2549-prompts-list-caching-hints', status: 'FAILURE', errorMessage: `prompts/list returned\nJSON-RPC error -32601 ${'x'.repeat(200)}` },
    ]);
    assert.equal(lines[0], 'STATUS   CHECK                                NOTE');
    assert.equal(lines[2], 'SUCCESS  ping');
    assert.match(lines[3] ?? '', /^FAILURE {2}sep-2549-prompts-list-caching-hints {2}prompts\/list returned JSON-RPC error -32601 x+…$/);
    assert.equal((lines[3] ?? '').length, 'FAILURE  sep-2549-prompts-list-caching-hints  '.length + 110);
  });
});

describe('suiteOrSkip', () => {
  const missing = { ok: false, reason: 'tools/conformance/node_modules/.bin/node is missing' } as const;

  test('missing in CI: the test must fail, naming the reason', () => {
    assert.deepEqual(suiteOrSkip(missing, { CI: 'true' }), { fail: 'the MCP conformance suite is required in CI (CI=true): tools/conformance/node_modules/.bin/node is missing' });
  });

  test('missing elsewhere: a loud skip', () => {
    assert.deepEqual(suiteOrSkip(missing, {}), { skip: 'CONFORMANCE SUITE NOT RUN: tools/conformance/node_modules/.bin/node is missing' });
  });

  test('present: the suite', () => {
    const suite = { node: '/n', cli: '/c', version: '0.2.0-alpha.12' };
    assert.deepEqual(suiteOrSkip({ ok: true, suite }, { CI: 'true' }), { suite });
  });
});
