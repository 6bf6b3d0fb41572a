// The compliance summary: counts by outcome, MUST and SHOULD failures apart (MUST weighs more).
import type { CheckResult } from '../domain/compliance.ts';

export interface ComplianceSummary {
  readonly mustFailed: number;
  readonly shouldFailed: number;
  readonly passed: number;
  readonly notApplicable: number;
  /** Not observed: no verdict, never counted against the server. */
  readonly errors: number;
}

export function summarize(results: readonly CheckResult[]): ComplianceSummary {
  const count = (predicate: (r: CheckResult) => boolean): number => results.filter(predicate).length;
  return {
    mustFailed: count((r) => r.outcome === 'fail' && r.level === 'MUST'),
    shouldFailed: count((r) => r.outcome === 'fail' && r.level === 'SHOULD'),
    passed: count((r) => r.outcome === 'pass'),
    notApplicable: count((r) => r.outcome === 'not_applicable'),
    errors: count((r) => r.outcome === 'error'),
  };
}
