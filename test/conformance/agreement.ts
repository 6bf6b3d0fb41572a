// Where mcpwatch's compliance checks and the official conformance suite judge the same
// requirement: the mapping (defined once, here), how each side's outcome becomes a verdict, and
// the agreement table printed by agreement.test.ts and pasted into the closing note.
import type { CheckId } from '../../src/compliance/catalogue.ts';
import type { CheckOutcome } from '../../src/domain/compliance.ts';
import type { Era } from '../../src/domain/probe-result.ts';
import type { Check } from './suite.ts';

export interface Correspondence {
  readonly check: CheckId;
  readonly scenario: string;
  readonly revision: string;
  /** The suite's check ids for the same requirement; all must hold for the suite to say pass. */
  readonly suiteChecks: readonly string[];
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

export const CORRESPONDENCES: readonly Correspondence[] = [
  { check: 'modern.discover.supported-versions', scenario: 'server-stateless', revision: MODERN, suiteChecks: ['sep-2575-server-implements-discover'] },
  { check: 'modern.discover.server-info', scenario: 'server-stateless', revision: MODERN, suiteChecks: ['sep-2575-server-identifies-in-result-meta'] },
  { check: 'modern.http.header-mismatch', scenario: 'server-stateless', revision: MODERN, suiteChecks: ['sep-2575-http-server-header-mismatch-400'] },
  {
    check: 'modern.http.unsupported-version',
    scenario: 'server-stateless',
    revision: MODERN,
    suiteChecks: ['sep-2575-server-unsupported-version-error', 'sep-2575-http-server-unsupported-version-400'],
  },
  { check: 'modern.http.method-not-found', scenario: 'server-stateless', revision: MODERN, suiteChecks: ['sep-2575-http-server-method-not-found-404'] },
  { check: 'modern.tools-list.caching-hints', scenario: 'caching', revision: MODERN, suiteChecks: ['sep-2549-tools-list-caching-hints'] },
  { check: 'tools.names.valid', scenario: 'tools-list', revision: MODERN, suiteChecks: ['tools-name-format'] },
  { check: 'tools.names.valid', scenario: 'tools-list', revision: LEGACY, suiteChecks: ['tools-name-format'] },
  { check: 'http.origin.foreign-refused', scenario: 'dns-rebinding-protection', revision: MODERN, suiteChecks: ['localhost-host-rebinding-rejected'] },
  { check: 'http.origin.foreign-refused', scenario: 'dns-rebinding-protection', revision: LEGACY, suiteChecks: ['localhost-host-rebinding-rejected'] },
  { check: 'streamable.notification.202', scenario: 'server-session-lifecycle', revision: LEGACY, suiteChecks: ['server-session-initialized-accepted'] },
  { check: 'streamable.session.delete', scenario: 'server-session-lifecycle', revision: LEGACY, suiteChecks: ['server-session-delete-accepted', 'server-session-terminated-returns-404'] },
];

/** The era mcpwatch judges a revision's requirements in. */
export function eraOfRevision(revision: string): Era {
  return revision === MODERN ? 'modern' : 'streamable';
}

export type Verdict = 'pass' | 'fail' | null;

export function mcpwatchVerdict(outcome: CheckOutcome | undefined): Verdict {
  return outcome === 'pass' || outcome === 'fail' ? outcome : null;
}

/**
 * The suite's verdict over the checks named: any FAILURE or WARNING (a SHOULD broken) fails,
 * all SUCCESS passes; a check it could not exercise (`untestable`, SKIPPED, INFO) or did not
 * report gives no verdict.
 */
export function suiteVerdict(checks: readonly Check[], ids: readonly string[]): Verdict {
  const relevant = checks.filter((c) => ids.includes(c.id));
  if (relevant.length === 0) return null;
  if (relevant.some((c) => c.details?.untestable === true || c.status === 'SKIPPED' || c.status === 'INFO')) return null;
  if (!ids.every((id) => relevant.some((c) => c.id === id))) return null;
  return relevant.some((c) => c.status === 'FAILURE' || c.status === 'WARNING') ? 'fail' : 'pass';
}

export interface AgreementRow {
  readonly server: string;
  readonly check: CheckId;
  readonly suite: string;
  readonly mcpwatch: Verdict;
  readonly suiteVerdict: Verdict;
  readonly note: string;
}

export function compared(row: AgreementRow): boolean {
  return row.mcpwatch !== null && row.suiteVerdict !== null;
}

export function formatAgreement(rows: readonly AgreementRow[]): string {
  const mark = (v: Verdict): string => v ?? '—';
  const lines = ['| server | mcpwatch check | suite scenario: check(s) | mcpwatch | suite | agree |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const agree = compared(r) ? (r.mcpwatch === r.suiteVerdict ? 'yes' : '**NO**') : `n/a (${r.note})`;
    lines.push(`| ${r.server} | \`${r.check}\` | ${r.suite} | ${mark(r.mcpwatch)} | ${mark(r.suiteVerdict)} | ${agree} |`);
  }
  const both = rows.filter(compared);
  lines.push('', `${both.filter((r) => r.mcpwatch === r.suiteVerdict).length}/${both.length} requirements both judged agree; ${rows.length - both.length} rows judged by one side only.`);
  return lines.join('\n');
}
