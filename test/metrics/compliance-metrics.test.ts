// mcp_compliance_score and mcp_compliance_check (issue 15) in /metrics: exact lines, what is left
// out (pending scores, checks that did not apply or were not observed), hostile ids escaped, the
// block re-rendered when a new report arrives, and promtool accepting the whole exposition.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import type { ComplianceReport } from '../../src/domain/compliance.ts';
import { gradeOf } from '../../src/domain/grade.ts';
import { DEFAULT_HEALTH_POLICY, initialState } from '../../src/domain/health.ts';
import type { ComplianceEntry } from '../../src/service/compliance-book.ts';
import { buildTestApp } from '../http/helper.ts';
import { definition } from '../store/helper.ts';

const PROMTOOL = '/usr/bin/promtool';

function entry(report: ComplianceReport, rounds: number): ComplianceEntry {
  return { report, grade: gradeOf({ rounds: { up: rounds, degraded: 0, authRequired: 0, down: 0 }, p95Ms: 100, report }, { policy: DEFAULT_HEALTH_POLICY, latencyBudgetMs: 1000 }) };
}

const REPORT: ComplianceReport = {
  checkedAt: '2026-12-02T10:00:00.000Z',
  era: 'streamable',
  protocolVersion: '2025-06-18',
  durationMs: 10,
  results: [
    { id: 'legacy.notification.202', level: 'MUST', outcome: 'pass', evidence: '202' },
    { id: 'legacy.get.405', level: 'SHOULD', outcome: 'fail', evidence: '200' },
    { id: 'auth.prm', level: 'MUST', outcome: 'not_applicable', evidence: 'no 401' },
    { id: 'tools.schemas', level: 'SHOULD', outcome: 'error', evidence: 'timeout' },
    // Ids come from the catalogue, but the exposition must survive anything.
    { id: 'we"ird\\id\nx', level: 'MUST', outcome: 'fail', evidence: '' },
    { id: 'legacy.notification.202', level: 'MUST', outcome: 'fail', evidence: 'a repeated id is exported once' },
  ],
};

async function setup() {
  const entries = new Map<number, ComplianceEntry>();
  let now = Date.parse('2026-12-02T12:00:00.000Z');
  const t = await buildTestApp({
    clock: () => now,
    state: (id) => initialState(id),
    latestResult: () => undefined,
    compliance: { reports: { latestReport: () => Promise.resolve(undefined), reportHistory: () => Promise.resolve([]) }, latest: (id) => entries.get(id) },
  });
  after(() => t.close());
  const graded = await t.store.createEndpoint(definition('graded'));
  const pending = await t.store.createEndpoint(definition('pending'));
  const paused = await t.store.createEndpoint(definition('paused', { paused: true }));
  await t.store.createEndpoint(definition('none'));
  entries.set(graded.id, entry(REPORT, 100));
  entries.set(pending.id, entry(REPORT, 0));
  entries.set(paused.id, entry(REPORT, 100));
  const scrape = async (): Promise<string> => {
    now += 5000;
    const res = await t.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    return res.body;
  };
  return { t, entries, graded, scrape };
}

const complianceLines = (body: string, slug: string): string[] => body.split('\n').filter((l) => l.startsWith('mcp_compliance_') && l.includes(`{slug="${slug}"`));

test('score and checks: 1 pass, 0 fail; not applicable and error have no series; pending has no score', async () => {
  const { scrape } = await setup();
  const body = await scrape();
  // 50 + 20 + max(0, 30 − 2 × 15 − 5): the grade counts both MUST failures.
  assert.deepEqual(complianceLines(body, 'graded'), [
    'mcp_compliance_score{slug="graded"} 70',
    'mcp_compliance_check{slug="graded",check="legacy.notification.202",level="MUST"} 1',
    'mcp_compliance_check{slug="graded",check="legacy.get.405",level="SHOULD"} 0',
    'mcp_compliance_check{slug="graded",check="we\\"ird\\\\id\\nx",level="MUST"} 0',
  ]);
  const pending = complianceLines(body, 'pending');
  assert.ok(!pending.some((l) => l.startsWith('mcp_compliance_score')), 'no score while pending (no rounds)');
  assert.equal(pending.length, 3, 'its checks are still exported');
  assert.deepEqual(complianceLines(body, 'paused'), [], 'a paused endpoint has no series');
  assert.deepEqual(complianceLines(body, 'none'), [], 'never checked: nothing');
  assert.match(body, /# TYPE mcp_compliance_score gauge/);
  assert.match(body, /# TYPE mcp_compliance_check gauge/);
});

test('a new report (a new entry object) is rendered at the next scrape', async () => {
  const { entries, graded, scrape } = await setup();
  await scrape();
  const fixed: ComplianceReport = { ...REPORT, results: REPORT.results.slice(0, 2).map((r) => ({ ...r, outcome: 'pass' as const })) };
  entries.set(graded.id, entry(fixed, 100));
  assert.deepEqual(complianceLines(await scrape(), 'graded'), [
    'mcp_compliance_score{slug="graded"} 100',
    'mcp_compliance_check{slug="graded",check="legacy.notification.202",level="MUST"} 1',
    'mcp_compliance_check{slug="graded",check="legacy.get.405",level="SHOULD"} 1',
  ]);
});

test('promtool check metrics accepts the exposition with compliance series', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} is not installed` }, async () => {
  const { scrape } = await setup();
  const body = await scrape();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output: out }));
    child.stdin.end(body);
  });
  assert.equal(output, '', `promtool reported problems:\n${output}`);
  assert.equal(code, 0);
});
