import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckOutcome, CheckResult, ComplianceLevel, ComplianceReport } from '../../src/domain/compliance.ts';
import { GRADE_BANDS, GRADE_WEIGHTS, compliancePoints, gradeOf, gradeText, latencyPoints, letterFor, uptimePoints } from '../../src/domain/grade.ts';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';

const POLICY = DEFAULT_HEALTH_POLICY;
const OPTIONS = { policy: POLICY, latencyBudgetMs: 1000 };
const rounds = (up: number, down: number, authRequired = 0) => ({ up, degraded: 0, authRequired, down });

function report(...results: ReadonlyArray<readonly [ComplianceLevel, CheckOutcome]>): ComplianceReport {
  return {
    checkedAt: '2026-12-02T10:00:00.000Z',
    era: 'streamable',
    protocolVersion: '2025-06-18',
    durationMs: 120,
    results: results.map(([level, outcome], i): CheckResult => ({ id: `check.${i}`, level, outcome, evidence: `evidence ${i}` })),
  };
}

describe('grade: uptime points (50, linear from 95 % to 100 %)', () => {
  const cases: ReadonlyArray<readonly [number, number, number]> = [
    [100, 100, 50],
    [999, 1000, 49],
    [9999, 10_000, 49.9],
    // Never rounded up: 99.999 % is not 100 %.
    [99_999, 100_000, 49.9],
    [99, 100, 40],
    [97, 100, 20],
    [95, 100, 0],
    [50, 100, 0],
    [0, 10, 0],
  ];
  for (const [good, total, points] of cases) test(`${good} good of ${total} → ${points}`, () => assert.equal(uptimePoints(good, total), points));
});

describe('grade: latency points (20 within the budget, 0 from four budgets, linear between)', () => {
  const cases: ReadonlyArray<readonly [number | null, number, number]> = [
    [0, 1000, 20],
    [999, 1000, 20],
    [1000, 1000, 20],
    [1001, 1000, 19.9],
    [2500, 1000, 10],
    [4000, 1000, 0],
    [60_000, 1000, 0],
    [250, 200, 18.3],
    [null, 1000, 0],
  ];
  for (const [p95, budget, points] of cases) test(`p95 ${p95} ms, budget ${budget} ms → ${points}`, () => assert.equal(latencyPoints(p95, budget), points));
});

describe('grade: compliance points (30 − 15 per MUST failure − 5 per SHOULD failure)', () => {
  const cases: ReadonlyArray<readonly [string, ComplianceReport, number]> = [
    ['all pass', report(['MUST', 'pass'], ['SHOULD', 'pass']), 30],
    ['one SHOULD failure', report(['MUST', 'pass'], ['SHOULD', 'fail']), 25],
    ['one MUST failure', report(['MUST', 'fail'], ['SHOULD', 'pass']), 15],
    ['a MUST failure costs three SHOULD failures', report(['SHOULD', 'fail'], ['SHOULD', 'fail'], ['SHOULD', 'fail'], ['MUST', 'pass']), 15],
    ['two MUST failures', report(['MUST', 'fail'], ['MUST', 'fail']), 0],
    ['never below zero', report(['MUST', 'fail'], ['MUST', 'fail'], ['MUST', 'fail'], ['SHOULD', 'fail']), 0],
    ['error and not_applicable never count against', report(['MUST', 'error'], ['MUST', 'not_applicable'], ['SHOULD', 'error'], ['MUST', 'pass']), 30],
  ];
  for (const [name, r, points] of cases) {
    test(name, () => {
      const grade = gradeOf({ rounds: rounds(10, 0), p95Ms: 10, report: r }, OPTIONS);
      assert.equal(grade.components.compliance.points, points);
    });
  }
  test('compliancePoints from counts', () => assert.equal(compliancePoints({ pass: 0, failMust: 1, failShould: 1, notApplicable: 0, error: 0 }), 10));
});

describe('grade: letters', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [100, 'A'],
    [90, 'A'],
    [89, 'B'],
    [80, 'B'],
    [79, 'C'],
    [70, 'C'],
    [69, 'D'],
    [60, 'D'],
    [59, 'E'],
    [50, 'E'],
    [49, 'F'],
    [0, 'F'],
  ];
  for (const [score, letter] of cases) test(`${score} → ${letter}`, () => assert.equal(letterFor(score), letter));
  test('the bands cover 0–100 from the best down', () => {
    assert.deepEqual(
      GRADE_BANDS.map((b) => b.letter),
      ['A', 'B', 'C', 'D', 'E', 'F'],
    );
    assert.equal(GRADE_BANDS.at(-1)?.min, 0);
    assert.equal(GRADE_WEIGHTS.uptime + GRADE_WEIGHTS.latency + GRADE_WEIGHTS.compliance, 100);
  });
});

