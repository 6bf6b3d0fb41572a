// `mcpwatch check --grade`: every compliance check as a row (outcome, level, id, evidence, spec
// link), then the summary, then the grade line when there is one.
import type { ComplianceReport } from '../domain/compliance.ts';
import { truncate } from '../domain/http-status.ts';
import { checkSpec } from '../compliance/catalogue.ts';
import { summarize } from '../compliance/summary.ts';

const MARK = { pass: '✓', fail: '✗', not_applicable: '–', error: '?' } as const;
const LABEL = { pass: 'pass', fail: 'FAIL', not_applicable: 'n/a', error: 'error' } as const;

export function formatCompliance(report: ComplianceReport, gradeLine?: string): string {
  const width = Math.max(...report.results.map((r) => r.id.length));
  const era = report.era ? `${report.era}${report.protocolVersion ? ` ${report.protocolVersion}` : ''}` : 'no handshake';
  const out = [`compliance (${era}, ${report.results.length} checks, ${Math.round(report.durationMs)} ms)`, ''];
  for (const r of report.results) {
    out.push(`  ${MARK[r.outcome]} ${LABEL[r.outcome].padEnd(5)} ${r.level.padEnd(6)} ${r.id.padEnd(width)}  ${truncate(r.evidence, 200)}`);
    const spec = checkSpec(r.id)?.spec;
    if (spec !== undefined && r.outcome !== 'not_applicable') out.push(`  ${' '.repeat(17 + width)}${spec}`);
  }
  const s = summarize(report.results);
  out.push('', `  summary: ${s.mustFailed} MUST failed · ${s.shouldFailed} SHOULD failed · ${s.passed} passed · ${s.notApplicable} not applicable · ${s.errors} not observed`);
  if (gradeLine !== undefined) out.push(`  grade:   ${gradeLine}`);
  return out.join('\n');
}
