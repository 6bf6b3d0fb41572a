// The grade line of `mcpwatch check --grade`: the grade formula (domain/grade.ts) over what one
// run observed — this probe as the only round (its duration as the p95) and this compliance
// report — with the default latency budget. The service grades 30 days of rounds instead; the
// line says so, and shows each component's points beside its input.
import type { ComplianceReport } from '../domain/compliance.ts';
import { DEFAULT_LATENCY_BUDGET_MS, gradeOf, gradeText, type Grade } from '../domain/grade.ts';
import { DEFAULT_HEALTH_POLICY } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import type { RoundCounts } from '../domain/uptime.ts';

const ROUND_KEY = { up: 'up', degraded: 'degraded', auth_required: 'authRequired', down: 'down' } as const;

export function oneRunGrade(result: ProbeResult, report: ComplianceReport, latencyBudgetMs = DEFAULT_LATENCY_BUDGET_MS): Grade {
  const rounds: RoundCounts = { up: 0, degraded: 0, authRequired: 0, down: 0, [ROUND_KEY[result.status]]: 1 };
  return gradeOf({ rounds, p95Ms: result.status === 'down' ? null : result.durationMs, report }, { policy: DEFAULT_HEALTH_POLICY, latencyBudgetMs });
}

const pts = (c: { points: number | null; max: number }): string => `${c.points ?? '—'}/${c.max}`;

export function gradeLine(grade: Grade): string {
  const { uptime, latency, compliance } = grade.components;
  const latencyText = latency.value === null ? 'not timed' : `${Math.round(latency.value)} ms of ${latency.budgetMs} ms`;
  return (
    `${gradeText(grade)} — uptime ${pts(uptime)} (this probe only), latency ${pts(latency)} (${latencyText}), compliance ${pts(compliance)}` +
    `; serve grades 30 days of rounds`
  );
}
