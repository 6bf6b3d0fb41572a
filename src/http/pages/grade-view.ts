// The grade on an endpoint's public page (issue 15): the score and letter, each component with the
// input it came from, and the failed checks of the latest report. Pure. Every string here may come
// from the server (check ids and evidence are server-derived): the template escapes them all, and
// nothing here is ever marked safe.
import type { CheckResult, ComplianceLevel, ComplianceReport } from '../../domain/compliance.ts';
import { PENDING_REASONS, gradeText, type Grade, type GradeLetter } from '../../domain/grade.ts';
import type { HealthPolicy } from '../../domain/health.ts';
import { formatUptime, uptimeOf } from '../../domain/uptime.ts';
import { eraLabel, formatMs, formatUtc, plural } from './format.ts';

export interface GradeRow {
  readonly name: string;
  /** The input, in words: "99.95% of 43,200 rounds". */
  readonly input: string;
  /** "49.9 / 50", or "— / 50" when it cannot be computed. */
  readonly points: string;
}

export interface FailedCheckView {
  readonly id: string;
  readonly level: ComplianceLevel;
  readonly evidence: string;
  /** Where the requirement is written, as text; empty until the catalogue gives one. */
  readonly spec: string;
}

export interface GradeView {
  readonly score: number | null;
  readonly letter: GradeLetter | null;
  readonly text: string;
  /** CSS class of the letter: g-a … g-f, or g-pending. */
  readonly letterClass: string;
  readonly pending: readonly string[];
  readonly rows: readonly GradeRow[];
  readonly checkedAt: string | null;
  readonly checkedText: string;
  readonly protocolText: string;
  readonly failed: readonly FailedCheckView[];
  readonly totals: string;
}

/** Where each check's requirement is written (the checks' catalogue), by id; absent ids get none. */
export type SpecLinks = (checkId: string) => string | undefined;

const points = (value: number | null, max: number): string => `${value === null ? '—' : String(value)} / ${max}`;

export function gradeView(grade: Grade, report: ComplianceReport | null, policy: HealthPolicy, specLink: SpecLinks = () => undefined): GradeView {
  const { uptime, latency, compliance } = grade.components;
  const u = uptimeOf({ up: grade.inputs.goodRounds, degraded: 0, authRequired: 0, down: grade.inputs.rounds - grade.inputs.goodRounds }, policy);
  const c = compliance.value;
  const failed = (report?.results ?? []).filter((r: CheckResult) => r.outcome === 'fail');
  return {
    score: grade.score,
    letter: grade.letter,
    text: gradeText(grade),
    letterClass: grade.letter === null ? 'g-pending' : `g-${grade.letter.toLowerCase()}`,
    pending: grade.pending.map((reason) => PENDING_REASONS[reason]),
    rows: [
      { name: 'Uptime (30 days)', input: grade.inputs.rounds === 0 ? 'no rounds' : `${formatUptime(u)} of ${plural(grade.inputs.rounds, 'round')}`, points: points(uptime.points, uptime.max) },
      {
        name: 'Latency p95 (30 days)',
        input: `${latency.value === null ? 'not measured' : formatMs(latency.value)} (budget ${latency.budgetMs} ms)`,
        points: points(latency.points, latency.max),
      },
      {
        name: 'Compliance',
        input: c === null ? 'no report yet' : `${c.failMust} MUST and ${c.failShould} SHOULD failed, ${c.pass} passed, ${c.notApplicable} not applicable, ${c.error} not observed`,
        points: points(compliance.points, compliance.max),
      },
    ],
    checkedAt: report?.checkedAt ?? null,
    checkedText: report === null ? 'never' : formatUtc(report.checkedAt),
    protocolText: report === null ? '—' : `${eraLabel(report.era)}${report.protocolVersion === null ? '' : ` ${report.protocolVersion}`}`,
    // MUST failures first: they cost the most.
    failed: [...failed]
      .sort((a, b) => (a.level === b.level ? 0 : a.level === 'MUST' ? -1 : 1))
      .map((r) => ({ id: r.id, level: r.level, evidence: r.evidence, spec: specLink(r.id) ?? '' })),
    totals: report === null ? '' : plural(report.results.length, 'check'),
  };
}
