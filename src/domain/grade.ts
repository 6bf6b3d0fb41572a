// The grade of an endpoint (issue 15): a score 0–100 and a letter from three components, each
// shown with its input beside it so a reader can redo the sum. Pure: counts and a report in, the
// grade out. README "Grade" states the same formula; the table tests in test/domain/grade.test.ts
// hold both to it.
//
// - Uptime (50 points): the 30-day ratio of rounds that were not outages (domain/uptime.ts, the
//   one definition: discounted rounds are already left out by the store). 100 % earns 50, 95 %
//   or less earns 0, linear between: 99.9 % is 49, 99 % is 40. An uptime figure has its meaning in
//   the last few percent; a scale from 0 % would give a server down a day in ten 45 points.
// - Latency (20 points): the 30-day p95 against a budget (config `compliance.latencyBudgetMs`).
//   At or under the budget earns 20, four times the budget or more earns 0, linear between. Rounds
//   in the window but no p95 (nothing answered to time) earns 0: slowness cannot be better than it.
// - Compliance (30 points): 30, minus 15 per failed MUST and 5 per failed SHOULD, never below 0.
//   One MUST failure costs what three SHOULD failures do. `error` (not observed) and
//   `not_applicable` count neither way. A penalty per failure, not a pass ratio, so one broken
//   requirement costs the same whatever the size of the catalogue.
//
// Each component's points are floored to one decimal and the score is their sum floored to a whole
// number: the figures shown add up to the score shown, and, as with uptime (domain/uptime.ts),
// nothing is rounded up into a figure the server did not earn (99.99 % uptime is 49.9 points,
// never 50).
//
// Pending: no score and no letter, with the reasons, when an input is missing — no round in the
// 30 days, no compliance report yet, or a report with no pass or fail at all (every check `error`
// or `not_applicable`: nothing was observed, so nothing can be graded). The components that can be
// computed still are, so a surface shows what is known. A grade is never guessed from partial inputs.
import type { CheckOutcome, ComplianceLevel, ComplianceReport } from './compliance.ts';
import type { HealthPolicy } from './health.ts';
import { uptimeOf, type RoundCounts } from './uptime.ts';

export const GRADE_WEIGHTS = { uptime: 50, latency: 20, compliance: 30 } as const;

/** Uptime at or below this ratio earns no points. */
export const UPTIME_FLOOR = 0.95;
/** p95 at this many budgets or more earns no latency points. */
export const LATENCY_ZERO_AT_BUDGETS = 4;
/** Points one failed check of each level costs. */
export const FAILURE_PENALTY = { MUST: 15, SHOULD: 5 } as const satisfies Record<ComplianceLevel, number>;
export const DEFAULT_LATENCY_BUDGET_MS = 1000;

/** Letters from the best down, each with the lowest score it takes. */
export const GRADE_BANDS = [
  { letter: 'A', min: 90 },
  { letter: 'B', min: 80 },
  { letter: 'C', min: 70 },
  { letter: 'D', min: 60 },
  { letter: 'E', min: 50 },
  { letter: 'F', min: 0 },
] as const;
export type GradeLetter = (typeof GRADE_BANDS)[number]['letter'];
export const GRADE_LETTERS: readonly GradeLetter[] = GRADE_BANDS.map((b) => b.letter);

export const PENDING_REASONS = {
  'no-rounds': 'no probe round in the last 30 days',
  'no-compliance-report': 'no compliance report yet',
  'no-compliance-verdict': 'the last compliance run observed nothing (every check errored or did not apply)',
} as const;
export type PendingReason = keyof typeof PENDING_REASONS;

export interface GradeInput {
  /** Round counts over the last 30 days. */
  readonly rounds: RoundCounts;
  /** p95 latency over the same 30 days, ms; null when no round was timed. */
  readonly p95Ms: number | null;
  /** The latest compliance report; null when none was made yet. */
  readonly report: ComplianceReport | null;
}

export interface GradeOptions {
  readonly policy: HealthPolicy;
  readonly latencyBudgetMs: number;
}

export interface ComplianceCounts {
  readonly pass: number;
  readonly failMust: number;
  readonly failShould: number;
  readonly notApplicable: number;
  readonly error: number;
}

