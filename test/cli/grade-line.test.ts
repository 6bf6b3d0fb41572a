import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradeLine, oneRunGrade } from '../../src/cli/grade-line.ts';
import type { ComplianceReport } from '../../src/domain/compliance.ts';
import { probeResult } from '../fixtures/probe-result.ts';

const REPORT: ComplianceReport = {
  checkedAt: '2026-12-02T10:00:00.000Z',
  era: 'streamable',
  protocolVersion: '2025-11-25',
  durationMs: 300,
  results: [
    { id: 'streamable.notification.202', level: 'MUST', outcome: 'pass', evidence: '202' },
    { id: 'origin.foreign-refused', level: 'SHOULD', outcome: 'fail', evidence: '200' },
  ],
};

test('check --grade: the probe as the only round, its duration as the p95, every component beside its points', () => {
  const grade = oneRunGrade(probeResult({ status: 'up', durationMs: 2500 }), REPORT);
  assert.equal(grade.score, 50 + 10 + 25);
  assert.equal(gradeLine(grade), 'B 85 — uptime 50/50 (this probe only), latency 10/20 (2500 ms of 1000 ms), compliance 25/30; serve grades 30 days of rounds');
});

test('check --grade: a probe that failed earns no uptime or latency points', () => {
  const grade = oneRunGrade(probeResult({ status: 'down', durationMs: 15_000, code: 'TCP_REFUSED' }), REPORT);
  assert.equal(grade.score, 25);
  assert.equal(grade.letter, 'F');
  assert.match(gradeLine(grade), /^F 25 — uptime 0\/50 .*latency 0\/20 \(not timed\)/);
});

test('check --grade: a run that observed nothing is pending', () => {
  const grade = oneRunGrade(probeResult({ status: 'up', durationMs: 100 }), { ...REPORT, results: [{ id: 'x', level: 'MUST', outcome: 'error', evidence: 'timeout' }] });
  assert.match(gradeLine(grade), /^pending — /);
});