describe('grade: whole grades, every input shown', () => {
  test('a perfect server: A 100 with every component and input', () => {
    const grade = gradeOf({ rounds: rounds(43_200, 0), p95Ms: 180, report: report(['MUST', 'pass'], ['SHOULD', 'not_applicable']) }, OPTIONS);
    assert.deepEqual(grade, {
      score: 100,
      letter: 'A',
      pending: [],
      components: {
        uptime: { value: 1, points: 50, max: 50 },
        latency: { value: 180, budgetMs: 1000, points: 20, max: 20 },
        compliance: { value: { pass: 1, failMust: 0, failShould: 0, notApplicable: 1, error: 0 }, points: 30, max: 30 },
      },
      inputs: { rounds: 43_200, goodRounds: 43_200, p95Ms: 180, latencyBudgetMs: 1000, complianceCheckedAt: '2026-12-02T10:00:00.000Z' },
    });
    assert.equal(gradeText(grade), 'A 100');
  });

  const cases: ReadonlyArray<readonly [string, Parameters<typeof gradeOf>[0], number, string]> = [
    ['99 % up, slow, one MUST failure', { rounds: rounds(99, 1), p95Ms: 2500, report: report(['MUST', 'fail']) }, 65, 'D'],
    ['the points shown add up to the score (floored)', { rounds: rounds(9999, 1), p95Ms: 1001, report: report(['SHOULD', 'fail']) }, 94, 'A'],
    ['one MUST failure on an otherwise perfect server is a B', { rounds: rounds(100, 0), p95Ms: 100, report: report(['MUST', 'fail'], ['MUST', 'pass']) }, 85, 'B'],
    ['down for good', { rounds: rounds(0, 100), p95Ms: null, report: report(['MUST', 'pass']) }, 30, 'F'],
    // Not an outage under the default policy, so it counts as good.
    ['auth required counts as up by default', { rounds: rounds(0, 0, 10), p95Ms: 100, report: report(['MUST', 'pass']) }, 100, 'A'],
  ];
  for (const [name, input, score, letter] of cases) {
    test(name, () => {
      const grade = gradeOf(input, OPTIONS);
      assert.equal(grade.score, score);
      assert.equal(grade.letter, letter);
      const { uptime, latency, compliance } = grade.components;
      assert.equal(Math.floor((uptime.points ?? 0) + (latency.points ?? 0) + (compliance.points ?? 0) + 1e-9), score);
    });
  }

  test('the health policy decides what uptime is', () => {
    const input = { rounds: rounds(0, 0, 10), p95Ms: 100, report: report(['MUST', 'pass']) };
    assert.equal(gradeOf(input, { ...OPTIONS, policy: { ...POLICY, authRequiredIsOutage: true } }).score, 50);
  });

  test('the latency budget is configurable', () => {
    const input = { rounds: rounds(10, 0), p95Ms: 2000, report: report(['MUST', 'pass']) };
    assert.equal(gradeOf(input, { ...OPTIONS, latencyBudgetMs: 2000 }).score, 100);
    assert.equal(gradeOf(input, { ...OPTIONS, latencyBudgetMs: 500 }).score, 80);
  });
});

describe('grade: missing inputs are pending, never guessed', () => {
  test('no compliance report yet: pending, the other components still shown', () => {
    const grade = gradeOf({ rounds: rounds(10, 0), p95Ms: 100, report: null }, OPTIONS);
    assert.equal(grade.score, null);
    assert.equal(grade.letter, null);
    assert.deepEqual(grade.pending, ['no-compliance-report']);
    assert.deepEqual(grade.components.uptime, { value: 1, points: 50, max: 50 });
    assert.equal(grade.components.latency.points, 20);
    assert.deepEqual(grade.components.compliance, { value: null, points: null, max: 30 });
    assert.equal(gradeText(grade), 'pending');
  });

  test('no rounds in 30 days: pending, no uptime or latency points', () => {
    const grade = gradeOf({ rounds: rounds(0, 0), p95Ms: null, report: report(['MUST', 'pass']) }, OPTIONS);
    assert.deepEqual(grade.pending, ['no-rounds']);
    assert.equal(grade.score, null);
    assert.deepEqual(grade.components.uptime, { value: null, points: null, max: 50 });
    assert.equal(grade.components.latency.points, null);
    assert.equal(grade.components.compliance.points, 30);
  });

  test('a report that observed nothing (every check errored): pending, not a pass', () => {
    const grade = gradeOf({ rounds: rounds(10, 0), p95Ms: 100, report: report(['MUST', 'error'], ['SHOULD', 'not_applicable']) }, OPTIONS);
    assert.deepEqual(grade.pending, ['no-compliance-verdict']);
    assert.equal(grade.score, null);
    assert.deepEqual(grade.components.compliance.value, { pass: 0, failMust: 0, failShould: 0, notApplicable: 1, error: 1 });
  });

  test('an empty report is no verdict either', () => {
    assert.deepEqual(gradeOf({ rounds: rounds(10, 0), p95Ms: 100, report: report() }, OPTIONS).pending, ['no-compliance-verdict']);
  });

  test('everything missing: every reason listed', () => {
    assert.deepEqual(gradeOf({ rounds: rounds(0, 0), p95Ms: null, report: null }, OPTIONS).pending, ['no-rounds', 'no-compliance-report']);
  });
});