export interface Grade {
  /** 0–100; null while pending. */
  readonly score: number | null;
  readonly letter: GradeLetter | null;
  /** Why there is no score; empty when graded. */
  readonly pending: readonly PendingReason[];
  readonly components: {
    /** value: the 30-day uptime ratio (null without rounds). */
    readonly uptime: { readonly value: number | null; readonly points: number | null; readonly max: number };
    /** value: the 30-day p95 in ms (null when nothing was timed). */
    readonly latency: { readonly value: number | null; readonly budgetMs: number; readonly points: number | null; readonly max: number };
    /** value: the last report's outcomes counted (null without a report). */
    readonly compliance: { readonly value: ComplianceCounts | null; readonly points: number | null; readonly max: number };
  };
  /** Everything the grade was computed from. */
  readonly inputs: {
    readonly rounds: number;
    readonly goodRounds: number;
    readonly p95Ms: number | null;
    readonly latencyBudgetMs: number;
    readonly complianceCheckedAt: string | null;
  };
}

/** Floored to tenths; the epsilon keeps 39.99999999 (float noise on an exact 40) at 40. */
const tenths = (x: number): number => Math.floor(x * 10 + 1e-9);
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export function letterFor(score: number): GradeLetter {
  for (const band of GRADE_BANDS) if (score >= band.min) return band.letter;
  return 'F';
}

export function countOutcomes(report: ComplianceReport): ComplianceCounts {
  const counts = { pass: 0, failMust: 0, failShould: 0, notApplicable: 0, error: 0 };
  const key: Record<Exclude<CheckOutcome, 'fail'>, 'pass' | 'notApplicable' | 'error'> = { pass: 'pass', not_applicable: 'notApplicable', error: 'error' };
  for (const r of report.results) {
    if (r.outcome === 'fail') counts[r.level === 'MUST' ? 'failMust' : 'failShould']++;
    else counts[key[r.outcome]]++;
  }
  return counts;
}

export function uptimePoints(good: number, total: number): number {
  // (ratio − floor) / (1 − floor) = (20·good − 19·total) / total for a 95 % floor: integers, exact.
  const span = Math.round(1 / (1 - UPTIME_FLOOR));
  return tenths(GRADE_WEIGHTS.uptime * clamp01((span * good - (span - 1) * total) / total)) / 10;
}

export function latencyPoints(p95Ms: number | null, budgetMs: number): number {
  if (p95Ms === null) return 0;
  return tenths(GRADE_WEIGHTS.latency * clamp01((LATENCY_ZERO_AT_BUDGETS * budgetMs - p95Ms) / ((LATENCY_ZERO_AT_BUDGETS - 1) * budgetMs))) / 10;
}

export function compliancePoints(counts: ComplianceCounts): number {
  return Math.max(0, GRADE_WEIGHTS.compliance - FAILURE_PENALTY.MUST * counts.failMust - FAILURE_PENALTY.SHOULD * counts.failShould);
}

export function gradeOf(input: GradeInput, options: GradeOptions): Grade {
  const pending: PendingReason[] = [];
  const u = uptimeOf(input.rounds, options.policy);
  const hasRounds = u.total > 0;
  if (!hasRounds) pending.push('no-rounds');
  const counts = input.report === null ? null : countOutcomes(input.report);
  if (counts === null) pending.push('no-compliance-report');
  else if (counts.pass + counts.failMust + counts.failShould === 0) pending.push('no-compliance-verdict');

  const uptime = hasRounds ? uptimePoints(u.good, u.total) : null;
  const latency = hasRounds ? latencyPoints(input.p95Ms, options.latencyBudgetMs) : null;
  const compliance = counts === null || pending.includes('no-compliance-verdict') ? null : compliancePoints(counts);
  const score = uptime === null || latency === null || compliance === null ? null : Math.floor((Math.round(uptime * 10) + Math.round(latency * 10) + compliance * 10) / 10);
  return {
    score,
    letter: score === null ? null : letterFor(score),
    pending,
    components: {
      uptime: { value: u.ratio, points: uptime, max: GRADE_WEIGHTS.uptime },
      latency: { value: hasRounds ? input.p95Ms : null, budgetMs: options.latencyBudgetMs, points: latency, max: GRADE_WEIGHTS.latency },
      compliance: { value: counts, points: compliance, max: GRADE_WEIGHTS.compliance },
    },
    inputs: {
      rounds: u.total,
      goodRounds: u.good,
      p95Ms: input.p95Ms,
      latencyBudgetMs: options.latencyBudgetMs,
      complianceCheckedAt: input.report?.checkedAt ?? null,
    },
  };
}

/** gradeOf from a window's summary (the store's UptimeSummary has this shape): the one recipe every surface uses. */
export function gradeOfSummary(summary: RoundCounts & { readonly p95Ms: number | null }, report: ComplianceReport | null, options: GradeOptions): Grade {
  return gradeOf({ rounds: summary, p95Ms: summary.p95Ms, report }, options);
}

/** "B 84", or "pending": the short form badges and lists use. */
export function gradeText(grade: Grade): string {
  return grade.score === null || grade.letter === null ? 'pending' : `${grade.letter} ${grade.score}`;
}
